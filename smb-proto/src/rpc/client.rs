//! The client side of share listing over srvsvc: the PDUs an SMB client writes to
//! `\PIPE\srvsvc` on IPC$ and the parsing of what comes back.
//!
//! 1. write [`bind_srvsvc`], read the answer, check it with [`parse_bind_ack`] (it gives
//!    the fragment size to read with);
//! 2. write [`net_share_enum_all`], then feed what is read to a [`ShareEnumReply`] until
//!    [`ShareEnumReply::is_complete`] (a long list arrives in several fragments);
//! 3. [`ShareEnumReply::finish`] gives the shares.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::bind::{Bind, PresentationContext, result};
use super::ndr::{NdrReader, NdrWriter};
use super::pdu::{Body, Header, Pdu, Request, flags, frag_length};
use super::share_info::decode_share_ctr;
use super::srvsvc::OP_NET_SHARE_ENUM_ALL;
use super::status::WERR_OK;
use super::uuid::{NDR20, SRVSVC, SyntaxId};
use crate::wire::codec::DecodeError;

/// The fragment size the client proposes (what Windows and Samba use over SMB).
pub const CLIENT_MAX_FRAG: u16 = 4280;
/// The largest response stub this client reassembles.
pub const MAX_RESPONSE_STUB: usize = 4 * 1024 * 1024;

/// A share as NetShareEnumAll level 1 lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Name.
    pub name: String,
    /// Type: 0 disk, 1 print queue, 3 IPC, with 0x80000000 for hidden shares.
    pub share_type: u32,
    /// Remark.
    pub remark: String,
}

/// Why listing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcError {
    /// A PDU or the stub did not decode.
    Decode(DecodeError),
    /// The server refused the bind (bind_nak) with this reason.
    BindRefused(u16),
    /// The server rejected the srvsvc context (result, reason).
    ContextRejected(u16, u16),
    /// The call failed with a DCE/RPC fault status.
    Fault(u32),
    /// The call returned this Win32 error.
    Status(u32),
    /// A PDU of an unexpected type (the PTYPE value).
    UnexpectedPdu(u8),
    /// A PDU for another call.
    CallId {
        /// The call ID sent.
        expected: u32,
        /// The call ID received.
        got: u32,
    },
    /// The response is larger than [`MAX_RESPONSE_STUB`].
    TooLarge,
    /// The response ended before its last fragment.
    Incomplete,
}

impl From<DecodeError> for RpcError {
    fn from(e: DecodeError) -> Self {
        RpcError::Decode(e)
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcError::Decode(e) => write!(f, "malformed RPC data: {e}"),
            RpcError::BindRefused(r) => write!(f, "bind refused (reason {r})"),
            RpcError::ContextRejected(r, why) => {
                write!(f, "srvsvc context rejected (result {r}, reason {why})")
            }
            RpcError::Fault(s) => write!(f, "RPC fault 0x{s:08x}"),
            RpcError::Status(s) => write!(f, "NetShareEnumAll failed with error {s}"),
            RpcError::UnexpectedPdu(t) => write!(f, "unexpected PDU type {t}"),
            RpcError::CallId { expected, got } => {
                write!(f, "answer to call {got} while waiting for call {expected}")
            }
            RpcError::TooLarge => write!(f, "RPC response too large"),
            RpcError::Incomplete => write!(f, "RPC response cut short"),
        }
    }
}

impl core::error::Error for RpcError {}

/// A bind to srvsvc v3.0 with NDR 2.0 as context 0.
pub fn bind_srvsvc(call_id: u32) -> Vec<u8> {
    bind(call_id, SRVSVC)
}

/// A bind to `interface` with NDR 2.0 as context 0, proposing fragments of
/// [`CLIENT_MAX_FRAG`] bytes.
pub fn bind(call_id: u32, interface: SyntaxId) -> Vec<u8> {
    let pdu = Pdu {
        header: Header::new(call_id),
        body: Body::Bind(Bind {
            max_xmit_frag: CLIENT_MAX_FRAG,
            max_recv_frag: CLIENT_MAX_FRAG,
            assoc_group_id: 0,
            contexts: alloc::vec![PresentationContext {
                context_id: 0,
                abstract_syntax: interface,
                transfer_syntaxes: alloc::vec![NDR20],
            }],
            trailing: Vec::new(),
        }),
        auth: None,
    };
    // A 72-byte PDU always encodes.
    pdu.encode().unwrap_or_default()
}

/// Checks the answer to [`bind_srvsvc`]; returns the fragment size the server sends (the
/// size to read with).
pub fn parse_bind_ack(bytes: &[u8]) -> Result<u16, RpcError> {
    let pdu = Pdu::decode(bytes)?;
    match pdu.body {
        Body::BindAck(ack) => {
            let r = ack
                .results
                .first()
                .ok_or(RpcError::ContextRejected(result::PROVIDER_REJECTION, 0))?;
            if r.result != result::ACCEPTANCE || r.transfer_syntax != NDR20 {
                return Err(RpcError::ContextRejected(r.result, r.reason));
            }
            Ok(ack.max_xmit_frag)
        }
        Body::BindNak(nak) => Err(RpcError::BindRefused(nak.reason)),
        other => Err(RpcError::UnexpectedPdu(other.packet_type() as u8)),
    }
}

/// A NetShareEnumAll request at level 1 for `server_unc` (such as `\\SERVER`), all
/// entries in one answer.
pub fn net_share_enum_all(call_id: u32, server_unc: &str) -> Vec<u8> {
    let mut w = NdrWriter::new();
    w.pointer(true);
    w.string(server_unc);
    w.u32(1); // info_ctr.level
    w.discriminant(1);
    w.pointer(true); // ctr1
    w.u32(0); // count
    w.pointer(false); // array
    w.u32(u32::MAX); // max_buffer: everything
    w.pointer(true); // resume_handle
    w.u32(0);
    let stub = w.into_vec();
    let pdu = Pdu {
        header: Header::new(call_id),
        body: Body::Request(Request {
            alloc_hint: stub.len() as u32,
            context_id: 0,
            opnum: OP_NET_SHARE_ENUM_ALL,
            object: None,
            stub,
        }),
        auth: None,
    };
    // The request is one fragment unless the server name is absurdly long; then it is
    // refused by the server rather than built here.
    pdu.encode().unwrap_or_default()
}

/// The response to a call, collected fragment by fragment.
#[derive(Debug, Clone)]
pub struct ShareEnumReply {
    call_id: u32,
    input: Vec<u8>,
    stub: Vec<u8>,
    done: bool,
}

impl ShareEnumReply {
    /// Waits for the answer to call `call_id`.
    pub fn new(call_id: u32) -> Self {
        ShareEnumReply {
            call_id,
            input: Vec::new(),
            stub: Vec::new(),
            done: false,
        }
    }

    /// Whether the last fragment arrived.
    pub fn is_complete(&self) -> bool {
        self.done
    }

    /// Takes bytes read from the pipe (whole fragments or pieces of them).
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), RpcError> {
        if self.done {
            return Ok(());
        }
        if self.input.len() + bytes.len() > usize::from(u16::MAX) + MAX_RESPONSE_STUB {
            return Err(RpcError::TooLarge);
        }
        self.input.extend_from_slice(bytes);
        while !self.done {
            let Some(len) = frag_length(&self.input) else {
                break;
            };
            if self.input.len() < len {
                break;
            }
            let frag: Vec<u8> = self.input.drain(..len).collect();
            self.fragment(&frag)?;
        }
        Ok(())
    }

    fn fragment(&mut self, bytes: &[u8]) -> Result<(), RpcError> {
        let pdu = Pdu::decode(bytes)?;
        if pdu.header.call_id != self.call_id {
            return Err(RpcError::CallId {
                expected: self.call_id,
                got: pdu.header.call_id,
            });
        }
        match pdu.body {
            Body::Response(r) => {
                if self.stub.len() + r.stub.len() > MAX_RESPONSE_STUB {
                    return Err(RpcError::TooLarge);
                }
                self.stub.extend_from_slice(&r.stub);
                self.done = pdu.header.flags & flags::LAST_FRAG != 0;
                Ok(())
            }
            Body::Fault(f) => Err(RpcError::Fault(f.status)),
            other => Err(RpcError::UnexpectedPdu(other.packet_type() as u8)),
        }
    }

    /// The shares listed.
    pub fn finish(self) -> Result<Vec<Share>, RpcError> {
        if !self.done {
            return Err(RpcError::Incomplete);
        }
        parse_share_enum_all(&self.stub)
    }
}

/// Parses a NetShareEnumAll (or NetShareEnum) response stub at level 0 or 1.
pub fn parse_share_enum_all(stub: &[u8]) -> Result<Vec<Share>, RpcError> {
    let mut r = NdrReader::new(stub);
    let ctr = decode_share_ctr(&mut r)?;
    r.u32("totalentries")?;
    if r.unique_ptr("resume_handle")?.is_some() {
        r.u32("resume_handle")?;
    }
    let status = r.u32("result")?;
    if status != WERR_OK {
        return Err(RpcError::Status(status));
    }
    Ok(ctr
        .entries
        .unwrap_or_default()
        .into_iter()
        .map(|s| Share {
            name: s.name.unwrap_or_default(),
            share_type: s.share_type,
            remark: s.remark.unwrap_or_default(),
        })
        .collect())
}
