//! `SMB_COM_SET_INFORMATION` (0x09): set the attributes and last write time of a path.

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_format_string, write_format_string};

/// SET_INFORMATION request: attributes and last write time of a path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetInformationRequest {
    /// New `SMB_FILE_ATTRIBUTES`.
    pub file_attributes: u16,
    /// New last write time (UTIME; 0: unchanged).
    pub last_write_time: u32,
    /// Reserved words.
    pub reserved: [u16; 5],
    /// The path.
    pub file_name: String,
}

impl Body for SetInformationRequest {
    const COMMAND: Command = Command::SET_INFORMATION;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[8])?;
        let p = &mut b.params;
        let file_attributes = p.u16("FileAttributes")?;
        let last_write_time = p.u32("LastWriteTime")?;
        let mut reserved = [0u16; 5];
        for w in &mut reserved {
            *w = p.u16("Reserved")?;
        }
        Ok(Self {
            file_attributes,
            last_write_time,
            reserved,
            file_name: read_format_string(b, "FileName")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.file_attributes);
        b.w.u32(self.last_write_time);
        for w in self.reserved {
            b.w.u16(w);
        }
        b.start_data();
        write_format_string(b, &self.file_name);
    }
}

crate::empty_body!(
    /// SET_INFORMATION response (no parameters).
    SetInformationResponse,
    SET_INFORMATION
);
