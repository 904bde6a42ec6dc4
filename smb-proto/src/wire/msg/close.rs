//! `SMB_COM_CLOSE` (0x04): close a file, optionally setting its last write time.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// CLOSE request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CloseRequest {
    /// The file.
    pub fid: u16,
    /// New last write time (UTIME seconds since 1970; 0 or 0xFFFFFFFF: leave unchanged).
    pub last_time_modified: u32,
}

impl Body for CloseRequest {
    const COMMAND: Command = Command::CLOSE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[3])?;
        Ok(Self {
            fid: b.params.u16("FID")?,
            last_time_modified: b.params.u32("LastTimeModified")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u32(self.last_time_modified);
        b.start_data();
    }
}

crate::empty_body!(
    /// CLOSE response (no parameters).
    CloseResponse,
    CLOSE
);
