//! Set information levels (TRANS2 SET_PATH/FILE_INFORMATION): what a request changes,
//! as one [`SetFileInfo`].

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::strings::str_len;

use super::ea::{FeaEntry, decode_fea_list, encode_fea_list};
use super::level;
use super::name::{read_name, utf16_len_checked, write_name};
use super::query_file::{FileInformation, read_dos_times, write_dos_times};

/// What a set-information request changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetFileInfo {
    /// New times and attributes (0 = unchanged; -1 also unchanged for times).
    Basic {
        /// Creation time.
        creation_time: u64,
        /// Last access time.
        last_access_time: u64,
        /// Last write time.
        last_write_time: u64,
        /// Change time.
        change_time: u64,
        /// Attributes (0 = unchanged).
        attributes: u32,
    },
    /// SMB_INFO_STANDARD: DOS times.
    Standard {
        /// Creation time (FILETIME).
        creation_time: u64,
        /// Last access time (FILETIME).
        last_access_time: u64,
        /// Last write time (FILETIME).
        last_write_time: u64,
    },
    /// Delete on close.
    Disposition {
        /// Whether to delete when the last handle closes.
        delete_pending: bool,
    },
    /// Allocation size.
    Allocation(u64),
    /// End of file (truncate or extend).
    EndOfFile(u64),
    /// The handle's current byte offset (pass-through FilePositionInformation).
    Position(u64),
    /// Set extended attributes (SMB_INFO_SET_EAS; an empty value removes one).
    Eas(Vec<FeaEntry>),
    /// Rename (pass-through FileRenameInformation).
    Rename {
        /// Replace an existing target.
        replace_if_exists: bool,
        /// Root directory handle (0).
        root_directory: u32,
        /// The new name.
        file_name: String,
    },
}

/// Decodes a set-information level.
pub fn decode_set_info(
    level: u16,
    data: &Bytes,
    unicode: bool,
) -> Result<SetFileInfo, DecodeError> {
    use level::*;
    let mut r = Reader::new(data);
    Ok(match level {
        FILE_BASIC_INFO | PT_BASIC => SetFileInfo::Basic {
            creation_time: r.u64("CreationTime")?,
            last_access_time: r.u64("LastAccessTime")?,
            last_write_time: r.u64("LastWriteTime")?,
            change_time: r.u64("ChangeTime")?,
            attributes: r.u32("Attributes")?,
        },
        INFO_SET_EAS => SetFileInfo::Eas(decode_fea_list(data)?),
        INFO_STANDARD => {
            let mut i = FileInformation::default();
            read_dos_times(&mut r, &mut i)?;
            SetFileInfo::Standard {
                creation_time: i.creation_time,
                last_access_time: i.last_access_time,
                last_write_time: i.last_write_time,
            }
        }
        SET_FILE_DISPOSITION_INFO | PT_DISPOSITION => SetFileInfo::Disposition {
            delete_pending: r.u8("DeletePending")? != 0,
        },
        SET_FILE_ALLOCATION_INFO | PT_ALLOCATION => {
            SetFileInfo::Allocation(r.u64("AllocationSize")?)
        }
        SET_FILE_END_OF_FILE_INFO | PT_END_OF_FILE => SetFileInfo::EndOfFile(r.u64("EndOfFile")?),
        PT_POSITION => SetFileInfo::Position(r.u64("CurrentByteOffset")?),
        PT_RENAME => {
            // FileRenameInformation as SMB1 carries it: ReplaceIfExists (1), reserved (3),
            // RootDirectory (4), FileNameLength (4), FileName.
            let replace_if_exists = r.u8("ReplaceIfExists")? != 0;
            r.skip(3, "Reserved")?;
            let root_directory = r.u32("RootDirectory")?;
            let n = utf16_len_checked(&mut r, "FileNameLength")?;
            SetFileInfo::Rename {
                replace_if_exists,
                root_directory,
                file_name: read_name(&mut r, n, unicode, "FileName")?,
            }
        }
        _ => return Err(DecodeError::invalid("InformationLevel", 0)),
    })
}

/// Encodes a set-information level (the level must match the variant).
pub fn encode_set_info(info: &SetFileInfo, unicode: bool) -> Bytes {
    let mut w = Writer::new();
    match info {
        SetFileInfo::Basic {
            creation_time,
            last_access_time,
            last_write_time,
            change_time,
            attributes,
        } => {
            w.u64(*creation_time);
            w.u64(*last_access_time);
            w.u64(*last_write_time);
            w.u64(*change_time);
            w.u32(*attributes);
            w.u32(0);
        }
        SetFileInfo::Standard {
            creation_time,
            last_access_time,
            last_write_time,
        } => {
            let i = FileInformation {
                creation_time: *creation_time,
                last_access_time: *last_access_time,
                last_write_time: *last_write_time,
                ..Default::default()
            };
            write_dos_times(&mut w, &i);
            w.zeros(10);
        }
        SetFileInfo::Disposition { delete_pending } => w.u8(*delete_pending as u8),
        SetFileInfo::Eas(eas) => return encode_fea_list(eas),
        SetFileInfo::Allocation(n) | SetFileInfo::EndOfFile(n) | SetFileInfo::Position(n) => {
            w.u64(*n)
        }
        SetFileInfo::Rename {
            replace_if_exists,
            root_directory,
            file_name,
        } => {
            w.u8(*replace_if_exists as u8);
            w.zeros(3);
            w.u32(*root_directory);
            w.u32(str_len(file_name, unicode) as u32);
            write_name(&mut w, file_name, unicode);
        }
    }
    w.freeze()
}
