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
//! The loop every host runs, shown here with the client and server joined in memory:
//!
//! ```
//! use std::sync::Arc;
//! use smb_proto::auth::{Credentials, MemoryAccounts};
//! use smb_proto::client::{ClientConfig, ClientConnection, ClientEvent, Reply};
//! use smb_proto::server::{ServerConfig, ServerConnection, ServerEvent, ShareConfig, SharedState};
//! use smb_proto::time::{Instant, Now};
//! use smb_proto::wire::Transport;
//!
//! let now = Now::new(Instant::from_nanos(0), 133_485_408_000_000_000);
//! let mut accounts = MemoryAccounts::new();
//! accounts.add("alice", "secret");
//! let config = ServerConfig::new(vec![ShareConfig::new("share")], Arc::new(accounts));
//! let mut server =
//!     ServerConnection::new(Arc::new(config), SharedState::new(), Transport::Direct, now, [1; 32]);
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
//!         assert_eq!(id, logon);
//!         result = Some(r);
//!     }
//! }
//! let Ok(Reply::Connected(session)) = result.unwrap() else { panic!("logon failed") };
//! assert!(!session.guest);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod auth;
pub mod client;
pub(crate) mod exec;
pub mod rng;
pub mod rpc;
pub mod server;
pub mod signing;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod transmit;
pub use transmit::{LaterRead, Transmit};
pub mod util;
pub mod wire;
