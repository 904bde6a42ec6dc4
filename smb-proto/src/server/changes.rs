//! The changes a connection's file-system requests make, for change notification.
//!
//! Every change a client can make reaches the host as an [`FsCall`]; this is where the
//! connection notes what each call would change (when a watch on its share exists) and,
//! once the host answers it succeeded, reports the change to the watches of every
//! connection. The same notes tell a folder watcher on the host which changes on disk are
//! the server's own.
//!
//! What is reported follows Windows: a create is an addition, a delete a removal, a
//! rename old and new names (a removal and an addition across directories, plus a
//! modification of a file's new name); attribute and time changes are modifications with
//! the filter bits of what changed (the change time alone reports nothing); writes report
//! nothing until the handle closes (last write time and size), truncation reports size
//! and attributes.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use super::fs::{ErasedLater, FsCall, FsReply, FsResult, Handle, ShareId, SharePath, Target};
use super::notify::{Change, action, filter, rename_changes};
use super::state::Inner;
use crate::wire::consts::ext_attr;

/// How many recently seen paths remember whether they are directories.
const KINDS: usize = 32;

#[derive(Debug)]
enum Report {
    Stat,
    Open,
    Mkdir,
    Rmdir,
    Delete,
    Rename(SharePath),
    Modified(u32),
    Write,
    Close(Handle, u32),
}

#[derive(Debug)]
struct Note {
    share: ShareId,
    path: SharePath,
    report: Report,
    /// The call may change the disk (its echo from a folder watcher is ours).
    own: bool,
}

/// A connection's bookkeeping for change notification.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    ops: BTreeMap<u64, Note>,
    /// Handles opened while their share was watched: share and path.
    handles: BTreeMap<u64, (ShareId, SharePath)>,
    /// Handles written to since opened.
    written: BTreeSet<u64>,
    /// Recently seen paths (case-folded) and whether each is a directory.
    kinds: VecDeque<(ShareId, alloc::string::String, bool)>,
}

impl Notes {
    fn remember_kind(&mut self, share: ShareId, path: &SharePath, is_dir: bool) {
        let key = path.fold();
        self.kinds.retain(|(s, p, _)| !(*s == share && *p == key));
        if self.kinds.len() >= KINDS {
            self.kinds.pop_front();
        }
        self.kinds.push_back((share, key, is_dir));
    }

    fn kind(&self, share: ShareId, path: &SharePath) -> bool {
        let key = path.fold();
        self.kinds
            .iter()
            .rev()
            .find(|(s, p, _)| *s == share && *p == key)
            .is_some_and(|(_, _, d)| *d)
    }
}

/// The filter bits a set-information call reports.
fn set_info_bits(info: &super::fs::SetInfo) -> u32 {
    let mut bits = 0;
    // Setting "normal" (no attribute) is how clients leave attributes alone.
    if info
        .attributes
        .is_some_and(|a| a != 0 && a != ext_attr::NORMAL)
    {
        bits |= filter::ATTRIBUTES;
    }
    if info.times.created.is_some() {
        bits |= filter::CREATION;
    }
    if info.times.accessed.is_some() {
        bits |= filter::LAST_ACCESS;
    }
    if info.times.written.is_some() {
        bits |= filter::LAST_WRITE;
    }
    if info.size.is_some() {
        bits |= filter::SIZE | filter::ATTRIBUTES;
    }
    bits
}

fn handle_path(i: &Inner, h: Handle) -> Option<(ShareId, SharePath)> {
    if let Some(p) = i.notes.handles.get(&h.0) {
        return Some(p.clone());
    }
    i.files
        .values()
        .find(|f| f.handle == h)
        .map(|f| (f.share, f.path.clone()))
}

/// A file-system request is handed out: note what it would change.
pub(crate) fn issued(i: &mut Inner, id: u64, share: ShareId, call: &FsCall) {
    if matches!(
        call,
        FsCall::Read { .. }
            | FsCall::Flush { .. }
            | FsCall::ReadDir { .. }
            | FsCall::FsInfo
            | FsCall::GetEas { .. }
            | FsCall::Stat {
                target: Target::Handle(_)
            }
    ) {
        return;
    }
    let watched = i.shared.cross.lock().watches.any_on(share);
    if !watched {
        // Forget stale handle paths only through closes; nothing else to note.
        if let FsCall::Close { handle, .. } = call {
            i.notes.handles.remove(&handle.0);
            i.notes.written.remove(&handle.0);
        }
        return;
    }
    let own = match call {
        // An open that may create (OPEN_IF too) changes the folder.
        FsCall::Open(o) => o.write || o.disposition != super::fs::Disposition::Open,
        FsCall::Close { .. } => true,
        c => c.modifies(),
    };
    let note = |path: SharePath, report: Report| Note {
        share,
        path,
        report,
        own,
    };
    let n = match call {
        FsCall::Stat {
            target: Target::Path(p),
        } => note(p.clone(), Report::Stat),
        FsCall::Open(o) => note(o.path.clone(), Report::Open),
        FsCall::Mkdir { path } => note(path.clone(), Report::Mkdir),
        FsCall::Rmdir { path } => note(path.clone(), Report::Rmdir),
        FsCall::Delete { path } => note(path.clone(), Report::Delete),
        FsCall::Rename { from, to, .. } => note(from.clone(), Report::Rename(to.clone())),
        FsCall::SetInfo { target, info } => {
            let Some((_, path)) = (match target {
                Target::Path(p) => Some((share, p.clone())),
                Target::Handle(h) => handle_path(i, *h),
            }) else {
                return;
            };
            note(path, Report::Modified(set_info_bits(info)))
        }
        FsCall::SetEas { target, .. } => {
            let Some((_, path)) = (match target {
                Target::Path(p) => Some((share, p.clone())),
                Target::Handle(h) => handle_path(i, *h),
            }) else {
                return;
            };
            note(path, Report::Modified(filter::EA))
        }
        FsCall::Write { handle, .. } => {
            i.notes.written.insert(handle.0);
            let Some((_, path)) = handle_path(i, *handle) else {
                return;
            };
            note(path, Report::Write)
        }
        FsCall::Close {
            handle,
            set_written,
            ..
        } => {
            let mut bits = 0;
            if i.notes.written.remove(&handle.0) {
                bits |= filter::LAST_WRITE | filter::SIZE;
            }
            if set_written.is_some() {
                bits |= filter::LAST_WRITE;
            }
            let Some((_, path)) = handle_path(i, *handle) else {
                i.notes.handles.remove(&handle.0);
                return;
            };
            note(path, Report::Close(*handle, bits))
        }
        _ => return,
    };
    if n.own {
        let to = match &n.report {
            Report::Rename(to) => Some(to.clone()),
            _ => None,
        };
        i.shared.cross(|c, _| {
            c.watches.own_begin(share, &n.path);
            if let Some(to) = &to {
                c.watches.own_begin(share, to);
            }
        });
    }
    i.notes.ops.insert(id, n);
}

/// A request handed out will never be answered (the connection dropped it).
pub(crate) fn dropped(i: &mut Inner, id: u64) {
    if let Some(n) = i.notes.ops.remove(&id) {
        end_own(i, &n);
    }
}

fn end_own(i: &Inner, n: &Note) {
    if !n.own {
        return;
    }
    let now = i.now.filetime;
    i.shared.cross(|c, _| {
        c.watches.own_end(n.share, &n.path, now);
        if let Report::Rename(to) = &n.report {
            c.watches.own_end(n.share, to, now);
        }
    });
}

/// The host answered a request: report what it changed.
pub(crate) fn completed(i: &mut Inner, id: u64, result: &FsResult<ErasedLater>) {
    let Some(n) = i.notes.ops.remove(&id) else {
        return;
    };
    end_own(i, &n);
    let Ok(reply) = result else {
        if let Report::Close(h, _) = n.report {
            i.notes.handles.remove(&h.0);
        }
        return;
    };
    let share = n.share;
    let one = |path: &SharePath, action: u32, filter: u32| Change {
        share,
        path: path.clone(),
        action,
        filter,
    };
    let name_bit = |dir: bool| {
        if dir {
            filter::DIR_NAME
        } else {
            filter::FILE_NAME
        }
    };
    let changes: Vec<Change> = match (&n.report, reply) {
        (Report::Stat, FsReply::Info(fi)) => {
            i.notes.remember_kind(share, &n.path, fi.is_dir);
            Vec::new()
        }
        (
            Report::Open,
            FsReply::Opened {
                handle,
                info,
                action: a,
            },
        ) => {
            i.notes.remember_kind(share, &n.path, info.is_dir);
            i.notes.handles.insert(handle.0, (share, n.path.clone()));
            match a {
                super::fs::CreateAction::Created => {
                    alloc::vec![one(&n.path, action::ADDED, name_bit(info.is_dir))]
                }
                super::fs::CreateAction::Overwritten | super::fs::CreateAction::Superseded => {
                    alloc::vec![one(
                        &n.path,
                        action::MODIFIED,
                        filter::SIZE | filter::LAST_WRITE | filter::ATTRIBUTES
                    )]
                }
                super::fs::CreateAction::Opened => Vec::new(),
            }
        }
        (Report::Mkdir, _) => alloc::vec![one(&n.path, action::ADDED, filter::DIR_NAME)],
        (Report::Rmdir, _) => alloc::vec![one(&n.path, action::REMOVED, filter::DIR_NAME)],
        (Report::Delete, _) => alloc::vec![one(&n.path, action::REMOVED, filter::FILE_NAME)],
        (Report::Rename(to), _) => {
            let dir = i.notes.kind(share, &n.path);
            i.notes.remember_kind(share, to, dir);
            rename_changes(share, &n.path, to, dir)
        }
        (Report::Modified(bits), _) if *bits != 0 => {
            alloc::vec![one(&n.path, action::MODIFIED, *bits)]
        }
        (Report::Close(h, bits), _) => {
            i.notes.handles.remove(&h.0);
            if *bits != 0 {
                alloc::vec![one(&n.path, action::MODIFIED, *bits)]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    };
    if !changes.is_empty() {
        i.shared.cross(|c, out| {
            for ch in &changes {
                c.publish(ch, out);
            }
        });
    }
}
