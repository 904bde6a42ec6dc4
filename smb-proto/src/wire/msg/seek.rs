//! `SMB_COM_SEEK` (0x12): move an open file's pointer (from the start, the current
//! position or the end) and answer where it is now.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// SEEK request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeekRequest {
    /// The file.
    pub fid: u16,
    /// 0: from the start, 1: from the current position, 2: from the end.
    pub mode: u16,
    /// Signed offset from there.
    pub offset: i32,
}

impl Body for SeekRequest {
    const COMMAND: Command = Command::SEEK;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[4])?;
        Ok(Self {
            fid: b.params.u16("FID")?,
            mode: b.params.u16("Mode")?,
            offset: b.params.u32("Offset")? as i32,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u16(self.mode);
        b.w.u32(self.offset as u32);
        b.start_data();
    }
}

/// SEEK response: the new position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeekResponse {
    /// Where the file pointer is now.
    pub offset: u32,
}

impl Body for SeekResponse {
    const COMMAND: Command = Command::SEEK;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[2])?;
        Ok(Self {
            offset: b.params.u32("Offset")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u32(self.offset);
        b.start_data();
    }
}
