//! `SMB_COM_LOCK_AND_READ` (0x13): a core read that first takes an exclusive byte-range
//! lock on the range it reads (servers that set `CAP_LOCK_AND_READ` answer it).

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::read::{ReadRequest, ReadResponse};

/// LOCK_AND_READ request (same layout as the core READ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockAndReadRequest(pub ReadRequest);

impl Body for LockAndReadRequest {
    const COMMAND: Command = Command::LOCK_AND_READ;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        <ReadRequest as Body>::decode(b).map(Self)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        self.0.encode(b)
    }
}

/// LOCK_AND_READ response (same layout as the core READ's).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockAndReadResponse(pub ReadResponse);

impl Body for LockAndReadResponse {
    const COMMAND: Command = Command::LOCK_AND_READ;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        <ReadResponse as Body>::decode(b).map(Self)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        self.0.encode(b)
    }
}
