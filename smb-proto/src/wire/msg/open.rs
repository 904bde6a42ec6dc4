//! `SMB_COM_OPEN` (0x02): the core-protocol open of an existing file.

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_format_string, write_format_string};

/// OPEN (core) request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenRequest {
    /// Access and sharing mode (the `open_mode` bits of OPEN_ANDX).
    pub access_mode: u16,
    /// Attributes of files that may be opened (hidden, system).
    pub search_attributes: u16,
    /// The path.
    pub file_name: String,
}

impl Body for OpenRequest {
    const COMMAND: Command = Command::OPEN;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[2])?;
        let access_mode = b.params.u16("AccessMode")?;
        let search_attributes = b.params.u16("SearchAttributes")?;
        Ok(Self {
            access_mode,
            search_attributes,
            file_name: read_format_string(b, "FileName")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.access_mode);
        b.w.u16(self.search_attributes);
        b.start_data();
        write_format_string(b, &self.file_name);
    }
}

/// OPEN (core) response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenResponse {
    /// The new FID.
    pub fid: u16,
    /// `SMB_FILE_ATTRIBUTES`.
    pub file_attributes: u16,
    /// Last write time (UTIME).
    pub last_write_time: u32,
    /// File size (low 32 bits).
    pub file_size: u32,
    /// The access mode granted.
    pub access_mode: u16,
}

impl Body for OpenResponse {
    const COMMAND: Command = Command::OPEN;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[7])?;
        let p = &mut b.params;
        Ok(Self {
            fid: p.u16("FID")?,
            file_attributes: p.u16("FileAttrs")?,
            last_write_time: p.u32("LastWriteTime")?,
            file_size: p.u32("FileSize")?,
            access_mode: p.u16("AccessMode")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u16(self.file_attributes);
        b.w.u32(self.last_write_time);
        b.w.u32(self.file_size);
        b.w.u16(self.access_mode);
        b.start_data();
    }
}
