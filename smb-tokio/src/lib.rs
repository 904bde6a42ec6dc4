//! smb-tokio: the tokio adapter for the smb-proto SMB1 core.
//!
//! - [`Client`]: an async client; a driver task owns the connection, the handles are
//!   cheap clones. Files implement `AsyncRead + AsyncWrite + AsyncSeek`.
//! - [`Server`]: an async server; file operations run on tokio's blocking pool against
//!   any [`FileSystem`](smb_proto::server::fs::FileSystem), such as
//!   [`LocalFs`](smb_blocking::LocalFs).
#![forbid(unsafe_code)]

pub mod client;
pub mod server;

pub use client::{Client, File};
pub use server::{Server, StopHandle};
pub use smb_blocking::LocalFs;
