//! The wire codec: NetBIOS framing, the SMB1 header, strings, AndX chains and every message.
//!
//! One codec per message, shared by both roles: the client encodes requests and decodes
//! responses with the same code the server uses to decode requests and encode responses.
//!
//! ```
//! use bytes::Bytes;
//! use smb_proto::wire::msg::EchoRequest;
//! use smb_proto::wire::{Command, Header, Message, Request};
//!
//! // Encode an ECHO request, decode it back: the same typed value.
//! let msg = Message::<Request>::new(
//!     Header::default(),
//!     EchoRequest { echo_count: 1, data: Bytes::from_static(b"ping") }.into(),
//! );
//! let bytes = msg.encode();
//! assert_eq!(&bytes[..4], b"\xffSMB");
//! let back = Message::<Request>::decode(&bytes).unwrap();
//! assert_eq!(back.command(), Command::ECHO);
//! assert_eq!(back.encode(), bytes);
//! ```

pub mod codec;
pub mod codepage;
pub mod consts;
pub mod dialect;
pub mod header;
pub mod message;
pub mod msg;
pub mod names;
pub mod netbios;
pub mod status;
pub mod strings;

pub use codec::{DecodeError, DecodeErrorKind, Pad, Reader, Writer};
pub use header::{Command, Flags, Flags2, HEADER_LEN, Header};
pub use message::{Block, BlockExtra, Body, ErrorResponse, Message, MessageBody, RawBlock};
pub use msg::{Request, RequestMessage, Response, ResponseMessage};
pub use netbios::{Deframer, FrameError, NbssPacket, NetbiosName, Transport};
pub use status::{DosError, NtStatus, Status};
