//! Typed SMB1 command bodies, one file per command, both directions.
//!
//! `format` holds the BufferFormat-prefixed fields (strings after 0x04, data blocks after
//! 0x01) that several core-protocol commands share.
//!
//! [`Request`] and [`Response`] gather every typed body; commands without a typed codec
//! decode as [`RawBlock`] and re-encode unchanged.

use bytes::Bytes;

use super::codec::DecodeError;
use super::header::Command;
use super::message::{
    BlockDecoder, BlockEncoder, Body, ErrorResponse, Message, MessageBody, RawBlock, decode_raw,
    encode_raw,
};

pub mod close;
pub mod close_and_tree_disc;
pub mod core_lock;
pub mod core_open;
pub mod create_temporary;
pub mod delete;
pub mod directory;
pub mod echo;
pub mod find;
pub mod find_close;
pub mod find_close2;
pub mod find_unique;
pub mod flush;
mod format;
pub mod lock_and_read;
pub mod locking;
pub mod logoff;
pub mod negotiate;
pub mod negotiate_lanman;
pub mod nt_cancel;
pub mod nt_create;
pub mod nt_rename;
pub mod nt_transact;
pub mod nt_transact_sub;
pub mod open_andx;
pub mod process_exit;
pub mod query_disk;
pub mod query_information;
pub mod query_information2;
pub mod rap;
pub mod rap_servers;
pub mod read;
pub mod read_andx;
pub mod read_raw;
pub mod rename;
pub mod search;
pub mod seek;
pub mod session_setup;
pub mod session_setup_lanman;
pub mod set_information;
pub mod set_information2;
pub mod trans2;
pub mod transaction;
pub mod tree_connect;
pub mod tree_connect_core;
pub mod tree_disconnect;
mod wrap;
pub mod write;
pub mod write_and_close;
pub mod write_and_unlock;
pub mod write_andx;
pub mod write_complete;
pub mod write_raw;

pub use close::*;
pub use close_and_tree_disc::*;
pub use core_lock::*;
pub use core_open::*;
pub use create_temporary::*;
pub use delete::*;
pub use directory::*;
pub use echo::*;
pub use find::*;
pub use find_close::*;
pub use find_close2::*;
pub use find_unique::*;
pub use flush::*;
pub use lock_and_read::*;
pub use locking::*;
pub use logoff::*;
pub use negotiate::*;
pub use negotiate_lanman::*;
pub use nt_cancel::*;
pub use nt_create::*;
pub use nt_rename::*;
pub use nt_transact::*;
pub use open_andx::*;
pub use process_exit::*;
pub use query_disk::*;
pub use query_information::*;
pub use query_information2::*;
pub use read::*;
pub use read_andx::*;
pub use read_raw::*;
pub use rename::*;
pub use search::*;
pub use seek::*;
pub use session_setup::*;
pub use session_setup_lanman::*;
pub use set_information::*;
pub use set_information2::*;
pub use trans2::info::{DirEntry, FileInformation, FsInformation, SetFileInfo};
pub use trans2::sub::Trans2Sub;
pub use trans2::{Trans2Request, Trans2Response};
pub use transaction::*;
pub use tree_connect::*;
pub use tree_connect_core::*;
pub use tree_disconnect::*;
pub use write::*;
pub use write_and_close::*;
pub use write_and_unlock::*;
pub use write_andx::*;
pub use write_complete::*;
pub use write_raw::*;

macro_rules! messages {
    ($($variant:ident($req:ty, $resp:ty);)*) => {
        /// A typed request body.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Request {
            $(
                #[doc = concat!("`", stringify!($variant), "` request.")]
                $variant($req),
            )*
            /// A command without a typed codec.
            Raw(RawBlock),
        }

        /// A typed response body.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Response {
            $(
                #[doc = concat!("`", stringify!($variant), "` response.")]
                $variant($resp),
            )*
            /// An error response (WordCount 0, ByteCount 0; the status is in the header).
            Error(ErrorResponse),
            /// A command without a typed codec.
            Raw(RawBlock),
        }

        impl MessageBody for Request {
            const IS_RESPONSE: bool = false;

            fn command(&self) -> Command {
                match self {
                    $(Request::$variant(_) => <$req as Body>::COMMAND,)*
                    Request::Raw(r) => r.command,
                }
            }

            fn error_body(command: Command) -> Self {
                Request::Raw(RawBlock { command, words: Bytes::new(), data: Bytes::new() })
            }

            fn is_error(&self) -> bool {
                false
            }

            fn decode_block(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
                Ok(match b.command {
                    $(<$req as Body>::COMMAND => Request::$variant(<$req as Body>::decode(b)?),)*
                    _ => Request::Raw(decode_raw(b)),
                })
            }

            fn encode_block(&self, b: &mut BlockEncoder<'_>) {
                match self {
                    $(Request::$variant(x) => x.encode(b),)*
                    Request::Raw(r) => encode_raw(r, b),
                }
            }
        }

        impl MessageBody for Response {
            const IS_RESPONSE: bool = true;

            fn command(&self) -> Command {
                match self {
                    $(Response::$variant(_) => <$resp as Body>::COMMAND,)*
                    Response::Error(e) => e.command,
                    Response::Raw(r) => r.command,
                }
            }

            fn error_body(command: Command) -> Self {
                Response::Error(ErrorResponse { command })
            }

            fn is_error(&self) -> bool {
                matches!(self, Response::Error(_))
            }

            fn decode_block(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
                Ok(match b.command {
                    $(<$resp as Body>::COMMAND => Response::$variant(<$resp as Body>::decode(b)?),)*
                    _ => Response::Raw(decode_raw(b)),
                })
            }

            fn encode_block(&self, b: &mut BlockEncoder<'_>) {
                match self {
                    $(Response::$variant(x) => x.encode(b),)*
                    Response::Error(_) => {}
                    Response::Raw(r) => encode_raw(r, b),
                }
            }
        }

        $(
            impl From<$req> for Request {
                fn from(v: $req) -> Self {
                    Request::$variant(v)
                }
            }
            impl From<$resp> for Response {
                fn from(v: $resp) -> Self {
                    Response::$variant(v)
                }
            }
        )*
    };
}

messages! {
    CreateDirectory(CreateDirectoryRequest, CreateDirectoryResponse);
    DeleteDirectory(DeleteDirectoryRequest, DeleteDirectoryResponse);
    Close(CloseRequest, CloseResponse);
    Flush(FlushRequest, FlushResponse);
    Delete(DeleteRequest, DeleteResponse);
    Rename(RenameRequest, RenameResponse);
    QueryInformation(QueryInformationRequest, QueryInformationResponse);
    SetInformation(SetInformationRequest, SetInformationResponse);
    Read(ReadRequest, ReadResponse);
    Write(WriteRequest, WriteResponse);
    CreateTemporary(CreateTemporaryRequest, CreateTemporaryResponse);
    Open(OpenRequest, OpenResponse);
    Create(CreateRequest, CreateResponse);
    CreateNew(CreateNewRequest, CreateNewResponse);
    QueryInformation2(QueryInformation2Request, QueryInformation2Response);
    LockByteRange(LockByteRangeRequest, LockByteRangeResponse);
    UnlockByteRange(UnlockByteRangeRequest, UnlockByteRangeResponse);
    Seek(SeekRequest, SeekResponse);
    CheckDirectory(CheckDirectoryRequest, CheckDirectoryResponse);
    ProcessExit(ProcessExitRequest, ProcessExitResponse);
    WriteAndUnlock(WriteAndUnlockRequest, WriteAndUnlockResponse);
    LockAndRead(LockAndReadRequest, LockAndReadResponse);
    LockingAndX(LockingAndXRequest, LockingAndXResponse);
    Transaction(TransactionRequest, TransactionResponse);
    Echo(EchoRequest, EchoResponse);
    WriteAndClose(WriteAndCloseRequest, WriteAndCloseResponse);
    OpenAndX(OpenAndXRequest, OpenAndXResponse);
    ReadAndX(ReadAndXRequest, ReadAndXResponse);
    WriteAndX(WriteAndXRequest, WriteAndXResponse);
    Trans2(Trans2Request, Trans2Response);
    FindClose2(FindClose2Request, FindClose2Response);
    TreeDisconnect(TreeDisconnectRequest, TreeDisconnectResponse);
    Negotiate(NegotiateRequest, NegotiateResponse);
    SessionSetupAndX(SessionSetupAndXRequest, SessionSetupAndXResponse);
    LogoffAndX(LogoffAndXRequest, LogoffAndXResponse);
    TreeConnectAndX(TreeConnectAndXRequest, TreeConnectAndXResponse);
    QueryInformationDisk(QueryInformationDiskRequest, QueryInformationDiskResponse);
    Search(SearchRequest, SearchResponse);
    NtTransact(NtTransactRequest, NtTransactResponse);
    NtCreateAndX(NtCreateAndXRequest, NtCreateAndXResponse);
    NtRename(NtRenameRequest, NtRenameResponse);
    NtCancel(NtCancelRequest, NtCancelResponse);
    TreeConnect(TreeConnectRequest, TreeConnectResponse);
    CloseAndTreeDisc(CloseAndTreeDiscRequest, CloseAndTreeDiscResponse);
    ReadRaw(ReadRawRequest, ReadRawResponse);
    WriteRaw(WriteRawRequest, WriteRawResponse);
    WriteComplete(WriteCompleteRequest, WriteCompleteResponse);
    SetInformation2(SetInformation2Request, SetInformation2Response);
    Find(FindRequest, FindResponse);
    FindUnique(FindUniqueRequest, FindUniqueResponse);
    FindClose(FindCloseRequest, FindCloseResponse);
}

/// A request message.
pub type RequestMessage = Message<Request>;
/// A response message.
pub type ResponseMessage = Message<Response>;

/// Defines a placeholder body that keeps its words and data untyped.
///
/// Used for commands whose typed codec is still being written; each keeps the command's
/// bytes exactly.
#[macro_export]
#[doc(hidden)]
macro_rules! untyped_body {
    ($(#[$m:meta])* $name:ident, $cmd:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            /// Parameter words (after any AndX header).
            pub words: bytes::Bytes,
            /// Data bytes.
            pub data: bytes::Bytes,
        }

        impl $crate::wire::message::Body for $name {
            const COMMAND: $crate::wire::header::Command = $crate::wire::header::Command::$cmd;

            fn decode(
                b: &mut $crate::wire::message::BlockDecoder<'_>,
            ) -> Result<Self, $crate::wire::codec::DecodeError> {
                Ok(Self { words: b.params.rest(), data: b.data.rest() })
            }

            fn encode(&self, b: &mut $crate::wire::message::BlockEncoder<'_>) {
                b.w.bytes(&self.words);
                b.start_data();
                b.w.bytes(&self.data);
            }
        }
    };
}

/// Defines a body that is one FID word and no data (FLUSH, QUERY_INFORMATION2, the
/// answers of CREATE and CREATE_NEW).
#[macro_export]
#[doc(hidden)]
macro_rules! fid_body {
    ($(#[$m:meta])* $name:ident, $cmd:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name {
            /// The file.
            pub fid: u16,
        }

        impl $crate::wire::message::Body for $name {
            const COMMAND: $crate::wire::header::Command = $crate::wire::header::Command::$cmd;

            fn decode(
                b: &mut $crate::wire::message::BlockDecoder<'_>,
            ) -> Result<Self, $crate::wire::codec::DecodeError> {
                b.expect_word_count(&[1])?;
                Ok(Self {
                    fid: b.params.u16("FID")?,
                })
            }

            fn encode(&self, b: &mut $crate::wire::message::BlockEncoder<'_>) {
                b.w.u16(self.fid);
                b.start_data();
            }
        }
    };
}

/// Defines a body with no parameter words and no data (WordCount 0, ByteCount 0).
#[macro_export]
#[doc(hidden)]
macro_rules! empty_body {
    ($(#[$m:meta])* $name:ident, $cmd:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        impl $crate::wire::message::Body for $name {
            const COMMAND: $crate::wire::header::Command = $crate::wire::header::Command::$cmd;

            fn decode(
                b: &mut $crate::wire::message::BlockDecoder<'_>,
            ) -> Result<Self, $crate::wire::codec::DecodeError> {
                // An AndX body with nothing after the AndX header may come without the
                // header too (some servers answer LOGOFF_ANDX with WordCount 0): nothing
                // needed is missing.
                let andx = if Self::COMMAND.is_andx() { 2 } else { 0 };
                b.expect_word_count(&[andx, 0])?;
                Ok(Self)
            }

            fn encode(&self, b: &mut $crate::wire::message::BlockEncoder<'_>) {
                b.start_data();
            }
        }
    };
}
