//! `SMB_COM_READ` (0x0A): the core-protocol read, data in a BufferFormat 0x01 block.

use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_data_block, write_data_block};

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
