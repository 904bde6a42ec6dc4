//! smb-smol: the futures-io adapter for the smb-proto SMB1 core.
//!
//! It runs on smol, async-std or any other executor: sockets come from `async-io`
//! (which drives its own reactor), background tasks run on smol's global executor and
//! file operations on the `blocking` thread pool.
//!
//! - [`Client`]: an async client; files implement futures-io
//!   `AsyncRead + AsyncWrite + AsyncSeek`.
//! - [`Server`]: an async server over any
//!   [`FileSystem`](smb_proto::server::fs::FileSystem), such as [`LocalFs`].
#![forbid(unsafe_code)]

pub mod client;
pub mod server;

pub use client::{Client, File};
pub use server::{Server, StopHandle};
pub use smb_blocking::LocalFs;
