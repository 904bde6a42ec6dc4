//! `SMB_COM_QUERY_INFORMATION` (0x08): attributes, last write time and size of a path.

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_format_string, write_format_string};

/// QUERY_INFORMATION request: attributes, time and size of a path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryInformationRequest {
    /// The path.
    pub file_name: String,
}

impl Body for QueryInformationRequest {
    const COMMAND: Command = Command::QUERY_INFORMATION;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[0])?;
        Ok(Self {
            file_name: read_format_string(b, "FileName")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.start_data();
        write_format_string(b, &self.file_name);
    }
}

/// QUERY_INFORMATION response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryInformationResponse {
    /// `SMB_FILE_ATTRIBUTES`.
    pub file_attributes: u16,
    /// Last write time (UTIME).
    pub last_write_time: u32,
    /// File size (low 32 bits).
    pub file_size: u32,
    /// Reserved words.
    pub reserved: [u16; 5],
}

impl Body for QueryInformationResponse {
    const COMMAND: Command = Command::QUERY_INFORMATION;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[10])?;
        let p = &mut b.params;
        let mut r = Self {
            file_attributes: p.u16("FileAttributes")?,
            last_write_time: p.u32("LastWriteTime")?,
            file_size: p.u32("FileSize")?,
            reserved: [0; 5],
        };
        for w in &mut r.reserved {
            *w = p.u16("Reserved")?;
        }
        Ok(r)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.file_attributes);
        b.w.u32(self.last_write_time);
        b.w.u32(self.file_size);
        for w in self.reserved {
            b.w.u16(w);
        }
        b.start_data();
    }
}
