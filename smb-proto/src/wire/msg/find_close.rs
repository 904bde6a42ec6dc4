//! `SMB_COM_FIND_CLOSE` (0x84): end a FIND search by its resume key. The request has the
//! SEARCH layout; the response carries a zero count and, per MS-CIFS, an empty data block
//! (Samba sends no bytes at all; both forms decode).

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::search::SearchRequest;
use super::wrap::same_layout;

same_layout!(
    /// FIND_CLOSE request (the SEARCH layout: an empty name and the last resume key).
    FindCloseRequest(SearchRequest),
    FIND_CLOSE
);

/// FIND_CLOSE response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FindCloseResponse {
    /// Count (0).
    pub count: u16,
    /// The empty data block (`05 00 00`) is present, as MS-CIFS has it.
    pub data_block: bool,
}

impl Body for FindCloseResponse {
    const COMMAND: Command = Command::FIND_CLOSE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        let count = b.params.u16("Count")?;
        let mut peek = b.data.clone();
        let data_block =
            peek.u8("BufferFormat").ok() == Some(0x05) && peek.u16("DataLength").ok() == Some(0);
        if data_block {
            b.data.skip(3, "DataBlock")?;
        }
        Ok(Self { count, data_block })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.count);
        b.start_data();
        if self.data_block {
            b.w.u8(0x05);
            b.w.u16(0);
        }
    }
}
