//! `SMB_COM_NT_CREATE_ANDX` (0xA2): open or create a file, directory or pipe.

use alloc::string::String;

use crate::wire::codec::{DecodeError, Reader};
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_aligned_str, str_len, write_aligned_str};

/// Request flag: request an exclusive oplock.
pub const NT_CREATE_REQUEST_OPLOCK: u32 = 0x02;
/// Request flag: request a batch oplock.
pub const NT_CREATE_REQUEST_OPBATCH: u32 = 0x04;
/// Request flag: open the target's parent directory.
pub const NT_CREATE_OPEN_TARGET_DIR: u32 = 0x08;
/// Request flag: ask for the extended response.
pub const NT_CREATE_REQUEST_EXTENDED_RESPONSE: u32 = 0x10;

/// NT_CREATE_ANDX request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtCreateAndXRequest {
    /// Reserved byte.
    pub reserved: u8,
    /// `NameLength` as sent when it differs from the canonical value (the name's byte length
    /// including its terminator, as smbclient sends it).
    pub name_length: Option<u16>,
    /// `NT_CREATE_*` flags.
    pub flags: u32,
    /// FID of a directory the name is relative to (0: the tree root).
    pub root_directory_fid: u32,
    /// Access mask.
    pub desired_access: u32,
    /// Initial allocation size.
    pub allocation_size: u64,
    /// `SMB_EXT_FILE_ATTR` for a new file.
    pub ext_file_attributes: u32,
    /// Share access bits.
    pub share_access: u32,
    /// Create disposition.
    pub create_disposition: u32,
    /// Create options.
    pub create_options: u32,
    /// Impersonation level.
    pub impersonation_level: u32,
    /// Security flags.
    pub security_flags: u8,
    /// The path relative to the tree (or pipe name on IPC$).
    pub file_name: String,
}

fn canonical_name_length(name: &str, unicode: bool) -> u16 {
    (str_len(name, unicode) + if unicode { 2 } else { 1 }) as u16
}

impl Body for NtCreateAndXRequest {
    const COMMAND: Command = Command::NT_CREATE_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[24])?;
        let unicode = b.unicode();
        let p = &mut b.params;
        let reserved = p.u8("Reserved")?;
        let name_length = p.u16("NameLength")?;
        let mut r = Self {
            reserved,
            name_length: None,
            flags: p.u32("Flags")?,
            root_directory_fid: p.u32("RootDirectoryFID")?,
            desired_access: p.u32("DesiredAccess")?,
            allocation_size: p.u64("AllocationSize")?,
            ext_file_attributes: p.u32("ExtFileAttributes")?,
            share_access: p.u32("ShareAccess")?,
            create_disposition: p.u32("CreateDisposition")?,
            create_options: p.u32("CreateOptions")?,
            impersonation_level: p.u32("ImpersonationLevel")?,
            security_flags: p.u8("SecurityFlags")?,
            file_name: String::new(),
        };
        r.file_name = read_aligned_str(&mut b.data, unicode, "FileName")?;
        if name_length != canonical_name_length(&r.file_name, unicode) {
            r.name_length = Some(name_length);
        }
        Ok(r)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        b.w.u8(self.reserved);
        b.w.u16(
            self.name_length
                .unwrap_or_else(|| canonical_name_length(&self.file_name, unicode)),
        );
        b.w.u32(self.flags);
        b.w.u32(self.root_directory_fid);
        b.w.u32(self.desired_access);
        b.w.u64(self.allocation_size);
        b.w.u32(self.ext_file_attributes);
        b.w.u32(self.share_access);
        b.w.u32(self.create_disposition);
        b.w.u32(self.create_options);
        b.w.u32(self.impersonation_level);
        b.w.u8(self.security_flags);
        b.start_data();
        write_aligned_str(b.w, &self.file_name, unicode);
    }
}

/// The extra fields of the extended NT_CREATE_ANDX response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtCreateExtended {
    /// Volume GUID.
    pub volume_guid: [u8; 16],
    /// File id.
    pub file_id: u64,
    /// Maximal access rights of the opener.
    pub maximal_access_rights: u32,
    /// Maximal access rights of guest.
    pub guest_maximal_access_rights: u32,
    /// WordCount said 50 (the true size) rather than the customary 42.
    pub word_count_50: bool,
}

/// NT_CREATE_ANDX response (WordCount 34, or the extended form that declares WordCount 42
/// and carries 50 words).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtCreateAndXResponse {
    /// Granted oplock level.
    pub oplock_level: u8,
    /// The new FID.
    pub fid: u16,
    /// Create action (opened, created, overwritten, superseded).
    pub create_action: u32,
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
    /// Resource type (0 disk, 2 message pipe...).
    pub resource_type: u16,
    /// Pipe state, or FileStatusFlags in the extended form.
    pub nm_pipe_status: u16,
    /// Nonzero for a directory.
    pub directory: u8,
    /// Extended response fields.
    pub extended: Option<NtCreateExtended>,
}

impl Body for NtCreateAndXResponse {
    const COMMAND: Command = Command::NT_CREATE_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[34, 42, 50])?;
        let p = &mut b.params;
        let mut r = Self {
            oplock_level: p.u8("OpLockLevel")?,
            fid: p.u16("FID")?,
            create_action: p.u32("CreateDisposition")?,
            creation_time: p.u64("CreationTime")?,
            last_access_time: p.u64("LastAccessTime")?,
            last_write_time: p.u64("LastWriteTime")?,
            change_time: p.u64("LastChangeTime")?,
            ext_file_attributes: p.u32("ExtFileAttributes")?,
            allocation_size: p.u64("AllocationSize")?,
            end_of_file: p.u64("EndOfFile")?,
            resource_type: p.u16("ResourceType")?,
            nm_pipe_status: p.u16("NMPipeStatus")?,
            directory: p.u8("Directory")?,
            extended: None,
        };
        if b.word_count == 34 {
            return Ok(r);
        }
        // The extended response carries 100 parameter bytes whatever WordCount says (42 on
        // the wire from Windows and Samba), followed by the real ByteCount.
        let start = p.pos();
        let msg = b.message();
        let mut x = Reader::range(msg, start, 32 + 2, "ExtendedResponse")?;
        r.extended = Some(NtCreateExtended {
            volume_guid: x.array("VolumeGUID")?,
            file_id: x.u64("FileId")?,
            maximal_access_rights: x.u32("MaximalAccessRights")?,
            guest_maximal_access_rights: x.u32("GuestMaximalAccessRights")?,
            word_count_50: b.word_count == 50,
        });
        let bc = x.u16("ByteCount")? as usize;
        let data_start = x.pos();
        if b.word_count == 42 {
            // The declared words ended early; reposition readers after the real ByteCount.
            b.params.seek(b.params.end(), "Words")?;
            b.data = Reader::range(msg, data_start, bc, "Bytes")?;
            b.end = Some(data_start + bc);
        } else {
            b.params.seek(start + 32, "Words")?;
        }
        Ok(r)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u8(self.oplock_level);
        b.w.u16(self.fid);
        b.w.u32(self.create_action);
        b.w.u64(self.creation_time);
        b.w.u64(self.last_access_time);
        b.w.u64(self.last_write_time);
        b.w.u64(self.change_time);
        b.w.u32(self.ext_file_attributes);
        b.w.u64(self.allocation_size);
        b.w.u64(self.end_of_file);
        b.w.u16(self.resource_type);
        b.w.u16(self.nm_pipe_status);
        b.w.u8(self.directory);
        if let Some(x) = &self.extended {
            b.w.bytes(&x.volume_guid);
            b.w.u64(x.file_id);
            b.w.u32(x.maximal_access_rights);
            b.w.u32(x.guest_maximal_access_rights);
            if !x.word_count_50 {
                b.set_word_count(42);
            }
        }
        b.start_data();
    }
}
