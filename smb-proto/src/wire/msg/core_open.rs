//! The core-protocol opens: `SMB_COM_OPEN` (0x02) opens an existing file with a DOS
//! access and deny mode; `SMB_COM_CREATE` (0x03) creates or truncates a file and
//! `SMB_COM_CREATE_NEW` (0x0F) creates one that must not exist, both with DOS
//! attributes and a creation time (the request layout CREATE_TEMPORARY shares).

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_format_string, write_format_string};

/// OPEN request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenRequest {
    /// DOS access and deny mode (as OPEN_ANDX's AccessMode).
    pub access_mode: u16,
    /// Attributes of the files to match (hidden, system).
    pub search_attributes: u16,
    /// The file.
    pub file_name: String,
}

impl Body for OpenRequest {
    const COMMAND: Command = Command::OPEN;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[2])?;
        let access_mode = b.params.u16("AccessMode")?;
        let search_attributes = b.params.u16("SearchAttributes")?;
        Ok(Self {
            access_mode,
            search_attributes,
            file_name: read_format_string(b, "FileName")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.access_mode);
        b.w.u16(self.search_attributes);
        b.start_data();
        write_format_string(b, &self.file_name);
    }
}

/// OPEN response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenResponse {
    /// The new FID.
    pub fid: u16,
    /// DOS attributes of the file.
    pub file_attrs: u16,
    /// Last write time (UTIME).
    pub last_write_time: u32,
    /// File size.
    pub file_size: u32,
    /// The access mode granted.
    pub access_mode: u16,
}

impl Body for OpenResponse {
    const COMMAND: Command = Command::OPEN;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[7])?;
        Ok(Self {
            fid: b.params.u16("FID")?,
            file_attrs: b.params.u16("FileAttrs")?,
            last_write_time: b.params.u32("LastWriteTime")?,
            file_size: b.params.u32("FileSize")?,
            access_mode: b.params.u16("AccessMode")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u16(self.file_attrs);
        b.w.u32(self.last_write_time);
        b.w.u32(self.file_size);
        b.w.u16(self.access_mode);
    }
}

/// Defines a request of the CREATE layout (DOS attributes, a creation time and a name),
/// which CREATE, CREATE_NEW and CREATE_TEMPORARY share; `$field` names the string.
macro_rules! create_layout {
    ($(#[$m:meta])* $req:ident, $cmd:ident, $field:ident, $wire:literal, $fdoc:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $req {
            /// DOS attributes of the new file.
            pub file_attributes: u16,
            /// Creation time (UTIME; 0 for none), which also becomes the last write time.
            pub creation_time: u32,
            #[doc = $fdoc]
            pub $field: alloc::string::String,
        }

        impl $crate::wire::message::Body for $req {
            const COMMAND: $crate::wire::header::Command = $crate::wire::header::Command::$cmd;

            fn decode(
                b: &mut $crate::wire::message::BlockDecoder<'_>,
            ) -> Result<Self, $crate::wire::codec::DecodeError> {
                b.expect_word_count(&[3])?;
                let file_attributes = b.params.u16("FileAttributes")?;
                let creation_time = b.params.u32("CreationTime")?;
                Ok(Self {
                    file_attributes,
                    creation_time,
                    $field: super::format::read_format_string(b, $wire)?,
                })
            }

            fn encode(&self, b: &mut $crate::wire::message::BlockEncoder<'_>) {
                b.w.u16(self.file_attributes);
                b.w.u32(self.creation_time);
                b.start_data();
                super::format::write_format_string(b, &self.$field);
            }
        }
    };
}
pub(super) use create_layout;

macro_rules! core_create {
    ($req:ident, $resp:ident, $cmd:ident, $what:literal) => {
        create_layout!(
            #[doc = concat!($what, " request.")]
            $req,
            $cmd,
            file_name,
            "FileName",
            "The file."
        );

        $crate::fid_body!(
            #[doc = concat!($what, " response: the new FID.")]
            $resp,
            $cmd
        );
    };
}

core_create!(
    CreateRequest,
    CreateResponse,
    CREATE,
    "CREATE (create or truncate)"
);
core_create!(
    CreateNewRequest,
    CreateNewResponse,
    CREATE_NEW,
    "CREATE_NEW (create; fails if the file exists)"
);
