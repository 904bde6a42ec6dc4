//! `SMB_COM_ECHO` (0x2B): the server sends the data back `echo_count` times.

use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// ECHO request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EchoRequest {
    /// How many responses the server sends (0: none).
    pub echo_count: u16,
    /// Data to echo.
    pub data: Bytes,
}

impl Body for EchoRequest {
    const COMMAND: Command = Command::ECHO;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        Ok(Self {
            echo_count: b.params.u16("EchoCount")?,
            data: b.data.rest(),
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.echo_count);
        b.start_data();
        b.w.bytes(&self.data);
    }
}

/// ECHO response (one of `echo_count`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EchoResponse {
    /// 1-based number of this response.
    pub sequence_number: u16,
    /// The echoed data.
    pub data: Bytes,
}

impl Body for EchoResponse {
    const COMMAND: Command = Command::ECHO;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        Ok(Self {
            sequence_number: b.params.u16("SequenceNumber")?,
            data: b.data.rest(),
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.sequence_number);
        b.start_data();
        b.w.bytes(&self.data);
    }
}
