//! What the RPC services report: the server's identity and its share list. The server
//! core fills a [`ServerInfo`] once and hands it (in an `Arc`) to every pipe it opens.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Share type: a disk share (`STYPE_DISKTREE`).
pub const STYPE_DISKTREE: u32 = 0;
/// Share type: a print queue (`STYPE_PRINTQ`).
pub const STYPE_PRINTQ: u32 = 1;
/// Share type: the interprocess communication share (`STYPE_IPC`).
pub const STYPE_IPC: u32 = 3;
/// Share type bit: a temporary share.
pub const STYPE_TEMPORARY: u32 = 0x4000_0000;
/// Share type bit: an administrative (hidden, `$`) share.
pub const STYPE_HIDDEN: u32 = 0x8000_0000;

/// Server type bits (`SV_TYPE_*`, MS-SRVS 2.2.2.7) that a plain SMB file server announces:
/// workstation, server, NT, NT server.
pub const SV_TYPE_DEFAULT: u32 = 0x0000_0001 | 0x0000_0002 | 0x0000_1000 | 0x0000_8000;

/// Platform ID of Windows NT and later (`PLATFORM_ID_NT`).
pub const PLATFORM_ID_NT: u32 = 500;

/// One share as the RPC services report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareEntry {
    /// Share name.
    pub name: String,
    /// Type: [`STYPE_DISKTREE`] or [`STYPE_IPC`], possibly with [`STYPE_HIDDEN`].
    pub share_type: u32,
    /// Remark (comment).
    pub remark: String,
    /// Local path reported at levels 2 and 502 (Windows form, such as `C:\share`).
    pub path: String,
    /// Connections to the share, reported at levels 2 and 502.
    pub current_users: u32,
}

impl ShareEntry {
    /// A disk share reported with the path `C:\NAME` (the real directory is not shown);
    /// a name ending in `$` is marked hidden.
    pub fn disk(name: &str, remark: &str) -> Self {
        let hidden = if name.ends_with('$') { STYPE_HIDDEN } else { 0 };
        ShareEntry {
            name: name.into(),
            share_type: STYPE_DISKTREE | hidden,
            remark: remark.into(),
            path: format!("C:\\{name}"),
            current_users: 0,
        }
    }

    /// `IPC$`, hidden, with an empty path as Windows reports it.
    pub fn ipc(remark: &str) -> Self {
        ShareEntry {
            name: "IPC$".into(),
            share_type: STYPE_IPC | STYPE_HIDDEN,
            remark: remark.into(),
            path: String::new(),
            current_users: 0,
        }
    }

    /// Whether the share is hidden (type bit, or a name ending in `$`).
    pub fn is_hidden(&self) -> bool {
        self.share_type & STYPE_HIDDEN != 0 || self.name.ends_with('$')
    }
}

/// The server as srvsvc and wkssvc describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// NetBIOS name of the server.
    pub name: String,
    /// Server comment.
    pub comment: String,
    /// Workgroup or domain.
    pub domain: String,
    /// Platform ID ([`PLATFORM_ID_NT`]).
    pub platform_id: u32,
    /// OS major version reported (6 with 1 is Windows 7 / 2008 R2, what smbd reports).
    pub version_major: u32,
    /// OS minor version reported.
    pub version_minor: u32,
    /// `SV_TYPE_*` bits.
    pub server_type: u32,
    /// Shares in the order they are listed, `IPC$` included.
    pub shares: Vec<ShareEntry>,
    /// Shares that are not listed (Samba's `browseable = no`): enumerations leave them
    /// out, NetShareGetInfo still describes them (as smbd does).
    pub unlisted: Vec<ShareEntry>,
}

impl ServerInfo {
    /// A server named `name` in `domain` with no comment, the default type bits, version
    /// 6.1 and the given shares.
    ///
    /// ```
    /// use smb_proto::rpc::info::{ServerInfo, ShareEntry};
    /// let info = ServerInfo::new("FILES", "WORKGROUP", vec![
    ///     ShareEntry::disk("share", "Team files"),
    ///     ShareEntry::ipc("IPC Service"),
    /// ]);
    /// assert_eq!(info.find_share("SHARE").unwrap().path, "C:\\share");
    /// ```
    pub fn new(name: &str, domain: &str, shares: Vec<ShareEntry>) -> Self {
        ServerInfo {
            name: name.into(),
            comment: String::new(),
            domain: domain.into(),
            platform_id: PLATFORM_ID_NT,
            version_major: 6,
            version_minor: 1,
            server_type: SV_TYPE_DEFAULT,
            shares,
            unlisted: Vec::new(),
        }
    }

    /// The share called `name` (case-insensitive), listed or not.
    pub fn find_share(&self, name: &str) -> Option<&ShareEntry> {
        self.shares
            .iter()
            .chain(&self.unlisted)
            .find(|s| eq_ignore_case(&s.name, name))
    }
}

/// Case-insensitive comparison by simple Unicode upper-casing.
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_uppercase)
        .eq(b.chars().flat_map(char::to_uppercase))
}
