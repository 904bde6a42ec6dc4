//! `SMB_COM_OPEN_ANDX` (0x2D): the pre-NT open, used when a server lacks NT SMBs.

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_aligned_str, write_aligned_str};

/// Request flag: return file attributes.
pub const OPEN_REQ_ATTRIB: u16 = 0x0001;
/// Request flag: request an oplock.
pub const OPEN_REQ_OPLOCK: u16 = 0x0002;
/// Request flag: request a batch oplock.
pub const OPEN_REQ_OPLOCK_BATCH: u16 = 0x0004;
/// Request flag: ask for the extended response.
pub const OPEN_EXTENDED_RESPONSE: u16 = 0x0010;

/// OPEN_ANDX request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenAndXRequest {
    /// `OPEN_*` flags.
    pub flags: u16,
    /// Access and sharing mode (see `consts::open_mode`).
    pub access_mode: u16,
    /// Attributes of files to include.
    pub search_attrs: u16,
    /// Attributes for a new file.
    pub file_attrs: u16,
    /// Creation time (UTIME).
    pub creation_time: u32,
    /// What to do if the file exists or not (see `consts::open_mode`).
    pub open_mode: u16,
    /// Initial allocation size.
    pub allocation_size: u32,
    /// Timeout.
    pub timeout: u32,
    /// Reserved.
    pub reserved: u32,
    /// The path.
    pub file_name: String,
}

impl Body for OpenAndXRequest {
    const COMMAND: Command = Command::OPEN_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[15])?;
        let unicode = b.unicode();
        let p = &mut b.params;
        let mut r = Self {
            flags: p.u16("Flags")?,
            access_mode: p.u16("AccessMode")?,
            search_attrs: p.u16("SearchAttrs")?,
            file_attrs: p.u16("FileAttrs")?,
            creation_time: p.u32("CreationTime")?,
            open_mode: p.u16("OpenMode")?,
            allocation_size: p.u32("AllocationSize")?,
            timeout: p.u32("Timeout")?,
            reserved: p.u32("Reserved")?,
            file_name: String::new(),
        };
        r.file_name = read_aligned_str(&mut b.data, unicode, "FileName")?;
        Ok(r)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        b.w.u16(self.flags);
        b.w.u16(self.access_mode);
        b.w.u16(self.search_attrs);
        b.w.u16(self.file_attrs);
        b.w.u32(self.creation_time);
        b.w.u16(self.open_mode);
        b.w.u32(self.allocation_size);
        b.w.u32(self.timeout);
        b.w.u32(self.reserved);
        b.start_data();
        write_aligned_str(b.w, &self.file_name, unicode);
    }
}

/// Extra fields of the extended OPEN_ANDX response (WordCount 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenAndXExtended {
    /// Server FID.
    pub server_fid: u32,
    /// Reserved.
    pub reserved: u16,
    /// Maximal access rights.
    pub maximal_access_rights: u32,
    /// Guest maximal access rights.
    pub guest_maximal_access_rights: u32,
}

/// OPEN_ANDX response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenAndXResponse {
    /// The new FID.
    pub fid: u16,
    /// File attributes.
    pub file_attrs: u16,
    /// Last write time (UTIME).
    pub last_write_time: u32,
    /// File size.
    pub file_data_size: u32,
    /// Granted access (0 read, 1 write, 2 read/write).
    pub access_rights: u16,
    /// Resource type.
    pub resource_type: u16,
    /// Pipe status.
    pub nm_pipe_status: u16,
    /// Open results: 1 opened, 2 created, 3 truncated; bit 15 oplock granted.
    pub open_results: u16,
    /// Reserved words (standard form) — 3 words.
    pub reserved: [u16; 3],
    /// Extended form fields (replacing the reserved words).
    pub extended: Option<OpenAndXExtended>,
}

impl Body for OpenAndXResponse {
    const COMMAND: Command = Command::OPEN_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[15, 19])?;
        let p = &mut b.params;
        let mut r = Self {
            fid: p.u16("FID")?,
            file_attrs: p.u16("FileAttrs")?,
            last_write_time: p.u32("LastWriteTime")?,
            file_data_size: p.u32("FileDataSize")?,
            access_rights: p.u16("AccessRights")?,
            resource_type: p.u16("ResourceType")?,
            nm_pipe_status: p.u16("NMPipeStatus")?,
            open_results: p.u16("OpenResults")?,
            ..Default::default()
        };
        if b.word_count == 19 {
            r.extended = Some(OpenAndXExtended {
                server_fid: p.u32("ServerFID")?,
                reserved: p.u16("Reserved")?,
                maximal_access_rights: p.u32("MaximalAccessRights")?,
                guest_maximal_access_rights: p.u32("GuestMaximalAccessRights")?,
            });
        } else {
            for i in 0..3 {
                r.reserved[i] = p.u16("Reserved")?;
            }
        }
        Ok(r)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u16(self.file_attrs);
        b.w.u32(self.last_write_time);
        b.w.u32(self.file_data_size);
        b.w.u16(self.access_rights);
        b.w.u16(self.resource_type);
        b.w.u16(self.nm_pipe_status);
        b.w.u16(self.open_results);
        match &self.extended {
            Some(x) => {
                b.w.u32(x.server_fid);
                b.w.u16(x.reserved);
                b.w.u32(x.maximal_access_rights);
                b.w.u32(x.guest_maximal_access_rights);
            }
            None => {
                for r in self.reserved {
                    b.w.u16(r);
                }
            }
        }
        b.start_data();
    }
}
