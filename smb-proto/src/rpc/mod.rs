//! DCE/RPC over named pipes (MS-RPCE connection-oriented protocol, NDR 2.0): what `smb
//! serve` answers on `\PIPE\srvsvc` and `\PIPE\wkssvc` of IPC$, and what the client uses
//! to list shares over srvsvc.
//!
//! Layers, bottom up:
//!
//! * [`ndr`]: NDR 2.0 reader (bounded) and writer; [`uuid`]: UUIDs and syntax IDs;
//! * [`pdu`] and [`bind`]: the PDUs, decoded and encoded byte for byte;
//! * [`negotiate`]: presentation context negotiation;
//! * [`share_info`], [`srvsvc`], [`wkssvc`], [`tod`]: the two interfaces' calls;
//! * [`server`]: [`PipeEndpoint`], one per open pipe, fed with what the client writes;
//! * [`client`]: the bind and NetShareEnumAll PDUs a client sends, and their parsing.
//!
//! [`info::ServerInfo`] is the plain description of the server (name, comment, domain,
//! version, shares) the services report.

pub mod bind;
pub mod call;
pub mod client;
pub mod info;
pub mod ndr;
pub mod negotiate;
pub mod pdu;
pub mod server;
pub mod share_info;
pub mod srvsvc;
pub mod status;
pub mod tod;
pub mod uuid;
pub mod wkssvc;

pub use call::Caller;
pub use info::{ServerInfo, ShareEntry};
pub use server::{Interface, PipeEndpoint, PipeError, PipeRead, lookup_pipe};
