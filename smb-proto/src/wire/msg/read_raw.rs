//! `SMB_COM_READ_RAW` (0x1A): the bulk read of LANMAN clients. The server answers with the
//! file bytes alone, in one session message without an SMB header (an empty one on any
//! failure), so the response has no typed codec.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// READ_RAW request (WordCount 8, or 10 with the high 32 bits of the offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadRawRequest {
    /// The file.
    pub fid: u16,
    /// Byte offset (64-bit with the WordCount 10 form).
    pub offset: u64,
    /// Most bytes to return.
    pub max_count: u16,
    /// Fewest bytes to return (pipes).
    pub min_count: u16,
    /// Timeout in milliseconds (pipes).
    pub timeout: u32,
    /// Reserved word.
    pub reserved: u16,
    /// The WordCount 10 form (OffsetHigh present).
    pub large_offset: bool,
}

impl Body for ReadRawRequest {
    const COMMAND: Command = Command::READ_RAW;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[8, 10])?;
        let p = &mut b.params;
        let fid = p.u16("FID")?;
        let low = p.u32("Offset")?;
        let max_count = p.u16("MaxCountOfBytesToReturn")?;
        let min_count = p.u16("MinCountOfBytesToReturn")?;
        let timeout = p.u32("Timeout")?;
        let reserved = p.u16("Reserved")?;
        let large_offset = b.word_count == 10;
        let high = if large_offset {
            p.u32("OffsetHigh")?
        } else {
            0
        };
        Ok(Self {
            fid,
            offset: u64::from(high) << 32 | u64::from(low),
            max_count,
            min_count,
            timeout,
            reserved,
            large_offset,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u32(self.offset as u32);
        b.w.u16(self.max_count);
        b.w.u16(self.min_count);
        b.w.u32(self.timeout);
        b.w.u16(self.reserved);
        if self.large_offset || self.offset > u64::from(u32::MAX) {
            b.w.u32((self.offset >> 32) as u32);
        }
        b.start_data();
    }
}

crate::untyped_body!(
    /// A READ_RAW "response" as an SMB message: none exists on the wire (the answer is raw
    /// bytes); kept untyped for anything that claims to be one.
    ReadRawResponse,
    READ_RAW
);
