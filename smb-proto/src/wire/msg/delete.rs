//! `SMB_COM_DELETE` (0x06): delete files matching a name (wildcards allowed).

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_str, write_str};

/// DELETE request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteRequest {
    /// Attributes of files to include (hidden, system...).
    pub search_attributes: u16,
    /// BufferFormat byte (0x04).
    pub buffer_format: u8,
    /// The file name or pattern.
    pub file_name: String,
}

impl Body for DeleteRequest {
    const COMMAND: Command = Command::DELETE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        let unicode = b.unicode();
        let search_attributes = b.params.u16("SearchAttributes")?;
        let buffer_format = b.data.u8("BufferFormat")?;
        crate::wire::strings::skip_align(&mut b.data, unicode);
        Ok(Self {
            search_attributes,
            buffer_format,
            file_name: read_str(&mut b.data, unicode, "FileName")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        b.w.u16(self.search_attributes);
        b.start_data();
        b.w.u8(self.buffer_format);
        crate::wire::strings::write_align(b.w, unicode);
        write_str(b.w, &self.file_name, unicode);
    }
}

crate::empty_body!(
    /// DELETE response (no parameters).
    DeleteResponse,
    DELETE
);
