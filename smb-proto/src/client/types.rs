//! The client's public types: configuration, replies, errors.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::auth::{AuthError, AuthMethod, Credentials};
use crate::wire::NtStatus;
use crate::wire::codepage::CodePage;
use crate::wire::dialect::Protocol;
use crate::wire::netbios::NetbiosName;

/// When to sign messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningPolicy {
    /// Sign when the server requires it (the default).
    #[default]
    IfRequired,
    /// Always sign; refuse a server that cannot.
    Required,
    /// Never sign (fails against a server that requires signing).
    Disabled,
}

/// Client configuration.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Credentials; `None` logs on anonymously.
    pub credentials: Option<Credentials>,
    /// Authentication method.
    pub auth: AuthMethod,
    /// The server's host name or address, for UNC paths (`\\HOST\SHARE`).
    pub server_host: String,
    /// Send a NetBIOS session request first (port 139, or when asked).
    pub netbios: Option<NetbiosNames>,
    /// Signing.
    pub signing: SigningPolicy,
    /// Time limit of each SMB request.
    pub request_timeout: Duration,
    /// Most requests outstanding at once (also limited by the server's MaxMpxCount).
    pub max_in_flight: u16,
    /// Bytes per READ_ANDX when the server offers large reads.
    pub max_read_size: u32,
    /// Bytes per WRITE_ANDX when the server offers large writes.
    pub max_write_size: u32,
    /// Process id sent in headers.
    pub pid: u32,
    /// Our NetBIOS/workstation name.
    pub workstation: String,
    /// NativeOS string.
    pub native_os: String,
    /// NativeLanMan string.
    pub native_lan_man: String,
    /// Oldest dialect family offered: `Nt1` (the default) offers `NT LM 0.12` alone;
    /// `Lanman2` and `Lanman1` add the pre-NT dialects, for servers that speak nothing
    /// newer (their logon takes [`AuthMethod::Lm`] or [`AuthMethod::Plaintext`]).
    pub min_protocol: Protocol,
    /// Newest dialect family offered (`Nt1`).
    pub max_protocol: Protocol,
    /// OEM code page of names when the server does not use Unicode (CP850, as Samba's
    /// client).
    pub dos_charset: CodePage,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            credentials: None,
            auth: AuthMethod::default(),
            server_host: "127.0.0.1".into(),
            netbios: None,
            signing: SigningPolicy::default(),
            request_timeout: Duration::from_secs(30),
            max_in_flight: 64,
            max_read_size: 1024 * 1024,
            max_write_size: 0x1_F000,
            pid: 0xFEFF,
            workstation: "SMB-RS".into(),
            native_os: "Unix".into(),
            native_lan_man: "smb-rs".into(),
            min_protocol: Protocol::Nt1,
            max_protocol: Protocol::Nt1,
            dos_charset: CodePage::default(),
        }
    }
}

/// Names for the NetBIOS session request.
#[derive(Debug, Clone)]
pub struct NetbiosNames {
    /// The server's name (`*SMBSERVER` works with most servers).
    pub called: NetbiosName,
    /// Our name.
    pub calling: NetbiosName,
}

impl NetbiosNames {
    /// `*SMBSERVER<20>` called by `workstation<00>`.
    pub fn default_for(workstation: &str) -> Self {
        Self {
            called: NetbiosName::new("*SMBSERVER", NetbiosName::SERVER),
            calling: NetbiosName::new(workstation, NetbiosName::WORKSTATION),
        }
    }
}

/// A connected tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreeId(pub u16);

/// An open file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u16);

/// What an open creates or truncates.
pub use crate::server::fs::{CreateAction, Disposition};

/// How to open a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Read access.
    pub read: bool,
    /// Write access.
    pub write: bool,
    /// Delete access (needed for delete-on-close).
    pub delete: bool,
    /// What to do when the file exists or not.
    pub disposition: Disposition,
    /// Must be a directory / must not be one.
    pub directory: Option<bool>,
    /// Share access bits granted to others (read|write|delete = 7).
    pub share: u32,
}

impl OpenOptions {
    /// Open an existing file for reading.
    pub fn read() -> Self {
        Self {
            read: true,
            write: false,
            delete: false,
            disposition: Disposition::Open,
            directory: Some(false),
            share: 7,
        }
    }

    /// Create or truncate a file for writing.
    pub fn create() -> Self {
        Self {
            read: true,
            write: true,
            delete: false,
            disposition: Disposition::OverwriteIf,
            directory: Some(false),
            share: 7,
        }
    }

    /// Open a file for reading and writing, creating it when missing.
    pub fn create_or_open() -> Self {
        Self {
            disposition: Disposition::OpenIf,
            ..Self::read_write()
        }
    }

    /// Open an existing file for reading and writing.
    pub fn read_write() -> Self {
        Self {
            read: true,
            write: true,
            delete: false,
            disposition: Disposition::Open,
            directory: Some(false),
            share: 7,
        }
    }
}

/// Information about a file or directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileStat {
    /// Name (last component, or the full path for stat replies).
    pub name: String,
    /// End of file.
    pub size: u64,
    /// Allocation size.
    pub allocation_size: u64,
    /// Creation time (FILETIME).
    pub created: u64,
    /// Last access time.
    pub accessed: u64,
    /// Last write time.
    pub written: u64,
    /// Change time.
    pub changed: u64,
    /// `SMB_EXT_FILE_ATTR` bits.
    pub attributes: u32,
    /// Is a directory.
    pub is_dir: bool,
}

/// An opened file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The FID.
    pub fid: FileId,
    /// What the open did.
    pub action: CreateAction,
    /// File information at open time.
    pub stat: FileStat,
}

/// Data read: zero-copy slices of the received frames, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadData {
    /// The chunks.
    pub chunks: Vec<Bytes>,
}

impl ReadData {
    /// Total bytes.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum()
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All bytes in one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len());
        for c in &self.chunks {
            v.extend_from_slice(c);
        }
        v
    }
}

/// A share of a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareEntry {
    /// Name.
    pub name: String,
    /// Type: 0 disk, 1 printer, 3 IPC; srvsvc adds 0x8000_0000 for hidden (`$`) shares.
    pub share_type: u32,
    /// Remark.
    pub remark: String,
}

/// File-system sizes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FsStat {
    /// Total bytes.
    pub total_bytes: u64,
    /// Free bytes.
    pub free_bytes: u64,
}

/// What was negotiated and who we are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionInfo {
    /// Server capabilities.
    pub capabilities: u32,
    /// Server's MaxMpxCount.
    pub max_mpx: u16,
    /// Server's MaxBufferSize.
    pub max_buffer: u32,
    /// Whether messages are signed.
    pub signing: bool,
    /// Logged on as guest.
    pub guest: bool,
    /// Extended security was used.
    pub extended_security: bool,
    /// Server's NativeOS.
    pub native_os: String,
    /// Server's domain.
    pub domain: String,
    /// The dialect family negotiated.
    pub protocol: Protocol,
}

/// A successful reply to an operation, as [`ClientEvent::Completed`] carries it; the
/// [`Operation`] that started it turns it into its own type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// The connection is ready.
    Connected(SessionInfo),
    /// A tree is connected.
    Tree(TreeId),
    /// A file is open.
    Opened(Opened),
    /// Data read.
    Read(ReadData),
    /// Bytes written.
    Written(u64),
    /// Directory entries.
    Dir(Vec<FileStat>),
    /// Information about a file.
    Stat(FileStat),
    /// File-system sizes.
    FsStat(FsStat),
    /// The echoed data.
    Echo(Bytes),
    /// The shares.
    Shares(Vec<ShareEntry>),
    /// Done.
    Done,
}

pub use crate::error::ConnectionError;

/// Why one operation failed; the connection stays usable unless it is `Connection`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmbError {
    /// The server answered with an error status.
    Status(NtStatus),
    /// No answer in time.
    Timeout,
    /// The connection is gone.
    Connection(ConnectionError),
    /// The server's answer broke the protocol.
    Protocol(&'static str),
    /// Authentication could not be built or was refused by protocol.
    Auth(AuthError),
    /// The request was invalid here (unknown tree or file, not connected...).
    Usage(&'static str),
}

impl SmbError {
    /// The NT status, for status errors.
    pub fn status(&self) -> Option<NtStatus> {
        match self {
            SmbError::Status(s) => Some(*s),
            _ => None,
        }
    }

    /// Whether this is a "not found" kind of error.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.status(),
            Some(
                NtStatus::OBJECT_NAME_NOT_FOUND
                    | NtStatus::OBJECT_PATH_NOT_FOUND
                    | NtStatus::NO_SUCH_FILE
                    | NtStatus::BAD_NETWORK_PATH
            )
        )
    }
}

impl fmt::Display for SmbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmbError::Status(s) => match s.description() {
                Some(d) => write!(f, "{d} ({})", s.name().unwrap_or("")),
                None => write!(f, "error status {s}"),
            },
            SmbError::Timeout => f.write_str("timed out waiting for the server"),
            SmbError::Connection(e) => write!(f, "connection error: {e}"),
            SmbError::Protocol(p) => write!(f, "protocol error: {p}"),
            SmbError::Auth(e) => write!(f, "authentication error: {e}"),
            SmbError::Usage(u) => write!(f, "invalid request: {u}"),
        }
    }
}

impl core::error::Error for SmbError {}

impl From<NtStatus> for SmbError {
    fn from(s: NtStatus) -> Self {
        SmbError::Status(s)
    }
}

impl From<ConnectionError> for SmbError {
    fn from(e: ConnectionError) -> Self {
        SmbError::Connection(e)
    }
}

impl From<AuthError> for SmbError {
    fn from(e: AuthError) -> Self {
        SmbError::Auth(e)
    }
}

/// Identifies an operation; its [`ClientEvent::Completed`] carries the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// A started operation: the id its [`ClientEvent::Completed`] will carry, and the type its
/// result has ([`Operation::result`] converts the event's [`Reply`] into it), so that a
/// host never matches on `Reply` itself.
#[must_use = "the result arrives as a ClientEvent::Completed with this operation's id"]
pub struct Operation<T> {
    id: RequestId,
    _out: PhantomData<fn() -> T>,
}

impl<T> Clone for Operation<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Operation<T> {}

impl<T> fmt::Debug for Operation<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Operation").field(&self.id.0).finish()
    }
}

impl<T: FromReply> Operation<T> {
    pub(crate) fn new(id: RequestId) -> Self {
        Self {
            id,
            _out: PhantomData,
        }
    }

    /// The id its completion carries.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// The typed result, from the completion's result.
    pub fn result(&self, r: Result<Reply, SmbError>) -> Result<T, SmbError> {
        T::from_reply(r?)
    }
}

impl<T> From<Operation<T>> for RequestId {
    fn from(op: Operation<T>) -> Self {
        op.id
    }
}

/// The result type of an [`Operation`]: taken out of the [`Reply`] that completes it.
pub trait FromReply: Sized {
    /// Takes the value out of a reply; a reply of another kind is a protocol error (it
    /// cannot happen for a reply that completes an operation of this type).
    fn from_reply(r: Reply) -> Result<Self, SmbError>;
}

macro_rules! from_reply {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl FromReply for $ty {
            fn from_reply(r: Reply) -> Result<Self, SmbError> {
                match r {
                    Reply::$variant(v) => Ok(v),
                    _ => Err(SmbError::Protocol("a reply of another kind")),
                }
            }
        }
    )*};
}

from_reply!(
    SessionInfo => Connected,
    TreeId => Tree,
    Opened => Opened,
    ReadData => Read,
    u64 => Written,
    Vec<FileStat> => Dir,
    FileStat => Stat,
    FsStat => FsStat,
    Bytes => Echo,
    Vec<ShareEntry> => Shares,
);

impl FromReply for () {
    fn from_reply(r: Reply) -> Result<Self, SmbError> {
        match r {
            Reply::Done => Ok(()),
            _ => Err(SmbError::Protocol("a reply of another kind")),
        }
    }
}

/// What the client connection tells its host.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// An operation finished.
    Completed {
        /// The operation.
        id: RequestId,
        /// Its result.
        result: Result<Reply, SmbError>,
    },
    /// The connection is closed (every pending operation has completed with an error).
    Closed(ConnectionError),
}
