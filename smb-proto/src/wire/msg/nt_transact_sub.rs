//! NT_TRANSACT functions carried in the parameters and data of [`NtTransactRequest`]:
//! CREATE (with an EA list and a security descriptor), RENAME and QUERY_SECURITY_DESC,
//! and the FILE_FULL_EA_INFORMATION list CREATE carries.
//!
//! [`NtTransactRequest`]: super::NtTransactRequest

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, Reader, Writer, pad_to};
use crate::wire::strings::str_len;

use super::trans2::info::FeaEntry;

/// NT_TRANSACT function codes.
pub mod nt_function {
    /// NT_TRANSACT_CREATE.
    pub const CREATE: u16 = 1;
    /// NT_TRANSACT_IOCTL.
    pub const IOCTL: u16 = 2;
    /// NT_TRANSACT_RENAME.
    pub const RENAME: u16 = 5;
    /// NT_TRANSACT_QUERY_SECURITY_DESC.
    pub const QUERY_SECURITY_DESC: u16 = 6;
}

/// NT_TRANSACT_CREATE parameters (the fields of NT_CREATE_ANDX, with the lengths of the
/// security descriptor and EA list that travel in the data).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtTransCreate {
    /// `NT_CREATE_*` flags.
    pub flags: u32,
    /// Directory the name is relative to (0: the tree root).
    pub root_directory_fid: u32,
    /// Access mask.
    pub desired_access: u32,
    /// Initial allocation size.
    pub allocation_size: u64,
    /// Attributes of a new file.
    pub ext_file_attributes: u32,
    /// Share access.
    pub share_access: u32,
    /// Create disposition.
    pub create_disposition: u32,
    /// Create options.
    pub create_options: u32,
    /// Impersonation level.
    pub impersonation_level: u32,
    /// Security flags.
    pub security_flags: u8,
    /// The path.
    pub name: String,
    /// Security descriptor (raw, self-relative), possibly empty.
    pub security_descriptor: Bytes,
    /// Extended attributes to give a new file.
    pub eas: Vec<FeaEntry>,
}

impl NtTransCreate {
    /// Decodes the parameters and data.
    pub fn decode(params: &Bytes, data: &Bytes, unicode: bool) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        let flags = r.u32("Flags")?;
        let root_directory_fid = r.u32("RootDirectoryFID")?;
        let desired_access = r.u32("DesiredAccess")?;
        let allocation_size = r.u64("AllocationSize")?;
        let ext_file_attributes = r.u32("ExtFileAttributes")?;
        let share_access = r.u32("ShareAccess")?;
        let create_disposition = r.u32("CreateDisposition")?;
        let create_options = r.u32("CreateOptions")?;
        let sd_len = r.u32("SecurityDescriptorLength")? as usize;
        let ea_len = r.u32("EALength")? as usize;
        let name_len = r.u32("NameLength")? as usize;
        let impersonation_level = r.u32("ImpersonationLevel")?;
        let security_flags = r.u8("SecurityFlags")?;
        // The name follows at offset 53, a Unicode one aligned to two bytes (as Samba's
        // client and server place it; MS-CIFS shows three reserved bytes instead).
        if unicode && r.pos() % 2 == 1 {
            r.skip(1, "Pad")?;
        }
        let raw = r.slice(name_len.min(r.remaining()), "Name")?;
        let name = if unicode {
            let even = &raw[..raw.len() & !1];
            crate::wire::strings::from_utf16le(even).ok_or(DecodeError::invalid("Name", r.pos()))?
        } else {
            raw.iter().map(|&b| b as char).collect()
        };
        let name = String::from(name.trim_end_matches('\0'));
        let mut d = Reader::new(data);
        if sd_len > d.remaining() {
            return Err(DecodeError::truncated("SecurityDescriptor", 0));
        }
        let security_descriptor = d.bytes(sd_len, "SecurityDescriptor")?;
        let eas = if ea_len == 0 {
            Vec::new()
        } else {
            // The EA list starts at the next four-byte boundary of the data.
            let at = d.pos() + pad_to(d.pos(), 4);
            if at > data.len() || ea_len > data.len() - at {
                return Err(DecodeError::truncated("ExtendedAttributes", at));
            }
            decode_full_ea_list(&data.slice(at..at + ea_len))?
        };
        Ok(Self {
            flags,
            root_directory_fid,
            desired_access,
            allocation_size,
            ext_file_attributes,
            share_access,
            create_disposition,
            create_options,
            impersonation_level,
            security_flags,
            name,
            security_descriptor,
            eas,
        })
    }

    /// Encodes the parameters and data.
    pub fn encode(&self, unicode: bool) -> (Bytes, Bytes) {
        let mut d = Writer::new();
        d.bytes(&self.security_descriptor);
        let ea = encode_full_ea_list(&self.eas);
        if !ea.is_empty() {
            let p = pad_to(d.pos(), 4);
            d.zeros(p);
            d.bytes(&ea);
        }
        let mut w = Writer::new();
        w.u32(self.flags);
        w.u32(self.root_directory_fid);
        w.u32(self.desired_access);
        w.u64(self.allocation_size);
        w.u32(self.ext_file_attributes);
        w.u32(self.share_access);
        w.u32(self.create_disposition);
        w.u32(self.create_options);
        w.u32(self.security_descriptor.len() as u32);
        w.u32(ea.len() as u32);
        w.u32(str_len(&self.name, unicode) as u32);
        w.u32(self.impersonation_level);
        w.u8(self.security_flags);
        if unicode {
            // 53 bytes so far: pad to two.
            w.u8(0);
            crate::wire::strings::write_utf16_raw(&mut w, &self.name);
        } else {
            w.bytes(self.name.as_bytes());
        }
        (w.freeze(), d.freeze())
    }
}

/// The NT_TRANSACT_CREATE response parameters (those of NT_CREATE_ANDX, plus the offset
/// of a bad EA).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtTransCreateResponse {
    /// Oplock granted.
    pub oplock_level: u8,
    /// The new FID.
    pub fid: u16,
    /// What was done.
    pub create_action: u32,
    /// Offset of the EA that failed.
    pub ea_error_offset: u32,
    /// Creation time.
    pub creation_time: u64,
    /// Last access time.
    pub last_access_time: u64,
    /// Last write time.
    pub last_write_time: u64,
    /// Change time.
    pub change_time: u64,
    /// Attributes.
    pub ext_file_attributes: u32,
    /// Allocation size.
    pub allocation_size: u64,
    /// End of file.
    pub end_of_file: u64,
    /// Resource type.
    pub resource_type: u16,
    /// Pipe state.
    pub nm_pipe_status: u16,
    /// A directory.
    pub directory: u8,
}

impl NtTransCreateResponse {
    /// Encodes the 69 parameter bytes.
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::new();
        w.u8(self.oplock_level);
        w.u8(0);
        w.u16(self.fid);
        w.u32(self.create_action);
        w.u32(self.ea_error_offset);
        w.u64(self.creation_time);
        w.u64(self.last_access_time);
        w.u64(self.last_write_time);
        w.u64(self.change_time);
        w.u32(self.ext_file_attributes);
        w.u64(self.allocation_size);
        w.u64(self.end_of_file);
        w.u16(self.resource_type);
        w.u16(self.nm_pipe_status);
        w.u8(self.directory);
        w.freeze()
    }

    /// Decodes the parameters.
    pub fn decode(params: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        let oplock_level = r.u8("OplockLevel")?;
        r.u8("Reserved")?;
        Ok(Self {
            oplock_level,
            fid: r.u16("FID")?,
            create_action: r.u32("CreateAction")?,
            ea_error_offset: r.u32("EAErrorOffset")?,
            creation_time: r.u64("CreationTime")?,
            last_access_time: r.u64("LastAccessTime")?,
            last_write_time: r.u64("LastWriteTime")?,
            change_time: r.u64("LastChangeTime")?,
            ext_file_attributes: r.u32("ExtFileAttributes")?,
            allocation_size: r.u64("AllocationSize")?,
            end_of_file: r.u64("EndOfFile")?,
            resource_type: r.u16("ResourceType")?,
            nm_pipe_status: r.u16("NMPipeStatus")?,
            directory: r.u8("Directory")?,
        })
    }
}

/// Decodes a chain of FILE_FULL_EA_INFORMATION records (NextEntryOffset, Flags,
/// EaNameLength, EaValueLength, the name with its NUL, the value; four-byte aligned).
pub fn decode_full_ea_list(data: &Bytes) -> Result<Vec<FeaEntry>, DecodeError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    loop {
        let mut r = Reader::range(data, at, data.len().saturating_sub(at), "EaEntry")?;
        let next = r.u32("NextEntryOffset")? as usize;
        let flags = r.u8("Flags")?;
        let nlen = r.u8("EaNameLength")? as usize;
        let vlen = r.u16("EaValueLength")? as usize;
        let name = r.slice(nlen, "EaName")?;
        r.skip(1, "EaNameTerminator")?;
        let value = r.bytes(vlen, "EaValue")?;
        out.push(FeaEntry {
            flags,
            name: name.iter().map(|&b| b as char).collect(),
            value,
        });
        if next == 0 {
            return Ok(out);
        }
        at = at
            .checked_add(next)
            .filter(|&a| a < data.len() && next >= 8)
            .ok_or(DecodeError::invalid("NextEntryOffset", at))?;
    }
}

/// Encodes FILE_FULL_EA_INFORMATION records (names as 8-bit characters).
pub fn encode_full_ea_list(eas: &[FeaEntry]) -> Bytes {
    let mut w = Writer::new();
    let mut prev: Option<usize> = None;
    for e in eas {
        let start = w.pos();
        if let Some(p) = prev {
            w.patch_u32(p, (start - p) as u32);
        }
        prev = Some(start);
        w.u32(0);
        w.u8(e.flags);
        let name: Vec<u8> = e
            .name
            .chars()
            .map(|c| u8::try_from(c).unwrap_or(b'?'))
            .take(255)
            .collect();
        w.u8(name.len() as u8);
        w.u16(e.value.len().min(0xFFFF) as u16);
        w.bytes(&name);
        w.u8(0);
        w.bytes(&e.value[..e.value.len().min(0xFFFF)]);
        if !core::ptr::eq(e, eas.last().unwrap_or(e)) {
            let p = pad_to(w.pos(), 4);
            w.zeros(p);
        }
    }
    w.freeze()
}

/// NT_TRANSACT_RENAME parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtTransRename {
    /// The open file.
    pub fid: u16,
    /// Rename flags.
    pub flags: u16,
    /// The new name.
    pub new_name: String,
}

impl NtTransRename {
    /// Decodes the parameters.
    pub fn decode(params: &Bytes, unicode: bool) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        let fid = r.u16("FID")?;
        let flags = r.u16("Flags")?;
        let rest = r.slice(r.remaining(), "NewName")?;
        let new_name = if unicode {
            crate::wire::strings::from_utf16le(&rest[..rest.len() & !1])
                .ok_or(DecodeError::invalid("NewName", 4))?
        } else {
            rest.iter().map(|&b| b as char).collect()
        };
        Ok(Self {
            fid,
            flags,
            new_name: String::from(new_name.trim_end_matches('\0')),
        })
    }
}

/// NT_TRANSACT_QUERY_SECURITY_DESC parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuerySecurityDesc {
    /// The open file.
    pub fid: u16,
    /// Which parts: OWNER 1, GROUP 2, DACL 4, SACL 8.
    pub security_information: u32,
}

impl QuerySecurityDesc {
    /// Decodes the parameters.
    pub fn decode(params: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        let fid = r.u16("FID")?;
        r.u16("Reserved")?;
        Ok(Self {
            fid,
            security_information: r.u32("SecurityInformation")?,
        })
    }
}

/// The security descriptor a volume without ACLs reports (as FAT does): owner and group
/// Everyone (S-1-1-0) and a DACL that allows Everyone all access, self-relative, with only
/// the parts `security_information` asks for.
pub fn default_security_descriptor(security_information: u32) -> Bytes {
    const EVERYONE: [u8; 12] = [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
    let owner = security_information & 1 != 0;
    let group = security_information & 2 != 0;
    let dacl = security_information & 4 != 0;
    let mut w = Writer::new();
    w.u8(1);
    w.u8(0);
    // SE_SELF_RELATIVE, and SE_DACL_PRESENT when the DACL is there.
    w.u16(0x8000 | if dacl { 0x0004 } else { 0 });
    let offs = w.pos();
    w.zeros(16);
    let mut at = [0u32; 4];
    if owner {
        at[0] = w.pos() as u32;
        w.bytes(&EVERYONE);
    }
    if group {
        at[1] = w.pos() as u32;
        w.bytes(&EVERYONE);
    }
    if dacl {
        at[3] = w.pos() as u32;
        // ACL: revision 2, size 8 + one ACE of 20, one ACE.
        w.u8(2);
        w.u8(0);
        w.u16(28);
        w.u16(1);
        w.u16(0);
        // ACCESS_ALLOWED_ACE, no flags, size 20, FILE_ALL_ACCESS, Everyone.
        w.u8(0);
        w.u8(0);
        w.u16(20);
        w.u32(0x001F_01FF);
        w.bytes(&EVERYONE);
    }
    for (k, v) in at.iter().enumerate() {
        w.patch_u32(offs + 4 * k, *v);
    }
    w.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ea(name: &str, value: &[u8]) -> FeaEntry {
        FeaEntry {
            flags: 0,
            name: name.into(),
            value: Bytes::copy_from_slice(value),
        }
    }

    #[test]
    fn full_ea_lists_round_trip() {
        let eas = alloc::vec![ea("1st EA", b"Value One"), ea("2nd", b""), ea("x", b"12")];
        let b = encode_full_ea_list(&eas);
        assert_eq!(u32::from_le_bytes([b[0], b[1], b[2], b[3]]), 24);
        assert_eq!(decode_full_ea_list(&b).unwrap(), eas);
        assert!(
            decode_full_ea_list(&Bytes::from_static(&[4, 0, 0, 0, 0, 1, 0, 0, b'a', 0])).is_err()
        );
    }

    #[test]
    fn create_round_trips() {
        for unicode in [true, false] {
            let c = NtTransCreate {
                flags: 0x16,
                desired_access: 0x0200_0000,
                create_disposition: 2,
                name: "\\testeas\\ea2.txt".into(),
                eas: alloc::vec![ea("and 3rd", b"final value")],
                ..Default::default()
            };
            let (p, d) = c.encode(unicode);
            assert_eq!(NtTransCreate::decode(&p, &d, unicode).unwrap(), c);
        }
    }

    #[test]
    fn default_descriptor_has_what_was_asked() {
        let all = default_security_descriptor(7);
        assert_eq!(all.len(), 20 + 12 + 12 + 28);
        assert_eq!(u32::from_le_bytes([all[4], all[5], all[6], all[7]]), 20);
        let owner_only = default_security_descriptor(1);
        assert_eq!(owner_only.len(), 32);
        assert_eq!(&owner_only[12..20], &[0; 8]);
    }
}
