//! `SMB_COM_SEEK` (0x12): move the file pointer of an open file (kept by the server per
//! handle, for clients that read and write at "the current position").

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// Where a SEEK offset counts from.
pub mod seek_mode {
    /// From the start of the file.
    pub const START: u16 = 0;
    /// From the current position.
    pub const CURRENT: u16 = 1;
    /// From the end of the file.
    pub const END: u16 = 2;
}

/// SEEK request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeekRequest {
    /// The file.
    pub fid: u16,
    /// One of [`seek_mode`].
    pub mode: u16,
    /// The offset (signed).
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

/// SEEK response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeekResponse {
    /// The new position (its low 32 bits).
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
