//! `SMB_COM_WRITE_ANDX` (0x2F): write to a file or pipe, with 64-bit offsets and large
//! writes (CAP_LARGE_WRITEX).

use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Pad, Reader};
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// WriteMode: write through to stable storage.
pub const WRITE_THROUGH: u16 = 0x0001;

/// WRITE_ANDX request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteAndXRequest {
    /// The file.
    pub fid: u16,
    /// Byte offset (64-bit when `large_offset`).
    pub offset: u64,
    /// Timeout (pipes).
    pub timeout: u32,
    /// WriteMode bits.
    pub write_mode: u16,
    /// Remaining (pipes).
    pub remaining: u16,
    /// WordCount 14 form with OffsetHigh.
    pub large_offset: bool,
    /// Padding between ByteCount and the data (canonical: 1 byte).
    pub pad: Pad,
    /// The data: a zero-copy slice of the received frame.
    pub data: Bytes,
}

impl Body for WriteAndXRequest {
    const COMMAND: Command = Command::WRITE_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[12, 14])?;
        let p = &mut b.params;
        let fid = p.u16("FID")?;
        let low = p.u32("Offset")?;
        let timeout = p.u32("Timeout")?;
        let write_mode = p.u16("WriteMode")?;
        let remaining = p.u16("Remaining")?;
        let len_high = p.u16("DataLengthHigh")? as usize;
        let len_low = p.u16("DataLength")? as usize;
        let data_offset = p.u16("DataOffset")? as usize;
        let large_offset = b.word_count == 14;
        let mut offset = low as u64;
        if large_offset {
            offset |= (p.u32("OffsetHigh")? as u64) << 32;
        }
        let len = (len_high << 16) | len_low;
        let data_start = b.data.pos();
        if data_offset < data_start {
            return Err(DecodeError::new(
                DecodeErrorKind::Invalid,
                "DataOffset",
                data_start,
            ));
        }
        let msg = b.message();
        let mut r = Reader::range(msg, data_start, msg.len() - data_start, "Bytes")?;
        let pad = Pad::read_to(&mut r, data_offset, "DataOffset")?;
        let data = r.bytes(len, "Data")?;
        let stop = data_offset + len;
        if stop > b.data.end() {
            b.data.seek(b.data.end(), "Data")?;
            b.end = Some(stop);
        } else {
            b.data.seek(stop, "Data")?;
        }
        Ok(Self {
            fid,
            offset,
            timeout,
            write_mode,
            remaining,
            large_offset,
            pad,
            data,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let len = self.data.len();
        b.w.u16(self.fid);
        b.w.u32(self.offset as u32);
        b.w.u32(self.timeout);
        b.w.u16(self.write_mode);
        b.w.u16(self.remaining);
        b.w.u16((len >> 16) as u16);
        b.w.u16(len as u16);
        let off_at = b.w.placeholder_u16();
        if self.large_offset || self.offset > u32::MAX as u64 {
            b.w.u32((self.offset >> 32) as u32);
        }
        b.start_data();
        self.pad.write(b.w, 1);
        let off = b.w.pos();
        b.w.patch_u16(off_at, off as u16);
        b.w.tail(self.data.clone());
    }
}

/// WRITE_ANDX response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteAndXResponse {
    /// Bytes written (both halves combined).
    pub count: u32,
    /// Available (pipes).
    pub available: u16,
    /// Reserved.
    pub reserved: u16,
}

impl Body for WriteAndXResponse {
    const COMMAND: Command = Command::WRITE_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[6])?;
        let p = &mut b.params;
        let low = p.u16("Count")? as u32;
        let available = p.u16("Available")?;
        let high = p.u16("CountHigh")? as u32;
        Ok(Self {
            count: (high << 16) | low,
            available,
            reserved: p.u16("Reserved")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.count as u16);
        b.w.u16(self.available);
        b.w.u16((self.count >> 16) as u16);
        b.w.u16(self.reserved);
        b.start_data();
    }
}
