//! Per-connection state of the pre-NT dialects, and the policy that decides whether a
//! client may speak them.

use super::config::{ServerConfig, SigningMode};
use super::event::DialectRefusalWhy;
use crate::wire::Header;
use crate::wire::dialect::Protocol;

/// A WRITE_RAW exchange waiting for its raw data message.
#[derive(Debug, Clone)]
pub(crate) struct RawWrite {
    /// The request's header (for the WRITE_COMPLETE answer).
    pub header: Header,
    pub fid: u16,
    /// Where the raw bytes go.
    pub offset: u64,
    /// Bytes written from the request itself.
    pub written: u32,
    /// Bytes the client announced for the whole exchange.
    pub total: u32,
    pub write_through: bool,
}

/// What a connection negotiated in a pre-NT dialect, and its raw-mode state.
#[derive(Debug, Default)]
pub(crate) struct LanmanState {
    /// The family negotiated (`None` until NEGOTIATE, and for NT LM 0.12 `Some(Nt1)`).
    pub protocol: Option<Protocol>,
    /// The pre-NT negotiate offered plaintext passwords (no challenge).
    pub plaintext: bool,
    /// A WRITE_RAW whose raw data message is the next thing on the wire.
    pub raw_write: Option<RawWrite>,
}

impl LanmanState {
    /// Whether a pre-NT dialect was negotiated.
    pub fn pre_nt(&self) -> bool {
        self.protocol.is_some_and(Protocol::is_pre_nt)
    }
}

/// The dialect families a server accepts, and why the pre-NT ones are off when they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Range {
    pub min: Protocol,
    pub max: Protocol,
    /// Why LANMAN1/LANMAN2 are excluded although the configured range has them.
    pub pre_nt_off: Option<DialectRefusalWhy>,
}

/// The range of families `config` accepts.
pub(crate) fn range(config: &ServerConfig) -> Range {
    let min = config.effective_min_protocol();
    let max = config.max_protocol.max(Protocol::Lanman1);
    let mut pre_nt_off = None;
    if min.is_pre_nt() {
        if !config.policy.allow_lm && !config.allow_plaintext {
            pre_nt_off = Some(DialectRefusalWhy::LanmanWithoutLogon);
        } else if config.signing == SigningMode::Required {
            pre_nt_off = Some(DialectRefusalWhy::SigningRequired);
        }
    }
    Range {
        min: if pre_nt_off.is_some() {
            Protocol::Nt1
        } else {
            min
        },
        max,
        pre_nt_off,
    }
}
