//! Core-protocol commands that old clients and smbtorture still send: QUERY_INFORMATION,
//! SET_INFORMATION, READ, WRITE, CREATE_TEMPORARY, PROCESS_EXIT, WRITE_AND_UNLOCK,
//! WRITE_AND_CLOSE, SEARCH and NT_CANCEL.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Pad};
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_str, skip_align, write_align, write_str};

fn read_format_string(
    b: &mut BlockDecoder<'_>,
    field: &'static str,
) -> Result<String, DecodeError> {
    let unicode = b.unicode();
    let at = b.data.pos();
    if b.data.u8("BufferFormat")? != 0x04 {
        return Err(DecodeError::invalid("BufferFormat", at));
    }
    skip_align(&mut b.data, unicode);
    read_str(&mut b.data, unicode, field)
}

fn write_format_string(b: &mut BlockEncoder<'_>, s: &str) {
    let unicode = b.unicode();
    b.w.u8(0x04);
    write_align(b.w, unicode);
    write_str(b.w, s, unicode);
}

/// Reads a data block `0x01, u16 length, bytes`.
fn read_data_block(b: &mut BlockDecoder<'_>) -> Result<Bytes, DecodeError> {
    let at = b.data.pos();
    if b.data.u8("BufferFormat")? != 0x01 {
        return Err(DecodeError::invalid("BufferFormat", at));
    }
    let n = b.data.u16("DataLength")? as usize;
    b.data.bytes(n, "Data")
}

fn write_data_block(b: &mut BlockEncoder<'_>, data: &Bytes) {
    b.w.u8(0x01);
    b.w.u16(data.len() as u16);
    b.w.tail(data.clone());
}

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

/// READ (core) request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadRequest {
    /// The file.
    pub fid: u16,
    /// Bytes to read.
    pub count: u16,
    /// Byte offset.
    pub offset: u32,
    /// Estimate of remaining bytes.
    pub remaining: u16,
}

impl Body for ReadRequest {
    const COMMAND: Command = Command::READ;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[5])?;
        let p = &mut b.params;
        Ok(Self {
            fid: p.u16("FID")?,
            count: p.u16("CountOfBytesToRead")?,
            offset: p.u32("ReadOffsetInBytes")?,
            remaining: p.u16("EstimateOfRemainingBytesToBeRead")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u16(self.count);
        b.w.u32(self.offset);
        b.w.u16(self.remaining);
        b.start_data();
    }
}

/// READ (core) response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadResponse {
    /// Reserved words.
    pub reserved: [u16; 4],
    /// The data.
    pub data: Bytes,
}

impl Body for ReadResponse {
    const COMMAND: Command = Command::READ;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[5])?;
        let count = b.params.u16("CountOfBytesReturned")? as usize;
        let mut reserved = [0u16; 4];
        for w in &mut reserved {
            *w = b.params.u16("Reserved")?;
        }
        let at = b.data.pos();
        let data = read_data_block(b)?;
        if data.len() != count {
            return Err(DecodeError::invalid("CountOfBytesReturned", at));
        }
        Ok(Self { reserved, data })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.data.len() as u16);
        for w in self.reserved {
            b.w.u16(w);
        }
        b.start_data();
        write_data_block(b, &self.data);
    }
}

/// WRITE (core) request; also the shape of WRITE_AND_UNLOCK.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteRequest {
    /// The file.
    pub fid: u16,
    /// Byte offset.
    pub offset: u32,
    /// Estimate of remaining bytes.
    pub remaining: u16,
    /// `CountOfBytesToWrite` when it differs from the data length.
    pub count: Option<u16>,
    /// The data (a zero count truncates or extends the file to `offset`).
    pub data: Bytes,
}

fn decode_write(b: &mut BlockDecoder<'_>) -> Result<WriteRequest, DecodeError> {
    b.expect_word_count(&[5])?;
    let p = &mut b.params;
    let fid = p.u16("FID")?;
    let count = p.u16("CountOfBytesToWrite")?;
    let offset = p.u32("WriteOffsetInBytes")?;
    let remaining = p.u16("EstimateOfRemainingBytesToBeWritten")?;
    let data = read_data_block(b)?;
    Ok(WriteRequest {
        fid,
        offset,
        remaining,
        count: (count as usize != data.len()).then_some(count),
        data,
    })
}

fn encode_write(r: &WriteRequest, b: &mut BlockEncoder<'_>) {
    b.w.u16(r.fid);
    b.w.u16(r.count.unwrap_or(r.data.len() as u16));
    b.w.u32(r.offset);
    b.w.u16(r.remaining);
    b.start_data();
    write_data_block(b, &r.data);
}

impl Body for WriteRequest {
    const COMMAND: Command = Command::WRITE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        decode_write(b)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        encode_write(self, b)
    }
}

macro_rules! count_response {
    ($(#[$m:meta])* $name:ident, $cmd:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name {
            /// Bytes written.
            pub count: u16,
        }

        impl Body for $name {
            const COMMAND: Command = Command::$cmd;

            fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
                b.expect_word_count(&[1])?;
                Ok(Self { count: b.params.u16("CountOfBytesWritten")? })
            }

            fn encode(&self, b: &mut BlockEncoder<'_>) {
                b.w.u16(self.count);
                b.start_data();
            }
        }
    };
}

count_response!(
    /// WRITE (core) response.
    WriteResponse,
    WRITE
);
count_response!(
    /// WRITE_AND_UNLOCK response.
    WriteAndUnlockResponse,
    WRITE_AND_UNLOCK
);
count_response!(
    /// WRITE_AND_CLOSE response.
    WriteAndCloseResponse,
    WRITE_AND_CLOSE
);

/// WRITE_AND_UNLOCK request (same layout as WRITE).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteAndUnlockRequest(pub WriteRequest);

impl Body for WriteAndUnlockRequest {
    const COMMAND: Command = Command::WRITE_AND_UNLOCK;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        decode_write(b).map(Self)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        encode_write(&self.0, b)
    }
}

/// CREATE_TEMPORARY request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateTemporaryRequest {
    /// Attributes for the new file.
    pub file_attributes: u16,
    /// Creation time (UTIME).
    pub creation_time: u32,
    /// The directory to create the file in.
    pub directory_name: String,
}

impl Body for CreateTemporaryRequest {
    const COMMAND: Command = Command::CREATE_TEMPORARY;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[3])?;
        let file_attributes = b.params.u16("FileAttributes")?;
        let creation_time = b.params.u32("CreationTime")?;
        Ok(Self {
            file_attributes,
            creation_time,
            directory_name: read_format_string(b, "DirectoryName")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.file_attributes);
        b.w.u32(self.creation_time);
        b.start_data();
        write_format_string(b, &self.directory_name);
    }
}

/// CREATE_TEMPORARY response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateTemporaryResponse {
    /// The new FID.
    pub fid: u16,
    /// The name of the created file.
    pub temporary_file_name: String,
}

impl Body for CreateTemporaryResponse {
    const COMMAND: Command = Command::CREATE_TEMPORARY;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        let fid = b.params.u16("FID")?;
        Ok(Self {
            fid,
            temporary_file_name: read_format_string(b, "TemporaryFileName")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.start_data();
        write_format_string(b, &self.temporary_file_name);
    }
}

crate::empty_body!(
    /// PROCESS_EXIT request (no parameters).
    ProcessExitRequest,
    PROCESS_EXIT
);
crate::empty_body!(
    /// PROCESS_EXIT response (no parameters).
    ProcessExitResponse,
    PROCESS_EXIT
);
crate::empty_body!(
    /// NT_CANCEL request (no parameters; it has no response).
    NtCancelRequest,
    NT_CANCEL
);
crate::empty_body!(
    /// NT_CANCEL "response" (servers send none; present for symmetry).
    NtCancelResponse,
    NT_CANCEL
);

/// WRITE_AND_CLOSE request (WordCount 6, or 12 with three reserved dwords).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteAndCloseRequest {
    /// The file.
    pub fid: u16,
    /// Byte offset.
    pub offset: u32,
    /// Last write time to set (UTIME).
    pub last_write_time: u32,
    /// Reserved dwords of the WordCount 12 form.
    pub reserved: Option<[u32; 3]>,
    /// `CountOfBytesToWrite` when it differs from the data length.
    pub count: Option<u16>,
    /// The pad byte before the data.
    pub pad: Pad,
    /// The data.
    pub data: Bytes,
}

impl Body for WriteAndCloseRequest {
    const COMMAND: Command = Command::WRITE_AND_CLOSE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[6, 12])?;
        let p = &mut b.params;
        let fid = p.u16("FID")?;
        let count = p.u16("CountOfBytesToWrite")?;
        let offset = p.u32("WriteOffsetInBytes")?;
        let last_write_time = p.u32("LastWriteTime")?;
        let reserved = if b.word_count == 12 {
            Some([p.u32("Reserved")?, p.u32("Reserved")?, p.u32("Reserved")?])
        } else {
            None
        };
        let pad = Pad::read(&mut b.data, 1, "Pad")?;
        let avail = b.data.remaining();
        if count as usize > avail {
            return Err(DecodeError::new(
                DecodeErrorKind::Truncated,
                "Data",
                b.data.pos(),
            ));
        }
        let data = b.data.bytes(count as usize, "Data")?;
        Ok(Self {
            fid,
            offset,
            last_write_time,
            reserved,
            count: None,
            pad,
            data,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u16(self.count.unwrap_or(self.data.len() as u16));
        b.w.u32(self.offset);
        b.w.u32(self.last_write_time);
        if let Some(r) = self.reserved {
            for x in r {
                b.w.u32(x);
            }
        }
        b.start_data();
        self.pad.write(b.w, 1);
        b.w.tail(self.data.clone());
    }
}

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
