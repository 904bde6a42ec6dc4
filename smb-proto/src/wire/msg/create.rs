//! `SMB_COM_CREATE` (0x03): the core-protocol create (or truncate) of a file. CREATE_NEW
//! shares its layout; CREATE_TEMPORARY's request has it too (its name is a directory).

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_format_string, write_format_string};
use super::wrap::fid_body;

/// Reads the CREATE request layout: attributes, creation time (UTIME) and a name.
pub(super) fn decode_create(
    b: &mut BlockDecoder<'_>,
    name: &'static str,
) -> Result<(u16, u32, String), DecodeError> {
    b.expect_word_count(&[3])?;
    let file_attributes = b.params.u16("FileAttributes")?;
    let creation_time = b.params.u32("CreationTime")?;
    Ok((file_attributes, creation_time, read_format_string(b, name)?))
}

/// Writes the CREATE request layout.
pub(super) fn encode_create(b: &mut BlockEncoder<'_>, attrs: u16, time: u32, name: &str) {
    b.w.u16(attrs);
    b.w.u32(time);
    b.start_data();
    write_format_string(b, name);
}

/// CREATE request; also the shape of CREATE_NEW.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateRequest {
    /// Attributes of the new file.
    pub file_attributes: u16,
    /// Creation time (UTIME; 0: now).
    pub creation_time: u32,
    /// The path.
    pub file_name: String,
}

impl Body for CreateRequest {
    const COMMAND: Command = Command::CREATE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        let (file_attributes, creation_time, file_name) = decode_create(b, "FileName")?;
        Ok(Self {
            file_attributes,
            creation_time,
            file_name,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        encode_create(b, self.file_attributes, self.creation_time, &self.file_name);
    }
}

fid_body!(
    /// CREATE response; also the shape of CREATE_NEW's.
    CreateResponse,
    CREATE,
    "The new FID."
);
