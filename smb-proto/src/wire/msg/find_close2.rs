//! `SMB_COM_FIND_CLOSE2` (0x34): close a TRANS2 search handle.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// FIND_CLOSE2 request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FindClose2Request {
    /// The search id.
    pub sid: u16,
}

impl Body for FindClose2Request {
    const COMMAND: Command = Command::FIND_CLOSE2;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        Ok(Self {
            sid: b.params.u16("SearchHandle")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.sid);
        b.start_data();
    }
}

crate::empty_body!(
    /// FIND_CLOSE2 response (no parameters).
    FindClose2Response,
    FIND_CLOSE2
);
