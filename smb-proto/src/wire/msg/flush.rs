//! `SMB_COM_FLUSH` (0x05): flush a file (FID 0xFFFF: every file of the process).

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// FLUSH request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlushRequest {
    /// The file, or 0xFFFF for all.
    pub fid: u16,
}

impl Body for FlushRequest {
    const COMMAND: Command = Command::FLUSH;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        Ok(Self {
            fid: b.params.u16("FID")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.start_data();
    }
}

crate::empty_body!(
    /// FLUSH response (no parameters).
    FlushResponse,
    FLUSH
);
