//! `SMB_COM_NT_RENAME` (0xA5): rename, hard-link or copy one file (no wildcards).

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_str, skip_align, write_align, write_str};

/// What an NT_RENAME does (its InformationLevel field).
pub mod nt_rename_flags {
    /// SMB_NT_RENAME_MOVE_CLUSTER_INFO (not supported by servers).
    pub const MOVE_CLUSTER_INFORMATION: u16 = 0x0102;
    /// SMB_NT_RENAME_SET_LINK_INFO: a hard link.
    pub const HARD_LINK: u16 = 0x0103;
    /// SMB_NT_RENAME_RENAME_FILE.
    pub const RENAME: u16 = 0x0104;
    /// Copy the file (as Windows NT servers do).
    pub const COPY: u16 = 0x0105;
}

/// NT_RENAME request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtRenameRequest {
    /// Attributes of the file to include.
    pub search_attributes: u16,
    /// One of [`nt_rename_flags`].
    pub information_level: u16,
    /// ClusterCount (for MOVE_CLUSTER_INFORMATION).
    pub cluster_count: u32,
    /// The current name.
    pub old_file_name: String,
    /// The new name.
    pub new_file_name: String,
}

impl Body for NtRenameRequest {
    const COMMAND: Command = Command::NT_RENAME;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[4])?;
        let unicode = b.unicode();
        let search_attributes = b.params.u16("SearchAttributes")?;
        let information_level = b.params.u16("InformationLevel")?;
        let cluster_count = b.params.u32("ClusterCount")?;
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
            information_level,
            cluster_count,
            old_file_name,
            new_file_name,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        b.w.u16(self.search_attributes);
        b.w.u16(self.information_level);
        b.w.u32(self.cluster_count);
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
    /// NT_RENAME response (no parameters).
    NtRenameResponse,
    NT_RENAME
);
