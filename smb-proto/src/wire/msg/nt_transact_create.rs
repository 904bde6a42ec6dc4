//! NT_TRANSACT_CREATE (NT_TRANSACT function 1): an NT_CREATE_ANDX carried in a
//! transaction, with room for a security descriptor and extended attributes in its data.
//!
//! The parameter block is laid out as Windows and Samba send and read it: fixed fields to
//! offset 53, then the name (one pad byte first when Unicode, to an even offset from the
//! start of the block); the data holds the security descriptor, then the EA list.

use alloc::string::String;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::strings::{read_oem_len, read_utf16_len, write_oem_raw, write_utf16_raw};

/// The NT_TRANSACT function code of NT_TRANSACT_CREATE.
pub const NT_TRANSACT_CREATE: u16 = 1;

/// Offset of the name in the parameter block.
const NAME_AT: usize = 53;

/// NT_TRANSACT_CREATE request: its parameters and data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtTransactCreateRequest {
    /// `NT_CREATE_*` flags.
    pub flags: u32,
    /// FID of a directory the name is relative to (0: the share root).
    pub root_directory_fid: u32,
    /// Requested access.
    pub desired_access: u32,
    /// Initial allocation size.
    pub allocation_size: u64,
    /// `SMB_EXT_FILE_ATTR` for a new file.
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
    /// Security descriptor (self-relative), possibly empty.
    pub security_descriptor: Bytes,
    /// Extended attributes (an FEA list in NT form), possibly empty.
    pub ea_list: Bytes,
}

impl NtTransactCreateRequest {
    /// Decodes the parameter and data blocks.
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
        if unicode && NAME_AT % 2 == 1 && r.remaining() > 0 {
            r.skip(1, "Pad")?;
        }
        // Some clients count the terminator, some do not, and some pad further: the name
        // is what the length covers, cut at the end of the block.
        let n = name_len.min(r.remaining());
        let name = if unicode {
            read_utf16_len(&mut r, n & !1, "Name")?
        } else {
            read_oem_len(&mut r, n, "Name")?
        };
        let mut d = Reader::new(data);
        let security_descriptor = d.bytes(sd_len, "SecurityDescriptor")?;
        let ea_list = d.bytes(ea_len, "ExtendedAttributes")?;
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
            ea_list,
        })
    }

    /// Encodes the parameter and data blocks (the name with its terminator).
    pub fn encode(&self, unicode: bool) -> (Bytes, Bytes) {
        let mut name = Writer::new();
        if unicode {
            write_utf16_raw(&mut name, &self.name);
            name.u16(0);
        } else {
            write_oem_raw(&mut name, &self.name);
            name.u8(0);
        }
        let name = name.freeze();
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
        w.u32(self.ea_list.len() as u32);
        w.u32(name.len() as u32);
        w.u32(self.impersonation_level);
        w.u8(self.security_flags);
        if unicode {
            w.u8(0);
        }
        w.bytes(&name);
        let mut d = Writer::new();
        d.bytes(&self.security_descriptor);
        d.bytes(&self.ea_list);
        (w.freeze(), d.freeze())
    }
}

/// NT_TRANSACT_CREATE response parameters (the NT_CREATE_ANDX answer, 69 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NtTransactCreateResponse {
    /// Oplock granted.
    pub oplock_level: u8,
    /// The new FID.
    pub fid: u16,
    /// What the open did (1 opened, 2 created, 3 overwritten, 0 superseded).
    pub create_action: u32,
    /// Offset of the EA that failed, if one did.
    pub ea_error_offset: u32,
    /// Creation time (FILETIME).
    pub creation_time: u64,
    /// Last access time.
    pub last_access_time: u64,
    /// Last write time.
    pub last_write_time: u64,
    /// Last change time.
    pub change_time: u64,
    /// `SMB_EXT_FILE_ATTR`.
    pub ext_file_attributes: u32,
    /// Allocation size.
    pub allocation_size: u64,
    /// End of file.
    pub end_of_file: u64,
    /// Resource type (0: disk file or directory).
    pub resource_type: u16,
    /// Named-pipe state.
    pub nm_pipe_status: u16,
    /// Nonzero for a directory.
    pub directory: u8,
}

impl NtTransactCreateResponse {
    /// Length of the parameter block.
    pub const LEN: usize = 69;

    /// Encodes the parameter block.
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

    /// Decodes the parameter block.
    pub fn decode(params: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        let oplock_level = r.u8("OplockLevel")?;
        r.skip(1, "Reserved")?;
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

/// One extended attribute of an NT-form list (`FILE_FULL_EA_INFORMATION`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FullEa {
    /// Flags (0x80: the EA is needed to understand the file).
    pub flags: u8,
    /// The name (ASCII).
    pub name: String,
    /// The value.
    pub value: Bytes,
}

/// Decodes a chained `FILE_FULL_EA_INFORMATION` list (each entry names the offset of
/// the next; the last names 0).
pub fn decode_full_ea_list(data: &Bytes) -> Result<alloc::vec::Vec<FullEa>, DecodeError> {
    let mut out = alloc::vec::Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let mut r = Reader::new(data);
        r.skip(at, "NextEntryOffset")?;
        let next = r.u32("NextEntryOffset")? as usize;
        let flags = r.u8("Flags")?;
        let name_len = r.u8("EaNameLength")? as usize;
        let value_len = r.u16("EaValueLength")? as usize;
        let name = read_oem_len(&mut r, name_len, "EaName")?;
        r.skip(1, "EaName")?;
        let value = r.bytes(value_len, "EaValue")?;
        out.push(FullEa { flags, name, value });
        if next == 0 {
            break;
        }
        // Entries move forward; anything else is a loop or garbage.
        if next < 8 || at.checked_add(next).is_none_or(|n| n > data.len()) {
            return Err(DecodeError::invalid("NextEntryOffset", at));
        }
        at += next;
    }
    Ok(out)
}

/// Encodes a chained `FILE_FULL_EA_INFORMATION` list, entries aligned to 4 bytes.
pub fn encode_full_ea_list(eas: &[FullEa]) -> Bytes {
    let mut w = Writer::new();
    for (i, ea) in eas.iter().enumerate() {
        let len = 8 + ea.name.len() + 1 + ea.value.len();
        let padded = (len + 3) & !3;
        let last = i + 1 == eas.len();
        w.u32(if last { 0 } else { padded as u32 });
        w.u8(ea.flags);
        w.u8(ea.name.len() as u8);
        w.u16(ea.value.len() as u16);
        write_oem_raw(&mut w, &ea.name);
        w.u8(0);
        w.bytes(&ea.value);
        if !last {
            w.zeros(padded - len);
        }
    }
    w.freeze()
}
