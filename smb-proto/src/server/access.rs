//! Per-share access: who may connect to a share, and what a connected tree may do (read,
//! write, or only drop new files into a drop box).
//!
//! The rules are decided in two places and nowhere else: when a tree is connected (the
//! session's [`Rights`] on the share, or `STATUS_ACCESS_DENIED`), and when the core asks
//! its host for file-system work (every call a request makes goes through one check
//! before it reaches the host). A tree with read rights is also marked read-only, so the
//! handlers' own read-only checks apply to it; the central check refuses anything that
//! modifies from it again, and enforces the drop box, whatever handler the call comes
//! from.
//!
//! A drop box (`drop_box = true`) lets its writers create new files and directories and
//! write what they create, but not list, read, stat, rename, delete or overwrite what is
//! there: opens that could reach an existing file become creates ("already exists" is
//! answered `STATUS_ACCESS_DENIED`), listings and path operations on existing files are
//! refused, and handle operations work only on handles such opens gave.
//!
//! ```
//! use smb_proto::auth::Identity;
//! use smb_proto::server::access::{Rights, ShareAccess};
//!
//! // The scan-to-folder share: the scanner drops, the office reads.
//! let scans = ShareAccess {
//!     write: Some(vec!["scanner".into()]),
//!     read: Some(vec!["office".into()]),
//!     drop_box: true,
//!     ..ShareAccess::default()
//! };
//! assert_eq!(scans.rights(false, "Scanner", Identity::User), Some(Rights::DropBox));
//! assert_eq!(scans.rights(false, "office", Identity::User), Some(Rights::Read));
//! assert_eq!(scans.rights(false, "visitor", Identity::User), None);
//! assert_eq!(scans.rights(false, "", Identity::Guest), None);
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use super::fs::{Disposition, ErasedLater, FsCall, FsReply, FsResult, Kind, ShareId, Target};
use super::path::fold_case;
use super::state::Inner;
use crate::auth::Identity;
use crate::exec::TaskId;
use crate::wire::NtStatus;

/// The name guest and anonymous sessions go by in `read` and `write` lists.
pub const GUEST: &str = "guest";

/// Who may use a share, and how (the `read`, `write`, `drop_box`, `guest` and
/// `browseable` keys of a `[[share]]` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareAccess {
    /// Accounts that may read. With `read` and `write` both `None` every session the
    /// share admits may read and write; with either given, only the accounts named.
    pub read: Option<Vec<String>>,
    /// Accounts that may read and write (in a drop box: drop files; named in both lists,
    /// read and write).
    pub write: Option<Vec<String>>,
    /// Writers may create and write new files but not list, read, rename or delete what
    /// is there.
    pub drop_box: bool,
    /// Guest and anonymous sessions may connect (as the name [`GUEST`] in the lists).
    pub guest: bool,
    /// Listed in share enumerations (`smbclient -L`, Network Neighbourhood).
    pub browseable: bool,
}

impl Default for ShareAccess {
    /// Open to every session that could log on, listed.
    fn default() -> Self {
        Self {
            read: None,
            write: None,
            drop_box: false,
            guest: true,
            browseable: true,
        }
    }
}

/// What a connected tree may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rights {
    /// Read and write.
    Full,
    /// Create new files and write them; nothing that is there can be listed, read,
    /// renamed or deleted.
    DropBox,
    /// Read only.
    Read,
}

impl Rights {
    /// A short name for logs: `full`, `drop-box`, `read`.
    pub fn name(self) -> &'static str {
        match self {
            Rights::Full => "full",
            Rights::DropBox => "drop-box",
            Rights::Read => "read",
        }
    }
}

fn listed(list: &Option<Vec<String>>, key: &str) -> bool {
    list.as_ref()
        .is_some_and(|l| l.iter().any(|n| fold_case(n) == key))
}

impl ShareAccess {
    /// The rights of a session on a share whose folder is `read_only`; `None` when it
    /// may not connect. Names match case-insensitively.
    pub fn rights(&self, read_only: bool, user: &str, identity: Identity) -> Option<Rights> {
        let key = match identity {
            Identity::User => fold_case(user),
            Identity::Guest | Identity::Anonymous if self.guest => String::from(GUEST),
            Identity::Guest | Identity::Anonymous => return None,
        };
        let open = self.read.is_none() && self.write.is_none();
        let (reader, writer) = (listed(&self.read, &key), listed(&self.write, &key));
        if !(open || reader || writer) {
            return None;
        }
        Some(if read_only || !(open || writer) {
            Rights::Read
        } else if self.drop_box && !reader {
            Rights::DropBox
        } else {
            Rights::Full
        })
    }
}

/// A result to rewrite when it arrives.
#[derive(Debug, Clone)]
enum Filter {
    /// A drop-box open made unable to reach an existing file: "exists" becomes "access
    /// denied"; an existing directory it opened is remembered (`path`, folded).
    Open { path: String, remap: bool },
    /// A drop-box stat by path: only directories are shown.
    DirsOnly,
}

/// The access bookkeeping of one connection.
#[derive(Debug, Default)]
pub(crate) struct AccessBook {
    /// The session and tree each running request task last checked.
    tasks: BTreeMap<TaskId, (u16, u16)>,
    /// The share and rights of each disk tree connected (kept after a disconnect until
    /// the TID is reused: the disconnect's own closes still look it up).
    trees: BTreeMap<u16, (ShareId, Rights)>,
    /// Existing directories opened through a drop box (share, folded path): the
    /// connection's cleanup (delete-on-close with no request behind it) may not remove
    /// them.
    kept: BTreeSet<(ShareId, String)>,
    /// Results to rewrite, by file-system operation id.
    filters: BTreeMap<u64, Filter>,
}

/// Notes the session and tree the running request task works on (every handler checks
/// its TID through `check_tree` before it touches a file).
pub(crate) fn enter(i: &mut Inner, uid: u16, tid: u16) {
    if let Some(t) = i.current_task {
        i.access.tasks.insert(t, (uid, tid));
    }
}

/// Forgets a finished task.
pub(crate) fn task_done(i: &mut Inner, t: TaskId) {
    i.access.tasks.remove(&t);
}

/// The session of the running request task, as far as it checked one.
pub(crate) fn task_uid(i: &Inner) -> Option<u16> {
    let t = i.current_task?;
    i.access.tasks.get(&t).map(|(uid, _)| *uid)
}

/// The rights of session `uid` on `share`, or why it may not connect.
pub(crate) fn admit(i: &Inner, uid: u16, share: ShareId) -> Result<Rights, NtStatus> {
    let s = i.sessions.get(&uid).ok_or(NtStatus::SMB_BAD_UID)?;
    let c = i
        .config
        .shares
        .get(share.0 as usize)
        .ok_or(NtStatus::BAD_NETWORK_NAME)?;
    c.access
        .rights(c.read_only, &s.user, s.identity)
        .ok_or(NtStatus::ACCESS_DENIED)
}

/// Records a connected tree (`share` is `None` for IPC$).
pub(crate) fn connected(i: &mut Inner, tid: u16, share: Option<ShareId>, rights: Rights) {
    match share {
        Some(s) => i.access.trees.insert(tid, (s, rights)),
        None => i.access.trees.remove(&tid),
    };
}

/// May tree `tid` see what its share holds? Not from a drop box: change notification
/// (which would name what others drop) is refused there, as listings are.
pub(crate) fn may_list(i: &Inner, tid: u16) -> bool {
    !matches!(i.access.trees.get(&tid), Some((_, Rights::DropBox)))
}

/// Checks a file-system call a request is about to make on `share` (operation `op`),
/// rewriting it where a drop box needs that; `Err` is the status to answer instead.
/// Closes always pass: they only release.
pub(crate) fn check(
    i: &mut Inner,
    op: u64,
    share: ShareId,
    call: &mut FsCall,
) -> Result<(), NtStatus> {
    if matches!(call, FsCall::Close { .. }) {
        return Ok(());
    }
    let tree = i
        .current_task
        .and_then(|t| i.access.tasks.get(&t))
        .and_then(|(_, tid)| i.access.trees.get(tid))
        .copied();
    match tree {
        Some((s, Rights::Full)) if s == share => Ok(()),
        Some((s, Rights::Read)) if s == share => match call.modifies() {
            true => Err(NtStatus::ACCESS_DENIED),
            false => Ok(()),
        },
        Some((s, Rights::DropBox)) if s == share => drop_box(&mut i.access, op, call),
        // Work no request checked a tree for (closing a session's or a connection's
        // files): what it deletes was allowed when it was opened, except the
        // directories a drop box opened.
        _ => match call {
            FsCall::Delete { path }
            | FsCall::Rmdir { path }
            | FsCall::Rename { from: path, .. }
                if i.access.kept.contains(&(share, path.fold())) =>
            {
                Err(NtStatus::ACCESS_DENIED)
            }
            _ => Ok(()),
        },
    }
}

fn drop_box(book: &mut AccessBook, op: u64, call: &mut FsCall) -> Result<(), NtStatus> {
    match call {
        FsCall::Open(o) => {
            let path = o.path.fold();
            match (o.kind, o.disposition) {
                (_, Disposition::Create) => {}
                (Kind::Directory, Disposition::Open | Disposition::OpenIf) => {
                    book.filters.insert(op, Filter::Open { path, remap: false });
                }
                (Kind::Any | Kind::File, Disposition::OpenIf)
                | (Kind::Any | Kind::File, Disposition::OverwriteIf)
                | (Kind::Any | Kind::File, Disposition::Supersede) => {
                    o.disposition = Disposition::Create;
                    book.filters.insert(op, Filter::Open { path, remap: true });
                }
                // Only a directory can be opened as it is.
                (Kind::Any, Disposition::Open) => {
                    o.kind = Kind::Directory;
                    book.filters.insert(op, Filter::Open { path, remap: true });
                }
                _ => return Err(NtStatus::ACCESS_DENIED),
            }
            Ok(())
        }
        FsCall::Stat {
            target: Target::Path(_),
        } => {
            book.filters.insert(op, Filter::DirsOnly);
            Ok(())
        }
        // Handles come only from the opens above: new files and directories.
        FsCall::Read { .. }
        | FsCall::Write { .. }
        | FsCall::Flush { .. }
        | FsCall::FsInfo
        | FsCall::Mkdir { .. }
        | FsCall::Stat {
            target: Target::Handle(_),
        }
        | FsCall::SetInfo {
            target: Target::Handle(_),
            ..
        }
        | FsCall::GetEas {
            target: Target::Handle(_),
        }
        | FsCall::SetEas {
            target: Target::Handle(_),
            ..
        } => Ok(()),
        // Listings, path operations on what is there, renames, deletes, and any call
        // this list does not know.
        _ => Err(NtStatus::ACCESS_DENIED),
    }
}

/// Rewrites the result of operation `op` when [`check`] asked for it.
pub(crate) fn filter(
    i: &mut Inner,
    op: u64,
    share: ShareId,
    r: FsResult<ErasedLater>,
) -> FsResult<ErasedLater> {
    let Some(f) = i.access.filters.remove(&op) else {
        return r;
    };
    match (f, r) {
        (
            Filter::Open { remap: true, .. },
            Err(
                NtStatus::OBJECT_NAME_COLLISION
                | NtStatus::NOT_A_DIRECTORY
                | NtStatus::FILE_IS_A_DIRECTORY,
            ),
        ) => Err(NtStatus::ACCESS_DENIED),
        (Filter::Open { path, .. }, r @ Ok(FsReply::Opened { .. })) => {
            if let Ok(FsReply::Opened { info, .. }) = &r
                && info.is_dir
            {
                i.access.kept.insert((share, path));
            }
            r
        }
        (Filter::DirsOnly, Ok(FsReply::Info(fi))) if !fi.is_dir => Err(NtStatus::ACCESS_DENIED),
        (_, r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn names(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| String::from(*s)).collect())
    }

    #[test]
    fn open_shares_admit_every_session_the_logon_let_in() {
        let a = ShareAccess::default();
        assert_eq!(
            a.rights(false, "anyone", Identity::User),
            Some(Rights::Full)
        );
        assert_eq!(a.rights(false, "", Identity::Anonymous), Some(Rights::Full));
        assert_eq!(a.rights(true, "anyone", Identity::User), Some(Rights::Read));
        let closed = ShareAccess { guest: false, ..a };
        assert_eq!(closed.rights(false, "x", Identity::Guest), None);
        assert_eq!(
            closed.rights(false, "x", Identity::User),
            Some(Rights::Full)
        );
    }

    #[test]
    fn lists_name_who_reads_and_who_writes() {
        let a = ShareAccess {
            read: names(&["Reader", "both"]),
            write: names(&["writer", "BOTH"]),
            ..ShareAccess::default()
        };
        assert_eq!(
            a.rights(false, "reader", Identity::User),
            Some(Rights::Read)
        );
        assert_eq!(
            a.rights(false, "WRITER", Identity::User),
            Some(Rights::Full)
        );
        assert_eq!(a.rights(false, "both", Identity::User), Some(Rights::Full));
        assert_eq!(a.rights(false, "other", Identity::User), None);
        // A guest is not its claimed name, only "guest"; a read-only folder stays so.
        assert_eq!(a.rights(false, "writer", Identity::Guest), None);
        assert_eq!(a.rights(true, "writer", Identity::User), Some(Rights::Read));
        let g = ShareAccess {
            write: names(&["guest"]),
            ..ShareAccess::default()
        };
        assert_eq!(g.rights(false, "who", Identity::Guest), Some(Rights::Full));
        assert_eq!(g.rights(false, "", Identity::Anonymous), Some(Rights::Full));
        // An empty list admits nobody.
        let none = ShareAccess {
            read: Some(vec![]),
            ..ShareAccess::default()
        };
        assert_eq!(none.rights(false, "a", Identity::User), None);
    }

    #[test]
    fn drop_boxes_give_writers_drop_rights_and_readers_read() {
        let a = ShareAccess {
            read: names(&["office", "boss"]),
            write: names(&["scanner", "boss"]),
            drop_box: true,
            ..ShareAccess::default()
        };
        assert_eq!(
            a.rights(false, "scanner", Identity::User),
            Some(Rights::DropBox)
        );
        assert_eq!(
            a.rights(false, "office", Identity::User),
            Some(Rights::Read)
        );
        assert_eq!(a.rights(false, "boss", Identity::User), Some(Rights::Full));
        let everyone = ShareAccess {
            drop_box: true,
            ..ShareAccess::default()
        };
        assert_eq!(
            everyone.rights(false, "x", Identity::User),
            Some(Rights::DropBox)
        );
        assert_eq!(
            everyone.rights(true, "x", Identity::User),
            Some(Rights::Read)
        );
    }

    #[test]
    fn drop_box_calls() {
        use crate::server::fs::{Handle, OpenCall, SharePath};
        let mut b = AccessBook::default();
        let p = SharePath::parse("a.pdf").unwrap();
        let open = |disposition, kind| {
            FsCall::Open(OpenCall {
                path: p.clone(),
                disposition,
                kind,
                read: true,
                write: true,
                create_attributes: 0,
                allocation_size: 0,
            })
        };
        let mut c = open(Disposition::OverwriteIf, Kind::Any);
        assert_eq!(drop_box(&mut b, 1, &mut c), Ok(()));
        assert!(matches!(&c, FsCall::Open(o) if o.disposition == Disposition::Create));
        let mut c = open(Disposition::Open, Kind::Any);
        assert_eq!(drop_box(&mut b, 2, &mut c), Ok(()));
        assert!(matches!(&c, FsCall::Open(o) if o.kind == Kind::Directory));
        for (d, k) in [
            (Disposition::Open, Kind::File),
            (Disposition::Overwrite, Kind::Any),
        ] {
            assert_eq!(
                drop_box(&mut b, 3, &mut open(d, k)),
                Err(NtStatus::ACCESS_DENIED)
            );
        }
        let refused = [
            FsCall::ReadDir {
                path: SharePath::root(),
            },
            FsCall::Delete { path: p.clone() },
            FsCall::Rmdir { path: p.clone() },
            FsCall::Rename {
                from: p.clone(),
                to: SharePath::parse("b").unwrap(),
                replace: false,
            },
            FsCall::SetInfo {
                target: Target::Path(p.clone()),
                info: Default::default(),
            },
            FsCall::GetEas {
                target: Target::Path(p.clone()),
            },
        ];
        for mut c in refused {
            assert_eq!(
                drop_box(&mut b, 4, &mut c),
                Err(NtStatus::ACCESS_DENIED),
                "{c:?}"
            );
        }
        let mut w = FsCall::Write {
            handle: Handle(1),
            offset: 0,
            data: bytes::Bytes::from_static(b"x"),
            write_through: false,
        };
        assert_eq!(drop_box(&mut b, 5, &mut w), Ok(()));
    }
}
