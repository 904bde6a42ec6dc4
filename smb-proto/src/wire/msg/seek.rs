//! `SMB_COM_SEEK` (0x12): move (or learn) a file's current position.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// Mode: from the start of the file.
pub const SEEK_SET: u16 = 0;
/// Mode: from the current position.
pub const SEEK_CUR: u16 = 1;
/// Mode: from the end of the file.
pub const SEEK_END: u16 = 2;

/// SEEK request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeekRequest {
    /// The file.
    pub fid: u16,
    /// [`SEEK_SET`], [`SEEK_CUR`] or [`SEEK_END`].
    pub mode: u16,
    /// Signed distance from the origin.
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
    /// The new position from the start of the file.
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
