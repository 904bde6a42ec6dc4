//! `SMB_COM_RENAME` (0x07): rename files (wildcards allowed).

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_str, skip_align, write_align, write_str};

/// RENAME request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RenameRequest {
    /// Attributes of files to include.
    pub search_attributes: u16,
    /// The current name.
    pub old_file_name: String,
    /// The new name.
    pub new_file_name: String,
}

impl Body for RenameRequest {
    const COMMAND: Command = Command::RENAME;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        let unicode = b.unicode();
        let search_attributes = b.params.u16("SearchAttributes")?;
        let d = &mut b.data;
        let at = d.pos();
        if d.u8("BufferFormat1")? != 0x04 {
            return Err(DecodeError::invalid("BufferFormat1", at));
        }
        skip_align(d, unicode);
        let old_file_name = read_str(d, unicode, "OldFileName")?;
        let at = d.pos();
        if d.u8("BufferFormat2")? != 0x04 {
            return Err(DecodeError::invalid("BufferFormat2", at));
        }
        skip_align(d, unicode);
        let new_file_name = read_str(d, unicode, "NewFileName")?;
        Ok(Self {
            search_attributes,
            old_file_name,
            new_file_name,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        b.w.u16(self.search_attributes);
        b.start_data();
        b.w.u8(0x04);
        write_align(b.w, unicode);
        write_str(b.w, &self.old_file_name, unicode);
        b.w.u8(0x04);
        write_align(b.w, unicode);
        write_str(b.w, &self.new_file_name, unicode);
    }
}

crate::empty_body!(
    /// RENAME response (no parameters).
    RenameResponse,
    RENAME
);
