//! The server role: a sans-IO server connection.
//!
//! [`ServerConnection`] owns UIDs, TIDs, FIDs, search handles, the authentication policy
//! and the NTLM checks. It never touches a file: it emits [`ServerEvent::Fs`] requests on
//! checked, share-relative paths ([`SharePath`]) and continues when the host answers, in
//! any order. State shared between connections (sharing modes, delete-on-close, byte-range
//! locks, oplocks, change-notify watches) lives in a [`SharedState`] the host creates
//! once; what one connection does for another (an oplock break, a change a watch sees)
//! goes through the shared state's mailboxes and the waker each host registers
//! ([`ServerConnection::poll_wake`], [`ServerConnection::handle_wake`]).

pub mod access;
pub mod audit;
mod changes;
pub mod config;
mod conn;
mod cross;
mod cx;
mod event;
pub mod fs;
mod handlers;
mod lanman;
pub mod notify;
mod oplock;
pub mod path;
pub mod shared;
pub mod shortname;
mod state;
pub use crate::wildcard;

pub use crate::error::ConnectionError;
pub use access::{Rights, ShareAccess};
pub use audit::AuditEvent;
pub use config::{Limits, ServerConfig, ShareConfig, SigningMode};
pub use conn::{ServerConnection, UnknownFsOp};
pub use cross::WakeHandle;
pub use event::{DialectRefusal, DialectRefusalWhy, RefusalReason, ServerEvent};
pub use fs::*;
pub use shared::SharedState;
