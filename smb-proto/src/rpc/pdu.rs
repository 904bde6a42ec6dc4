//! Connection-oriented DCE/RPC v5.0 PDUs (C706 chapter 12, MS-RPCE 2.2.2): the common
//! header, the request/response/fault bodies, the authentication trailer, and the
//! decoder and encoder of whole PDUs.
//!
//! A PDU's integers follow its data representation label (`drep`): the decoder reads a
//! big-endian PDU as such, and the encoder writes a PDU in the order its header names,
//! so decoding and encoding round-trip byte for byte.
//!
//! ```
//! use smb_proto::rpc::pdu::{Body, Header, Pdu, Request};
//! let pdu = Pdu {
//!     header: Header::new(7),
//!     body: Body::Request(Request { alloc_hint: 4, context_id: 0, opnum: 21, object: None,
//!                                   stub: vec![0x64, 0, 0, 0] }),
//!     auth: None,
//! };
//! let bytes = pdu.encode().unwrap();
//! assert_eq!(smb_proto::rpc::pdu::frag_length(&bytes), Some(28));
//! assert_eq!(Pdu::decode(&bytes).unwrap(), pdu);
//! ```

use alloc::vec::Vec;
use core::fmt;

use super::bind::{Bind, BindAck, BindNak};
use super::ndr::{Endian, NdrReader, NdrWriter};
use super::uuid::Uuid;
use crate::wire::codec::{DecodeError, DecodeErrorKind};

/// Length of the common header.
pub const HEADER_LEN: usize = 16;
/// Length of a request header (common header, alloc_hint, p_cont_id, opnum).
pub const REQUEST_HEADER_LEN: usize = 24;
/// Length of a response header.
pub const RESPONSE_HEADER_LEN: usize = 24;
/// Length of the `sec_trailer` in front of the authentication value.
pub const AUTH_TRAILER_LEN: usize = 8;

/// `pfc_flags` bits.
pub mod flags {
    /// First fragment.
    pub const FIRST_FRAG: u8 = 0x01;
    /// Last fragment.
    pub const LAST_FRAG: u8 = 0x02;
    /// Cancel pending (requests) / header signing supported (bind, MS-RPCE).
    pub const PENDING_CANCEL: u8 = 0x04;
    /// Concurrent multiplexing supported.
    pub const CONC_MPX: u8 = 0x10;
    /// A fault for a call that was not executed.
    pub const DID_NOT_EXECUTE: u8 = 0x20;
    /// `maybe` call semantics.
    pub const MAYBE: u8 = 0x40;
    /// A request carries an object UUID.
    pub const OBJECT_UUID: u8 = 0x80;
}

/// The data representation label of little-endian, ASCII, IEEE float data.
pub const DREP_LE: [u8; 4] = [0x10, 0, 0, 0];

/// PDU types of the connection-oriented protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PacketType {
    /// A call.
    Request = 0,
    /// A call's result.
    Response = 2,
    /// A call failed.
    Fault = 3,
    /// Establish an association and presentation contexts.
    Bind = 11,
    /// Bind accepted.
    BindAck = 12,
    /// Bind refused.
    BindNak = 13,
    /// More presentation contexts on a bound association.
    AlterContext = 14,
    /// Answer to alter_context.
    AlterContextResp = 15,
    /// Third leg of a three-leg authentication.
    Auth3 = 16,
    /// Server asks the client to close the association.
    Shutdown = 17,
    /// Cancel a call.
    CoCancel = 18,
    /// The client abandons a call.
    Orphaned = 19,
}

impl PacketType {
    /// The type for a `PTYPE` value, if connection-oriented.
    pub fn from_u8(v: u8) -> Option<Self> {
        use PacketType::*;
        Some(match v {
            0 => Request,
            2 => Response,
            3 => Fault,
            11 => Bind,
            12 => BindAck,
            13 => BindNak,
            14 => AlterContext,
            15 => AlterContextResp,
            16 => Auth3,
            17 => Shutdown,
            18 => CoCancel,
            19 => Orphaned,
            _ => return None,
        })
    }
}

/// The common header, less the two lengths (the encoder computes those).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `rpc_vers_minor`: 0 or 1 (`rpc_vers` is always 5).
    pub minor_version: u8,
    /// `pfc_flags`, see [`flags`].
    pub flags: u8,
    /// The data representation label; `drep[0] & 0xF0` is 0x10 for little endian.
    pub drep: [u8; 4],
    /// `call_id`.
    pub call_id: u32,
}

impl Header {
    /// Version 5.0, first and last fragment, little endian.
    pub fn new(call_id: u32) -> Self {
        Header {
            minor_version: 0,
            flags: flags::FIRST_FRAG | flags::LAST_FRAG,
            drep: DREP_LE,
            call_id,
        }
    }

    /// The byte order of the PDU's integers.
    pub fn endian(&self) -> Endian {
        if self.drep[0] & 0x10 != 0 {
            Endian::Little
        } else {
            Endian::Big
        }
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Size of the whole call's stub, as the client hints it (may be 0).
    pub alloc_hint: u32,
    /// The presentation context.
    pub context_id: u16,
    /// The operation number.
    pub opnum: u16,
    /// The object UUID (present when the `OBJECT_UUID` flag is set).
    pub object: Option<Uuid>,
    /// This fragment's stub data (with the authentication padding, if any).
    pub stub: Vec<u8>,
}

/// A response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Size of the rest of the stub, this fragment's included.
    pub alloc_hint: u32,
    /// The presentation context.
    pub context_id: u16,
    /// Cancels seen.
    pub cancel_count: u8,
    /// Reserved.
    pub reserved: u8,
    /// This fragment's stub data.
    pub stub: Vec<u8>,
}

/// A fault body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Size hint (Windows and Samba send 24 in a fault without stub data).
    pub alloc_hint: u32,
    /// The presentation context.
    pub context_id: u16,
    /// Cancels seen.
    pub cancel_count: u8,
    /// Flags (MS-RPCE: 0x01 extended error information present).
    pub flags: u8,
    /// The status, see [`super::status`].
    pub status: u32,
    /// The rest: four reserved bytes, then any stub (extended error information).
    pub trailing: Vec<u8>,
}

impl Fault {
    /// A fault with `status` for `context_id`, laid out as Windows and Samba send it.
    pub fn new(context_id: u16, status: u32) -> Self {
        Fault {
            alloc_hint: 24,
            context_id,
            cancel_count: 0,
            flags: 0,
            status,
            trailing: alloc::vec![0; 4],
        }
    }
}

/// The authentication trailer (`sec_trailer` and `auth_value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthTrailer {
    /// `auth_type`.
    pub auth_type: u8,
    /// `auth_level`.
    pub auth_level: u8,
    /// `auth_pad_length`: padding bytes at the end of the body in front of the trailer.
    pub pad_length: u8,
    /// `auth_reserved`.
    pub reserved: u8,
    /// `auth_context_id`.
    pub context_id: u32,
    /// `auth_value` (`auth_length` bytes; a PDU whose value is empty has `auth_length` 0
    /// and so decodes without a trailer).
    pub value: Vec<u8>,
}

/// A PDU body, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// request.
    Request(Request),
    /// response.
    Response(Response),
    /// fault.
    Fault(Fault),
    /// bind.
    Bind(Bind),
    /// bind_ack.
    BindAck(BindAck),
    /// bind_nak.
    BindNak(BindNak),
    /// alter_context.
    AlterContext(Bind),
    /// alter_context_resp.
    AlterContextResp(BindAck),
    /// auth3, shutdown, co_cancel or orphaned: the body bytes as they are.
    Other(PacketType, Vec<u8>),
}

impl Body {
    /// The PDU type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Body::Request(_) => PacketType::Request,
            Body::Response(_) => PacketType::Response,
            Body::Fault(_) => PacketType::Fault,
            Body::Bind(_) => PacketType::Bind,
            Body::BindAck(_) => PacketType::BindAck,
            Body::BindNak(_) => PacketType::BindNak,
            Body::AlterContext(_) => PacketType::AlterContext,
            Body::AlterContextResp(_) => PacketType::AlterContextResp,
            Body::Other(t, _) => *t,
        }
    }
}

/// A whole PDU (one fragment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// The common header.
    pub header: Header,
    /// The body.
    pub body: Body,
    /// The authentication trailer, when `auth_length` is not 0.
    pub auth: Option<AuthTrailer>,
}

/// The PDU would be longer than a fragment can be (65535 bytes), or its authentication
/// value longer than 65535 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong {
    /// The length it would have.
    pub length: usize,
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {}-byte PDU does not fit in a fragment", self.length)
    }
}

impl core::error::Error for TooLong {}

/// The fragment length announced by the PDU starting at `buf`, once its first 10 bytes
/// are there (in the PDU's byte order).
pub fn frag_length(buf: &[u8]) -> Option<usize> {
    let b = buf.get(8..10)?;
    let v = if buf[4] & 0x10 != 0 {
        u16::from_le_bytes([b[0], b[1]])
    } else {
        u16::from_be_bytes([b[0], b[1]])
    };
    Some(usize::from(v))
}

impl Pdu {
    /// Decodes exactly one PDU: `buf` must be `frag_length` bytes long.
    pub fn decode(buf: &[u8]) -> Result<Pdu, DecodeError> {
        if buf.len() < HEADER_LEN {
            return Err(DecodeError::truncated("header", 0));
        }
        if buf[0] != 5 {
            return Err(DecodeError::invalid("rpc_vers", 0));
        }
        if buf[1] > 1 {
            return Err(DecodeError::invalid("rpc_vers_minor", 1));
        }
        let ptype = PacketType::from_u8(buf[2]).ok_or(DecodeError::invalid("PTYPE", 2))?;
        if buf[4] & 0xE0 != 0 {
            return Err(DecodeError::invalid("packed_drep", 4));
        }
        let header = Header {
            minor_version: buf[1],
            flags: buf[3],
            drep: [buf[4], buf[5], buf[6], buf[7]],
            call_id: 0,
        };
        let mut r = NdrReader::with_endian(buf, header.endian());
        r.take(8, "header")?;
        let frag_len = usize::from(r.u16("frag_length")?);
        if frag_len < HEADER_LEN || frag_len > buf.len() {
            return Err(DecodeError::truncated("frag_length", 8));
        }
        if frag_len != buf.len() {
            return Err(DecodeError::invalid("frag_length", 8));
        }
        let auth_len = usize::from(r.u16("auth_length")?);
        let call_id = r.u32("call_id")?;
        let header = Header { call_id, ..header };
        let (body_end, auth) = if auth_len == 0 {
            (frag_len, None)
        } else {
            let start = frag_len
                .checked_sub(auth_len + AUTH_TRAILER_LEN)
                .filter(|&s| s >= HEADER_LEN)
                .ok_or(DecodeError::new(
                    DecodeErrorKind::TooLarge,
                    "auth_length",
                    10,
                ))?;
            let mut t = NdrReader::with_endian(&buf[start..], header.endian());
            let auth = AuthTrailer {
                auth_type: t.u8("auth_type")?,
                auth_level: t.u8("auth_level")?,
                pad_length: t.u8("auth_pad_length")?,
                reserved: t.u8("auth_reserved")?,
                context_id: t.u32("auth_context_id")?,
                value: t.rest().to_vec(),
            };
            (start, Some(auth))
        };
        let mut r = NdrReader::with_endian(&buf[..body_end], header.endian());
        r.take(HEADER_LEN, "header")?;
        let body = match ptype {
            PacketType::Request => {
                let alloc_hint = r.u32("alloc_hint")?;
                let context_id = r.u16("p_cont_id")?;
                let opnum = r.u16("opnum")?;
                let object = if header.flags & flags::OBJECT_UUID != 0 {
                    Some(Uuid::decode(&mut r, "object")?)
                } else {
                    None
                };
                Body::Request(Request {
                    alloc_hint,
                    context_id,
                    opnum,
                    object,
                    stub: r.rest().to_vec(),
                })
            }
            PacketType::Response => Body::Response(Response {
                alloc_hint: r.u32("alloc_hint")?,
                context_id: r.u16("p_cont_id")?,
                cancel_count: r.u8("cancel_count")?,
                reserved: r.u8("reserved")?,
                stub: r.rest().to_vec(),
            }),
            PacketType::Fault => Body::Fault(Fault {
                alloc_hint: r.u32("alloc_hint")?,
                context_id: r.u16("p_cont_id")?,
                cancel_count: r.u8("cancel_count")?,
                flags: r.u8("fault_flags")?,
                status: r.u32("status")?,
                trailing: r.rest().to_vec(),
            }),
            PacketType::Bind => Body::Bind(Bind::decode(&mut r)?),
            PacketType::AlterContext => Body::AlterContext(Bind::decode(&mut r)?),
            PacketType::BindAck => Body::BindAck(BindAck::decode(&mut r)?),
            PacketType::AlterContextResp => Body::AlterContextResp(BindAck::decode(&mut r)?),
            PacketType::BindNak => Body::BindNak(BindNak::decode(&mut r)?),
            t => Body::Other(t, r.rest().to_vec()),
        };
        Ok(Pdu { header, body, auth })
    }

    /// Encodes the PDU, computing `frag_length` and `auth_length`.
    pub fn encode(&self) -> Result<Vec<u8>, TooLong> {
        let h = &self.header;
        let mut w = NdrWriter::with_endian(h.endian());
        w.bytes(&[5, h.minor_version, self.body.packet_type() as u8, h.flags]);
        w.bytes(&h.drep);
        w.u16(0);
        w.u16(0);
        w.u32(h.call_id);
        match &self.body {
            Body::Request(q) => {
                w.u32(q.alloc_hint);
                w.u16(q.context_id);
                w.u16(q.opnum);
                if let Some(o) = &q.object {
                    o.encode(&mut w);
                }
                w.bytes(&q.stub);
            }
            Body::Response(p) => {
                w.u32(p.alloc_hint);
                w.u16(p.context_id);
                w.u8(p.cancel_count);
                w.u8(p.reserved);
                w.bytes(&p.stub);
            }
            Body::Fault(f) => {
                w.u32(f.alloc_hint);
                w.u16(f.context_id);
                w.u8(f.cancel_count);
                w.u8(f.flags);
                w.u32(f.status);
                w.bytes(&f.trailing);
            }
            Body::Bind(b) | Body::AlterContext(b) => b.encode(&mut w),
            Body::BindAck(a) | Body::AlterContextResp(a) => a.encode(&mut w),
            Body::BindNak(n) => n.encode(&mut w),
            Body::Other(_, b) => w.bytes(b),
        }
        let mut auth_len = 0;
        if let Some(a) = &self.auth {
            w.bytes(&[a.auth_type, a.auth_level, a.pad_length, a.reserved]);
            // Written byte by byte: the trailer need not be 4-aligned in a foreign PDU.
            let id = match h.endian() {
                Endian::Little => a.context_id.to_le_bytes(),
                Endian::Big => a.context_id.to_be_bytes(),
            };
            w.bytes(&id);
            w.bytes(&a.value);
            auth_len = a.value.len();
        }
        let length = w.len();
        if length > usize::from(u16::MAX) || auth_len > usize::from(u16::MAX) {
            return Err(TooLong { length });
        }
        w.patch_u16(8, length as u16);
        w.patch_u16(10, auth_len as u16);
        Ok(w.into_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_decode;

    #[test]
    fn samba_fault_round_trip() {
        // smbd's answer to NetCharDevEnum: nca_s_op_rng_error.
        let b =
            hex_decode("0500030310000000200000000200000018000000000000000200011c00000000").unwrap();
        let p = Pdu::decode(&b).unwrap();
        let Body::Fault(f) = &p.body else {
            panic!("{p:?}")
        };
        assert_eq!(f.status, 0x1c01_0002);
        assert_eq!(p.header.call_id, 2);
        assert_eq!(p.encode().unwrap(), b);
    }

    #[test]
    fn header_checks() {
        let good = Pdu {
            header: Header::new(1),
            body: Body::Fault(Fault::new(0, 5)),
            auth: None,
        }
        .encode()
        .unwrap();
        assert!(Pdu::decode(&good).is_ok());
        let mut b = good.clone();
        b[0] = 4;
        assert_eq!(Pdu::decode(&b).unwrap_err().field, "rpc_vers");
        let mut b = good.clone();
        b[2] = 1;
        assert_eq!(Pdu::decode(&b).unwrap_err().field, "PTYPE");
        let mut b = good.clone();
        b[8] = 200;
        assert_eq!(Pdu::decode(&b).unwrap_err().field, "frag_length");
        let mut b = good.clone();
        b.push(0);
        assert_eq!(Pdu::decode(&b).unwrap_err().field, "frag_length");
        let mut b = good.clone();
        b[10] = 40;
        assert_eq!(Pdu::decode(&b).unwrap_err().field, "auth_length");
        assert_eq!(Pdu::decode(&good[..15]).unwrap_err().field, "header");
        assert_eq!(frag_length(&good), Some(32));
    }

    #[test]
    fn too_long() {
        let p = Pdu {
            header: Header::new(1),
            body: Body::Other(PacketType::Auth3, alloc::vec![0; 70_000]),
            auth: None,
        };
        assert_eq!(p.encode(), Err(TooLong { length: 70_016 }));
    }
}
