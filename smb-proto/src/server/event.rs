//! What the server connection tells its host: file-system work to do, and news.

use alloc::string::String;

use super::audit::AuditEvent;
use super::fs::FsRequest;
use crate::auth::Identity;
use crate::error::ConnectionError;

/// What the server connection asks of its host, or tells it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerEvent {
    /// Perform this file-system operation and answer with
    /// [`ServerConnection::complete`](super::ServerConnection::complete).
    Fs(FsRequest),
    /// A session was established (for logging).
    SessionEstablished {
        /// The UID.
        uid: u16,
        /// User name as sent.
        user: String,
        /// User, guest or anonymous.
        identity: Identity,
    },
    /// Something to write in an audit log: a logon and its result, a tree connect, a
    /// file created, written, renamed or deleted.
    Audit(AuditEvent),
    /// The connection is closed; write what `poll_transmit` still gives, then close the
    /// socket. Keep answering file-system requests until [`ServerConnection::is_finished`](super::ServerConnection::is_finished).
    Closed(ConnectionError),
}
