//! NT status codes and DOS error codes (open sets: unknown values are kept as values).

use core::fmt;

macro_rules! nt_statuses {
    ($($name:ident = $val:expr, $text:expr;)*) => {
        impl NtStatus {
            $(
                #[doc = $text]
                pub const $name: NtStatus = NtStatus($val);
            )*

            /// The symbolic name (`STATUS_...`) of a known status.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some(concat!("STATUS_", stringify!($name))),)*
                    _ => None,
                }
            }

            /// A short human description of a known status.
            pub fn description(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

/// A 32-bit NT status code, as carried in the SMB header when `SMB_FLAGS2_NT_STATUS` is set.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NtStatus(pub u32);

nt_statuses! {
    SUCCESS = 0x0000_0000, "success";
    PENDING = 0x0000_0103, "operation pending";
    NOTIFY_ENUM_DIR = 0x0000_010C, "notify enum dir";
    BUFFER_OVERFLOW = 0x8000_0005, "buffer overflow: more data is available";
    INVALID_EA_NAME = 0x8000_0013, "invalid extended attribute name";
    NO_MORE_FILES = 0x8000_0006, "no more files";
    UNSUCCESSFUL = 0xC000_0001, "unsuccessful";
    NOT_IMPLEMENTED = 0xC000_0002, "not implemented";
    INVALID_INFO_CLASS = 0xC000_0003, "invalid information class";
    INVALID_HANDLE = 0xC000_0008, "invalid handle";
    INVALID_PARAMETER = 0xC000_000D, "invalid parameter";
    NO_SUCH_DEVICE = 0xC000_000E, "no such device";
    NO_SUCH_FILE = 0xC000_000F, "no such file";
    INVALID_DEVICE_REQUEST = 0xC000_0010, "invalid device request";
    END_OF_FILE = 0xC000_0011, "end of file";
    MORE_PROCESSING_REQUIRED = 0xC000_0016, "more processing required";
    NO_MEMORY = 0xC000_0017, "no memory";
    ACCESS_DENIED = 0xC000_0022, "access denied";
    BUFFER_TOO_SMALL = 0xC000_0023, "buffer too small";
    OBJECT_NAME_INVALID = 0xC000_0033, "object name invalid";
    OBJECT_NAME_NOT_FOUND = 0xC000_0034, "not found";
    OBJECT_NAME_COLLISION = 0xC000_0035, "already exists";
    OBJECT_PATH_INVALID = 0xC000_0039, "object path invalid";
    OBJECT_PATH_NOT_FOUND = 0xC000_003A, "path not found";
    OBJECT_PATH_SYNTAX_BAD = 0xC000_003B, "object path syntax bad";
    DATA_ERROR = 0xC000_003E, "data error";
    SHARING_VIOLATION = 0xC000_0043, "sharing violation";
    EAS_NOT_SUPPORTED = 0xC000_004F, "extended attributes not supported";
    EA_CORRUPT_ERROR = 0xC000_0053, "corrupt extended attribute list";
    FILE_LOCK_CONFLICT = 0xC000_0054, "file lock conflict";
    LOCK_NOT_GRANTED = 0xC000_0055, "lock not granted";
    DELETE_PENDING = 0xC000_0056, "delete pending";
    PRIVILEGE_NOT_HELD = 0xC000_0061, "privilege not held";
    NO_SUCH_USER = 0xC000_0064, "no such user";
    WRONG_PASSWORD = 0xC000_006A, "wrong password";
    LOGON_FAILURE = 0xC000_006D, "logon failure: wrong user name or password";
    ACCOUNT_RESTRICTION = 0xC000_006E, "account restriction";
    INVALID_LOGON_HOURS = 0xC000_006F, "invalid logon hours";
    INVALID_WORKSTATION = 0xC000_0070, "invalid workstation";
    PASSWORD_EXPIRED = 0xC000_0071, "password expired";
    ACCOUNT_DISABLED = 0xC000_0072, "account disabled";
    RANGE_NOT_LOCKED = 0xC000_007E, "range not locked";
    DISK_FULL = 0xC000_007F, "disk full";
    UNEXPECTED_IO_ERROR = 0xC000_00E9, "unexpected I/O error";
    INSUFFICIENT_RESOURCES = 0xC000_009A, "insufficient resources";
    INTERNAL_ERROR = 0xC000_00E5, "internal error";
    MEDIA_WRITE_PROTECTED = 0xC000_00A2, "media write protected";
    INVALID_PIPE_STATE = 0xC000_00AD, "invalid pipe state";
    PIPE_BUSY = 0xC000_00AE, "pipe busy";
    PIPE_DISCONNECTED = 0xC000_00B0, "pipe disconnected";
    IO_TIMEOUT = 0xC000_00B5, "i/o timeout";
    PIPE_EMPTY = 0xC000_00D9, "pipe empty";
    FILE_IS_A_DIRECTORY = 0xC000_00BA, "is a directory";
    NOT_SUPPORTED = 0xC000_00BB, "not supported";
    BAD_NETWORK_PATH = 0xC000_00BE, "bad network path";
    INVALID_NETWORK_RESPONSE = 0xC000_00C3, "invalid network response";
    NETWORK_NAME_DELETED = 0xC000_00C9, "network name deleted";
    NETWORK_ACCESS_DENIED = 0xC000_00CA, "network access denied";
    BAD_DEVICE_TYPE = 0xC000_00CB, "bad device type";
    BAD_NETWORK_NAME = 0xC000_00CC, "bad network name: no such share";
    TOO_MANY_SESSIONS = 0xC000_00CE, "too many sessions";
    REQUEST_NOT_ACCEPTED = 0xC000_00D0, "request not accepted";
    NOT_SAME_DEVICE = 0xC000_00D4, "not same device";
    FILE_RENAMED = 0xC000_00D5, "file renamed";
    DIRECTORY_NOT_EMPTY = 0xC000_0101, "directory not empty";
    NOT_A_DIRECTORY = 0xC000_0103, "not a directory";
    TOO_MANY_OPENED_FILES = 0xC000_011F, "too many open files";
    CANCELLED = 0xC000_0120, "cancelled";
    CANNOT_DELETE = 0xC000_0121, "cannot delete";
    FILE_CLOSED = 0xC000_0128, "file closed";
    INVALID_LEVEL = 0xC000_0148, "invalid level";
    PIPE_BROKEN = 0xC000_014B, "pipe broken";
    ACCOUNT_EXPIRED = 0xC000_0193, "account expired";
    INVALID_LOCK_RANGE = 0xC000_01A1, "invalid lock range";
    USER_SESSION_DELETED = 0xC000_0203, "user session deleted";
    PASSWORD_MUST_CHANGE = 0xC000_0224, "password must change";
    ACCOUNT_LOCKED_OUT = 0xC000_0234, "account locked out";
    INVALID_SMB = 0x0001_0002, "invalid SMB (ERRSRV/ERRerror)";
    SMB_BAD_TID = 0x0005_0002, "bad tree id (ERRSRV/ERRinvtid)";
    SMB_BAD_FID = 0x0006_0001, "bad file id (ERRDOS/ERRbadfid)";
    SMB_BAD_COMMAND = 0x0016_0002, "bad command (ERRSRV/ERRsmbcmd)";
    SMB_BAD_UID = 0x005B_0002, "bad user id (ERRSRV/ERRbaduid)";
    SMB_BAD_ACCESS = 0x000C_0001, "invalid open mode (ERRDOS/ERRbadaccess)";
    SMB_NO_ACCESS = 0x0005_0001, "access denied (ERRDOS/ERRnoaccess)";
    SMB_BAD_PATH = 0x0003_0001, "directory not found (ERRDOS/ERRbadpath)";
    SMB_ALREADY_EXISTS = 0x00B7_0001, "already exists (ERRDOS/ERRrename)";
    SMB_CANCEL_VIOLATION = 0x00AD_0001, "no such lock to cancel (ERRDOS/ERRcancelviolation)";
    SMB_NO_ATOMIC_LOCKS = 0x00AE_0001, "lock type changes not supported (ERRDOS/ERRnoatomiclocks)";
}

impl NtStatus {
    /// Severity bits 11: an error.
    pub fn is_error(self) -> bool {
        self.0 >> 30 == 3
    }

    /// Severity bits 10: a warning (e.g. `STATUS_BUFFER_OVERFLOW`).
    pub fn is_warning(self) -> bool {
        self.0 >> 30 == 2
    }

    /// `STATUS_SUCCESS`.
    pub fn is_success(self) -> bool {
        self.0 == 0
    }

    /// A DOS error carried in an `NtStatus` (class in the low byte, code in the high
    /// word, as [`DosError::to_raw`] lays them out), such as [`NtStatus::SMB_BAD_TID`]:
    /// servers send these in DOS form even to clients that asked for NT status codes.
    pub fn is_dos(self) -> bool {
        self.0 & 0xC000_FF00 == 0 && self.0 >> 16 != 0 && matches!(self.0 & 0xFF, 1 | 2 | 3 | 0xFF)
    }

    /// The DOS class/code a server sends to a client that did not ask for NT status codes.
    pub fn to_dos(self) -> DosError {
        use DosError as D;
        let (class, code) = match self {
            NtStatus::SUCCESS => (0, 0),
            NtStatus::ACCESS_DENIED
            | NtStatus::LOGON_FAILURE
            | NtStatus::FILE_IS_A_DIRECTORY
            | NtStatus::DELETE_PENDING
            | NtStatus::CANNOT_DELETE
            | NtStatus::MEDIA_WRITE_PROTECTED => (D::ERRDOS, 5),
            NtStatus::WRONG_PASSWORD => (D::ERRSRV, 2),
            NtStatus::BAD_NETWORK_NAME => (D::ERRSRV, 6),
            NtStatus::OBJECT_NAME_NOT_FOUND | NtStatus::NO_SUCH_FILE => (D::ERRDOS, 2),
            NtStatus::OBJECT_PATH_NOT_FOUND | NtStatus::OBJECT_PATH_INVALID => (D::ERRDOS, 3),
            NtStatus::TOO_MANY_OPENED_FILES => (D::ERRDOS, 4),
            NtStatus::INVALID_HANDLE | NtStatus::FILE_CLOSED => (D::ERRDOS, 6),
            NtStatus::NOT_SUPPORTED => (D::ERRDOS, 50),
            NtStatus::NOT_IMPLEMENTED => (D::ERRDOS, 1),
            NtStatus::END_OF_FILE => (D::ERRDOS, 38),
            NtStatus::SHARING_VIOLATION => (D::ERRDOS, 32),
            NtStatus::FILE_LOCK_CONFLICT | NtStatus::LOCK_NOT_GRANTED => (D::ERRDOS, 33),
            NtStatus::OBJECT_NAME_COLLISION => (D::ERRDOS, 80),
            NtStatus::NO_MORE_FILES => (D::ERRDOS, 18),
            NtStatus::INVALID_PARAMETER => (D::ERRDOS, 87),
            NtStatus::OBJECT_NAME_INVALID => (D::ERRDOS, 123),
            NtStatus::OBJECT_PATH_SYNTAX_BAD => (D::ERRDOS, 161),
            NtStatus::INVALID_LEVEL | NtStatus::INVALID_INFO_CLASS => (D::ERRDOS, 124),
            NtStatus::DIRECTORY_NOT_EMPTY => (D::ERRDOS, 145),
            NtStatus::NOT_A_DIRECTORY => (D::ERRDOS, 267),
            NtStatus::BUFFER_OVERFLOW => (D::ERRDOS, 234),
            NtStatus::PIPE_BUSY => (D::ERRDOS, 231),
            NtStatus::PIPE_DISCONNECTED | NtStatus::PIPE_BROKEN => (D::ERRDOS, 233),
            NtStatus::DISK_FULL => (D::ERRDOS, 112),
            NtStatus::USER_SESSION_DELETED | NtStatus::SMB_BAD_UID => (D::ERRSRV, 91),
            NtStatus::SMB_BAD_TID | NtStatus::NETWORK_NAME_DELETED => (D::ERRSRV, 5),
            NtStatus::SMB_BAD_FID => (D::ERRDOS, 6),
            NtStatus::SMB_BAD_COMMAND => (D::ERRSRV, 22),
            NtStatus::INVALID_SMB => (D::ERRSRV, 1),
            // The rest as Samba's table (libcli/util/errormap.c) has them; these reach the
            // pre-NT clients, which read nothing else.
            NtStatus::RANGE_NOT_LOCKED => (D::ERRDOS, 158),
            NtStatus::INVALID_DEVICE_REQUEST => (D::ERRDOS, 1),
            NtStatus::BUFFER_TOO_SMALL => (D::ERRDOS, 111),
            NtStatus::EAS_NOT_SUPPORTED => (D::ERRDOS, 282),
            NtStatus::INSUFFICIENT_RESOURCES => (D::ERRDOS, 89),
            NtStatus::TOO_MANY_SESSIONS => (D::ERRDOS, 69),
            NtStatus::BAD_DEVICE_TYPE => (D::ERRDOS, 66),
            NtStatus::NETWORK_ACCESS_DENIED => (D::ERRDOS, 65),
            NtStatus::INVALID_LOCK_RANGE => (D::ERRDOS, 307),
            s if s.0 & 0xC000_0000 == 0 => ((s.0 & 0xFF) as u8, (s.0 >> 16) as u16),
            _ => (D::ERRHRD, 31),
        };
        DosError { class, code }
    }
}

impl fmt::Debug for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "NtStatus({:#010x})", self.0),
        }
    }
}

impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} ({:#010x})", self.0),
            None => write!(f, "{:#010x}", self.0),
        }
    }
}

/// A DOS-style error: an error class and an error code.
///
/// On the wire (header bytes 5..9) this is class (1 byte), reserved (1 byte), code (u16 LE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DosError {
    /// Error class (`ERRDOS` = 1, `ERRSRV` = 2, `ERRHRD` = 3, `ERRCMD` = 0xFF).
    pub class: u8,
    /// Error code within the class.
    pub code: u16,
}

impl DosError {
    /// Success class.
    pub const SUCCESS: u8 = 0x00;
    /// DOS errors.
    pub const ERRDOS: u8 = 0x01;
    /// Server errors.
    pub const ERRSRV: u8 = 0x02;
    /// Hardware errors.
    pub const ERRHRD: u8 = 0x03;
    /// Command errors.
    pub const ERRCMD: u8 = 0xFF;

    /// The raw 32-bit form found in the header's status field.
    pub fn to_raw(self) -> u32 {
        self.class as u32 | ((self.code as u32) << 16)
    }

    /// Splits the header's raw status field.
    pub fn from_raw(raw: u32) -> Self {
        Self {
            class: raw as u8,
            code: (raw >> 16) as u16,
        }
    }

    /// Whether this is a success (class 0).
    pub fn is_success(self) -> bool {
        self.class == 0 && self.code == 0
    }

    /// The NT status that best corresponds to this DOS error (for clients that present both
    /// forms the same way).
    pub fn to_nt(self) -> NtStatus {
        match (self.class, self.code) {
            (0, 0) => NtStatus::SUCCESS,
            (1, 2) => NtStatus::OBJECT_NAME_NOT_FOUND,
            (1, 3) => NtStatus::OBJECT_PATH_NOT_FOUND,
            (1, 4) => NtStatus::TOO_MANY_OPENED_FILES,
            (1, 5) => NtStatus::ACCESS_DENIED,
            (1, 6) => NtStatus::INVALID_HANDLE,
            (1, 18) => NtStatus::NO_MORE_FILES,
            (1, 32) => NtStatus::SHARING_VIOLATION,
            (1, 33) => NtStatus::FILE_LOCK_CONFLICT,
            (1, 50) => NtStatus::NOT_SUPPORTED,
            (1, 80) | (1, 183) => NtStatus::OBJECT_NAME_COLLISION,
            (1, 87) => NtStatus::INVALID_PARAMETER,
            (1, 123) => NtStatus::OBJECT_NAME_INVALID,
            (1, 124) => NtStatus::INVALID_LEVEL,
            (1, 145) => NtStatus::DIRECTORY_NOT_EMPTY,
            (1, 158) => NtStatus::RANGE_NOT_LOCKED,
            (1, 234) => NtStatus::BUFFER_OVERFLOW,
            (1, 267) => NtStatus::NOT_A_DIRECTORY,
            (2, 2) => NtStatus::LOGON_FAILURE,
            (2, 5) => NtStatus::SMB_BAD_TID,
            (2, 6) => NtStatus::BAD_NETWORK_NAME,
            (2, 91) => NtStatus::SMB_BAD_UID,
            _ => NtStatus(self.to_raw()),
        }
    }
}

impl fmt::Display for DosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.class {
            0 => "SUCCESS",
            1 => "ERRDOS",
            2 => "ERRSRV",
            3 => "ERRHRD",
            0xFF => "ERRCMD",
            _ => "ERR?",
        };
        write!(f, "{class}/{}", self.code)
    }
}

/// The status of a response, in whichever form the header carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A 32-bit NT status (`SMB_FLAGS2_NT_STATUS` set).
    Nt(NtStatus),
    /// A DOS class and code.
    Dos(DosError),
}

impl Status {
    /// The NT status, converting a DOS error when needed.
    pub fn to_nt(self) -> NtStatus {
        match self {
            Status::Nt(s) => s,
            Status::Dos(d) => d.to_nt(),
        }
    }

    /// Whether this is success.
    pub fn is_success(self) -> bool {
        match self {
            Status::Nt(s) => s.is_success(),
            Status::Dos(d) => d.is_success(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Nt(s) => fmt::Display::fmt(s, f),
            Status::Dos(d) => fmt::Display::fmt(d, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_statuses() {
        for s in [
            NtStatus::INVALID_SMB,
            NtStatus::SMB_BAD_TID,
            NtStatus::SMB_BAD_FID,
            NtStatus::SMB_BAD_COMMAND,
            NtStatus::SMB_BAD_UID,
            NtStatus::SMB_BAD_ACCESS,
            NtStatus::SMB_NO_ACCESS,
            NtStatus::SMB_BAD_PATH,
            NtStatus::SMB_ALREADY_EXISTS,
            NtStatus::SMB_CANCEL_VIOLATION,
            NtStatus::SMB_NO_ATOMIC_LOCKS,
        ] {
            assert!(s.is_dos(), "{s:?}");
            assert_eq!(NtStatus(s.to_dos().to_raw()), s);
        }
        for s in [
            NtStatus::SUCCESS,
            NtStatus::PENDING,
            NtStatus::NOTIFY_ENUM_DIR,
            NtStatus::BUFFER_OVERFLOW,
            NtStatus::ACCESS_DENIED,
        ] {
            assert!(!s.is_dos(), "{s:?}");
        }
    }

    #[test]
    fn names_and_severity() {
        assert_eq!(NtStatus::LOGON_FAILURE.name(), Some("STATUS_LOGON_FAILURE"));
        assert!(NtStatus::LOGON_FAILURE.is_error());
        assert!(NtStatus::BUFFER_OVERFLOW.is_warning());
        assert_eq!(NtStatus(0x1234_5678).name(), None);
        assert_eq!(
            alloc::format!("{:?}", NtStatus(0xC0FF_EE00)),
            "NtStatus(0xc0ffee00)"
        );
    }

    #[test]
    fn dos_round_trip() {
        let d = DosError { class: 2, code: 91 };
        assert_eq!(d.to_raw(), NtStatus::SMB_BAD_UID.0);
        assert_eq!(DosError::from_raw(d.to_raw()), d);
        assert_eq!(
            NtStatus::OBJECT_NAME_NOT_FOUND.to_dos(),
            DosError { class: 1, code: 2 }
        );
        assert_eq!(
            NtStatus::SMB_BAD_TID.to_dos().to_raw(),
            NtStatus::SMB_BAD_TID.0
        );
    }
}
