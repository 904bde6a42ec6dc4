//! `SMB_COM_CREATE_TEMPORARY` (0x0E): create a file with a server-chosen name in a directory.

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::core_open::create_layout;
use super::format::{read_format_string, write_format_string};

create_layout!(
    /// CREATE_TEMPORARY request (the CREATE layout; the name is a directory).
    CreateTemporaryRequest,
    CREATE_TEMPORARY,
    directory_name,
    "DirectoryName",
    "The directory to create the file in."
);

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
