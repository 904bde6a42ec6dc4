//! Constants shared by several commands: attributes, access masks, share access,
//! dispositions, create options.

/// `SMB_FILE_ATTRIBUTES` (16-bit, core protocol) and search attribute bits.
pub mod attr {
    /// Normal file.
    pub const NORMAL: u16 = 0x0000;
    /// Read-only.
    pub const READONLY: u16 = 0x0001;
    /// Hidden.
    pub const HIDDEN: u16 = 0x0002;
    /// System.
    pub const SYSTEM: u16 = 0x0004;
    /// Volume label.
    pub const VOLUME: u16 = 0x0008;
    /// Directory.
    pub const DIRECTORY: u16 = 0x0010;
    /// Archive.
    pub const ARCHIVE: u16 = 0x0020;
    /// Search: only read-only files.
    pub const SEARCH_READONLY: u16 = 0x0100;
    /// Search: only hidden files.
    pub const SEARCH_HIDDEN: u16 = 0x0200;
    /// Search: only system files.
    pub const SEARCH_SYSTEM: u16 = 0x0400;
    /// Search: only directories.
    pub const SEARCH_DIRECTORY: u16 = 0x1000;
    /// Search: only archive files.
    pub const SEARCH_ARCHIVE: u16 = 0x2000;
}

/// `SMB_EXT_FILE_ATTR` (32-bit) bits and create-only flags.
pub mod ext_attr {
    /// Read-only.
    pub const READONLY: u32 = 0x0000_0001;
    /// Hidden.
    pub const HIDDEN: u32 = 0x0000_0002;
    /// System.
    pub const SYSTEM: u32 = 0x0000_0004;
    /// Directory.
    pub const DIRECTORY: u32 = 0x0000_0010;
    /// Archive.
    pub const ARCHIVE: u32 = 0x0000_0020;
    /// Normal (only alone).
    pub const NORMAL: u32 = 0x0000_0080;
    /// Temporary.
    pub const TEMPORARY: u32 = 0x0000_0100;
    /// Sparse.
    pub const SPARSE: u32 = 0x0000_0200;
    /// Reparse point.
    pub const REPARSE_POINT: u32 = 0x0000_0400;
    /// Compressed.
    pub const COMPRESSED: u32 = 0x0000_0800;
    /// Offline.
    pub const OFFLINE: u32 = 0x0000_1000;
    /// Not content indexed.
    pub const NOT_CONTENT_INDEXED: u32 = 0x0000_2000;
    /// Encrypted.
    pub const ENCRYPTED: u32 = 0x0000_4000;
    /// Create flag: POSIX semantics.
    pub const POSIX_SEMANTICS: u32 = 0x0100_0000;
    /// Create flag: backup semantics.
    pub const BACKUP_SEMANTICS: u32 = 0x0200_0000;
    /// Create flag: delete on close.
    pub const DELETE_ON_CLOSE: u32 = 0x0400_0000;
    /// Create flag: sequential scan.
    pub const SEQUENTIAL_SCAN: u32 = 0x0800_0000;
    /// Create flag: random access.
    pub const RANDOM_ACCESS: u32 = 0x1000_0000;
    /// Create flag: no buffering.
    pub const NO_BUFFERING: u32 = 0x2000_0000;
    /// Create flag: write through.
    pub const WRITE_THROUGH: u32 = 0x8000_0000;

    /// The 16-bit `SMB_FILE_ATTRIBUTES` form of extended attributes.
    pub fn to_dos(ext: u32) -> u16 {
        (ext & 0x37) as u16
    }

    /// Extended attributes from the 16-bit form (`NORMAL` when none is set).
    pub fn from_dos(dos: u16) -> u32 {
        let v = (dos & 0x37) as u32;
        if v == 0 { NORMAL } else { v }
    }
}

/// Access mask bits.
pub mod access {
    /// Read data / list directory.
    pub const FILE_READ_DATA: u32 = 0x0000_0001;
    /// Write data / add file.
    pub const FILE_WRITE_DATA: u32 = 0x0000_0002;
    /// Append data / add subdirectory.
    pub const FILE_APPEND_DATA: u32 = 0x0000_0004;
    /// Read extended attributes.
    pub const FILE_READ_EA: u32 = 0x0000_0008;
    /// Write extended attributes.
    pub const FILE_WRITE_EA: u32 = 0x0000_0010;
    /// Execute / traverse.
    pub const FILE_EXECUTE: u32 = 0x0000_0020;
    /// Delete child.
    pub const FILE_DELETE_CHILD: u32 = 0x0000_0040;
    /// Read attributes.
    pub const FILE_READ_ATTRIBUTES: u32 = 0x0000_0080;
    /// Write attributes.
    pub const FILE_WRITE_ATTRIBUTES: u32 = 0x0000_0100;
    /// Delete.
    pub const DELETE: u32 = 0x0001_0000;
    /// Read the security descriptor.
    pub const READ_CONTROL: u32 = 0x0002_0000;
    /// Write the DACL.
    pub const WRITE_DAC: u32 = 0x0004_0000;
    /// Write the owner.
    pub const WRITE_OWNER: u32 = 0x0008_0000;
    /// Synchronize.
    pub const SYNCHRONIZE: u32 = 0x0010_0000;
    /// System security.
    pub const ACCESS_SYSTEM_SECURITY: u32 = 0x0100_0000;
    /// Maximum allowed.
    pub const MAXIMUM_ALLOWED: u32 = 0x0200_0000;
    /// Generic all.
    pub const GENERIC_ALL: u32 = 0x1000_0000;
    /// Generic execute.
    pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
    /// Generic write.
    pub const GENERIC_WRITE: u32 = 0x4000_0000;
    /// Generic read.
    pub const GENERIC_READ: u32 = 0x8000_0000;
    /// The standard rights: delete, read control, write DAC, write owner, synchronize.
    pub const STANDARD_RIGHTS_ALL: u32 = 0x001F_0000;
    /// All file rights.
    pub const FILE_ALL_ACCESS: u32 = 0x001F_01FF;
    /// The rights generic read maps to.
    pub const FILE_GENERIC_READ: u32 = 0x0012_0089;
    /// The rights generic write maps to.
    pub const FILE_GENERIC_WRITE: u32 = 0x0012_0116;
    /// The rights generic execute maps to.
    pub const FILE_GENERIC_EXECUTE: u32 = 0x0012_00A0;
    /// Rights that modify the file or its metadata.
    pub const WRITE_LIKE: u32 = FILE_WRITE_DATA
        | FILE_APPEND_DATA
        | FILE_WRITE_EA
        | FILE_WRITE_ATTRIBUTES
        | DELETE
        | WRITE_DAC
        | WRITE_OWNER
        | FILE_DELETE_CHILD;

    /// Maps generic rights to specific file rights (MAXIMUM_ALLOWED maps to all).
    pub fn map_generic(mask: u32) -> u32 {
        let mut m = mask
            & !(GENERIC_ALL | GENERIC_EXECUTE | GENERIC_WRITE | GENERIC_READ | MAXIMUM_ALLOWED);
        if mask & (GENERIC_ALL | MAXIMUM_ALLOWED) != 0 {
            m |= FILE_ALL_ACCESS;
        }
        if mask & GENERIC_READ != 0 {
            m |= FILE_GENERIC_READ;
        }
        if mask & GENERIC_WRITE != 0 {
            m |= FILE_GENERIC_WRITE;
        }
        if mask & GENERIC_EXECUTE != 0 {
            m |= FILE_GENERIC_EXECUTE;
        }
        m
    }
}

/// Share access bits.
pub mod share {
    /// No sharing.
    pub const NONE: u32 = 0;
    /// Others may read.
    pub const READ: u32 = 0x1;
    /// Others may write.
    pub const WRITE: u32 = 0x2;
    /// Others may delete.
    pub const DELETE: u32 = 0x4;
    /// All of the above.
    pub const ALL: u32 = 0x7;
}

/// NT create dispositions.
pub mod disposition {
    /// Replace if it exists, else create.
    pub const SUPERSEDE: u32 = 0;
    /// Open if it exists, else fail.
    pub const OPEN: u32 = 1;
    /// Fail if it exists, else create.
    pub const CREATE: u32 = 2;
    /// Open if it exists, else create.
    pub const OPEN_IF: u32 = 3;
    /// Truncate if it exists, else fail.
    pub const OVERWRITE: u32 = 4;
    /// Truncate if it exists, else create.
    pub const OVERWRITE_IF: u32 = 5;
}

/// NT create actions (the response's CreateDisposition).
pub mod create_action {
    /// Superseded.
    pub const SUPERSEDED: u32 = 0;
    /// Opened.
    pub const OPENED: u32 = 1;
    /// Created.
    pub const CREATED: u32 = 2;
    /// Overwritten.
    pub const OVERWRITTEN: u32 = 3;
}

/// NT create options.
pub mod create_options {
    /// The target must be a directory.
    pub const DIRECTORY_FILE: u32 = 0x0000_0001;
    /// Write through.
    pub const WRITE_THROUGH: u32 = 0x0000_0002;
    /// Sequential only.
    pub const SEQUENTIAL_ONLY: u32 = 0x0000_0004;
    /// No intermediate buffering.
    pub const NO_INTERMEDIATE_BUFFERING: u32 = 0x0000_0008;
    /// Synchronous I/O, alertable.
    pub const SYNCHRONOUS_IO_ALERT: u32 = 0x0000_0010;
    /// Synchronous I/O, not alertable.
    pub const SYNCHRONOUS_IO_NONALERT: u32 = 0x0000_0020;
    /// The target must not be a directory.
    pub const NON_DIRECTORY_FILE: u32 = 0x0000_0040;
    /// Create tree connection.
    pub const CREATE_TREE_CONNECTION: u32 = 0x0000_0080;
    /// Complete if oplocked.
    pub const COMPLETE_IF_OPLOCKED: u32 = 0x0000_0100;
    /// No EA knowledge.
    pub const NO_EA_KNOWLEDGE: u32 = 0x0000_0200;
    /// Open for recovery.
    pub const OPEN_FOR_RECOVERY: u32 = 0x0000_0400;
    /// Random access.
    pub const RANDOM_ACCESS: u32 = 0x0000_0800;
    /// Delete on close.
    pub const DELETE_ON_CLOSE: u32 = 0x0000_1000;
    /// Open by file id.
    pub const OPEN_BY_FILE_ID: u32 = 0x0000_2000;
    /// Open for backup intent.
    pub const OPEN_FOR_BACKUP_INTENT: u32 = 0x0000_4000;
    /// No compression.
    pub const NO_COMPRESSION: u32 = 0x0000_8000;
    /// Reserve opfilter.
    pub const RESERVE_OPFILTER: u32 = 0x0010_0000;
    /// Open reparse point.
    pub const OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    /// Open no recall.
    pub const OPEN_NO_RECALL: u32 = 0x0040_0000;
    /// Open for free space query.
    pub const OPEN_FOR_FREE_SPACE_QUERY: u32 = 0x0080_0000;
}

/// Oplock levels (NT_CREATE_ANDX response).
pub mod oplock {
    /// No oplock.
    pub const NONE: u8 = 0;
    /// Exclusive.
    pub const EXCLUSIVE: u8 = 1;
    /// Batch.
    pub const BATCH: u8 = 2;
    /// Level II.
    pub const LEVEL_II: u8 = 3;
}

/// Resource types (NT_CREATE_ANDX / OPEN_ANDX responses).
pub mod resource_type {
    /// Disk file or directory.
    pub const DISK: u16 = 0;
    /// Byte-mode named pipe.
    pub const BYTE_MODE_PIPE: u16 = 1;
    /// Message-mode named pipe.
    pub const MESSAGE_MODE_PIPE: u16 = 2;
    /// Printer.
    pub const PRINTER: u16 = 3;
    /// Communications device.
    pub const COMM_DEVICE: u16 = 4;
}

/// OPEN_ANDX `AccessMode` and `OpenMode` fields.
pub mod open_mode {
    /// Access: read.
    pub const ACCESS_READ: u16 = 0;
    /// Access: write.
    pub const ACCESS_WRITE: u16 = 1;
    /// Access: read and write.
    pub const ACCESS_READ_WRITE: u16 = 2;
    /// Access: execute.
    pub const ACCESS_EXECUTE: u16 = 3;
    /// Mask of the access bits.
    pub const ACCESS_MASK: u16 = 0x0007;
    /// Sharing: compatibility mode.
    pub const SHARE_COMPAT: u16 = 0x0000;
    /// Sharing: deny read, write and execute.
    pub const SHARE_DENY_ALL: u16 = 0x0010;
    /// Sharing: deny write.
    pub const SHARE_DENY_WRITE: u16 = 0x0020;
    /// Sharing: deny read and execute.
    pub const SHARE_DENY_READ: u16 = 0x0030;
    /// Sharing: deny nothing.
    pub const SHARE_DENY_NONE: u16 = 0x0040;
    /// Mask of the sharing bits.
    pub const SHARE_MASK: u16 = 0x0070;
    /// Write through.
    pub const WRITE_THROUGH: u16 = 0x4000;
    /// OpenMode: fail if the file exists.
    pub const EXISTS_FAIL: u16 = 0x0000;
    /// OpenMode: open (append) if the file exists.
    pub const EXISTS_OPEN: u16 = 0x0001;
    /// OpenMode: truncate if the file exists.
    pub const EXISTS_TRUNCATE: u16 = 0x0002;
    /// OpenMode: create if the file does not exist.
    pub const CREATE_IF_MISSING: u16 = 0x0010;
}
