//! A sans-IO SMB1 (CIFS, "NT LM 0.12") protocol core.
//!
//! This crate does no I/O: no sockets, no files, no clock and no randomness of its own.
//! It turns bytes into typed messages and back ([`wire`]), computes and checks NTLM
//! authentication ([`auth`]), signs messages ([`signing`](mod@signing)), and runs the two
//! roles as state machines: [`client::ClientConnection`] and
//! [`server::ServerConnection`]. A host (the `smb-tokio`, `smb-blocking` and `smb-smol`
//! adapters, or your own) moves bytes between these and a socket, passes the time in,
//! and, for the server, performs the file-system requests it is handed
//! ([`server::fs::FsRequest`]) and answers them in any order.
//!
//! [`rpc`] answers DCE/RPC on the named pipes of IPC$ (srvsvc, wkssvc) for the server and
//! lists shares over srvsvc for the client, also without I/O of its own.
//!
//! # The drive loop
//!
//! Both roles are driven the same way. A host owns the socket (and, for the server, the
//! file system) and loops:
//!
//! 1. **Feed one input**, with the current time: bytes read from the socket
//!    (`handle_input`, any chunking; the server also takes bytes read straight into
//!    its buffer with `input_buffer` + `process_input`), the answer of a file-system
//!    request ([`ServerConnection::complete`](server::ServerConnection::complete), any
//!    order), a new client operation (the [`ClientConnection`](client::ClientConnection)
//!    methods, each returning an [`Operation`](client::Operation) at once), the passing of
//!    the deadline `poll_timeout` gave (`handle_timeout`), news another connection of the
//!    same server left for this one (server only: `handle_wake`, see below), or the end of
//!    the stream or a failed write (`handle_eof`).
//! 2. **Drain the outputs**: `poll_event` until it gives nothing (a server runs each
//!    [`ServerEvent::Fs`](server::ServerEvent::Fs) request, inline if it is quick, else off
//!    the reactor; a client hands each `Completed` result to whoever waits for it), then
//!    `poll_transmit` until it gives nothing (write head, then tail, then the `later`
//!    file bytes). Answering a file-system request inline is an input: drain again.
//! 3. **Wait** for the socket to be readable (a server only while `wants_input` says
//!    so), for the deadline of `poll_timeout`, for file-system completions, for the
//!    application and (a server) for its waker, then go back to 1.
//!
//! Connections of one server affect each other: an open on one breaks an oplock held
//! on another, a change made through one answers a change-notify request pending on
//! another. The core decides all of that in the [`SharedState`](server::SharedState)
//! every connection of the server shares, and leaves the news in the other connection's
//! mailbox; the host only delivers the wake-up. Before each wait a server host calls
//! [`ServerConnection::poll_wake`](server::ServerConnection::poll_wake) with a
//! [`Waker`](core::task::Waker) that ends the wait (an async task's own waker; a pipe
//! the thread polls for a blocking host), and when it returns `true` or the waker fires
//! it calls [`ServerConnection::handle_wake`](server::ServerConnection::handle_wake) and
//! drains the outputs: the oplock break requests to send, the answers of requests that
//! waited. A host whose file system can see changes made by others on disk starts its
//! watcher once ([`FileSystem::watch_changes`](server::fs::FileSystem::watch_changes)).
//!
//! After end of stream (or a fatal error) the connection reports `Closed` once, with
//! a [`ConnectionError`]: a client after every pending operation has failed; a server
//! at once, after which the host writes what `poll_transmit` still gives, closes the
//! socket and keeps completing file-system requests until `is_finished` (the core closes
//! every handle it opened).
//!
//! The loop, with the client and server joined in memory:
//!
//! ```
//! use std::sync::Arc;
//! use smb_proto::auth::{Credentials, MemoryAccounts};
//! use smb_proto::client::{ClientConfig, ClientConnection, ClientEvent};
//! use smb_proto::server::{ServerConfig, ServerConnection, ServerEvent, ShareConfig, SharedState};
//! use smb_proto::time::{Instant, Now};
//! use smb_proto::wire::Transport;
//! use smb_proto::NoLater;
//!
//! let now = Now::new(Instant::from_nanos(0), 133_485_408_000_000_000);
//! let mut accounts = MemoryAccounts::new();
//! accounts.add("alice", "secret");
//! let config = ServerConfig::new(vec![ShareConfig::new("share")], Arc::new(accounts));
//! let mut server =
//!     ServerConnection::<NoLater>::new(Arc::new(config), SharedState::new(), Transport::Direct, now, [1; 32]);
//! let mut client = ClientConnection::new(
//!     ClientConfig { credentials: Some(Credentials::new("alice", "", "secret")), ..Default::default() },
//!     now,
//!     [2; 32],
//! );
//!
//! // Start an operation: NEGOTIATE, then SESSION_SETUP_ANDX (SPNEGO, NTLMSSP, NTLMv2).
//! let logon = client.connect(now);
//! let mut result = None;
//! while result.is_none() {
//!     // Bytes the client wants to send go to the server, and back.
//!     while let Some(t) = client.poll_transmit() {
//!         server.handle_input(now, &t.to_vec()).unwrap();
//!     }
//!     while let Some(ev) = server.poll_event() {
//!         // A real host would run file-system requests here (`ServerEvent::Fs`).
//!         assert!(!matches!(ev, ServerEvent::Fs(_)));
//!     }
//!     while let Some(t) = server.poll_transmit() {
//!         client.handle_input(now, &t.to_vec()).unwrap();
//!     }
//!     while let Some(ClientEvent::Completed { id, result: r }) = client.poll_event() {
//!         assert_eq!(id, logon.id());
//!         result = Some(logon.result(r));
//!     }
//! }
//! let session = result.unwrap().expect("logon");
//! assert!(!session.guest);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod auth;
pub mod client;
pub mod error;
pub(crate) mod exec;
pub mod nbns;
pub mod rng;
pub mod rpc;
pub mod server;
pub mod signing;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod transmit;
pub use error::ConnectionError;
pub use transmit::{LaterRead, NoLater, Transmit};
pub mod util;
pub mod wildcard;
pub mod wire;
