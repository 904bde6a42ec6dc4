//! Information levels of TRANS2 QUERY/SET_PATH/FILE_INFORMATION, QUERY_FS_INFORMATION and
//! FIND_FIRST2/FIND_NEXT2, encoded from and decoded into level-independent structs.
//!
//! One file per family: [`FileInformation`] (query file levels), [`SetFileInfo`] (set
//! levels), [`FsInformation`] (file-system levels), [`DirEntry`] (find levels) and
//! [`FeaEntry`] (EA lists). The level numbers are in [`level`].

mod ea;
mod find;
mod name;
mod query_file;
mod query_fs;
mod set_file;

#[doc(inline)]
pub use crate::time::{dos_to_filetime, filetime_to_dos, filetime_to_utime, utime_to_filetime};
pub use ea::{FeaEntry, decode_fea_list, decode_gea_list, encode_fea_list, encode_gea_list};
pub use find::{DirEntry, decode_find_entries, encode_find_entries, find_level_supported};
pub use query_file::{FileInformation, decode_file_info, encode_file_info};
pub use query_fs::{FsInformation, decode_fs_info, encode_fs_info};
pub use set_file::{SetFileInfo, decode_set_info, encode_set_info};

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
    /// FileFsObjectIdInformation (pass-through).
    pub const PT_FS_OBJECT_ID: u16 = 1008;
    /// FileFsSectorSizeInformation (pass-through).
    pub const PT_FS_SECTOR_SIZE: u16 = 1011;
}
