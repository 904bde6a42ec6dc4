//! smb-async: the async host of the smb-proto SMB1 core, written once over a small
//! [`Runtime`] trait (tasks, a blocking pool, timers, TCP and UDP sockets), in the manner
//! of quinn's `Runtime`. `smb-tokio` and `smb-smol` implement the trait and re-export
//! what is here under their own names; use those crates, or implement [`Runtime`] for
//! another executor.
//!
//! - [`Client`]: an async client. A driver task owns the sans-IO connection and the
//!   socket; handles are cheap clones, and operations from several of them are in flight
//!   together. Whole-file transfers keep several reads or writes in flight
//!   ([`Client::download_into`], [`Client::upload_from`]); [`File`] reads, writes and
//!   seeks with poll methods that the adapters turn into their I/O traits.
//! - [`Server`]: a task per connection, driving a `ServerConnection` in the order
//!   smb-proto's crate documentation gives; quick file operations run inline, the others
//!   on the runtime's blocking pool; large unsigned reads are sent from the file
//!   (`sendfile`) whenever the socket takes them, so a slow reader holds no thread.
//! - [`name_service::NameService`]: the server's NetBIOS name service (UDP 137) and
//!   browse announcements (UDP 138) as a task over the runtime's UDP sockets.
#![forbid(unsafe_code)]

pub mod client;
mod deadline;
pub mod io;
pub mod name_service;
pub mod runtime;
pub mod server;

/// How to write a host for the sans-IO core, with a complete one that runs as a doc test
/// (the project's `docs/adapters.md`).
#[doc = include_str!("../../docs/adapters.md")]
pub mod guide {}

pub use client::{Client, File, FileSink, Pending, ReadFrom, Sink, Source, WriteTo};
pub use runtime::{AsyncListener, AsyncTcp, AsyncUdp, Runtime};
pub use server::{ConnectionInfo, EventHook, Server, StopHandle};
