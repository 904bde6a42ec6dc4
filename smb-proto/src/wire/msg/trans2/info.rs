//! Information levels of TRANS2 QUERY/SET_PATH/FILE_INFORMATION, QUERY_FS_INFORMATION and
//! FIND_FIRST2/FIND_NEXT2, encoded from and decoded into level-independent structs.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::NtStatus;
use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader, Writer, pad_to};
use crate::wire::strings::{read_oem_len, read_utf16_len, str_len, write_oem_raw, write_utf16_raw};

pub use crate::time::{dos_to_filetime, filetime_to_dos, filetime_to_utime, utime_to_filetime};

/// Information level numbers.
pub mod level {
    /// SMB_INFO_STANDARD.
    pub const INFO_STANDARD: u16 = 0x0001;
    /// SMB_INFO_QUERY_EA_SIZE.
    pub const INFO_QUERY_EA_SIZE: u16 = 0x0002;
    /// SMB_INFO_QUERY_EAS_FROM_LIST.
    pub const INFO_QUERY_EAS_FROM_LIST: u16 = 0x0003;
    /// SMB_INFO_QUERY_ALL_EAS.
    pub const INFO_QUERY_ALL_EAS: u16 = 0x0004;
    /// SMB_INFO_IS_NAME_VALID.
    pub const INFO_IS_NAME_VALID: u16 = 0x0006;
    /// SMB_INFO_SET_EAS (set level 2).
    pub const INFO_SET_EAS: u16 = 0x0002;
    /// SMB_QUERY_FILE_BASIC_INFO / SMB_SET_FILE_BASIC_INFO.
    pub const FILE_BASIC_INFO: u16 = 0x0101;
    /// SMB_QUERY_FILE_STANDARD_INFO / SMB_SET_FILE_DISPOSITION_INFO.
    pub const FILE_STANDARD_INFO: u16 = 0x0102;
    /// SMB_SET_FILE_DISPOSITION_INFO.
    pub const SET_FILE_DISPOSITION_INFO: u16 = 0x0102;
    /// SMB_QUERY_FILE_EA_INFO / SMB_SET_FILE_ALLOCATION_INFO.
    pub const FILE_EA_INFO: u16 = 0x0103;
    /// SMB_SET_FILE_ALLOCATION_INFO.
    pub const SET_FILE_ALLOCATION_INFO: u16 = 0x0103;
    /// SMB_QUERY_FILE_NAME_INFO / SMB_SET_FILE_END_OF_FILE_INFO.
    pub const FILE_NAME_INFO: u16 = 0x0104;
    /// SMB_SET_FILE_END_OF_FILE_INFO.
    pub const SET_FILE_END_OF_FILE_INFO: u16 = 0x0104;
    /// SMB_QUERY_FILE_ALL_INFO.
    pub const FILE_ALL_INFO: u16 = 0x0107;
    /// SMB_QUERY_FILE_ALT_NAME_INFO.
    pub const FILE_ALT_NAME_INFO: u16 = 0x0108;
    /// SMB_QUERY_FILE_STREAM_INFO.
    pub const FILE_STREAM_INFO: u16 = 0x0109;
    /// SMB_QUERY_FILE_COMPRESSION_INFO.
    pub const FILE_COMPRESSION_INFO: u16 = 0x010B;
    /// Pass-through base: NT information class + 1000.
    pub const PASSTHROUGH: u16 = 1000;
    /// FileBasicInformation.
    pub const PT_BASIC: u16 = 1004;
    /// FileStandardInformation.
    pub const PT_STANDARD: u16 = 1005;
    /// FileInternalInformation.
    pub const PT_INTERNAL: u16 = 1006;
    /// FileEaInformation.
    pub const PT_EA: u16 = 1007;
    /// FileAccessInformation.
    pub const PT_ACCESS: u16 = 1008;
    /// FileNameInformation.
    pub const PT_NAME: u16 = 1009;
    /// FileRenameInformation.
    pub const PT_RENAME: u16 = 1010;
    /// FileDispositionInformation.
    pub const PT_DISPOSITION: u16 = 1013;
    /// FilePositionInformation.
    pub const PT_POSITION: u16 = 1014;
    /// FileModeInformation.
    pub const PT_MODE: u16 = 1016;
    /// FileAlignmentInformation.
    pub const PT_ALIGNMENT: u16 = 1017;
    /// FileAllInformation.
    pub const PT_ALL: u16 = 1018;
    /// FileAllocationInformation.
    pub const PT_ALLOCATION: u16 = 1019;
    /// FileEndOfFileInformation.
    pub const PT_END_OF_FILE: u16 = 1020;
    /// FileAlternateNameInformation.
    pub const PT_ALT_NAME: u16 = 1021;
    /// FileStreamInformation.
    pub const PT_STREAM: u16 = 1022;
    /// FileCompressionInformation.
    pub const PT_COMPRESSION: u16 = 1028;
    /// FileNetworkOpenInformation.
    pub const PT_NETWORK_OPEN: u16 = 1034;
    /// FileAttributeTagInformation.
    pub const PT_ATTRIBUTE_TAG: u16 = 1035;
    /// SMB_FIND_FILE_DIRECTORY_INFO.
    pub const FIND_DIRECTORY_INFO: u16 = 0x0101;
    /// SMB_FIND_FILE_FULL_DIRECTORY_INFO.
    pub const FIND_FULL_DIRECTORY_INFO: u16 = 0x0102;
    /// SMB_FIND_FILE_NAMES_INFO.
    pub const FIND_NAMES_INFO: u16 = 0x0103;
    /// SMB_FIND_FILE_BOTH_DIRECTORY_INFO.
    pub const FIND_BOTH_DIRECTORY_INFO: u16 = 0x0104;
    /// SMB_FIND_FILE_ID_FULL_DIRECTORY_INFO.
    pub const FIND_ID_FULL_DIRECTORY_INFO: u16 = 0x0105;
    /// SMB_FIND_FILE_ID_BOTH_DIRECTORY_INFO.
    pub const FIND_ID_BOTH_DIRECTORY_INFO: u16 = 0x0106;
    /// SMB_INFO_ALLOCATION (FS).
    pub const FS_INFO_ALLOCATION: u16 = 0x0001;
    /// SMB_INFO_VOLUME (FS).
    pub const FS_INFO_VOLUME: u16 = 0x0002;
    /// SMB_QUERY_FS_VOLUME_INFO.
    pub const FS_VOLUME_INFO: u16 = 0x0102;
    /// SMB_QUERY_FS_SIZE_INFO.
    pub const FS_SIZE_INFO: u16 = 0x0103;
    /// SMB_QUERY_FS_DEVICE_INFO.
    pub const FS_DEVICE_INFO: u16 = 0x0104;
    /// SMB_QUERY_FS_ATTRIBUTE_INFO.
    pub const FS_ATTRIBUTE_INFO: u16 = 0x0105;
    /// FileFsVolumeInformation (pass-through).
    pub const PT_FS_VOLUME: u16 = 1001;
    /// FileFsSizeInformation (pass-through).
    pub const PT_FS_SIZE: u16 = 1003;
    /// FileFsDeviceInformation (pass-through).
    pub const PT_FS_DEVICE: u16 = 1004;
    /// FileFsAttributeInformation (pass-through).
    pub const PT_FS_ATTRIBUTE: u16 = 1005;
    /// FileFsFullSizeInformation (pass-through).
    pub const PT_FS_FULL_SIZE: u16 = 1007;
}

/// One entry of an FEA list (name and value of an extended attribute).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeaEntry {
    /// Flags (0x80: NEED_EA).
    pub flags: u8,
    /// Name (ASCII).
    pub name: String,
    /// Value.
    pub value: Bytes,
}

/// Encodes an FEA list (SizeOfListInBytes, then the entries).
pub fn encode_fea_list(eas: &[FeaEntry]) -> Bytes {
    let mut w = Writer::new();
    let at = w.placeholder_u32();
    for e in eas {
        w.u8(e.flags);
        w.u8(e.name.len().min(255) as u8);
        w.u16(e.value.len().min(0xFFFF) as u16);
        write_oem_raw(&mut w, &e.name[..e.name.len().min(255)]);
        w.u8(0);
        w.bytes(&e.value[..e.value.len().min(0xFFFF)]);
    }
    let n = w.pos() as u32;
    w.patch_u32(at, n);
    w.freeze()
}

/// Decodes an FEA list (bounded by its own size field and the data).
pub fn decode_fea_list(data: &Bytes) -> Result<Vec<FeaEntry>, DecodeError> {
    let mut r = Reader::new(data);
    let size = r.u32("SizeOfListInBytes")? as usize;
    let end = size.min(data.len());
    let mut out = Vec::new();
    while r.pos() + 4 <= end {
        let flags = r.u8("Flags")?;
        let nl = r.u8("AttributeNameLengthInBytes")? as usize;
        let vl = r.u16("AttributeValueLengthInBytes")? as usize;
        let name = read_oem_len(&mut r, nl, "AttributeName")?;
        r.u8("NameTerminator")?;
        let value = r.bytes(vl, "AttributeValue")?;
        out.push(FeaEntry { flags, name, value });
        if out.len() > 1024 {
            return Err(DecodeError::new(
                DecodeErrorKind::TooLarge,
                "FEAList",
                r.pos(),
            ));
        }
    }
    Ok(out)
}

/// Decodes a GEA list (names of attributes to get).
pub fn decode_gea_list(data: &Bytes) -> Result<Vec<String>, DecodeError> {
    let mut r = Reader::new(data);
    let size = r.u32("SizeOfListInBytes")? as usize;
    let end = size.min(data.len());
    let mut out = Vec::new();
    while r.pos() < end {
        let nl = r.u8("AttributeNameLengthInBytes")? as usize;
        let name = read_oem_len(&mut r, nl, "AttributeName")?;
        if r.remaining() > 0 {
            r.u8("NameTerminator")?;
        }
        out.push(name);
        if out.len() > 1024 {
            return Err(DecodeError::new(
                DecodeErrorKind::TooLarge,
                "GEAList",
                r.pos(),
            ));
        }
    }
    Ok(out)
}

/// Encodes a GEA list.
pub fn encode_gea_list(names: &[String]) -> Bytes {
    let mut w = Writer::new();
    let at = w.placeholder_u32();
    for n in names {
        w.u8(n.len().min(255) as u8);
        write_oem_raw(&mut w, &n[..n.len().min(255)]);
        w.u8(0);
    }
    let n = w.pos() as u32;
    w.patch_u32(at, n);
    w.freeze()
}

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

fn utf16_len_checked(r: &mut Reader<'_>, field: &'static str) -> Result<usize, DecodeError> {
    let at = r.pos();
    let n = r.u32(field)? as usize;
    if n > r.remaining() {
        return Err(DecodeError::truncated(field, at));
    }
    Ok(n)
}

fn read_name(
    r: &mut Reader<'_>,
    len: usize,
    unicode: bool,
    field: &'static str,
) -> Result<String, DecodeError> {
    if unicode {
        read_utf16_len(r, len, field)
    } else {
        read_oem_len(r, len, field)
    }
}

fn write_name(w: &mut Writer, s: &str, unicode: bool) {
    if unicode {
        write_utf16_raw(w, s)
    } else {
        write_oem_raw(w, s)
    }
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

fn write_dos_times(w: &mut Writer, i: &FileInformation) {
    for t in [i.creation_time, i.last_access_time, i.last_write_time] {
        let (d, tm) = filetime_to_dos(t);
        w.u16(d);
        w.u16(tm);
    }
}

fn read_dos_times(r: &mut Reader<'_>, i: &mut FileInformation) -> Result<(), DecodeError> {
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

/// Encodes a query-information level; `STATUS_INVALID_LEVEL` for levels not supported.
pub fn encode_file_info(level: u16, i: &FileInformation, unicode: bool) -> Result<Bytes, NtStatus> {
    use level::*;
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
        FILE_STANDARD_INFO | PT_STANDARD => {
            w.u64(i.allocation_size);
            w.u64(i.end_of_file);
            w.u32(i.number_of_links);
            w.u8(i.delete_pending as u8);
            w.u8(i.directory as u8);
            w.u16(0);
        }
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
        FILE_ALL_INFO => {
            write_basic(&mut w, i);
            w.u32(0);
            w.u64(i.allocation_size);
            w.u64(i.end_of_file);
            w.u32(i.number_of_links);
            w.u8(i.delete_pending as u8);
            w.u8(i.directory as u8);
            w.u16(0);
            w.u32(i.ea_size);
            w.u32(str_len(&i.file_name, unicode) as u32);
            write_name(&mut w, &i.file_name, unicode);
        }
        PT_ALL => {
            write_basic(&mut w, i);
            w.u32(0);
            w.u64(i.allocation_size);
            w.u64(i.end_of_file);
            w.u32(i.number_of_links);
            w.u8(i.delete_pending as u8);
            w.u8(i.directory as u8);
            w.u16(0);
            w.u64(i.index_number);
            w.u32(i.ea_size);
            w.u32(i.access_flags);
            w.u64(i.position);
            w.u32(i.mode);
            w.u32(i.alignment);
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
        FILE_STANDARD_INFO | PT_STANDARD => {
            i.allocation_size = r.u64("AllocationSize")?;
            i.end_of_file = r.u64("EndOfFile")?;
            i.number_of_links = r.u32("NumberOfLinks")?;
            i.delete_pending = r.u8("DeletePending")? != 0;
            i.directory = r.u8("Directory")? != 0;
        }
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
            i.allocation_size = r.u64("AllocationSize")?;
            i.end_of_file = r.u64("EndOfFile")?;
            i.number_of_links = r.u32("NumberOfLinks")?;
            i.delete_pending = r.u8("DeletePending")? != 0;
            i.directory = r.u8("Directory")? != 0;
            r.u16("Reserved2")?;
            if level == PT_ALL {
                i.index_number = r.u64("IndexNumber")?;
                i.ea_size = r.u32("EaSize")?;
                i.access_flags = r.u32("AccessFlags")?;
                i.position = r.u64("CurrentByteOffset")?;
                i.mode = r.u32("Mode")?;
                i.alignment = r.u32("AlignmentRequirement")?;
            } else {
                i.ea_size = r.u32("EaSize")?;
            }
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
        SetFileInfo::Allocation(n) | SetFileInfo::EndOfFile(n) => w.u64(*n),
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

/// File-system information, for every QUERY_FS_INFORMATION level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FsInformation {
    /// Total allocation units.
    pub total_units: u64,
    /// Free allocation units (available to the caller).
    pub free_units: u64,
    /// Sectors per allocation unit.
    pub sectors_per_unit: u32,
    /// Bytes per sector.
    pub bytes_per_sector: u32,
    /// File-system id (SMB_INFO_ALLOCATION).
    pub fs_id: u32,
    /// Volume serial number.
    pub serial: u32,
    /// Volume label.
    pub label: String,
    /// Volume creation time.
    pub creation_time: u64,
    /// Device type (7 = disk).
    pub device_type: u32,
    /// Device characteristics.
    pub device_characteristics: u32,
    /// File-system attribute bits.
    pub fs_attributes: u32,
    /// Longest name component in bytes.
    pub max_name_length: u32,
    /// File-system name (e.g. `NTFS`).
    pub fs_name: String,
}

/// Encodes a QUERY_FS_INFORMATION level.
pub fn encode_fs_info(level: u16, i: &FsInformation, unicode: bool) -> Result<Bytes, NtStatus> {
    use level::*;
    let mut w = Writer::new();
    match level {
        FS_INFO_ALLOCATION => {
            w.u32(i.fs_id);
            w.u32(i.sectors_per_unit);
            w.u32(i.total_units.min(u32::MAX as u64) as u32);
            w.u32(i.free_units.min(u32::MAX as u64) as u32);
            w.u16(i.bytes_per_sector.min(0xFFFF) as u16);
        }
        FS_INFO_VOLUME => {
            w.u32(i.serial);
            w.u8(str_len(&i.label, unicode) as u8);
            write_name(&mut w, &i.label, unicode);
        }
        FS_VOLUME_INFO | PT_FS_VOLUME => {
            w.u64(i.creation_time);
            w.u32(i.serial);
            w.u32(str_len(&i.label, true) as u32);
            w.u16(0);
            write_utf16_raw(&mut w, &i.label);
        }
        FS_SIZE_INFO | PT_FS_SIZE => {
            w.u64(i.total_units);
            w.u64(i.free_units);
            w.u32(i.sectors_per_unit);
            w.u32(i.bytes_per_sector);
        }
        PT_FS_FULL_SIZE => {
            w.u64(i.total_units);
            w.u64(i.free_units);
            w.u64(i.free_units);
            w.u32(i.sectors_per_unit);
            w.u32(i.bytes_per_sector);
        }
        FS_DEVICE_INFO | PT_FS_DEVICE => {
            w.u32(i.device_type);
            w.u32(i.device_characteristics);
        }
        FS_ATTRIBUTE_INFO | PT_FS_ATTRIBUTE => {
            w.u32(i.fs_attributes);
            w.u32(i.max_name_length);
            w.u32(str_len(&i.fs_name, true) as u32);
            write_utf16_raw(&mut w, &i.fs_name);
        }
        _ => return Err(NtStatus::INVALID_LEVEL),
    }
    Ok(w.freeze())
}

/// Decodes a QUERY_FS_INFORMATION level.
pub fn decode_fs_info(
    level: u16,
    data: &Bytes,
    unicode: bool,
) -> Result<FsInformation, DecodeError> {
    use level::*;
    let mut r = Reader::new(data);
    let mut i = FsInformation::default();
    match level {
        FS_INFO_ALLOCATION => {
            i.fs_id = r.u32("idFileSystem")?;
            i.sectors_per_unit = r.u32("cSectorUnit")?;
            i.total_units = r.u32("cUnit")? as u64;
            i.free_units = r.u32("cUnitAvailable")? as u64;
            i.bytes_per_sector = r.u16("cbSector")? as u32;
        }
        FS_INFO_VOLUME => {
            i.serial = r.u32("ulVolSerialNbr")?;
            let n = r.u8("cCharCount")? as usize;
            let n = n.min(r.remaining());
            i.label = read_name(&mut r, n, unicode, "VolumeLabel")?;
        }
        FS_VOLUME_INFO | PT_FS_VOLUME => {
            i.creation_time = r.u64("VolumeCreationTime")?;
            i.serial = r.u32("SerialNumber")?;
            let n = utf16_len_checked(&mut r, "VolumeLabelSize")?;
            r.u16("Reserved")?;
            i.label = read_utf16_len(&mut r, n, "VolumeLabel")?;
        }
        FS_SIZE_INFO | PT_FS_SIZE => {
            i.total_units = r.u64("TotalAllocationUnits")?;
            i.free_units = r.u64("TotalFreeAllocationUnits")?;
            i.sectors_per_unit = r.u32("SectorsPerAllocationUnit")?;
            i.bytes_per_sector = r.u32("BytesPerSector")?;
        }
        PT_FS_FULL_SIZE => {
            i.total_units = r.u64("TotalAllocationUnits")?;
            i.free_units = r.u64("CallerAvailableAllocationUnits")?;
            r.u64("ActualAvailableAllocationUnits")?;
            i.sectors_per_unit = r.u32("SectorsPerAllocationUnit")?;
            i.bytes_per_sector = r.u32("BytesPerSector")?;
        }
        FS_DEVICE_INFO | PT_FS_DEVICE => {
            i.device_type = r.u32("DeviceType")?;
            i.device_characteristics = r.u32("DeviceCharacteristics")?;
        }
        FS_ATTRIBUTE_INFO | PT_FS_ATTRIBUTE => {
            i.fs_attributes = r.u32("FileSystemAttributes")?;
            i.max_name_length = r.u32("MaxFileNameLengthInBytes")?;
            let n = utf16_len_checked(&mut r, "LengthOfFileSystemName")?;
            i.fs_name = read_utf16_len(&mut r, n, "FileSystemName")?;
        }
        _ => return Err(DecodeError::invalid("InformationLevel", 0)),
    }
    Ok(i)
}

/// One directory entry of a FIND_FIRST2/FIND_NEXT2 response, for every find level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirEntry {
    /// FileIndex / resume key.
    pub file_index: u32,
    /// Creation time (FILETIME).
    pub creation_time: u64,
    /// Last access time.
    pub last_access_time: u64,
    /// Last write time.
    pub last_write_time: u64,
    /// Change time.
    pub change_time: u64,
    /// End of file.
    pub end_of_file: u64,
    /// Allocation size.
    pub allocation_size: u64,
    /// `SMB_EXT_FILE_ATTR`.
    pub attributes: u32,
    /// EA size.
    pub ea_size: u32,
    /// 8.3 short name (BOTH levels).
    pub short_name: String,
    /// File id (ID levels).
    pub file_id: u64,
    /// The name.
    pub file_name: String,
}

/// Whether a find level is supported by [`encode_find_entries`] / [`decode_find_entries`].
pub fn find_level_supported(l: u16) -> bool {
    matches!(l, 1 | 2 | 0x101..=0x106)
}

/// Bytes one entry takes at a level (before alignment padding).
fn entry_len(level: u16, e: &DirEntry, unicode: bool, resume_keys: bool) -> usize {
    let name = str_len(&e.file_name, unicode);
    match level {
        1 | 2 => {
            (if resume_keys { 4 } else { 0 })
                + 22
                + if level == 2 { 4 } else { 0 }
                + 1
                + name
                + if unicode { 2 } else { 1 }
        }
        0x101 => 64 + name,
        0x102 => 68 + name,
        0x103 => 12 + name,
        0x104 => 94 + name,
        0x105 => 80 + name,
        0x106 => 104 + name,
        _ => 0,
    }
}

/// Alignment of entries in NT find levels (Samba aligns to 8 bytes; entries in the
/// SMB_INFO levels are packed).
fn entry_align(level: u16) -> usize {
    if level >= 0x101 { 8 } else { 1 }
}

/// Encodes as many entries as fit in `max_bytes`; returns the data, the number of entries
/// written and the offset of the last entry's name (for LastNameOffset).
pub fn encode_find_entries(
    level: u16,
    entries: &[DirEntry],
    unicode: bool,
    resume_keys: bool,
    max_bytes: usize,
) -> Result<(Bytes, usize, u16), NtStatus> {
    if !find_level_supported(level) {
        return Err(NtStatus::INVALID_LEVEL);
    }
    let align = entry_align(level);
    let mut w = Writer::new();
    let mut count = 0;
    let mut last_name = 0usize;
    let mut prev_next_at: Option<usize> = None;
    for e in entries {
        let start = w.pos();
        let len = entry_len(level, e, unicode, resume_keys);
        if start + len > max_bytes {
            break;
        }
        if let Some(at) = prev_next_at {
            w.patch_u32(at, (start - (at)) as u32);
        }
        let dos = crate::wire::consts::ext_attr::to_dos(e.attributes);
        let name_len = str_len(&e.file_name, unicode);
        match level {
            1 | 2 => {
                if resume_keys {
                    w.u32(e.file_index);
                }
                let i = FileInformation {
                    creation_time: e.creation_time,
                    last_access_time: e.last_access_time,
                    last_write_time: e.last_write_time,
                    ..Default::default()
                };
                write_dos_times(&mut w, &i);
                w.u32(e.end_of_file.min(u32::MAX as u64) as u32);
                w.u32(e.allocation_size.min(u32::MAX as u64) as u32);
                w.u16(dos);
                if level == 2 {
                    w.u32(e.ea_size);
                }
                w.u8(name_len as u8);
                last_name = w.pos();
                write_name(&mut w, &e.file_name, unicode);
                if unicode {
                    w.u16(0);
                } else {
                    w.u8(0);
                }
                prev_next_at = None;
            }
            _ => {
                let next_at = w.pos();
                w.u32(0);
                w.u32(e.file_index);
                if level != 0x103 {
                    w.u64(e.creation_time);
                    w.u64(e.last_access_time);
                    w.u64(e.last_write_time);
                    w.u64(e.change_time);
                    w.u64(e.end_of_file);
                    w.u64(e.allocation_size);
                    w.u32(e.attributes);
                }
                w.u32(name_len as u32);
                if matches!(level, 0x102 | 0x104 | 0x105 | 0x106) {
                    w.u32(e.ea_size);
                }
                if matches!(level, 0x104 | 0x106) {
                    let short: Vec<u16> = e.short_name.encode_utf16().take(12).collect();
                    w.u8((short.len() * 2) as u8);
                    w.u8(0);
                    for k in 0..12 {
                        w.u16(short.get(k).copied().unwrap_or(0));
                    }
                }
                if level == 0x105 {
                    w.u32(0);
                    w.u64(e.file_id);
                }
                if level == 0x106 {
                    w.u16(0);
                    w.u64(e.file_id);
                }
                last_name = w.pos();
                write_name(&mut w, &e.file_name, unicode);
                prev_next_at = Some(next_at);
                // Pad to the alignment unless this is the last entry that fits.
                let p = pad_to(w.pos(), align);
                w.zeros(p);
            }
        }
        count += 1;
    }
    // The last entry's NextEntryOffset stays 0; trailing padding after it is dropped.
    let mut data = w.into_vec();
    if let Some(at) = prev_next_at {
        let end = at + entry_len(level, &entries[count - 1], unicode, resume_keys);
        data.truncate(end.max(last_name));
    }
    Ok((Bytes::from(data), count, last_name.min(0xFFFF) as u16))
}

/// Decodes `count` entries of a find level, following NextEntryOffset (which must advance).
pub fn decode_find_entries(
    level: u16,
    data: &Bytes,
    unicode: bool,
    resume_keys: bool,
    count: usize,
) -> Result<Vec<DirEntry>, DecodeError> {
    if !find_level_supported(level) {
        return Err(DecodeError::invalid("InformationLevel", 0));
    }
    let mut out = Vec::with_capacity(count.min(data.len() / 12 + 1));
    let mut at = 0usize;
    for n in 0..count {
        let mut r = Reader::range(data, at, data.len().saturating_sub(at), "Entry")?;
        let mut e = DirEntry::default();
        let next;
        match level {
            1 | 2 => {
                if resume_keys {
                    e.file_index = r.u32("ResumeKey")?;
                }
                let mut i = FileInformation::default();
                read_dos_times(&mut r, &mut i)?;
                e.creation_time = i.creation_time;
                e.last_access_time = i.last_access_time;
                e.last_write_time = i.last_write_time;
                e.end_of_file = r.u32("FileDataSize")? as u64;
                e.allocation_size = r.u32("AllocationSize")? as u64;
                e.attributes = crate::wire::consts::ext_attr::from_dos(r.u16("Attributes")?);
                if level == 2 {
                    e.ea_size = r.u32("EaSize")?;
                }
                let len = r.u8("FileNameLength")? as usize;
                let len = len.min(r.remaining());
                e.file_name = read_name(&mut r, len, unicode, "FileName")?;
                // The terminator (not counted in the length).
                let term = if unicode { 2 } else { 1 };
                if r.remaining() >= term {
                    r.skip(term, "FileName")?;
                }
                next = r.pos() - at;
            }
            _ => {
                next = r.u32("NextEntryOffset")? as usize;
                e.file_index = r.u32("FileIndex")?;
                if level != 0x103 {
                    e.creation_time = r.u64("CreationTime")?;
                    e.last_access_time = r.u64("LastAccessTime")?;
                    e.last_write_time = r.u64("LastWriteTime")?;
                    e.change_time = r.u64("ChangeTime")?;
                    e.end_of_file = r.u64("EndOfFile")?;
                    e.allocation_size = r.u64("AllocationSize")?;
                    e.attributes = r.u32("ExtFileAttributes")?;
                }
                let len = r.u32("FileNameLength")? as usize;
                if matches!(level, 0x102 | 0x104 | 0x105 | 0x106) {
                    e.ea_size = r.u32("EaSize")?;
                }
                if matches!(level, 0x104 | 0x106) {
                    let sl = (r.u8("ShortNameLength")? as usize).min(24);
                    r.u8("Reserved")?;
                    let short = r.slice(24, "ShortName")?;
                    e.short_name = crate::wire::strings::from_utf16le(&short[..sl & !1]).ok_or(
                        DecodeError::new(DecodeErrorKind::BadString, "ShortName", r.pos()),
                    )?;
                }
                if level == 0x105 {
                    r.u32("Reserved")?;
                    e.file_id = r.u64("FileId")?;
                }
                if level == 0x106 {
                    r.u16("Reserved2")?;
                    e.file_id = r.u64("FileId")?;
                }
                if len > r.remaining() {
                    return Err(DecodeError::truncated("FileName", r.pos()));
                }
                e.file_name = read_name(&mut r, len, unicode, "FileName")?;
                if next == 0 && n + 1 < count {
                    return Err(DecodeError::invalid("NextEntryOffset", at));
                }
            }
        }
        out.push(e);
        if n + 1 < count {
            if next == 0 {
                return Err(DecodeError::invalid("NextEntryOffset", at));
            }
            at = at
                .checked_add(next)
                .filter(|&a| a < data.len())
                .ok_or(DecodeError::invalid("NextEntryOffset", at))?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_entries_round_trip_every_level() {
        let entries: Vec<DirEntry> = (0..50)
            .map(|i| DirEntry {
                file_index: i,
                creation_time: 133_485_408_000_000_000 + i as u64 * 10_000_000,
                last_access_time: 133_485_408_000_000_000,
                last_write_time: 133_485_408_000_000_000,
                change_time: 133_485_408_000_000_000,
                end_of_file: i as u64 * 1000,
                allocation_size: 4096,
                attributes: 0x20,
                ea_size: 0,
                short_name: if i % 2 == 0 {
                    alloc::format!("F{i}.TXT")
                } else {
                    String::new()
                },
                file_id: 1000 + i as u64,
                file_name: alloc::format!("file number {i}.txt"),
            })
            .collect();
        for level in [1u16, 2, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106] {
            for unicode in [true, false] {
                let (data, n, _) =
                    encode_find_entries(level, &entries, unicode, true, 60_000).unwrap();
                assert_eq!(n, 50);
                let back = decode_find_entries(level, &data, unicode, true, n).unwrap();
                for (a, b) in back.iter().zip(&entries) {
                    assert_eq!(a.file_name, b.file_name, "level {level:#x}");
                    if level >= 0x101 {
                        assert_eq!(a.file_index, b.file_index);
                    }
                    if matches!(level, 0x104 | 0x106) {
                        assert_eq!(a.short_name, b.short_name);
                    }
                    if matches!(level, 0x105 | 0x106) {
                        assert_eq!(a.file_id, b.file_id);
                    }
                    if level != 0x103 {
                        assert_eq!(a.end_of_file, b.end_of_file);
                    }
                }
                // A small buffer holds fewer entries.
                let (_, few, _) = encode_find_entries(level, &entries, unicode, true, 300).unwrap();
                assert!(few > 0 && few < 50);
            }
        }
    }

    #[test]
    fn hostile_find_data() {
        // NextEntryOffset 0 with more entries announced, or pointing back/out of range.
        let data = Bytes::from(alloc::vec![0u8; 100]);
        assert!(decode_find_entries(0x104, &data, true, true, 2).is_err());
        assert!(
            decode_find_entries(0x101, &Bytes::from_static(&[8, 0, 0, 0]), true, true, 3).is_err()
        );
    }
}

#[cfg(test)]
mod ea_tests {
    use super::*;

    #[test]
    fn ea_lists() {
        let gea = Bytes::from_static(&[0x0b, 0, 0, 0, 5, b'E', b'A', b'O', b'N', b'E', 0]);
        assert_eq!(decode_gea_list(&gea).unwrap(), ["EAONE"]);
        let fea = crate::util::hex_decode("330000000005040045414f4e4500626c61680006070045412054574f00666f6f206261720007030045415448524545007878310000").unwrap();
        let list = decode_fea_list(&Bytes::from(fea)).unwrap();
        assert_eq!(list.len(), 3, "{list:?}");
        assert_eq!(list[1].name, "EA TWO");
        assert_eq!(&list[2].value[..], b"xx1");
        let enc = encode_fea_list(&list);
        assert_eq!(decode_fea_list(&enc).unwrap(), list);
        assert_eq!(
            decode_gea_list(&encode_gea_list(&["A".into(), "BC".into()])).unwrap(),
            ["A", "BC"]
        );
    }
}
