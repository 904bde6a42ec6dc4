//! `SMB_COM_WRITE_AND_UNLOCK` (0x14): a core write that then unlocks the written range.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::write::{WriteRequest, count_response, decode_write, encode_write};

/// WRITE_AND_UNLOCK request (same layout as WRITE).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteAndUnlockRequest(pub WriteRequest);

impl Body for WriteAndUnlockRequest {
    const COMMAND: Command = Command::WRITE_AND_UNLOCK;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        decode_write(b).map(Self)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        encode_write(&self.0, b)
    }
}

count_response!(
    /// WRITE_AND_UNLOCK response.
    WriteAndUnlockResponse,
    WRITE_AND_UNLOCK
);
