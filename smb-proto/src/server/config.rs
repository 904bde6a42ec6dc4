//! Server configuration: shares, accounts and policy, signing, limits.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use super::access::ShareAccess;
use crate::auth::{AccountStore, AuthPolicy};
use crate::wire::codepage::CodePage;
use crate::wire::dialect::Protocol;

/// Whether messages are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningMode {
    /// Never sign (SecurityMode announces no signing).
    Off,
    /// Sign when the client requires it (or signs itself); the default.
    #[default]
    Enabled,
    /// Refuse clients that do not sign.
    Required,
}

/// A disk share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareConfig {
    /// Share name (case-insensitive on the wire).
    pub name: String,
    /// Every modifying request is refused with STATUS_ACCESS_DENIED.
    pub read_only: bool,
    /// Remark shown in share lists.
    pub comment: String,
    /// Who may connect and what they may do; whether the share is listed.
    pub access: ShareAccess,
}

impl ShareConfig {
    /// A writable share, open to every session that logs on.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            read_only: false,
            comment: String::new(),
            access: ShareAccess::default(),
        }
    }

    /// A slot that no tree connect finds and no listing shows: what a host puts where a
    /// share was removed while connections made before still use the share ids after
    /// it (ids index the share list, and the state shared between connections is keyed
    /// by them).
    pub fn retired() -> Self {
        Self {
            name: String::new(),
            read_only: true,
            comment: String::new(),
            access: ShareAccess {
                read: Some(Vec::new()),
                write: Some(Vec::new()),
                drop_box: false,
                guest: false,
                browseable: false,
            },
        }
    }

    /// Whether this is a [`retired`](Self::retired) slot.
    pub fn is_retired(&self) -> bool {
        self.name.is_empty()
    }
}

/// Per-connection limits. Breaking one fails the request (or closes the connection where
/// noted); other connections are unaffected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Sessions (UIDs) per connection.
    pub max_sessions: usize,
    /// Trees (TIDs) per connection.
    pub max_trees: usize,
    /// Open files per connection.
    pub max_open_files: usize,
    /// Open searches per connection.
    pub max_searches: usize,
    /// Largest frame accepted; a header announcing more closes the connection at once.
    pub max_frame: usize,
    /// Largest read or write served by one READ_ANDX/WRITE_ANDX.
    pub max_io: u32,
    /// MaxMpxCount announced: requests a client may have outstanding.
    pub max_mpx: u16,
    /// Requests being processed at once before the host should stop reading.
    pub max_in_flight: usize,
    /// Bytes queued for sending before the host should stop reading.
    pub max_outbound: usize,
    /// Entries kept for one search (a folder listing).
    pub max_dir_entries: usize,
    /// Close a connection with no complete request for this long.
    pub idle_timeout: Duration,
    /// Close a connection whose frame stays half-received for this long (slowloris).
    pub frame_timeout: Duration,
    /// Close a connection that has not authenticated within this long.
    pub login_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_sessions: 16,
            max_trees: 64,
            max_open_files: 4096,
            max_searches: 256,
            max_frame: 8 * 1024 * 1024 + 4096,
            max_io: 8 * 1024 * 1024,
            max_mpx: 128,
            max_in_flight: 256,
            max_outbound: 64 * 1024 * 1024,
            max_dir_entries: 1_000_000,
            idle_timeout: Duration::from_secs(900),
            frame_timeout: Duration::from_secs(30),
            login_timeout: Duration::from_secs(60),
        }
    }
}

/// The whole server configuration, shared by every connection.
#[derive(Clone)]
pub struct ServerConfig {
    /// NetBIOS name (uppercase, at most 15 characters).
    pub server_name: String,
    /// Workgroup / domain.
    pub domain: String,
    /// Server comment (Samba's `server string`): what srvsvc, RAP and browse
    /// announcements describe the server with, and the remark of `IPC$`.
    pub comment: String,
    /// Disk shares; the index is the [`ShareId`](super::ShareId). IPC$ is implicit.
    pub shares: Vec<ShareConfig>,
    /// What authentication is accepted.
    pub policy: AuthPolicy,
    /// Accounts.
    pub accounts: Arc<dyn AccountStore + Send + Sync>,
    /// Signing.
    pub signing: SigningMode,
    /// Limits.
    pub limits: Limits,
    /// Server GUID for extended security.
    pub server_guid: [u8; 16],
    /// Serve DCE/RPC (srvsvc, wkssvc) on the named pipes of IPC$. When false every pipe
    /// open answers `STATUS_OBJECT_NAME_NOT_FOUND`, as on a server without them, and
    /// clients list the shares over RAP.
    pub named_pipes: bool,
    /// Answer NetBIOS session requests for any called name (else only `*SMBSERVER` and
    /// the server name).
    pub accept_any_called_name: bool,
    /// Oldest dialect family accepted (Samba's `server min protocol`). `None`: `LANMAN1`
    /// when `policy.allow_lm` or `allow_plaintext` is on (the pre-NT dialects have no
    /// better logon), else `NT1`.
    pub min_protocol: Option<Protocol>,
    /// Newest dialect family offered (Samba's `server max protocol`); `NT1` by default.
    pub max_protocol: Protocol,
    /// Accept plaintext passwords from pre-NT clients. When LM responses are off
    /// (`policy.allow_lm`), a pre-NT dialect is then negotiated without a challenge
    /// (Samba's `encrypt passwords = no` for those dialects). Off by default.
    pub allow_plaintext: bool,
    /// The OEM code page of strings in messages without Unicode (Samba's `dos charset`;
    /// CP850 by default).
    pub dos_charset: CodePage,
    /// Grant oplocks (exclusive, batch, level II) to clients that ask; off, every open
    /// gets none and nothing is ever broken.
    pub oplocks: bool,
    /// How long an open waits for the holder of an oplock to acknowledge its break (or
    /// close) before it goes on as if it had (35 s, as Windows).
    pub oplock_break_timeout: Duration,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("server_name", &self.server_name)
            .field("domain", &self.domain)
            .field("comment", &self.comment)
            .field("shares", &self.shares)
            .field("policy", &self.policy)
            .field("signing", &self.signing)
            .field("limits", &self.limits)
            .field("named_pipes", &self.named_pipes)
            .field("oplocks", &self.oplocks)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A configuration with defaults for everything but the shares and accounts.
    pub fn new(shares: Vec<ShareConfig>, accounts: Arc<dyn AccountStore + Send + Sync>) -> Self {
        Self {
            server_name: "SMBRS".into(),
            domain: "WORKGROUP".into(),
            comment: "smb-rs".into(),
            shares,
            policy: AuthPolicy::default(),
            accounts,
            signing: SigningMode::default(),
            limits: Limits::default(),
            server_guid: *b"smb-rs-server-01",
            named_pipes: true,
            accept_any_called_name: true,
            min_protocol: None,
            max_protocol: Protocol::Nt1,
            allow_plaintext: false,
            dos_charset: CodePage::default(),
            oplocks: true,
            oplock_break_timeout: Duration::from_secs(35),
        }
    }

    /// The oldest dialect family accepted: [`min_protocol`](Self::min_protocol), or its
    /// default.
    pub fn effective_min_protocol(&self) -> Protocol {
        self.min_protocol
            .unwrap_or(if self.policy.allow_lm || self.allow_plaintext {
                Protocol::Lanman1
            } else {
                Protocol::Nt1
            })
    }

    /// The share with this name (case-insensitive).
    pub fn find_share(&self, name: &str) -> Option<super::ShareId> {
        let key = super::path::fold_case(name);
        self.shares
            .iter()
            .position(|s| !s.is_retired() && super::path::fold_case(&s.name) == key)
            .map(|i| super::ShareId(i as u32))
    }

    /// The shares share enumerations show (browseable ones).
    pub fn listed_shares(&self) -> impl Iterator<Item = &ShareConfig> {
        self.shares
            .iter()
            .filter(|s| !s.is_retired() && s.access.browseable)
    }
}
