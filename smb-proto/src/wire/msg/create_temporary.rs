//! `SMB_COM_CREATE_TEMPORARY` (0x0E): create a file with a server-chosen name in a directory.

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_format_string, write_format_string};

/// CREATE_TEMPORARY request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateTemporaryRequest {
    /// Attributes for the new file.
    pub file_attributes: u16,
    /// Creation time (UTIME).
    pub creation_time: u32,
    /// The directory to create the file in.
    pub directory_name: String,
}

impl Body for CreateTemporaryRequest {
    const COMMAND: Command = Command::CREATE_TEMPORARY;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        let (file_attributes, creation_time, directory_name) =
            super::create::decode_create(b, "DirectoryName")?;
        Ok(Self {
            file_attributes,
            creation_time,
            directory_name,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        super::create::encode_create(
            b,
            self.file_attributes,
            self.creation_time,
            &self.directory_name,
        );
    }
}

/// CREATE_TEMPORARY response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateTemporaryResponse {
    /// The new FID.
    pub fid: u16,
    /// The name of the created file.
    pub temporary_file_name: String,
}

impl Body for CreateTemporaryResponse {
    const COMMAND: Command = Command::CREATE_TEMPORARY;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[1])?;
        let fid = b.params.u16("FID")?;
        Ok(Self {
            fid,
            temporary_file_name: read_format_string(b, "TemporaryFileName")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.start_data();
        write_format_string(b, &self.temporary_file_name);
    }
}
