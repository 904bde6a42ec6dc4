//! The presentation-context PDUs: bind, bind_ack, bind_nak, alter_context and
//! alter_context_resp (C706 12.6.4, MS-RPCE 2.2.2).
//!
//! Offsets are counted from the start of the PDU (the body decoders run on a reader that
//! has already consumed the 16-byte common header), which matters for the padding after
//! the secondary address of a bind_ack.

use alloc::vec::Vec;

use super::ndr::{NdrReader, NdrWriter};
use super::uuid::SyntaxId;
use crate::wire::codec::DecodeError;

/// `p_cont_elem_t`: one presentation context a client proposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationContext {
    /// `p_cont_id`: the client's number for this context, used in requests.
    pub context_id: u16,
    /// The interface.
    pub abstract_syntax: SyntaxId,
    /// Transfer syntaxes the client can use, preferred first (at most 255).
    pub transfer_syntaxes: Vec<SyntaxId>,
}

/// A bind or alter_context body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Largest fragment the client sends.
    pub max_xmit_frag: u16,
    /// Largest fragment the client accepts.
    pub max_recv_frag: u16,
    /// Association group (0: a new one).
    pub assoc_group_id: u32,
    /// Proposed contexts (at most 255).
    pub contexts: Vec<PresentationContext>,
    /// Bytes after the context list inside the body (normally none).
    pub trailing: Vec<u8>,
}

/// `p_cont_def_result_t` values.
pub mod result {
    /// The context is accepted.
    pub const ACCEPTANCE: u16 = 0;
    /// Rejected by the user (the server application).
    pub const USER_REJECTION: u16 = 1;
    /// Rejected by the RPC runtime.
    pub const PROVIDER_REJECTION: u16 = 2;
    /// Answer to a bind-time feature negotiation context (MS-RPCE); the reason holds
    /// the features the server supports.
    pub const NEGOTIATE_ACK: u16 = 3;
}

/// `p_provider_reason_t` values of a rejected context.
pub mod reason {
    /// No reason given.
    pub const NOT_SPECIFIED: u16 = 0;
    /// The interface is not served here.
    pub const ABSTRACT_SYNTAX_NOT_SUPPORTED: u16 = 1;
    /// None of the transfer syntaxes is supported.
    pub const PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED: u16 = 2;
    /// A local limit was exceeded.
    pub const LOCAL_LIMIT_EXCEEDED: u16 = 3;
}

/// `p_reject_reason_t` values of a bind_nak.
pub mod nak_reason {
    /// No reason given.
    pub const NOT_SPECIFIED: u16 = 0;
    /// Temporary congestion.
    pub const TEMPORARY_CONGESTION: u16 = 1;
    /// A local limit was exceeded.
    pub const LOCAL_LIMIT_EXCEEDED: u16 = 2;
    /// The protocol version (or the PDU) is not supported.
    pub const PROTOCOL_VERSION_NOT_SUPPORTED: u16 = 4;
    /// The authentication type is not recognized (MS-RPCE).
    pub const AUTHENTICATION_TYPE_NOT_RECOGNIZED: u16 = 8;
    /// An invalid checksum (MS-RPCE).
    pub const INVALID_CHECKSUM: u16 = 9;
}

/// `p_result_t`: the server's answer for one proposed context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextResult {
    /// One of [`result`].
    pub result: u16,
    /// One of [`reason`], or the feature bits for [`result::NEGOTIATE_ACK`].
    pub reason: u16,
    /// The chosen transfer syntax (all zero when not accepted).
    pub transfer_syntax: SyntaxId,
}

/// A bind_ack or alter_context_resp body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAck {
    /// Largest fragment the server sends.
    pub max_xmit_frag: u16,
    /// Largest fragment the server accepts.
    pub max_recv_frag: u16,
    /// The association group.
    pub assoc_group_id: u32,
    /// `sec_addr`: the secondary address as sent, terminating NUL included (for named
    /// pipes `\PIPE\name`; empty in an alter_context_resp).
    pub secondary_address: Vec<u8>,
    /// One result per proposed context, in order (at most 255).
    pub results: Vec<ContextResult>,
    /// Bytes after the result list inside the body (normally none).
    pub trailing: Vec<u8>,
}

/// A bind_nak body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindNak {
    /// One of [`nak_reason`].
    pub reason: u16,
    /// Protocol versions the server supports, (major, minor) (at most 255).
    pub versions: Vec<(u8, u8)>,
    /// Bytes after the version list (padding; MS-RPCE allows a signature there).
    pub trailing: Vec<u8>,
}

impl Bind {
    pub(crate) fn decode(r: &mut NdrReader<'_>) -> Result<Self, DecodeError> {
        let max_xmit_frag = r.u16("max_xmit_frag")?;
        let max_recv_frag = r.u16("max_recv_frag")?;
        let assoc_group_id = r.u32("assoc_group_id")?;
        let n = r.u8("n_context_elem")?;
        r.take(3, "p_cont_list.reserved")?;
        let contexts = r.elements(u32::from(n), 24, "p_cont_elem", |r| {
            let context_id = r.u16("p_cont_id")?;
            let n_syn = r.u8("n_transfer_syn")?;
            r.u8("p_cont_elem.reserved")?;
            let abstract_syntax = SyntaxId::decode(r, "abstract_syntax")?;
            let transfer_syntaxes = r.elements(u32::from(n_syn), 20, "transfer_syntaxes", |r| {
                SyntaxId::decode(r, "transfer_syntaxes")
            })?;
            Ok(PresentationContext {
                context_id,
                abstract_syntax,
                transfer_syntaxes,
            })
        })?;
        Ok(Bind {
            max_xmit_frag,
            max_recv_frag,
            assoc_group_id,
            contexts,
            trailing: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode(&self, w: &mut NdrWriter) {
        w.u16(self.max_xmit_frag);
        w.u16(self.max_recv_frag);
        w.u32(self.assoc_group_id);
        w.u8(self.contexts.len().min(255) as u8);
        w.bytes(&[0; 3]);
        for c in self.contexts.iter().take(255) {
            w.u16(c.context_id);
            w.u8(c.transfer_syntaxes.len().min(255) as u8);
            w.u8(0);
            c.abstract_syntax.encode(w);
            for t in c.transfer_syntaxes.iter().take(255) {
                t.encode(w);
            }
        }
        w.bytes(&self.trailing);
    }
}

impl BindAck {
    pub(crate) fn decode(r: &mut NdrReader<'_>) -> Result<Self, DecodeError> {
        let max_xmit_frag = r.u16("max_xmit_frag")?;
        let max_recv_frag = r.u16("max_recv_frag")?;
        let assoc_group_id = r.u32("assoc_group_id")?;
        let len = r.u16("sec_addr.length")?;
        let secondary_address = r.take(usize::from(len), "sec_addr")?.to_vec();
        r.align(4, "sec_addr.pad")?;
        let n = r.u8("n_results")?;
        r.take(3, "p_result_list.reserved")?;
        let results = r.elements(u32::from(n), 24, "p_results", |r| {
            Ok(ContextResult {
                result: r.u16("result")?,
                reason: r.u16("reason")?,
                transfer_syntax: SyntaxId::decode(r, "transfer_syntax")?,
            })
        })?;
        Ok(BindAck {
            max_xmit_frag,
            max_recv_frag,
            assoc_group_id,
            secondary_address,
            results,
            trailing: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode(&self, w: &mut NdrWriter) {
        w.u16(self.max_xmit_frag);
        w.u16(self.max_recv_frag);
        w.u32(self.assoc_group_id);
        let addr = &self.secondary_address[..self.secondary_address.len().min(0xFFFF)];
        w.u16(addr.len() as u16);
        w.bytes(addr);
        w.align(4);
        w.u8(self.results.len().min(255) as u8);
        w.bytes(&[0; 3]);
        for res in self.results.iter().take(255) {
            w.u16(res.result);
            w.u16(res.reason);
            res.transfer_syntax.encode(w);
        }
        w.bytes(&self.trailing);
    }
}

impl BindNak {
    /// A bind_nak for `reason` announcing version 5.0, padded like Windows and Samba.
    pub fn new(reason: u16) -> Self {
        BindNak {
            reason,
            versions: alloc::vec![(5, 0)],
            trailing: alloc::vec![0; 3],
        }
    }

    pub(crate) fn decode(r: &mut NdrReader<'_>) -> Result<Self, DecodeError> {
        let reason = r.u16("provider_reject_reason")?;
        let n = r.u8("n_protocols")?;
        let versions = r.elements(u32::from(n), 2, "p_protocols", |r| {
            Ok((r.u8("vers_major")?, r.u8("vers_minor")?))
        })?;
        Ok(BindNak {
            reason,
            versions,
            trailing: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode(&self, w: &mut NdrWriter) {
        w.u16(self.reason);
        w.u8(self.versions.len().min(255) as u8);
        for &(major, minor) in self.versions.iter().take(255) {
            w.u8(major);
            w.u8(minor);
        }
        w.bytes(&self.trailing);
    }
}
