//! What the server connection tells its host: file-system work to do, and news.

use alloc::string::String;
use core::fmt;

use super::audit::AuditEvent;
use super::fs::FsRequest;
use crate::auth::{Identity, LogonRefusal};
use crate::error::ConnectionError;
use crate::wire::NtStatus;
use crate::wire::dialect::Protocol;

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
    /// A NEGOTIATE offered no dialect the `min_protocol`/`max_protocol` policy accepts
    /// (the client is answered with dialect index 0xFFFF).
    Dialect(DialectRefusal),
}

/// A refused NEGOTIATE: the client's best dialect, the range the server accepts, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialectRefusal {
    /// The client's best dialect by the server's preference (its name as sent, and its
    /// family); `None` when it offered none this server knows.
    pub best: Option<(&'static str, Protocol)>,
    /// The oldest family accepted.
    pub min: Protocol,
    /// The newest family accepted.
    pub max: Protocol,
    /// Why the client's best dialect is outside the range.
    pub why: DialectRefusalWhy,
}

/// Why a dialect is refused (see [`DialectRefusal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialectRefusalWhy {
    /// No dialect the server knows was offered.
    Unknown,
    /// The core dialects (`PC NETWORK PROGRAM 1.0`, `MICROSOFT NETWORKS 1.03`) are never
    /// served.
    CoreNotServed,
    /// The LANMAN dialects are off by default: `allow_lm` or `allow_plaintext` serves them.
    LanmanOffByDefault,
    /// `min_protocol` asks for the LANMAN dialects, but neither `allow_lm` nor
    /// `allow_plaintext` is on: they would have no logon.
    LanmanWithoutLogon,
    /// Signing is required, and the pre-NT dialects cannot sign.
    SigningRequired,
    /// Older than `min_protocol`.
    BelowMin,
    /// Newer than `max_protocol` (never, while NT1 is the newest family).
    AboveMax,
}

impl fmt::Display for DialectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.best {
            None => f.write_str("no dialect this server knows was offered")?,
            Some((name, p)) => write!(f, "the best dialect offered is {name} ({p})")?,
        }
        write!(f, "; this server accepts {} to {} (", self.min, self.max)?;
        f.write_str(match self.why {
            DialectRefusalWhy::Unknown => "no common dialect",
            DialectRefusalWhy::CoreNotServed => "the core dialects are not served",
            DialectRefusalWhy::LanmanOffByDefault => {
                "the LANMAN dialects are off by default: turn on allow_lm or allow_plaintext to serve them"
            }
            DialectRefusalWhy::LanmanWithoutLogon => {
                "the pre-NT dialects need allow_lm or allow_plaintext (they have no better logon)"
            }
            DialectRefusalWhy::SigningRequired => {
                "signing is required and the pre-NT dialects cannot sign"
            }
            DialectRefusalWhy::BelowMin => "below min_protocol",
            DialectRefusalWhy::AboveMax => "above max_protocol",
        })?;
        f.write_str(")")
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::Logon(why) => fmt::Display::fmt(why, f),
            RefusalReason::SigningRequired => f.write_str("signing required"),
            RefusalReason::NoSuchShare => f.write_str("no such share"),
            RefusalReason::WrongService => f.write_str("wrong service type"),
            RefusalReason::AccessDenied => f.write_str("access denied"),
            RefusalReason::Dialect(d) => write!(f, "NEGOTIATE refused: {d}"),
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
