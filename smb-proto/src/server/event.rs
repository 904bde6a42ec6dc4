//! What the server connection tells its host: file-system work to do, and news.

use alloc::string::String;
use core::fmt;

use super::audit::AuditEvent;
use super::fs::FsRequest;
use crate::auth::{Identity, LogonRefusal};
use crate::error::ConnectionError;
use crate::wire::NtStatus;

/// Why the server refused a request, as [`ServerEvent::Refused`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusalReason {
    /// A logon was refused.
    Logon(LogonRefusal),
    /// The logon verified, but signing is required and the session has no key to sign
    /// with (a guest or anonymous logon).
    SigningRequired,
    /// A tree connect named a share that does not exist.
    NoSuchShare,
    /// A tree connect asked for a service the share is not (a disk share as `IPC`, ...).
    WrongService,
    /// A request was denied access (`STATUS_ACCESS_DENIED`).
    AccessDenied,
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::Logon(why) => fmt::Display::fmt(why, f),
            RefusalReason::SigningRequired => f.write_str("signing required"),
            RefusalReason::NoSuchShare => f.write_str("no such share"),
            RefusalReason::WrongService => f.write_str("wrong service type"),
            RefusalReason::AccessDenied => f.write_str("access denied"),
        }
    }
}

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
    /// The server refused a logon, a tree connect or an access (for logging: it names no
    /// password, hash or response).
    Refused {
        /// The user name as the client gave it (empty for a null session or when the
        /// client gave none that could be read).
        user: String,
        /// The share involved, when there is one.
        share: Option<String>,
        /// The path inside the share, when the request named one.
        path: Option<String>,
        /// The status the client was answered.
        status: NtStatus,
        /// Why.
        reason: RefusalReason,
    },
    /// An oplock break request was sent to the client (for logging).
    OplockBreak {
        /// The FID whose oplock breaks.
        fid: u16,
        /// The level it breaks to: `0` none, `1` level II.
        level: u8,
    },
    /// The connection is closed; write what `poll_transmit` still gives, then close the
    /// socket. Keep answering file-system requests until [`ServerConnection::is_finished`](super::ServerConnection::is_finished).
    Closed(ConnectionError),
}
