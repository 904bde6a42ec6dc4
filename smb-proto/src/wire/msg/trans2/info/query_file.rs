//! Query file information levels (TRANS2 QUERY_PATH/FILE_INFORMATION): every level
//! encoded from and decoded into one [`FileInformation`].

use alloc::string::String;
use bytes::Bytes;

use crate::time::{dos_to_filetime, filetime_to_dos};
use crate::wire::NtStatus;
use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::strings::{str_len, write_utf16_raw};

use super::level;
use super::name::{read_name, utf16_len_checked, write_name};

/// Everything a query-information level can report about a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileInformation {
    /// Creation time (FILETIME).
    pub creation_time: u64,
    /// Last access time.
    pub last_access_time: u64,
    /// Last write time.
    pub last_write_time: u64,
    /// Last change time.
    pub change_time: u64,
    /// `SMB_EXT_FILE_ATTR`.
    pub attributes: u32,
    /// Allocation size.
    pub allocation_size: u64,
    /// End of file.
    pub end_of_file: u64,
    /// Number of links.
    pub number_of_links: u32,
    /// Delete pending.
    pub delete_pending: bool,
    /// Is a directory.
    pub directory: bool,
    /// Extended attribute size.
    pub ea_size: u32,
    /// The file's name (path from the share root for ALL/NAME levels).
    pub file_name: String,
    /// 8.3 alternate name.
    pub alt_name: String,
    /// File id / index number.
    pub index_number: u64,
    /// Access flags (FileAccessInformation).
    pub access_flags: u32,
    /// Current position.
    pub position: u64,
    /// Mode.
    pub mode: u32,
    /// Alignment requirement.
    pub alignment: u32,
}

fn write_basic(w: &mut Writer, i: &FileInformation) {
    w.u64(i.creation_time);
    w.u64(i.last_access_time);
    w.u64(i.last_write_time);
    w.u64(i.change_time);
    w.u32(i.attributes);
}

fn read_basic(r: &mut Reader<'_>, i: &mut FileInformation) -> Result<(), DecodeError> {
    i.creation_time = r.u64("CreationTime")?;
    i.last_access_time = r.u64("LastAccessTime")?;
    i.last_write_time = r.u64("LastWriteTime")?;
    i.change_time = r.u64("ChangeTime")?;
    i.attributes = r.u32("Attributes")?;
    Ok(())
}

/// Writes the standard fields (sizes, links, delete pending, directory) and their reserved
/// word, as the STANDARD and ALL levels carry them.
fn write_standard(w: &mut Writer, i: &FileInformation) {
    w.u64(i.allocation_size);
    w.u64(i.end_of_file);
    w.u32(i.number_of_links);
    w.u8(i.delete_pending as u8);
    w.u8(i.directory as u8);
    w.u16(0);
}

/// Reads the standard fields (the reserved word after them is left to the caller).
fn read_standard(r: &mut Reader<'_>, i: &mut FileInformation) -> Result<(), DecodeError> {
    i.allocation_size = r.u64("AllocationSize")?;
    i.end_of_file = r.u64("EndOfFile")?;
    i.number_of_links = r.u32("NumberOfLinks")?;
    i.delete_pending = r.u8("DeletePending")? != 0;
    i.directory = r.u8("Directory")? != 0;
    Ok(())
}

/// Writes the creation, last access and last write times as DOS (date, time) pairs.
pub(super) fn write_dos_times(w: &mut Writer, i: &FileInformation) {
    for t in [i.creation_time, i.last_access_time, i.last_write_time] {
        let (d, tm) = filetime_to_dos(t);
        w.u16(d);
        w.u16(tm);
    }
}

/// Reads three DOS (date, time) pairs into the creation, last access and last write times.
pub(super) fn read_dos_times(
    r: &mut Reader<'_>,
    i: &mut FileInformation,
) -> Result<(), DecodeError> {
    let mut t = [0u64; 3];
    for x in &mut t {
        let d = r.u16("Date")?;
        let tm = r.u16("Time")?;
        *x = dos_to_filetime(d, tm);
    }
    i.creation_time = t[0];
    i.last_access_time = t[1];
    i.last_write_time = t[2];
    Ok(())
}

/// Whether a level's names are UTF-16 whatever the header says: the NT levels carry the
/// NT file-information structures, whose names are always Unicode (Windows passes them
/// through from the file system; Samba pushes them with `STR_UNICODE`).
fn unicode_names(level: u16, unicode: bool) -> bool {
    unicode || level >= level::FILE_BASIC_INFO
}

/// Encodes a query-information level; `STATUS_INVALID_LEVEL` for levels not supported.
pub fn encode_file_info(level: u16, i: &FileInformation, unicode: bool) -> Result<Bytes, NtStatus> {
    use level::*;
    let unicode = unicode_names(level, unicode);
    let mut w = Writer::new();
    let dos_attr = crate::wire::consts::ext_attr::to_dos(i.attributes);
    match level {
        INFO_STANDARD | INFO_QUERY_EA_SIZE => {
            write_dos_times(&mut w, i);
            w.u32(i.end_of_file.min(u32::MAX as u64) as u32);
            w.u32(i.allocation_size.min(u32::MAX as u64) as u32);
            w.u16(dos_attr);
            if level == INFO_QUERY_EA_SIZE {
                w.u32(i.ea_size);
            }
        }
        INFO_IS_NAME_VALID => {}
        INFO_QUERY_ALL_EAS | INFO_QUERY_EAS_FROM_LIST => w.u32(4),
        FILE_BASIC_INFO | PT_BASIC => {
            write_basic(&mut w, i);
            w.u32(0);
        }
        FILE_STANDARD_INFO | PT_STANDARD => write_standard(&mut w, i),
        FILE_EA_INFO | PT_EA => w.u32(i.ea_size),
        FILE_NAME_INFO | PT_NAME | FILE_ALT_NAME_INFO | PT_ALT_NAME => {
            let name = if matches!(level, FILE_ALT_NAME_INFO | PT_ALT_NAME) {
                &i.alt_name
            } else {
                &i.file_name
            };
            w.u32(str_len(name, unicode) as u32);
            write_name(&mut w, name, unicode);
        }
        // Over SMB1, Windows and Samba send the pass-through FileAllInformation with the
        // layout of SMB_QUERY_FILE_ALL_INFO (no index, access, position, mode or alignment).
        FILE_ALL_INFO | PT_ALL => {
            write_basic(&mut w, i);
            w.u32(0);
            write_standard(&mut w, i);
            w.u32(i.ea_size);
            w.u32(str_len(&i.file_name, unicode) as u32);
            write_name(&mut w, &i.file_name, unicode);
        }
        PT_INTERNAL => w.u64(i.index_number),
        PT_ACCESS => w.u32(i.access_flags),
        PT_POSITION => w.u64(i.position),
        PT_MODE => w.u32(i.mode),
        PT_ALIGNMENT => w.u32(i.alignment),
        FILE_STREAM_INFO | PT_STREAM => {
            if !i.directory {
                let name = "::$DATA";
                w.u32(0);
                w.u32(str_len(name, true) as u32);
                w.u64(i.end_of_file);
                w.u64(i.allocation_size);
                write_utf16_raw(&mut w, name);
            }
        }
        FILE_COMPRESSION_INFO | PT_COMPRESSION => {
            w.u64(i.end_of_file);
            w.u16(0);
            w.u8(0);
            w.u8(0);
            w.u8(0);
            w.zeros(3);
        }
        PT_NETWORK_OPEN => {
            w.u64(i.creation_time);
            w.u64(i.last_access_time);
            w.u64(i.last_write_time);
            w.u64(i.change_time);
            w.u64(i.allocation_size);
            w.u64(i.end_of_file);
            w.u32(i.attributes);
            w.u32(0);
        }
        PT_ATTRIBUTE_TAG => {
            w.u32(i.attributes);
            w.u32(0);
        }
        _ => return Err(NtStatus::INVALID_LEVEL),
    }
    Ok(w.freeze())
}

/// Decodes a query-information level into the fields it carries (others stay default).
pub fn decode_file_info(
    level: u16,
    data: &Bytes,
    unicode: bool,
) -> Result<FileInformation, DecodeError> {
    use level::*;
    let unicode = unicode_names(level, unicode);
    let mut r = Reader::new(data);
    let mut i = FileInformation::default();
    match level {
        INFO_STANDARD | INFO_QUERY_EA_SIZE => {
            read_dos_times(&mut r, &mut i)?;
            i.end_of_file = r.u32("FileDataSize")? as u64;
            i.allocation_size = r.u32("AllocationSize")? as u64;
            i.attributes = crate::wire::consts::ext_attr::from_dos(r.u16("Attributes")?);
            i.directory = i.attributes & crate::wire::consts::ext_attr::DIRECTORY != 0;
            if level == INFO_QUERY_EA_SIZE {
                i.ea_size = r.u32("EaSize")?;
            }
        }
        INFO_IS_NAME_VALID | INFO_QUERY_ALL_EAS | INFO_QUERY_EAS_FROM_LIST => {}
        FILE_BASIC_INFO | PT_BASIC => {
            read_basic(&mut r, &mut i)?;
            i.directory = i.attributes & crate::wire::consts::ext_attr::DIRECTORY != 0;
        }
        FILE_STANDARD_INFO | PT_STANDARD => read_standard(&mut r, &mut i)?,
        FILE_EA_INFO | PT_EA => i.ea_size = r.u32("EaSize")?,
        FILE_NAME_INFO | PT_NAME => {
            let n = utf16_len_checked(&mut r, "FileNameLength")?;
            i.file_name = read_name(&mut r, n, unicode, "FileName")?;
        }
        FILE_ALT_NAME_INFO | PT_ALT_NAME => {
            let n = utf16_len_checked(&mut r, "FileNameLength")?;
            i.alt_name = read_name(&mut r, n, unicode, "FileName")?;
        }
        FILE_ALL_INFO | PT_ALL => {
            read_basic(&mut r, &mut i)?;
            r.u32("Reserved1")?;
            read_standard(&mut r, &mut i)?;
            r.u16("Reserved2")?;
            i.ea_size = r.u32("EaSize")?;
            let n = utf16_len_checked(&mut r, "FileNameLength")?;
            i.file_name = read_name(&mut r, n, unicode, "FileName")?;
        }
        PT_INTERNAL => i.index_number = r.u64("IndexNumber")?,
        PT_ACCESS => i.access_flags = r.u32("AccessFlags")?,
        PT_POSITION => i.position = r.u64("CurrentByteOffset")?,
        PT_MODE => i.mode = r.u32("Mode")?,
        PT_ALIGNMENT => i.alignment = r.u32("AlignmentRequirement")?,
        PT_NETWORK_OPEN => {
            i.creation_time = r.u64("CreationTime")?;
            i.last_access_time = r.u64("LastAccessTime")?;
            i.last_write_time = r.u64("LastWriteTime")?;
            i.change_time = r.u64("ChangeTime")?;
            i.allocation_size = r.u64("AllocationSize")?;
            i.end_of_file = r.u64("EndOfFile")?;
            i.attributes = r.u32("Attributes")?;
            i.directory = i.attributes & crate::wire::consts::ext_attr::DIRECTORY != 0;
        }
        PT_ATTRIBUTE_TAG => i.attributes = r.u32("Attributes")?,
        FILE_STREAM_INFO | PT_STREAM | FILE_COMPRESSION_INFO | PT_COMPRESSION => {}
        _ => return Err(DecodeError::invalid("InformationLevel", 0)),
    }
    Ok(i)
}
