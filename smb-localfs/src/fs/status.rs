//! Which NT status a client sees for an I/O error of the local file system.

use std::io;

use smb_proto::wire::NtStatus;

/// Maps an I/O error to the NT status a client should see.
pub fn map_io(e: &io::Error) -> NtStatus {
    match e.raw_os_error() {
        Some(2) => return NtStatus::OBJECT_NAME_NOT_FOUND,
        Some(13) | Some(1) => return NtStatus::ACCESS_DENIED,
        Some(17) => return NtStatus::OBJECT_NAME_COLLISION,
        Some(18) => return NtStatus::NOT_SAME_DEVICE,
        Some(20) => return NtStatus::OBJECT_PATH_NOT_FOUND,
        Some(21) => return NtStatus::FILE_IS_A_DIRECTORY,
        Some(22) => return NtStatus::INVALID_PARAMETER,
        Some(23) | Some(24) => return NtStatus::TOO_MANY_OPENED_FILES,
        Some(27) | Some(28) | Some(122) => return NtStatus::DISK_FULL,
        Some(30) => return NtStatus::MEDIA_WRITE_PROTECTED,
        Some(36) => return NtStatus::OBJECT_NAME_INVALID,
        Some(39) => return NtStatus::DIRECTORY_NOT_EMPTY,
        Some(40) => return NtStatus::ACCESS_DENIED,
        _ => {}
    }
    match e.kind() {
        io::ErrorKind::NotFound => NtStatus::OBJECT_NAME_NOT_FOUND,
        io::ErrorKind::PermissionDenied => NtStatus::ACCESS_DENIED,
        io::ErrorKind::AlreadyExists => NtStatus::OBJECT_NAME_COLLISION,
        io::ErrorKind::IsADirectory => NtStatus::FILE_IS_A_DIRECTORY,
        io::ErrorKind::NotADirectory => NtStatus::OBJECT_PATH_NOT_FOUND,
        io::ErrorKind::DirectoryNotEmpty => NtStatus::DIRECTORY_NOT_EMPTY,
        io::ErrorKind::StorageFull => NtStatus::DISK_FULL,
        io::ErrorKind::InvalidInput => NtStatus::INVALID_PARAMETER,
        _ => NtStatus::UNSUCCESSFUL,
    }
}

/// [`map_io`] taking the error by value, for `map_err`.
pub(super) fn st(e: io::Error) -> NtStatus {
    map_io(&e)
}
