//! `SMB_COM_SEARCH` (0x81): the core-protocol directory search, 43-byte entries with
//! resume keys.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_format_string, write_format_string};

/// Length of a SEARCH resume key.
pub const RESUME_KEY_LEN: usize = 21;
/// Length of a SEARCH directory entry.
pub const SEARCH_ENTRY_LEN: usize = 43;

/// SEARCH (core) request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchRequest {
    /// Most entries to return.
    pub max_count: u16,
    /// Attributes of entries to include.
    pub search_attributes: u16,
    /// The pattern (empty when resuming).
    pub file_name: String,
    /// The resume key of the last entry seen (empty on the first call).
    pub resume_key: Bytes,
}

impl Body for SearchRequest {
    const COMMAND: Command = Command::SEARCH;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[2])?;
        let max_count = b.params.u16("MaxCount")?;
        let search_attributes = b.params.u16("SearchAttributes")?;
        let file_name = read_format_string(b, "FileName")?;
        let at = b.data.pos();
        if b.data.u8("BufferFormat2")? != 0x05 {
            return Err(DecodeError::invalid("BufferFormat2", at));
        }
        let n = b.data.u16("ResumeKeyLength")? as usize;
        if n != 0 && n != RESUME_KEY_LEN {
            return Err(DecodeError::invalid("ResumeKeyLength", at + 1));
        }
        Ok(Self {
            max_count,
            search_attributes,
            file_name,
            resume_key: b.data.bytes(n, "ResumeKey")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.max_count);
        b.w.u16(self.search_attributes);
        b.start_data();
        write_format_string(b, &self.file_name);
        b.w.u8(0x05);
        b.w.u16(self.resume_key.len() as u16);
        b.w.bytes(&self.resume_key);
    }
}

/// One SEARCH directory entry (43 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry {
    /// Resume key (21 bytes: reserved, server state, client state).
    pub resume_key: [u8; RESUME_KEY_LEN],
    /// `SMB_FILE_ATTRIBUTES` (low byte).
    pub file_attributes: u8,
    /// Last write time as SMB_TIME (u16) then SMB_DATE (u16).
    pub last_write_time: u32,
    /// File size.
    pub file_size: u32,
    /// 8.3 name, NUL-padded (13 bytes, OEM).
    pub file_name: [u8; 13],
}

/// SEARCH (core) response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchResponse {
    /// The entries.
    pub entries: Vec<SearchEntry>,
}

impl Body for SearchResponse {
    const COMMAND: Command = Command::SEARCH;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        let count = b.params.u16("Count")? as usize;
        let at = b.data.pos();
        if b.data.u8("BufferFormat")? != 0x05 {
            return Err(DecodeError::invalid("BufferFormat", at));
        }
        let len = b.data.u16("DataLength")? as usize;
        if len != count * SEARCH_ENTRY_LEN || len > b.data.remaining() {
            return Err(DecodeError::invalid("DataLength", at + 1));
        }
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let d = &mut b.data;
            entries.push(SearchEntry {
                resume_key: d.array("ResumeKey")?,
                file_attributes: d.u8("FileAttributes")?,
                last_write_time: d.u32("LastWriteTime")?,
                file_size: d.u32("FileSize")?,
                file_name: d.array("FileName")?,
            });
        }
        Ok(Self { entries })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.entries.len() as u16);
        b.start_data();
        b.w.u8(0x05);
        b.w.u16((self.entries.len() * SEARCH_ENTRY_LEN) as u16);
        for e in &self.entries {
            b.w.bytes(&e.resume_key);
            b.w.u8(e.file_attributes);
            b.w.u32(e.last_write_time);
            b.w.u32(e.file_size);
            b.w.bytes(&e.file_name);
        }
    }
}
