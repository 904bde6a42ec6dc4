//! Watching the shared folders for changes others make on disk (inotify), for change
//! notification.
//!
//! [`LocalFs`](super::LocalFs) answers `FileSystem::watch_changes` with a thread that
//! watches exactly the folders clients watch ([`SharedState::watched_folders`]; every
//! folder below them too for a watch of a subtree) and reports each change with
//! [`SharedState::disk_change`]. The set is read again whenever the shared state wakes
//! the thread (a watch came or went) and when a watched subtree gains a folder. The
//! server recognises its own changes when they come back this way.
//!
//! Only folders inside their share are watched: a folder is resolved case-insensitively
//! through the share's directory handle, and its real path must lie under the share's
//! real root (a symbolic link inside a share never makes the thread watch, and report
//! names from, a folder outside it). Links met while walking a subtree are not followed.

use std::collections::HashMap;
use std::ffi::CStr;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Waker;
use std::thread::JoinHandle;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fs::inotify::{self, ReadFlags, WatchFlags};
use smb_proto::server::notify::{DiskChange, action, filter};
use smb_proto::server::{ShareId, SharePath, SharedState};

use super::lookup::Share;
use crate::clock::Clock;
use crate::wake::WakePipe;

/// Most folders watched at once (the kernel limits inotify watches per user too).
pub const MAX_WATCHED_FOLDERS: usize = 8192;

/// The running watcher; dropping it stops the thread.
pub struct FolderWatcher {
    stop: Arc<AtomicBool>,
    waker: Waker,
    thread: Option<JoinHandle<()>>,
}

impl Drop for FolderWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.waker.wake_by_ref();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for FolderWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderWatcher").finish_non_exhaustive()
    }
}

/// Starts the watcher for shares with these roots (indexed by [`ShareId`]).
pub(super) fn start(roots: Vec<PathBuf>, shared: SharedState) -> io::Result<FolderWatcher> {
    let fd = inotify::init(inotify::CreateFlags::CLOEXEC | inotify::CreateFlags::NONBLOCK)?;
    let wake = WakePipe::new()?;
    let waker = wake.waker().clone();
    let mut shares = Vec::new();
    for r in &roots {
        let real = std::fs::canonicalize(r)?;
        shares.push((Share::open(r, true)?, real));
    }
    let stop = Arc::new(AtomicBool::new(false));
    shared.set_watch_waker(&waker);
    let mut w = Watcher {
        fd,
        wake,
        shares,
        shared,
        wds: HashMap::new(),
        by_dir: HashMap::new(),
        clock: Clock::new(),
        stop: stop.clone(),
    };
    let thread = std::thread::Builder::new()
        .name("smb-folder-watch".into())
        .spawn(move || w.run())?;
    Ok(FolderWatcher {
        stop,
        waker,
        thread: Some(thread),
    })
}

struct Watcher {
    fd: OwnedFd,
    wake: WakePipe,
    /// Each share's directory handle and real root.
    shares: Vec<(Share, PathBuf)>,
    shared: SharedState,
    /// Watch descriptor -> share and folder (relative, as stored on disk).
    wds: HashMap<i32, (ShareId, PathBuf)>,
    by_dir: HashMap<(ShareId, PathBuf), i32>,
    clock: Clock,
    stop: Arc<AtomicBool>,
}

fn flags() -> WatchFlags {
    WatchFlags::CREATE
        | WatchFlags::DELETE
        | WatchFlags::MOVED_FROM
        | WatchFlags::MOVED_TO
        | WatchFlags::ATTRIB
        | WatchFlags::MODIFY
        | WatchFlags::ONLYDIR
        | WatchFlags::DONT_FOLLOW
        | WatchFlags::EXCL_UNLINK
}

fn share_path(rel: &Path) -> Option<SharePath> {
    let s = rel.to_str()?;
    SharePath::parse(s).ok()
}

impl Watcher {
    fn run(&mut self) {
        let mut generation = u64::MAX;
        let mut buf = vec![MaybeUninit::<u8>::uninit(); 16 * 1024];
        while !self.stop.load(Ordering::SeqCst) {
            let g = self.shared.watch_generation();
            if g != generation {
                generation = g;
                self.sync();
            }
            let mut fds = [
                PollFd::new(&self.fd, PollFlags::IN),
                PollFd::new(&self.wake, PollFlags::IN),
            ];
            let ts = Timespec {
                tv_sec: 1,
                tv_nsec: 0,
            };
            if rustix::event::poll(&mut fds, Some(&ts)).is_err() {
                continue;
            }
            if !fds[1].revents().is_empty() {
                self.wake.drain();
            }
            if !fds[0].revents().is_empty() && self.read_events(&mut buf) {
                // A watched subtree gained or lost folders.
                self.sync();
            }
        }
        self.shared.clear_watch_waker();
    }

    /// The real folder of a watched share path, if it lies inside its share.
    fn folder(&self, share: ShareId, path: &SharePath) -> Option<(PathBuf, PathBuf)> {
        let (s, real_root) = self.shares.get(share.0 as usize)?;
        let (rel, exists) = s.resolve(path).ok()?;
        if !exists {
            return None;
        }
        let real = std::fs::canonicalize(s.root.join(&rel)).ok()?;
        if !real.starts_with(real_root) || !real.is_dir() {
            return None;
        }
        Some((rel, real))
    }

    /// Watches exactly the folders the shared state lists (and their subfolders).
    fn sync(&mut self) {
        let mut want: Vec<(ShareId, PathBuf, PathBuf)> = Vec::new();
        for f in self.shared.watched_folders() {
            let Some((rel, real)) = self.folder(f.share, &f.path) else {
                continue;
            };
            if f.recursive {
                let mut stack = vec![(rel, real)];
                while let Some((rel, real)) = stack.pop() {
                    if want.len() >= MAX_WATCHED_FOLDERS {
                        break;
                    }
                    if let Ok(rd) = std::fs::read_dir(&real) {
                        for e in rd.flatten() {
                            if e.file_type().is_ok_and(|t| t.is_dir()) {
                                stack.push((rel.join(e.file_name()), e.path()));
                            }
                        }
                    }
                    want.push((f.share, rel, real));
                }
            } else if want.len() < MAX_WATCHED_FOLDERS {
                want.push((f.share, rel, real));
            }
        }
        let keep: std::collections::HashSet<(ShareId, PathBuf)> =
            want.iter().map(|(s, r, _)| (*s, r.clone())).collect();
        let gone: Vec<(ShareId, PathBuf)> = self
            .by_dir
            .keys()
            .filter(|k| !keep.contains(*k))
            .cloned()
            .collect();
        for k in gone {
            if let Some(wd) = self.by_dir.remove(&k) {
                self.wds.remove(&wd);
                let _ = inotify::remove_watch(&self.fd, wd);
            }
        }
        for (share, rel, real) in want {
            if self.by_dir.contains_key(&(share, rel.clone())) {
                continue;
            }
            if let Ok(wd) = inotify::add_watch(&self.fd, &real, flags()) {
                // The kernel gives one descriptor per inode: a folder reached twice keeps
                // its first name.
                if self.wds.contains_key(&wd) {
                    continue;
                }
                self.wds.insert(wd, (share, rel.clone()));
                self.by_dir.insert((share, rel), wd);
            }
        }
    }

    /// Reads the pending events and reports them; returns whether folders came or went
    /// under a watched folder.
    fn read_events(&mut self, buf: &mut [MaybeUninit<u8>]) -> bool {
        let mut events: Vec<(i32, ReadFlags, u32, Option<String>)> = Vec::new();
        let mut reader = inotify::Reader::new(&self.fd, buf);
        while let Ok(e) = reader.next() {
            let name = e
                .file_name()
                .and_then(|n: &CStr| n.to_str().ok())
                .map(str::to_owned);
            events.push((e.wd(), e.events(), e.cookie(), name));
            if reader.is_buffer_empty() {
                break;
            }
        }
        let now = self.clock.now();
        let mut resync = false;
        let mut i = 0;
        while i < events.len() {
            let (wd, ev, cookie, name) = &events[i];
            i += 1;
            if ev.contains(ReadFlags::IGNORED) {
                if let Some(k) = self.wds.remove(wd) {
                    self.by_dir.remove(&k);
                }
                continue;
            }
            let (Some((share, dir)), Some(name)) = (self.wds.get(wd).cloned(), name) else {
                continue;
            };
            let Some(path) = share_path(&dir.join(name)) else {
                continue;
            };
            let is_dir = ev.contains(ReadFlags::ISDIR);
            resync |= is_dir && (ev.intersects(ReadFlags::CREATE | ReadFlags::MOVED_TO));
            let mut change = DiskChange {
                share,
                path,
                action: action::MODIFIED,
                renamed_to: None,
                is_dir,
                filter: 0,
            };
            if ev.contains(ReadFlags::CREATE) {
                change.action = action::ADDED;
            } else if ev.contains(ReadFlags::DELETE) {
                change.action = action::REMOVED;
            } else if ev.contains(ReadFlags::MOVED_FROM) {
                change.action = action::RENAMED_OLD_NAME;
                // Its MOVED_TO, if the name stays in a watched folder, follows it.
                if let Some((nwd, nev, ncookie, Some(nname))) = events.get(i)
                    && nev.contains(ReadFlags::MOVED_TO)
                    && ncookie == cookie
                    && let Some((nshare, ndir)) = self.wds.get(nwd)
                    && *nshare == share
                {
                    change.renamed_to = share_path(&ndir.join(nname));
                    i += 1;
                }
            } else if ev.contains(ReadFlags::MOVED_TO) {
                change.action = action::ADDED;
            } else if ev.contains(ReadFlags::MODIFY) {
                change.filter = filter::SIZE | filter::LAST_WRITE;
            } else if ev.contains(ReadFlags::ATTRIB) {
                change.filter = filter::ATTRIBUTES | filter::LAST_WRITE | filter::LAST_ACCESS;
            } else {
                continue;
            }
            self.shared.disk_change(now, change);
        }
        resync
    }
}
