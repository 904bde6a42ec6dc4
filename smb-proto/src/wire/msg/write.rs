//! `SMB_COM_WRITE` (0x0B): the core-protocol write, data in a BufferFormat 0x01 block.
//!
//! WRITE_AND_UNLOCK shares the request layout and all three core writes share the
//! response layout; both are defined here for them.

use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_data_block, write_data_block};

/// WRITE (core) request; also the shape of WRITE_AND_UNLOCK.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteRequest {
    /// The file.
    pub fid: u16,
    /// Byte offset.
    pub offset: u32,
    /// Estimate of remaining bytes.
    pub remaining: u16,
    /// `CountOfBytesToWrite` when it differs from the data length.
    pub count: Option<u16>,
    /// The data (a zero count truncates or extends the file to `offset`).
    pub data: Bytes,
}

/// Decodes the WRITE request layout (WRITE and WRITE_AND_UNLOCK).
pub(super) fn decode_write(b: &mut BlockDecoder<'_>) -> Result<WriteRequest, DecodeError> {
    b.expect_word_count(&[5])?;
    let p = &mut b.params;
    let fid = p.u16("FID")?;
    let count = p.u16("CountOfBytesToWrite")?;
    let offset = p.u32("WriteOffsetInBytes")?;
    let remaining = p.u16("EstimateOfRemainingBytesToBeWritten")?;
    let data = read_data_block(b)?;
    Ok(WriteRequest {
        fid,
        offset,
        remaining,
        count: (count as usize != data.len()).then_some(count),
        data,
    })
}

/// Encodes the WRITE request layout (WRITE and WRITE_AND_UNLOCK).
pub(super) fn encode_write(r: &WriteRequest, b: &mut BlockEncoder<'_>) {
    b.w.u16(r.fid);
    b.w.u16(r.count.unwrap_or(r.data.len() as u16));
    b.w.u32(r.offset);
    b.w.u16(r.remaining);
    b.start_data();
    write_data_block(b, &r.data);
}

impl Body for WriteRequest {
    const COMMAND: Command = Command::WRITE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        decode_write(b)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        encode_write(self, b)
    }
}

/// Defines a core write response: one word, `CountOfBytesWritten`.
macro_rules! count_response {
    ($(#[$m:meta])* $name:ident, $cmd:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name {
            /// Bytes written.
            pub count: u16,
        }

        impl $crate::wire::message::Body for $name {
            const COMMAND: $crate::wire::header::Command = $crate::wire::header::Command::$cmd;

            fn decode(
                b: &mut $crate::wire::message::BlockDecoder<'_>,
            ) -> Result<Self, $crate::wire::codec::DecodeError> {
                b.expect_word_count(&[1])?;
                Ok(Self { count: b.params.u16("CountOfBytesWritten")? })
            }

            fn encode(&self, b: &mut $crate::wire::message::BlockEncoder<'_>) {
                b.w.u16(self.count);
                b.start_data();
            }
        }
    };
}
pub(super) use count_response;

count_response!(
    /// WRITE (core) response.
    WriteResponse,
    WRITE
);
