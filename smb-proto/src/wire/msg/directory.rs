//! `SMB_COM_CREATE_DIRECTORY` (0x00), `SMB_COM_DELETE_DIRECTORY` (0x01) and
//! `SMB_COM_CHECK_DIRECTORY` (0x10): a BufferFormat byte and a directory name.

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::message::{BlockDecoder, BlockEncoder};
use crate::wire::strings::{read_str, skip_align, write_align, write_str};

fn decode_dir_name(b: &mut BlockDecoder<'_>) -> Result<(u8, String), DecodeError> {
    b.expect_word_count(&[0])?;
    let unicode = b.unicode();
    let bf = b.data.u8("BufferFormat")?;
    skip_align(&mut b.data, unicode);
    Ok((bf, read_str(&mut b.data, unicode, "DirectoryName")?))
}

fn encode_dir_name(b: &mut BlockEncoder<'_>, buffer_format: u8, name: &str) {
    let unicode = b.unicode();
    b.start_data();
    b.w.u8(buffer_format);
    write_align(b.w, unicode);
    write_str(b.w, name, unicode);
}

macro_rules! dir_request {
    ($(#[$m:meta])* $name:ident, $cmd:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// BufferFormat byte (0x04).
            pub buffer_format: u8,
            /// The directory path.
            pub directory_name: String,
        }

        impl Default for $name {
            fn default() -> Self {
                Self { buffer_format: 0x04, directory_name: String::new() }
            }
        }

        impl crate::wire::message::Body for $name {
            const COMMAND: crate::wire::header::Command = crate::wire::header::Command::$cmd;

            fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
                let (buffer_format, directory_name) = decode_dir_name(b)?;
                Ok(Self { buffer_format, directory_name })
            }

            fn encode(&self, b: &mut BlockEncoder<'_>) {
                encode_dir_name(b, self.buffer_format, &self.directory_name);
            }
        }
    };
}

dir_request!(
    /// CREATE_DIRECTORY request.
    CreateDirectoryRequest,
    CREATE_DIRECTORY
);
dir_request!(
    /// DELETE_DIRECTORY request.
    DeleteDirectoryRequest,
    DELETE_DIRECTORY
);
dir_request!(
    /// CHECK_DIRECTORY request.
    CheckDirectoryRequest,
    CHECK_DIRECTORY
);

crate::empty_body!(
    /// CREATE_DIRECTORY response (no parameters).
    CreateDirectoryResponse,
    CREATE_DIRECTORY
);
crate::empty_body!(
    /// DELETE_DIRECTORY response (no parameters).
    DeleteDirectoryResponse,
    DELETE_DIRECTORY
);
crate::empty_body!(
    /// CHECK_DIRECTORY response (no parameters).
    CheckDirectoryResponse,
    CHECK_DIRECTORY
);
