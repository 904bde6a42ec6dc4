//! `SMB_COM_WRITE_RAW` (0x1D): the bulk write of LANMAN clients. The request may carry the
//! first bytes; the server answers with an interim response (this module's response), the
//! client then sends the rest as one session message without an SMB header, and the
//! server ends with WRITE_COMPLETE when asked to write through (or on failure).

use bytes::Bytes;

use crate::wire::codec::{DecodeError, Pad, Reader};
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// WriteMode: write through, and answer with WRITE_COMPLETE.
pub const WRITE_RAW_WRITE_THROUGH: u16 = 0x0001;

/// WRITE_RAW request (WordCount 12, or 14 with the high 32 bits of the offset).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteRawRequest {
    /// The file.
    pub fid: u16,
    /// Bytes of the whole write (this message's data and the raw message that follows).
    pub count: u16,
    /// Reserved word.
    pub reserved1: u16,
    /// Byte offset (64-bit with the WordCount 14 form).
    pub offset: u64,
    /// Timeout in milliseconds (pipes).
    pub timeout: u32,
    /// [`WRITE_RAW_WRITE_THROUGH`].
    pub write_mode: u16,
    /// Reserved double word.
    pub reserved2: u32,
    /// The WordCount 14 form (OffsetHigh present).
    pub large_offset: bool,
    /// Padding between ByteCount and the data (canonical: none).
    pub pad: Pad,
    /// The first bytes of the write.
    pub data: Bytes,
}

impl Body for WriteRawRequest {
    const COMMAND: Command = Command::WRITE_RAW;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[12, 14])?;
        let p = &mut b.params;
        let fid = p.u16("FID")?;
        let count = p.u16("CountOfBytes")?;
        let reserved1 = p.u16("Reserved1")?;
        let low = p.u32("Offset")?;
        let timeout = p.u32("Timeout")?;
        let write_mode = p.u16("WriteMode")?;
        let reserved2 = p.u32("Reserved2")?;
        let len = p.u16("DataLength")? as usize;
        let data_offset = p.u16("DataOffset")? as usize;
        let large_offset = b.word_count == 14;
        let high = if large_offset {
            p.u32("OffsetHigh")?
        } else {
            0
        };
        let start = b.data.pos();
        let mut r = Reader::range(b.message(), start, b.data.remaining(), "Bytes")?;
        let pad = Pad::read_to(&mut r, data_offset, "DataOffset")?;
        let data = r.bytes(len, "Data")?;
        b.data.seek(r.pos(), "Data")?;
        Ok(Self {
            fid,
            count,
            reserved1,
            offset: u64::from(high) << 32 | u64::from(low),
            timeout,
            write_mode,
            reserved2,
            large_offset,
            pad,
            data,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u16(self.count);
        b.w.u16(self.reserved1);
        b.w.u32(self.offset as u32);
        b.w.u32(self.timeout);
        b.w.u16(self.write_mode);
        b.w.u32(self.reserved2);
        b.w.u16(self.data.len() as u16);
        let off_at = b.w.placeholder_u16();
        if self.large_offset || self.offset > u64::from(u32::MAX) {
            b.w.u32((self.offset >> 32) as u32);
        }
        b.start_data();
        self.pad.write(b.w, 0);
        let off = b.w.pos();
        b.w.patch_u16(off_at, off as u16);
        b.w.bytes(&self.data);
    }
}

/// WRITE_RAW interim response: send the rest as raw data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteRawResponse {
    /// Available (0xFFFF from Samba; unused).
    pub available: u16,
}

impl Body for WriteRawResponse {
    const COMMAND: Command = Command::WRITE_RAW;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        Ok(Self {
            available: b.params.u16("Available")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.available);
        b.start_data();
    }
}
