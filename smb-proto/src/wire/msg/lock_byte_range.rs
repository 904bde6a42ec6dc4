//! `SMB_COM_LOCK_BYTE_RANGE` (0x0C): lock a 32-bit range of a file for the caller's PID.
//! UNLOCK_BYTE_RANGE shares the layout.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// LOCK_BYTE_RANGE request; also the shape of UNLOCK_BYTE_RANGE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockByteRangeRequest {
    /// The file.
    pub fid: u16,
    /// Bytes to lock.
    pub count: u32,
    /// First byte.
    pub offset: u32,
}

impl Body for LockByteRangeRequest {
    const COMMAND: Command = Command::LOCK_BYTE_RANGE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[5])?;
        Ok(Self {
            fid: b.params.u16("FID")?,
            count: b.params.u32("CountOfBytesToLock")?,
            offset: b.params.u32("LockOffsetInBytes")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u32(self.count);
        b.w.u32(self.offset);
        b.start_data();
    }
}

crate::empty_body!(
    /// LOCK_BYTE_RANGE response (no parameters).
    LockByteRangeResponse,
    LOCK_BYTE_RANGE
);
