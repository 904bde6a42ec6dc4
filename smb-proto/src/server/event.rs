//! What the server connection tells its host: file-system work to do, and news.

use alloc::string::String;

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
    /// Policy refused a client something (a dialect, a logon form): one line for the
    /// log, saying what and why.
    Refused {
        /// What was refused and why, e.g. `dialects LANMAN1.0 refused: ...`.
        reason: String,
    },
    /// The connection is closed; write what `poll_transmit` still gives, then close the
    /// socket. Keep answering file-system requests until [`ServerConnection::is_finished`](super::ServerConnection::is_finished).
    Closed(ConnectionError),
}
