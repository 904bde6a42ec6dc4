//! Why a connection ended: one shape for both roles.
//!
//! A [`ConnectionError`] ends the whole connection (client or server); a failed request
//! on a live connection is not one of these but an NT status (server) or a
//! [`SmbError`](crate::client::SmbError) (client).

use crate::wire::netbios::NegativeCode;

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeLimit {
    /// The client's handshake (NEGOTIATE and SESSION_SETUP) did not finish in time.
    Handshake,
    /// Nothing arrived for too long (server).
    Idle,
    /// A frame stayed half-received for too long (server).
    Frame,
    /// No session was established in time (server).
    Login,
}

/// Why a connection ended, on either side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The peer closed the connection (end of stream, or the socket broke).
    #[error("the peer closed the connection")]
    Closed,
    /// A frame announced more than the limit.
    #[error("frame of {0} bytes exceeds the limit")]
    FrameTooLong(usize),
    /// The peer broke the protocol.
    #[error("protocol violation: {0}")]
    Protocol(&'static str),
    /// A time limit ran out.
    #[error("timed out ({0:?})")]
    Timeout(TimeLimit),
    /// A signature did not verify where signing is in force.
    #[error("bad message signature")]
    BadSignature,
    /// The NetBIOS session request was refused (by the server, with this code; the
    /// server side reports the code it sent).
    #[error("NetBIOS session refused: {}", .0.description())]
    NetbiosRefused(NegativeCode),
    /// The server redirected the NetBIOS session elsewhere (client).
    #[error("NetBIOS session retargeted to {}.{}.{}.{}:{port}", addr[0], addr[1], addr[2], addr[3])]
    Retarget {
        /// IPv4 address.
        addr: [u8; 4],
        /// Port.
        port: u16,
    },
    /// The server does not speak NT LM 0.12 (client), or the client offered no dialect
    /// the server accepts (server).
    #[error(
        "no common dialect: the server does not speak SMB1 (NT LM 0.12), or SMB1 is disabled on it"
    )]
    NoDialect,
    /// The host asked the connection to close (shutdown).
    #[error("closed by the local host")]
    Shutdown,
    /// This side went wrong (a bug); the connection cannot go on.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl ConnectionError {
    /// Whether the peer ended the connection in an orderly way (end of stream), as
    /// opposed to an error or a local decision.
    pub fn is_peer_close(&self) -> bool {
        matches!(self, ConnectionError::Closed)
    }
}
