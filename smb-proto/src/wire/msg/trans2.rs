//! `SMB_COM_TRANSACTION2` (0x32) framing. The subcommands (FIND_FIRST2, QUERY_PATH_INFORMATION
//! ...) are typed in [`sub`] and travel inside the parameter and data blocks.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

pub use super::transaction::{
    TransPayload, TransRequestHeader, TransResponseBody, TransResponseHeader,
};
use super::transaction::{decode_request_words, encode_request_words};

pub mod info;
pub mod open2;
pub mod sub;

/// TRANSACTION2 request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trans2Request {
    /// Counts, limits, setup (Setup\[0\] is the subcommand).
    pub header: TransRequestHeader,
    /// Parameters and data. `pad1` holds the (unused) name and the padding after it.
    pub payload: TransPayload,
}

impl Trans2Request {
    /// The subcommand code (Setup\[0\]), if any.
    pub fn subcommand(&self) -> Option<u16> {
        self.header.setup.first().copied()
    }
}

impl Body for Trans2Request {
    const COMMAND: Command = Command::TRANSACTION2;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        let (header, c) = decode_request_words(b)?;
        let payload = TransPayload::decode(
            b,
            c.param_count,
            c.param_offset,
            c.data_count,
            c.data_offset,
        )?;
        Ok(Self { header, payload })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let (po, dof) = encode_request_words(b, &self.header, &self.payload);
        b.start_data();
        if self.payload.pad1.0.is_none() {
            // The canonical (empty) name: one NUL byte, then padding to 4.
            b.w.u8(0);
        }
        let (p_off, d_off) = self.payload.encode(b.w);
        b.w.patch_u16(po, p_off as u16);
        b.w.patch_u16(dof, d_off as u16);
    }
}

/// TRANSACTION2 response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trans2Response(pub TransResponseBody);

impl Body for Trans2Response {
    const COMMAND: Command = Command::TRANSACTION2;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        TransResponseBody::decode_body(b).map(Self)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        self.0.encode_body(b)
    }
}
