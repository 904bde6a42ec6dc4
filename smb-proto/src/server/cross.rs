//! What crosses connections: a mailbox per connection in the shared state, the waker its
//! host registers, and the tables of oplocks and watches the mail is about.
//!
//! A connection that changes something another connection cares about (an open that
//! breaks an oplock, a change a watch sees, a close that ends a wait) does not touch the
//! other connection: it changes the shared tables and leaves mail in the other
//! connection's mailbox, then wakes the waker that connection's host registered
//! ([`ServerConnection::poll_wake`](super::ServerConnection::poll_wake)). The host then
//! calls [`ServerConnection::handle_wake`](super::ServerConnection::handle_wake), which
//! reads the mail: oplock break requests to send, and request tasks to poll again
//! because what they wait for may have changed. Mail a connection leaves for itself is
//! read at the end of whatever input caused it, without a wake-up.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use super::cx::Cx;
use super::notify::{Change, DiskChange, WatchedFolder, Watches};
use super::oplock::{OplockTable, Outbox};
use super::shared::SharedState;
use crate::exec::TaskId;
use crate::time::Instant;

#[derive(Debug, Default)]
struct Mailbox {
    /// Oplock breaks to send: FID and level (`0` none, `1` level II).
    breaks: VecDeque<(u16, u8)>,
    /// Requests waiting for the shared state should look again.
    woken: bool,
    waker: Option<Waker>,
}

/// The cross-connection part of the shared state.
#[derive(Debug, Default)]
pub(crate) struct Cross {
    boxes: BTreeMap<u64, Mailbox>,
    pub oplocks: OplockTable,
    pub watches: Watches,
    /// The host's folder watcher, woken when the watched folders change.
    watch_waker: Option<Waker>,
}

/// The mail of one connection.
#[derive(Debug, Default)]
pub(crate) struct Mail {
    pub breaks: Vec<(u16, u8)>,
    pub woken: bool,
}

impl Cross {
    /// Files the outbox in the mailboxes; returns the wakers to wake.
    fn deliver(&mut self, out: Outbox, wakers: &mut Vec<Waker>) {
        let mut touched = BTreeSet::new();
        for (conn, fid, level) in out.breaks {
            if let Some(b) = self.boxes.get_mut(&conn) {
                b.breaks.push_back((fid, level));
                touched.insert(conn);
            }
        }
        for conn in out.wakes {
            if let Some(b) = self.boxes.get_mut(&conn) {
                b.woken = true;
                touched.insert(conn);
            }
        }
        for conn in touched {
            if let Some(w) = self.boxes.get(&conn).and_then(|b| b.waker.clone()) {
                wakers.push(w);
            }
        }
    }

    /// Queues a change on the watches that see it.
    pub fn publish(&mut self, c: &Change, out: &mut Outbox) {
        out.wakes.extend(self.watches.publish(c));
    }
}

impl SharedState {
    /// Runs `f` on the cross-connection tables; then delivers its mail and wakes the
    /// connections (and the folder watcher) it concerns, outside the lock.
    pub(crate) fn cross<R>(&self, f: impl FnOnce(&mut Cross, &mut Outbox) -> R) -> R {
        let mut wakers = Vec::new();
        let r = {
            let mut c = self.cross.lock();
            let generation = c.watches.generation();
            let mut out = Outbox::default();
            let r = f(&mut c, &mut out);
            c.deliver(out, &mut wakers);
            if c.watches.generation() != generation
                && let Some(w) = c.watch_waker.clone()
            {
                wakers.push(w);
            }
            r
        };
        for w in wakers {
            w.wake();
        }
        r
    }

    /// Opens the mailbox of a new connection.
    pub(crate) fn open_mailbox(&self, conn: u64) {
        self.cross.lock().boxes.insert(conn, Mailbox::default());
    }

    /// A connection is gone: its mailbox, oplocks, watches and waits go with it; the
    /// connections that waited for it are woken.
    pub(crate) fn close_mailbox(&self, conn: u64) {
        self.cross(|c, out| {
            c.boxes.remove(&conn);
            c.oplocks.connection_gone(conn, out);
            c.watches.connection_gone(conn);
        });
    }

    /// An open closed: its oplock ends (waiters wake) and so does its watch (its
    /// connection wakes, so that a waiting change-notify request is answered).
    pub(crate) fn open_closed(&self, key: super::shared::FileKey, owner: super::shared::OpenOwner) {
        self.cross(|c, out| {
            c.oplocks.close(key, owner, out);
            if c.watches.unwatch(owner) {
                out.wakes.insert(owner.0);
            }
        });
    }

    /// Registers a connection's waker; returns whether mail waits.
    pub(crate) fn poll_mail(&self, conn: u64, waker: &Waker) -> bool {
        let mut c = self.cross.lock();
        match c.boxes.get_mut(&conn) {
            Some(b) => {
                if !b.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    b.waker = Some(waker.clone());
                }
                b.woken || !b.breaks.is_empty()
            }
            None => false,
        }
    }

    /// Takes a connection's mail.
    pub(crate) fn take_mail(&self, conn: u64) -> Mail {
        let mut c = self.cross.lock();
        match c.boxes.get_mut(&conn) {
            Some(b) => Mail {
                breaks: b.breaks.drain(..).collect(),
                woken: core::mem::take(&mut b.woken),
            },
            None => Mail::default(),
        }
    }

    /// The folders clients watch now: a host that sees changes on disk watches these and
    /// reports what changes in them with [`disk_change`](Self::disk_change).
    pub fn watched_folders(&self) -> Vec<WatchedFolder> {
        self.cross.lock().watches.folders()
    }

    /// A number that changes whenever [`watched_folders`](Self::watched_folders) may
    /// give something else.
    pub fn watch_generation(&self) -> u64 {
        self.cross.lock().watches.generation()
    }

    /// Registers the waker of the host's folder watcher, woken when the watched folders
    /// change. Registering one also tells the server that a host reports disk changes,
    /// so that it recognises its own changes when they come back from the disk.
    pub fn set_watch_waker(&self, waker: &Waker) {
        let mut c = self.cross.lock();
        c.watch_waker = Some(waker.clone());
        c.watches.set_disk(true);
    }

    /// The host's folder watcher stopped.
    pub fn clear_watch_waker(&self) {
        let mut c = self.cross.lock();
        c.watch_waker = None;
        c.watches.set_disk(false);
    }

    /// A change a host saw on disk, in a folder of
    /// [`watched_folders`](Self::watched_folders). Changes the server made itself in
    /// the last [`OWN_CHANGE_WINDOW`](super::notify::OWN_CHANGE_WINDOW) are ignored.
    pub fn disk_change(&self, now: crate::time::Now, change: DiskChange) {
        self.cross(|c, out| {
            for ch in c.watches.disk_change(change, now.filetime) {
                c.publish(&ch, out);
            }
        });
    }

    /// Whether no connection holds anything in the shared state: no open, lock,
    /// delete-pending mark, oplock, break, watch or mailbox (for leak checks).
    pub fn is_idle(&self) -> bool {
        let c = self.cross.lock();
        c.boxes.is_empty() && c.oplocks.is_empty() && c.watches.is_empty() && self.files_idle()
    }

    /// Oplocks held or being broken, across every connection.
    pub fn oplock_count(&self) -> usize {
        self.cross.lock().oplocks.holders()
    }

    /// Watches (directory handles with a change-notify buffer), across every connection.
    pub fn watch_count(&self) -> usize {
        self.cross.lock().watches.len()
    }
}

/// A connection's side of its mailbox, apart from the connection (`Send + Sync`, for
/// hosts that wait on it where the connection itself cannot be borrowed):
/// [`ServerConnection::wake_handle`](super::ServerConnection::wake_handle).
#[derive(Debug, Clone)]
pub struct WakeHandle {
    shared: SharedState,
    conn: u64,
}

impl WakeHandle {
    pub(crate) fn new(shared: SharedState, conn: u64) -> Self {
        Self { shared, conn }
    }

    /// Registers `waker`; returns whether news waits (see
    /// [`ServerConnection::poll_wake`](super::ServerConnection::poll_wake)).
    pub fn poll_wake(&self, waker: &Waker) -> bool {
        self.shared.poll_mail(self.conn, waker)
    }
}

impl Cx {
    /// Waits until this connection is told that the shared state changed (mail), or
    /// until `deadline`. It may return for other reasons: callers check again.
    pub fn shared_change(&self, deadline: Option<Instant>) -> SharedWait {
        SharedWait {
            cx: self.clone(),
            deadline,
            task: None,
        }
    }
}

/// Future of [`Cx::shared_change`].
pub(crate) struct SharedWait {
    cx: Cx,
    deadline: Option<Instant>,
    task: Option<TaskId>,
}

impl Future for SharedWait {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if let Some(t) = self.task {
            self.cx.with(|i| {
                i.waiting.remove(&t);
                i.timers.remove(&t);
            });
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        let task = self.cx.with(|i| {
            let t = i.current_task?;
            i.waiting.insert(t);
            if let Some(d) = deadline {
                i.timers.insert(t, d);
            }
            Some(t)
        });
        match task {
            Some(t) => {
                self.task = Some(t);
                Poll::Pending
            }
            // Not polled by the connection: nothing could wake it.
            None => Poll::Ready(()),
        }
    }
}
