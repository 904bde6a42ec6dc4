//! TRANS2_OPEN2: an OPEN_ANDX carried in a TRANS2 request, with an FEA list of extended
//! attributes for a new file as its data.

use alloc::string::String;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::strings::{read_str, write_str};

/// TRANS2_OPEN2 request parameters (and the data: an FEA list, possibly empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Open2Request {
    /// `REQ_*` flags (additional information, oplocks, EA length).
    pub flags: u16,
    /// Access and sharing mode (`consts::open_mode`).
    pub access_mode: u16,
    /// Reserved (search attributes in older texts).
    pub reserved1: u16,
    /// `SMB_FILE_ATTRIBUTES` for a new file.
    pub file_attributes: u16,
    /// Creation time (UTIME).
    pub creation_time: u32,
    /// What to do if the file exists or not (`consts::open_mode`).
    pub open_mode: u16,
    /// Size for a new or truncated file.
    pub allocation_size: u32,
    /// Reserved words.
    pub reserved: [u16; 5],
    /// The path.
    pub file_name: String,
    /// The FEA list (with its size field), or empty.
    pub eas: Bytes,
}

impl Open2Request {
    /// Decodes the parameter and data blocks.
    pub fn decode(params: &Bytes, data: &Bytes, unicode: bool) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        let mut q = Self {
            flags: r.u16("Flags")?,
            access_mode: r.u16("AccessMode")?,
            reserved1: r.u16("Reserved1")?,
            file_attributes: r.u16("FileAttributes")?,
            creation_time: r.u32("CreationTime")?,
            open_mode: r.u16("OpenMode")?,
            allocation_size: r.u32("AllocationSize")?,
            ..Default::default()
        };
        for w in &mut q.reserved {
            *w = r.u16("Reserved")?;
        }
        q.file_name = read_str(&mut r, unicode, "FileName")?;
        q.eas = data.clone();
        Ok(q)
    }

    /// Encodes the parameter and data blocks.
    pub fn encode(&self, unicode: bool) -> (Bytes, Bytes) {
        let mut w = Writer::new();
        w.u16(self.flags);
        w.u16(self.access_mode);
        w.u16(self.reserved1);
        w.u16(self.file_attributes);
        w.u32(self.creation_time);
        w.u16(self.open_mode);
        w.u32(self.allocation_size);
        for v in self.reserved {
            w.u16(v);
        }
        write_str(&mut w, &self.file_name, unicode);
        (w.freeze(), self.eas.clone())
    }
}

/// TRANS2_OPEN2 response parameters (30 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Open2Response {
    /// The new FID.
    pub fid: u16,
    /// `SMB_FILE_ATTRIBUTES`.
    pub file_attributes: u16,
    /// Last write time (SMB_DATE and SMB_TIME as one word pair).
    pub creation_time: u32,
    /// File size.
    pub file_data_size: u32,
    /// The access and sharing mode granted.
    pub access_mode: u16,
    /// Resource type (0: disk file).
    pub resource_type: u16,
    /// Named-pipe state.
    pub nm_pipe_status: u16,
    /// 1 opened, 2 created, 3 truncated (bit 15: oplock granted).
    pub action_taken: u16,
    /// A unique id for the file (Samba: the inode).
    pub reserved: u32,
    /// Offset of the EA that failed.
    pub ea_error_offset: u16,
    /// Size of the file's EAs (when asked for).
    pub ea_length: u32,
}

impl Open2Response {
    /// Length of the parameter block.
    pub const LEN: usize = 30;

    /// Encodes the parameter block.
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::new();
        w.u16(self.fid);
        w.u16(self.file_attributes);
        w.u32(self.creation_time);
        w.u32(self.file_data_size);
        w.u16(self.access_mode);
        w.u16(self.resource_type);
        w.u16(self.nm_pipe_status);
        w.u16(self.action_taken);
        w.u32(self.reserved);
        w.u16(self.ea_error_offset);
        w.u32(self.ea_length);
        w.freeze()
    }

    /// Decodes the parameter block.
    pub fn decode(params: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        Ok(Self {
            fid: r.u16("FID")?,
            file_attributes: r.u16("FileAttributes")?,
            creation_time: r.u32("CreationTime")?,
            file_data_size: r.u32("FileDataSize")?,
            access_mode: r.u16("AccessMode")?,
            resource_type: r.u16("ResourceType")?,
            nm_pipe_status: r.u16("NMPipeStatus")?,
            action_taken: r.u16("ActionTaken")?,
            reserved: r.u32("Reserved")?,
            ea_error_offset: r.u16("ExtendedAttributeErrorOffset")?,
            ea_length: r.u32("ExtendedAttributeLength")?,
        })
    }
}
