//! Change notification across every connection of a server: the directories clients
//! watch (NT_TRANSACT_NOTIFY_CHANGE), the changes queued for each watch, and the changes
//! a host sees on disk.
//!
//! A watch belongs to an open directory handle. The first NOTIFY_CHANGE request on the
//! handle sets its completion filter, whether it covers the whole subtree, and the size
//! of its buffer (the request's MaxParameterCount); later requests on the handle cannot
//! change them (as on Windows). From then on every matching change is queued on the
//! watch, whether or not a request is waiting: a request takes what is queued (or waits
//! for the next change). A queue that outgrows the buffer is dropped and the next
//! request is told to re-read the directory. The watch ends when the handle closes.
//!
//! Changes come from two places: requests of any connection of the server (the core
//! sees every file-system call it asks its host for), and, for back ends that can see
//! them, changes made on disk by others ([`SharedState::disk_change`](super::SharedState::disk_change)).
//! A host that feeds disk changes lists the folders to watch with
//! [`SharedState::watched_folders`](super::SharedState::watched_folders); changes the
//! server made itself are recognised and not reported twice.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::ShareId;
use super::path::{SharePath, fold_case};
use super::shared::OpenOwner;

/// `CompletionFilter` bits (`FILE_NOTIFY_CHANGE_*`).
pub mod filter {
    /// A file was created, deleted or renamed.
    pub const FILE_NAME: u32 = 0x0000_0001;
    /// A directory was created, deleted or renamed.
    pub const DIR_NAME: u32 = 0x0000_0002;
    /// Attributes changed.
    pub const ATTRIBUTES: u32 = 0x0000_0004;
    /// The size changed.
    pub const SIZE: u32 = 0x0000_0008;
    /// The last write time changed.
    pub const LAST_WRITE: u32 = 0x0000_0010;
    /// The last access time changed.
    pub const LAST_ACCESS: u32 = 0x0000_0020;
    /// The creation time changed.
    pub const CREATION: u32 = 0x0000_0040;
    /// Extended attributes changed.
    pub const EA: u32 = 0x0000_0080;
    /// The security descriptor changed.
    pub const SECURITY: u32 = 0x0000_0100;
    /// Every bit a server reports on.
    pub const ALL: u32 = 0x0000_0FFF;
}

/// `FILE_NOTIFY_INFORMATION` actions.
pub mod action {
    /// Added to the directory.
    pub const ADDED: u32 = 1;
    /// Removed from the directory.
    pub const REMOVED: u32 = 2;
    /// Modified (attributes, times, size).
    pub const MODIFIED: u32 = 3;
    /// Renamed: the old name.
    pub const RENAMED_OLD_NAME: u32 = 4;
    /// Renamed: the new name.
    pub const RENAMED_NEW_NAME: u32 = 5;
}

/// The largest buffer a watch keeps, whatever the client asks for.
pub const MAX_WATCH_BUFFER: u32 = 64 * 1024;

/// How long after the server's own change a change seen on disk at the same path is
/// taken to be the same change.
pub const OWN_CHANGE_WINDOW: Duration = Duration::from_secs(2);

/// The window in FILETIME units (100 ns): own changes are timed by the wall clock, the
/// one clock every connection and the host's watcher share.
const OWN_WINDOW_FT: u64 = OWN_CHANGE_WINDOW.as_secs() * 10_000_000;

/// A change a host saw on disk, made by someone other than this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskChange {
    /// The share.
    pub share: ShareId,
    /// The path that changed (for a rename, the old name).
    pub path: SharePath,
    /// What happened ([`action`]; a rename is one change with `renamed_to`).
    pub action: u32,
    /// The new name of a rename within the share (`None`: moved out, then
    /// [`action::REMOVED`] is reported).
    pub renamed_to: Option<SharePath>,
    /// The path is a directory.
    pub is_dir: bool,
    /// For [`action::MODIFIED`]: which [`filter`] bits it concerns.
    pub filter: u32,
}

/// A folder some client watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedFolder {
    /// The share.
    pub share: ShareId,
    /// The folder.
    pub path: SharePath,
    /// The whole subtree is watched.
    pub recursive: bool,
}

/// One queued change of a watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub action: u32,
    /// Relative to the watched directory, `\`-separated.
    pub name: String,
}

/// Encoded size of a record (`FILE_NOTIFY_INFORMATION`, padded to 4 bytes).
fn record_len(r: &Record) -> usize {
    let n = 12 + r.name.encode_utf16().count() * 2;
    (n + 3) & !3
}

/// Encodes records as `FILE_NOTIFY_INFORMATION` entries (UTF-16 names, each entry
/// aligned to 4 bytes, the last with a zero NextEntryOffset).
pub(crate) fn encode(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let name: Vec<u16> = r.name.encode_utf16().collect();
        let len = record_len(r);
        let next = if i + 1 == records.len() { 0 } else { len };
        out.extend_from_slice(&(next as u32).to_le_bytes());
        out.extend_from_slice(&r.action.to_le_bytes());
        out.extend_from_slice(&((name.len() * 2) as u32).to_le_bytes());
        for u in name {
            out.extend_from_slice(&u.to_le_bytes());
        }
        if next != 0 {
            out.resize(out.len().next_multiple_of(4), 0);
        }
    }
    out
}

/// A change as the core reports it: which path, what happened, which filter bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub share: ShareId,
    pub path: SharePath,
    pub action: u32,
    pub filter: u32,
}

#[derive(Debug)]
struct Watch {
    share: ShareId,
    /// The watched directory, case-folded.
    dir: String,
    dir_path: SharePath,
    filter: u32,
    tree: bool,
    limit: usize,
    queue: Vec<Record>,
    bytes: usize,
    overflow: bool,
}

/// What a request on a watch finds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Taken {
    /// No watch: the handle was closed.
    Closed,
    /// Nothing yet.
    Empty,
    /// These changes.
    Changes(Vec<Record>),
    /// More changed than the buffer holds: re-read the directory.
    Overflow,
}

#[derive(Debug, Default)]
struct Own {
    inflight: u32,
    /// FILETIME until which disk changes at the path are taken to be ours.
    until: Option<u64>,
}

/// Every watch of a server.
#[derive(Debug, Default)]
pub(crate) struct Watches {
    watches: BTreeMap<OpenOwner, Watch>,
    /// Watches per share (every file-system call asks).
    per_share: BTreeMap<ShareId, usize>,
    /// Bumped whenever the set of watched folders changes.
    generation: u64,
    /// A host feeds changes seen on disk: the server's own changes are remembered.
    disk: bool,
    own: BTreeMap<(ShareId, String), Own>,
}

/// The name of `path` relative to the directory `dir` (folded), if the watch sees it.
fn relative(dir: &str, tree: bool, path: &SharePath) -> Option<String> {
    let comps: Vec<&str> = path.components().collect();
    let depth = if dir.is_empty() {
        0
    } else {
        dir.split('/').count()
    };
    if comps.len() <= depth {
        return None;
    }
    let prefix = comps[..depth].join("/");
    if fold_case(&prefix) != dir {
        return None;
    }
    if !tree && comps.len() != depth + 1 {
        return None;
    }
    Some(comps[depth..].join("\\"))
}

impl Watches {
    /// Whether no watch (and nothing the disk watcher left) is recorded.
    pub fn is_empty(&self) -> bool {
        self.watches.is_empty()
            && self.per_share.is_empty()
            && self.own.values().all(|o| o.inflight == 0)
    }

    /// Number of watches.
    pub fn len(&self) -> usize {
        self.watches.len()
    }

    /// Whether any watch on `share` exists (else changes need not be computed).
    pub fn any_on(&self, share: ShareId) -> bool {
        self.per_share.contains_key(&share)
    }

    fn count(&mut self, share: ShareId, up: bool) {
        let n = self.per_share.entry(share).or_default();
        if up {
            *n += 1;
        } else {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_share.remove(&share);
            }
        }
        self.generation += 1;
    }

    /// Sets up the watch of a handle with its first request; later calls change nothing.
    pub fn watch(
        &mut self,
        owner: OpenOwner,
        share: ShareId,
        dir: &SharePath,
        filter: u32,
        tree: bool,
        buffer: u32,
    ) {
        if self.watches.contains_key(&owner) {
            return;
        }
        self.watches.insert(
            owner,
            Watch {
                share,
                dir: dir.fold(),
                dir_path: dir.clone(),
                filter,
                tree,
                limit: buffer.min(MAX_WATCH_BUFFER) as usize,
                queue: Vec::new(),
                bytes: 0,
                overflow: false,
            },
        );
        self.count(share, true);
    }

    /// Takes what is queued on a handle's watch.
    pub fn take(&mut self, owner: OpenOwner) -> Taken {
        let Some(w) = self.watches.get_mut(&owner) else {
            return Taken::Closed;
        };
        if w.overflow {
            w.overflow = false;
            return Taken::Overflow;
        }
        if w.queue.is_empty() {
            return Taken::Empty;
        }
        w.bytes = 0;
        Taken::Changes(core::mem::take(&mut w.queue))
    }

    /// Ends the watch of a handle; returns whether there was one.
    pub fn unwatch(&mut self, owner: OpenOwner) -> bool {
        match self.watches.remove(&owner) {
            Some(w) => {
                self.count(w.share, false);
                true
            }
            None => false,
        }
    }

    /// Ends every watch of a connection.
    pub fn connection_gone(&mut self, conn: u64) {
        let gone: Vec<OpenOwner> = self
            .watches
            .keys()
            .filter(|o| o.0 == conn)
            .copied()
            .collect();
        for o in gone {
            self.unwatch(o);
        }
    }

    /// Queues a change on every watch that sees it; returns the connections to wake.
    pub fn publish(&mut self, c: &Change) -> Vec<u64> {
        let mut wake = Vec::new();
        for (owner, w) in self.watches.iter_mut() {
            if w.share != c.share || w.filter & c.filter == 0 {
                continue;
            }
            let Some(name) = relative(&w.dir, w.tree, &c.path) else {
                continue;
            };
            if w.overflow {
                continue;
            }
            let r = Record {
                action: c.action,
                name,
            };
            // The same modification twice in a row is one change to report.
            if c.action == action::MODIFIED && w.queue.last() == Some(&r) {
                continue;
            }
            w.bytes += record_len(&r);
            if w.bytes > w.limit {
                w.queue.clear();
                w.bytes = 0;
                w.overflow = true;
            } else {
                w.queue.push(r);
            }
            if !wake.contains(&owner.0) {
                wake.push(owner.0);
            }
        }
        wake
    }

    /// The folders to watch on disk, each once (recursive wins).
    pub fn folders(&self) -> Vec<WatchedFolder> {
        let mut by: BTreeMap<(ShareId, &str), WatchedFolder> = BTreeMap::new();
        for w in self.watches.values() {
            let e = by
                .entry((w.share, w.dir.as_str()))
                .or_insert(WatchedFolder {
                    share: w.share,
                    path: w.dir_path.clone(),
                    recursive: false,
                });
            e.recursive |= w.tree;
        }
        by.into_values().collect()
    }

    /// Changes whenever [`folders`](Self::folders) may give something else.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A host feeds disk changes from now on.
    pub fn set_disk(&mut self, on: bool) {
        self.disk = on;
        if !on {
            self.own.clear();
        }
    }

    /// The server starts changing `path`.
    pub fn own_begin(&mut self, share: ShareId, path: &SharePath) {
        if self.disk {
            self.own.entry((share, path.fold())).or_default().inflight += 1;
        }
    }

    /// The server finished changing `path` (whatever the outcome).
    pub fn own_end(&mut self, share: ShareId, path: &SharePath, now: u64) {
        if let Some(o) = self.own.get_mut(&(share, path.fold())) {
            o.inflight = o.inflight.saturating_sub(1);
            o.until = Some(now + OWN_WINDOW_FT);
        }
        self.prune(now);
    }

    fn prune(&mut self, now: u64) {
        self.own
            .retain(|_, o| o.inflight > 0 || o.until.is_some_and(|u| u > now));
    }

    fn is_own(&self, share: ShareId, path: &SharePath, now: u64) -> bool {
        self.own
            .get(&(share, path.fold()))
            .is_some_and(|o| o.inflight > 0 || o.until.is_some_and(|u| u > now))
    }

    /// A change seen on disk at `now` (FILETIME): the changes to publish (none when it is
    /// the server's own).
    pub fn disk_change(&mut self, d: DiskChange, now: u64) -> Vec<Change> {
        self.prune(now);
        let own = self.is_own(d.share, &d.path, now)
            || d.renamed_to
                .as_ref()
                .is_some_and(|t| self.is_own(d.share, t, now));
        if own || !self.any_on(d.share) {
            return Vec::new();
        }
        let name_bit = if d.is_dir {
            filter::DIR_NAME
        } else {
            filter::FILE_NAME
        };
        let one = |path: &SharePath, action: u32, filter: u32| Change {
            share: d.share,
            path: path.clone(),
            action,
            filter,
        };
        match (d.action, &d.renamed_to) {
            (action::RENAMED_OLD_NAME, Some(to)) => rename_changes(d.share, &d.path, to, d.is_dir),
            (action::RENAMED_OLD_NAME, None) => {
                alloc::vec![one(&d.path, action::REMOVED, name_bit)]
            }
            (action::MODIFIED, _) => alloc::vec![one(&d.path, action::MODIFIED, d.filter)],
            (a, _) => alloc::vec![one(&d.path, a, name_bit)],
        }
    }
}

/// The changes a rename reports: old and new names within one directory, a removal and
/// an addition across directories, and for a file a modification of the new name (as
/// Windows reports).
pub(crate) fn rename_changes(
    share: ShareId,
    from: &SharePath,
    to: &SharePath,
    is_dir: bool,
) -> Vec<Change> {
    let bit = if is_dir {
        filter::DIR_NAME
    } else {
        filter::FILE_NAME
    };
    let c = |path: &SharePath, action: u32, filter: u32| Change {
        share,
        path: path.clone(),
        action,
        filter,
    };
    let mut v = if from.parent().fold() == to.parent().fold() {
        alloc::vec![
            c(from, action::RENAMED_OLD_NAME, bit),
            c(to, action::RENAMED_NEW_NAME, bit)
        ]
    } else {
        alloc::vec![c(from, action::REMOVED, bit), c(to, action::ADDED, bit)]
    };
    if !is_dir {
        v.push(c(
            to,
            action::MODIFIED,
            filter::ATTRIBUTES | filter::CREATION,
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> SharePath {
        SharePath::parse(s).unwrap()
    }

    fn ch(path: &str, action: u32, filter: u32) -> Change {
        Change {
            share: ShareId(0),
            path: p(path),
            action,
            filter,
        }
    }

    #[test]
    fn encodes_aligned_records() {
        let b = encode(&[
            Record {
                action: action::ADDED,
                name: "a".into(),
            },
            Record {
                action: action::REMOVED,
                name: "bc".into(),
            },
        ]);
        // 12 + 2 bytes, padded to 16; then 12 + 4 unpadded.
        assert_eq!(b.len(), 16 + 16);
        assert_eq!(&b[..4], &16u32.to_le_bytes());
        assert_eq!(&b[4..8], &1u32.to_le_bytes());
        assert_eq!(&b[8..12], &2u32.to_le_bytes());
        assert_eq!(&b[12..14], b"a\0");
        assert_eq!(&b[16..20], &0u32.to_le_bytes());
        assert_eq!(&b[28..32], b"b\0c\0");
    }

    #[test]
    fn queues_by_directory_filter_and_depth() {
        let mut w = Watches::default();
        w.watch(
            (1, 5),
            ShareId(0),
            &p("Dir"),
            filter::FILE_NAME,
            false,
            1000,
        );
        w.watch((2, 6), ShareId(0), &p("dir"), filter::ALL, true, 1000);
        // Filter and first-request settings are fixed.
        w.watch((1, 5), ShareId(0), &p("other"), filter::ALL, true, 1000);
        assert_eq!(
            w.publish(&ch("DIR/x.txt", action::ADDED, filter::FILE_NAME)),
            [1, 2]
        );
        assert_eq!(
            w.publish(&ch("dir/sub/y", action::ADDED, filter::FILE_NAME)),
            [2]
        );
        assert!(
            w.publish(&ch("dir", action::MODIFIED, filter::ATTRIBUTES))
                .is_empty()
        );
        assert_eq!(
            w.publish(&ch("dir/x.txt", action::MODIFIED, filter::ATTRIBUTES)),
            [2]
        );
        assert_eq!(
            w.take((1, 5)),
            Taken::Changes(alloc::vec![Record {
                action: action::ADDED,
                name: "x.txt".into()
            }])
        );
        assert_eq!(w.take((1, 5)), Taken::Empty);
        let Taken::Changes(v) = w.take((2, 6)) else {
            panic!()
        };
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].name, "sub\\y");
        assert!(w.unwatch((1, 5)));
        assert_eq!(w.take((1, 5)), Taken::Closed);
        w.connection_gone(2);
        assert!(w.is_empty());
    }

    #[test]
    fn overflow_drops_the_queue_once() {
        let mut w = Watches::default();
        w.watch(
            (1, 5),
            ShareId(0),
            &SharePath::root(),
            filter::FILE_NAME,
            false,
            100,
        );
        for i in 0..10 {
            w.publish(&ch(
                &alloc::format!("file{i}.txt"),
                action::ADDED,
                filter::FILE_NAME,
            ));
        }
        assert_eq!(w.take((1, 5)), Taken::Overflow);
        assert_eq!(w.take((1, 5)), Taken::Empty);
    }

    #[test]
    fn renames_and_own_disk_changes() {
        let v = rename_changes(ShareId(0), &p("a/x"), &p("a/y"), false);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].action, action::RENAMED_OLD_NAME);
        let v = rename_changes(ShareId(0), &p("a/x"), &p("b/x"), true);
        assert_eq!(
            v.iter().map(|c| c.action).collect::<Vec<_>>(),
            [action::REMOVED, action::ADDED]
        );
        let mut w = Watches::default();
        w.set_disk(true);
        w.watch(
            (1, 5),
            ShareId(0),
            &SharePath::root(),
            filter::ALL,
            true,
            1000,
        );
        let t0 = 133_485_408_000_000_000u64;
        let sec = 10_000_000u64;
        w.own_begin(ShareId(0), &p("mine.txt"));
        let d = |path: &str| DiskChange {
            share: ShareId(0),
            path: p(path),
            action: action::ADDED,
            renamed_to: None,
            is_dir: false,
            filter: 0,
        };
        assert!(w.disk_change(d("mine.txt"), t0).is_empty());
        w.own_end(ShareId(0), &p("mine.txt"), t0);
        assert!(w.disk_change(d("MINE.TXT"), t0 + sec).is_empty());
        assert_eq!(w.disk_change(d("theirs.txt"), t0).len(), 1);
        assert_eq!(w.disk_change(d("mine.txt"), t0 + 3 * sec).len(), 1);
        assert!(w.own.is_empty());
    }
}
