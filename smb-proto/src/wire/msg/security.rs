//! Security descriptors in self-relative form (MS-DTYP 2.4.6), as NT_TRANSACT
//! QUERY_SECURITY_DESC carries them: SIDs, access-control entries and lists.

use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader, Writer};

/// NT_TRANSACT function code of QUERY_SECURITY_DESC.
pub const NT_TRANSACT_QUERY_SECURITY_DESC: u16 = 6;

/// SecurityInformation bits: which parts of a descriptor are asked for.
pub mod secinfo {
    /// The owner SID.
    pub const OWNER: u32 = 0x1;
    /// The group SID.
    pub const GROUP: u32 = 0x2;
    /// The discretionary ACL.
    pub const DACL: u32 = 0x4;
    /// The system ACL.
    pub const SACL: u32 = 0x8;
}

/// Control bits of a security descriptor.
pub mod sd_control {
    /// A DACL is present (a missing one grants everything).
    pub const DACL_PRESENT: u16 = 0x0004;
    /// A SACL is present.
    pub const SACL_PRESENT: u16 = 0x0010;
    /// Self-relative form (offsets rather than pointers).
    pub const SELF_RELATIVE: u16 = 0x8000;
}

/// Most sub-authorities a SID may have.
const MAX_SUB_AUTHORITIES: usize = 15;
/// Most entries accepted in one ACL.
const MAX_ACES: usize = 1024;

/// A security identifier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sid {
    /// Revision (1).
    pub revision: u8,
    /// Identifier authority (big-endian 48 bits).
    pub authority: [u8; 6],
    /// Sub-authorities.
    pub sub_authorities: Vec<u32>,
}

impl Sid {
    /// `S-1-<authority>-<subs...>`.
    pub fn new(authority: u8, subs: &[u32]) -> Self {
        Sid {
            revision: 1,
            authority: [0, 0, 0, 0, 0, authority],
            sub_authorities: subs.to_vec(),
        }
    }

    fn len(&self) -> usize {
        8 + 4 * self.sub_authorities.len()
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.revision);
        w.u8(self.sub_authorities.len() as u8);
        w.bytes(&self.authority);
        for s in &self.sub_authorities {
            w.u32(*s);
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let revision = r.u8("SidRevision")?;
        let at = r.pos();
        let n = r.u8("SubAuthorityCount")? as usize;
        if n > MAX_SUB_AUTHORITIES {
            return Err(DecodeError::invalid("SubAuthorityCount", at));
        }
        let authority = r.array("IdentifierAuthority")?;
        let sub_authorities = (0..n)
            .map(|_| r.u32("SubAuthority"))
            .collect::<Result<_, _>>()?;
        Ok(Sid {
            revision,
            authority,
            sub_authorities,
        })
    }
}

/// An access-control entry of the common kinds (allowed, denied, audit, alarm).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ace {
    /// ACE type (0 allowed, 1 denied, 2 audit, 3 alarm).
    pub ace_type: u8,
    /// Inheritance and audit flags.
    pub flags: u8,
    /// Access mask.
    pub mask: u32,
    /// Whom it is about.
    pub sid: Sid,
}

/// An access-control list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Acl {
    /// Revision (2).
    pub revision: u8,
    /// The entries.
    pub aces: Vec<Ace>,
}

impl Acl {
    fn len(&self) -> usize {
        8 + self.aces.iter().map(|a| 8 + a.sid.len()).sum::<usize>()
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.revision);
        w.u8(0);
        w.u16(self.len() as u16);
        w.u16(self.aces.len() as u16);
        w.u16(0);
        for a in &self.aces {
            w.u8(a.ace_type);
            w.u8(a.flags);
            w.u16((8 + a.sid.len()) as u16);
            w.u32(a.mask);
            a.sid.encode(w);
        }
    }

    fn decode(buf: &Bytes, at: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::new(buf);
        r.skip(at, "AclOffset")?;
        let revision = r.u8("AclRevision")?;
        r.skip(1, "Sbz1")?;
        let size = r.u16("AclSize")? as usize;
        let count = r.u16("AceCount")? as usize;
        r.skip(2, "Sbz2")?;
        if count > MAX_ACES || at.saturating_add(size) > buf.len() {
            return Err(DecodeError::invalid("AclSize", at));
        }
        let mut aces = Vec::new();
        for _ in 0..count {
            let start = r.pos();
            let ace_type = r.u8("AceType")?;
            let flags = r.u8("AceFlags")?;
            let ace_size = r.u16("AceSize")? as usize;
            let mask = r.u32("AccessMask")?;
            let sid = Sid::decode(&mut r)?;
            if ace_size < r.pos() - start {
                return Err(DecodeError::invalid("AceSize", start));
            }
            r.seek(start + ace_size, "AceSize")?;
            aces.push(Ace {
                ace_type,
                flags,
                mask,
                sid,
            });
        }
        Ok(Acl { revision, aces })
    }
}

/// A security descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityDescriptor {
    /// Revision (1).
    pub revision: u8,
    /// Control bits ([`sd_control`]; SELF_RELATIVE and the PRESENT bits are set on encode
    /// from the parts present).
    pub control: u16,
    /// Owner.
    pub owner: Option<Sid>,
    /// Primary group.
    pub group: Option<Sid>,
    /// System ACL.
    pub sacl: Option<Acl>,
    /// Discretionary ACL.
    pub dacl: Option<Acl>,
}

impl SecurityDescriptor {
    /// Encodes in self-relative form: header, owner, group, SACL, DACL.
    pub fn encode(&self) -> Bytes {
        let mut control = self.control | sd_control::SELF_RELATIVE;
        control &= !(sd_control::DACL_PRESENT | sd_control::SACL_PRESENT);
        if self.dacl.is_some() {
            control |= sd_control::DACL_PRESENT;
        }
        if self.sacl.is_some() {
            control |= sd_control::SACL_PRESENT;
        }
        let mut at = 20usize;
        let mut place = |len: Option<usize>| match len {
            Some(n) => {
                let o = at;
                at += n;
                o as u32
            }
            None => 0,
        };
        let owner = place(self.owner.as_ref().map(Sid::len));
        let group = place(self.group.as_ref().map(Sid::len));
        let sacl = place(self.sacl.as_ref().map(Acl::len));
        let dacl = place(self.dacl.as_ref().map(Acl::len));
        let mut w = Writer::new();
        w.u8(self.revision);
        w.u8(0);
        w.u16(control);
        w.u32(owner);
        w.u32(group);
        w.u32(sacl);
        w.u32(dacl);
        if let Some(s) = &self.owner {
            s.encode(&mut w);
        }
        if let Some(s) = &self.group {
            s.encode(&mut w);
        }
        if let Some(a) = &self.sacl {
            a.encode(&mut w);
        }
        if let Some(a) = &self.dacl {
            a.encode(&mut w);
        }
        w.freeze()
    }

    /// Decodes a self-relative descriptor.
    pub fn decode(buf: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(buf);
        let revision = r.u8("Revision")?;
        r.skip(1, "Sbz1")?;
        let control = r.u16("Control")?;
        if control & sd_control::SELF_RELATIVE == 0 {
            return Err(DecodeError::new(DecodeErrorKind::Invalid, "Control", 2));
        }
        let owner = r.u32("OffsetOwner")? as usize;
        let group = r.u32("OffsetGroup")? as usize;
        let sacl = r.u32("OffsetSacl")? as usize;
        let dacl = r.u32("OffsetDacl")? as usize;
        let sid_at = |at: usize| -> Result<Option<Sid>, DecodeError> {
            if at == 0 {
                return Ok(None);
            }
            let mut r = Reader::new(buf);
            r.skip(at, "SidOffset")?;
            Sid::decode(&mut r).map(Some)
        };
        let acl_at = |at: usize, present: u16| -> Result<Option<Acl>, DecodeError> {
            if at == 0 || control & present == 0 {
                return Ok(None);
            }
            Acl::decode(buf, at).map(Some)
        };
        Ok(SecurityDescriptor {
            revision,
            control: control
                & !(sd_control::SELF_RELATIVE
                    | sd_control::DACL_PRESENT
                    | sd_control::SACL_PRESENT),
            owner: sid_at(owner)?,
            group: sid_at(group)?,
            sacl: acl_at(sacl, sd_control::SACL_PRESENT)?,
            dacl: acl_at(dacl, sd_control::DACL_PRESENT)?,
        })
    }
}
