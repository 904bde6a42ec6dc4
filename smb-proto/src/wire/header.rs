//! The 32-byte SMB1 header, command codes and header flags.

use core::fmt;

use super::codec::{DecodeError, Reader, Writer};
use super::status::{DosError, NtStatus, Status};

/// Length of the SMB1 header.
pub const HEADER_LEN: usize = 32;

/// The protocol identifier `\xFFSMB`.
pub const PROTOCOL_ID: [u8; 4] = [0xFF, b'S', b'M', b'B'];

macro_rules! commands {
    ($($name:ident = $val:expr;)*) => {
        impl Command {
            $(
                #[doc = concat!("`SMB_COM_", stringify!($name), "`")]
                pub const $name: Command = Command($val);
            )*

            /// The command's name without the `SMB_COM_` prefix, when known.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

/// An SMB1 command code (open set: unknown codes are kept).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Command(pub u8);

commands! {
    CREATE_DIRECTORY = 0x00;
    DELETE_DIRECTORY = 0x01;
    OPEN = 0x02;
    CREATE = 0x03;
    CLOSE = 0x04;
    FLUSH = 0x05;
    DELETE = 0x06;
    RENAME = 0x07;
    QUERY_INFORMATION = 0x08;
    SET_INFORMATION = 0x09;
    READ = 0x0A;
    WRITE = 0x0B;
    LOCK_BYTE_RANGE = 0x0C;
    UNLOCK_BYTE_RANGE = 0x0D;
    CREATE_TEMPORARY = 0x0E;
    CREATE_NEW = 0x0F;
    CHECK_DIRECTORY = 0x10;
    PROCESS_EXIT = 0x11;
    SEEK = 0x12;
    LOCK_AND_READ = 0x13;
    WRITE_AND_UNLOCK = 0x14;
    READ_RAW = 0x1A;
    WRITE_RAW = 0x1D;
    WRITE_COMPLETE = 0x20;
    SET_INFORMATION2 = 0x22;
    QUERY_INFORMATION2 = 0x23;
    LOCKING_ANDX = 0x24;
    TRANSACTION = 0x25;
    TRANSACTION_SECONDARY = 0x26;
    IOCTL = 0x27;
    MOVE = 0x2A;
    ECHO = 0x2B;
    WRITE_AND_CLOSE = 0x2C;
    OPEN_ANDX = 0x2D;
    READ_ANDX = 0x2E;
    WRITE_ANDX = 0x2F;
    CLOSE_AND_TREE_DISC = 0x31;
    TRANSACTION2 = 0x32;
    TRANSACTION2_SECONDARY = 0x33;
    FIND_CLOSE2 = 0x34;
    TREE_CONNECT = 0x70;
    TREE_DISCONNECT = 0x71;
    NEGOTIATE = 0x72;
    SESSION_SETUP_ANDX = 0x73;
    LOGOFF_ANDX = 0x74;
    TREE_CONNECT_ANDX = 0x75;
    QUERY_INFORMATION_DISK = 0x80;
    SEARCH = 0x81;
    FIND = 0x82;
    FIND_UNIQUE = 0x83;
    FIND_CLOSE = 0x84;
    NT_TRANSACT = 0xA0;
    NT_TRANSACT_SECONDARY = 0xA1;
    NT_CREATE_ANDX = 0xA2;
    NT_CANCEL = 0xA4;
    NT_RENAME = 0xA5;
    INVALID = 0xFE;
    NO_ANDX_COMMAND = 0xFF;
}

impl Command {
    /// Whether the command's parameter block starts with an AndX header.
    pub fn is_andx(self) -> bool {
        matches!(
            self.0,
            0x24 | 0x2D | 0x2E | 0x2F | 0x73 | 0x74 | 0x75 | 0xA2
        )
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Command({:#04x})", self.0),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The header's `Flags` byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Flags(pub u8);

impl Flags {
    /// Obsolete LOCK_AND_READ_OK.
    pub const LOCK_AND_READ_OK: u8 = 0x01;
    /// Obsolete BUF_AVAIL.
    pub const BUF_AVAIL: u8 = 0x02;
    /// Path names are caseless.
    pub const CASE_INSENSITIVE: u8 = 0x08;
    /// Path names are canonicalized (obsolete, normally set).
    pub const CANONICALIZED_PATHS: u8 = 0x10;
    /// Obsolete oplock request.
    pub const OPLOCK: u8 = 0x20;
    /// Obsolete batch oplock request.
    pub const OPBATCH: u8 = 0x40;
    /// This message is a response.
    pub const REPLY: u8 = 0x80;

    /// Whether all bits of `mask` are set.
    pub fn has(self, mask: u8) -> bool {
        self.0 & mask == mask
    }

    /// Whether this is a response.
    pub fn is_reply(self) -> bool {
        self.has(Self::REPLY)
    }
}

/// The header's `Flags2` word.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Flags2(pub u16);

impl Flags2 {
    /// The client understands long names.
    pub const LONG_NAMES: u16 = 0x0001;
    /// Extended attributes aware.
    pub const EAS: u16 = 0x0002;
    /// The message is signed / signing is supported.
    pub const SECURITY_SIGNATURE: u16 = 0x0004;
    /// Compressed (reserved).
    pub const COMPRESSED: u16 = 0x0008;
    /// The client requires signing.
    pub const SECURITY_SIGNATURE_REQUIRED: u16 = 0x0010;
    /// A path contains long names.
    pub const IS_LONG_NAME: u16 = 0x0040;
    /// A path is a @GMT reparse path.
    pub const REPARSE_PATH: u16 = 0x0400;
    /// Extended security (SPNEGO) is used.
    pub const EXTENDED_SECURITY: u16 = 0x0800;
    /// Paths are DFS paths.
    pub const DFS: u16 = 0x1000;
    /// Read if execute.
    pub const PAGING_IO: u16 = 0x2000;
    /// The status field is a 32-bit NT status.
    pub const NT_STATUS: u16 = 0x4000;
    /// Strings are UTF-16LE.
    pub const UNICODE: u16 = 0x8000;

    /// Whether all bits of `mask` are set.
    pub fn has(self, mask: u16) -> bool {
        self.0 & mask == mask
    }

    /// Whether strings are UTF-16LE.
    pub fn is_unicode(self) -> bool {
        self.has(Self::UNICODE)
    }

    /// Whether the status field is an NT status.
    pub fn is_nt_status(self) -> bool {
        self.has(Self::NT_STATUS)
    }
}

/// The SMB1 header, without the command byte (which belongs to the first command block).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The raw status field: an NT status, or DOS class/reserved/code (see [`Header::status`]).
    pub status: u32,
    /// Flags.
    pub flags: Flags,
    /// Flags2.
    pub flags2: Flags2,
    /// High 16 bits of the process id.
    pub pid_high: u16,
    /// SecurityFeatures: the MD5 signature when signing, else zero.
    pub signature: [u8; 8],
    /// Reserved (zero).
    pub reserved: u16,
    /// Tree id.
    pub tid: u16,
    /// Low 16 bits of the process id.
    pub pid_low: u16,
    /// User (session) id.
    pub uid: u16,
    /// Multiplex id.
    pub mid: u16,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("status", &self.status())
            .field("flags", &format_args!("{:#04x}", self.flags.0))
            .field("flags2", &format_args!("{:#06x}", self.flags2.0))
            .field("tid", &self.tid)
            .field("pid", &self.pid())
            .field("uid", &self.uid)
            .field("mid", &self.mid)
            .finish_non_exhaustive()
    }
}

impl Header {
    /// The status in the form the header carries it.
    pub fn status(&self) -> Status {
        if self.flags2.is_nt_status() {
            Status::Nt(NtStatus(self.status))
        } else {
            Status::Dos(DosError::from_raw(self.status))
        }
    }

    /// The status as an NT status, converting a DOS error when needed.
    pub fn nt_status(&self) -> NtStatus {
        self.status().to_nt()
    }

    /// Sets the status field, in NT form when `flags2` says so and DOS form otherwise.
    pub fn set_status(&mut self, status: NtStatus) {
        self.status = if self.flags2.is_nt_status() {
            status.0
        } else {
            status.to_dos().to_raw()
        };
    }

    /// The 32-bit process id.
    pub fn pid(&self) -> u32 {
        (self.pid_high as u32) << 16 | self.pid_low as u32
    }

    /// Sets the 32-bit process id.
    pub fn set_pid(&mut self, pid: u32) {
        self.pid_high = (pid >> 16) as u16;
        self.pid_low = pid as u16;
    }

    /// Whether this header belongs to a response.
    pub fn is_reply(&self) -> bool {
        self.flags.is_reply()
    }

    /// Decodes the header at the reader's position; returns it with the command byte.
    pub fn decode(r: &mut Reader<'_>) -> Result<(Command, Header), DecodeError> {
        let start = r.pos();
        let proto: [u8; 4] = r.array("Protocol")?;
        if proto != PROTOCOL_ID {
            return Err(DecodeError::invalid("Protocol", start));
        }
        let command = Command(r.u8("Command")?);
        let h = Header {
            status: r.u32("Status")?,
            flags: Flags(r.u8("Flags")?),
            flags2: Flags2(r.u16("Flags2")?),
            pid_high: r.u16("PIDHigh")?,
            signature: r.array("SecurityFeatures")?,
            reserved: r.u16("Reserved")?,
            tid: r.u16("TID")?,
            pid_low: r.u16("PIDLow")?,
            uid: r.u16("UID")?,
            mid: r.u16("MID")?,
        };
        Ok((command, h))
    }

    /// Encodes the header with the given command byte.
    pub fn encode(&self, command: Command, w: &mut Writer) {
        w.bytes(&PROTOCOL_ID);
        w.u8(command.0);
        w.u32(self.status);
        w.u8(self.flags.0);
        w.u16(self.flags2.0);
        w.u16(self.pid_high);
        w.bytes(&self.signature);
        w.u16(self.reserved);
        w.u16(self.tid);
        w.u16(self.pid_low);
        w.u16(self.uid);
        w.u16(self.mid);
    }

    /// A response header for this request header: IDs and flags2 copied, REPLY set, status
    /// set, signature cleared.
    pub fn reply(&self, status: NtStatus) -> Header {
        let mut h = Header {
            status: 0,
            flags: Flags(
                Flags::REPLY
                    | (self.flags.0 & (Flags::CASE_INSENSITIVE | Flags::CANONICALIZED_PATHS)),
            ),
            flags2: self.flags2,
            pid_high: self.pid_high,
            signature: [0; 8],
            reserved: 0,
            tid: self.tid,
            pid_low: self.pid_low,
            uid: self.uid,
            mid: self.mid,
        };
        h.set_status(status);
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn header_round_trip() {
        let raw = hex_literal("ff534d4272000000001853c8000000000000000000000000fffffffe00000000");
        let b = Bytes::from(raw.clone());
        let mut r = Reader::new(&b);
        let (cmd, h) = Header::decode(&mut r).unwrap();
        assert_eq!(cmd, Command::NEGOTIATE);
        assert_eq!(h.flags2.0, 0xC853);
        assert_eq!(h.tid, 0xFFFF);
        assert_eq!(h.pid_low, 0xFEFF);
        assert_eq!(h.mid, 0);
        let mut w = Writer::new();
        h.encode(cmd, &mut w);
        assert_eq!(w.written(), &raw[..]);
    }

    #[test]
    fn dos_status_form() {
        let mut h = Header::default();
        h.set_status(NtStatus::BAD_NETWORK_NAME);
        assert_eq!(h.status(), Status::Dos(DosError { class: 2, code: 6 }));
        assert_eq!(h.nt_status(), NtStatus::BAD_NETWORK_NAME);
        h.flags2 = Flags2(Flags2::NT_STATUS);
        h.set_status(NtStatus::BAD_NETWORK_NAME);
        assert_eq!(h.status, 0xC000_00CC);
    }

    fn hex_literal(s: &str) -> alloc::vec::Vec<u8> {
        crate::util::hex_decode(s).unwrap()
    }
}
