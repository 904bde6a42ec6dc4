//! State shared by every connection of a server: who has which file open (for sharing
//! checks and delete-on-close) and byte-range locks; oplocks, change-notify watches and
//! the connections' mailboxes live beside them (`cross`).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{ShareId, SharePath};
use crate::wire::NtStatus;
use crate::wire::consts::{access, share};

/// Identity of a file across connections: its share and host file id.
pub type FileKey = (ShareId, u64);

/// Who holds an open: connection and FID.
pub type OpenOwner = (u64, u16);

#[derive(Debug, Clone)]
struct OpenEntry {
    owner: OpenOwner,
    access: u32,
    share_access: u32,
}

/// A byte-range lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    /// Connection, FID and PID that own it.
    pub owner: (u64, u16, u32),
    /// First byte.
    pub offset: u64,
    /// Length.
    pub length: u64,
    /// Exclusive (write) lock, else shared.
    pub exclusive: bool,
}

/// Whether two byte ranges overlap, as Windows (and Samba's `brl_overlap`) decide it: a
/// zero-length range overlaps a range that strictly contains its offset, and two equal
/// non-empty ranges always overlap.
pub(crate) fn ranges_overlap(a_off: u64, a_len: u64, b_off: u64, b_len: u64) -> bool {
    if a_len != 0 && a_off == b_off && a_len == b_len {
        return true;
    }
    let a_end = a_off as u128 + a_len as u128;
    let b_end = b_off as u128 + b_len as u128;
    !(a_off as u128 >= b_end || b_off as u128 >= a_end)
}

/// Whether a new lock conflicts with an existing one: shared locks never conflict with
/// each other, and a shared lock may stack on its owner's exclusive lock.
fn lock_conflict(existing: &Lock, new: &Lock) -> bool {
    if !existing.exclusive && !new.exclusive {
        return false;
    }
    if existing.exclusive && !new.exclusive && existing.owner == new.owner {
        return false;
    }
    ranges_overlap(existing.offset, existing.length, new.offset, new.length)
}

#[derive(Debug, Default)]
struct Files {
    opens: BTreeMap<FileKey, Vec<OpenEntry>>,
    delete_pending: BTreeMap<FileKey, bool>,
    /// The current path of each open file, as the last open or rename named it.
    paths: BTreeMap<FileKey, SharePath>,
    locks: BTreeMap<FileKey, Vec<Lock>>,
    next_conn: u64,
    connections: usize,
}

/// The shared state; clones refer to the same state.
#[derive(Debug, Clone, Default)]
pub struct SharedState {
    inner: Arc<spin::Mutex<Files>>,
    /// Oplocks, watches and mailboxes (see `cross.rs`); locked after `inner`, never
    /// before.
    pub(crate) cross: Arc<spin::Mutex<super::cross::Cross>>,
}

const DATA_READ: u32 = access::FILE_READ_DATA | access::FILE_EXECUTE;
const DATA_WRITE: u32 = access::FILE_WRITE_DATA | access::FILE_APPEND_DATA;

fn conflicts(a_access: u32, b_share: u32) -> bool {
    (a_access & DATA_READ != 0 && b_share & share::READ == 0)
        || (a_access & DATA_WRITE != 0 && b_share & share::WRITE == 0)
        || (a_access & access::DELETE != 0 && b_share & share::DELETE == 0)
}

impl SharedState {
    /// A fresh state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a new connection; returns its id.
    pub fn register_connection(&self) -> u64 {
        let id = {
            let mut f = self.inner.lock();
            f.next_conn += 1;
            f.connections += 1;
            f.next_conn
        };
        self.open_mailbox(id);
        id
    }

    /// Forgets a connection and everything it held.
    pub fn unregister_connection(&self, conn: u64) {
        let mut f = self.inner.lock();
        f.connections = f.connections.saturating_sub(1);
        for v in f.opens.values_mut() {
            v.retain(|e| e.owner.0 != conn);
        }
        f.opens.retain(|_, v| !v.is_empty());
        let live: Vec<FileKey> = f.opens.keys().copied().collect();
        f.delete_pending.retain(|k, _| live.contains(k));
        f.paths.retain(|k, _| live.contains(k));
        for v in f.locks.values_mut() {
            v.retain(|l| l.owner.0 != conn);
        }
        f.locks.retain(|_, v| !v.is_empty());
        drop(f);
        self.close_mailbox(conn);
    }

    /// Number of live connections.
    pub fn connections(&self) -> usize {
        self.inner.lock().connections
    }

    /// Checks whether an open with `access`/`share_access` may join the existing opens.
    pub fn check_open(
        &self,
        key: FileKey,
        access_mask: u32,
        share_access: u32,
    ) -> Result<(), NtStatus> {
        let f = self.inner.lock();
        if f.delete_pending.get(&key).copied().unwrap_or(false) {
            return Err(NtStatus::DELETE_PENDING);
        }
        // Opens for attributes only take part in no sharing check (as on NTFS).
        if access_mask & (DATA_READ | DATA_WRITE | access::DELETE) == 0 {
            return Ok(());
        }
        if let Some(v) = f.opens.get(&key) {
            // Likewise existing opens without data access hold no share reservation.
            for e in v
                .iter()
                .filter(|e| e.access & (DATA_READ | DATA_WRITE | access::DELETE) != 0)
            {
                if conflicts(e.access, share_access) || conflicts(access_mask, e.share_access) {
                    return Err(NtStatus::SHARING_VIOLATION);
                }
            }
        }
        Ok(())
    }

    /// Checks and registers an open in one step.
    pub fn add_open(
        &self,
        key: FileKey,
        owner: OpenOwner,
        access_mask: u32,
        share_access: u32,
    ) -> Result<(), NtStatus> {
        self.check_open(key, access_mask, share_access)?;
        let mut f = self.inner.lock();
        f.opens.entry(key).or_default().push(OpenEntry {
            owner,
            access: access_mask,
            share_access,
        });
        Ok(())
    }

    /// Registers a second FID on an existing open's handle (a DOS/FCB compatibility open):
    /// it takes part in no sharing check of its own.
    pub fn add_dup(&self, key: FileKey, owner: OpenOwner, access_mask: u32) {
        let mut f = self.inner.lock();
        f.opens.entry(key).or_default().push(OpenEntry {
            owner,
            access: access_mask,
            share_access: share::ALL,
        });
    }

    /// Removes an open; returns whether it was the last one and the file is to be deleted.
    pub fn remove_open(&self, key: FileKey, owner: OpenOwner) -> bool {
        self.open_closed(key, owner);
        let mut f = self.inner.lock();
        let mut last = false;
        if let Some(v) = f.opens.get_mut(&key) {
            v.retain(|e| e.owner != owner);
            last = v.is_empty();
        }
        if let Some(v) = f.locks.get_mut(&key) {
            v.retain(|l| (l.owner.0, l.owner.1) != owner);
        }
        if last {
            f.opens.remove(&key);
            f.locks.remove(&key);
            f.paths.remove(&key);
            return f.delete_pending.remove(&key).unwrap_or(false);
        }
        false
    }

    /// Records where an open file is now (after an open or a rename, through any
    /// connection), for the delete when its last handle closes.
    pub fn set_path(&self, key: FileKey, path: SharePath) {
        let mut f = self.inner.lock();
        if f.opens.contains_key(&key) {
            f.paths.insert(key, path);
        }
    }

    /// The current path of an open file, as [`set_path`](Self::set_path) recorded it.
    pub fn path(&self, key: FileKey) -> Option<SharePath> {
        self.inner.lock().paths.get(&key).cloned()
    }

    /// Whether no open, lock or delete-pending mark is recorded.
    pub(crate) fn files_idle(&self) -> bool {
        let f = self.inner.lock();
        f.opens.is_empty() && f.locks.is_empty() && f.delete_pending.is_empty()
    }

    /// Whether the file is open other than through `owner`, and whether it has
    /// byte-range locks (what an oplock grant depends on).
    pub(crate) fn others_and_locks(&self, key: FileKey, owner: OpenOwner) -> (bool, bool) {
        let f = self.inner.lock();
        let others = f
            .opens
            .get(&key)
            .is_some_and(|v| v.iter().any(|e| e.owner != owner));
        let locks = f.locks.get(&key).is_some_and(|v| !v.is_empty());
        (others, locks)
    }

    /// Whether any open of the file exists (on any connection).
    pub fn is_open(&self, key: FileKey) -> bool {
        self.inner.lock().opens.contains_key(&key)
    }

    /// Whether the file may be deleted by name: SMB_COM_DELETE opens it for DELETE with no
    /// sharing (as Samba does), so any open with data access refuses it.
    pub fn check_unlink(&self, key: FileKey) -> Result<(), NtStatus> {
        self.check_open(key, access::DELETE, share::NONE)
    }

    /// Whether the file may be renamed: an open for DELETE sharing everything.
    pub fn check_rename(&self, key: FileKey) -> Result<(), NtStatus> {
        self.check_open(key, access::DELETE, share::ALL)
    }

    /// Sets or clears delete-on-close for a file.
    pub fn set_delete_pending(&self, key: FileKey, on: bool) {
        let mut f = self.inner.lock();
        if on {
            f.delete_pending.insert(key, true);
        } else {
            f.delete_pending.remove(&key);
        }
    }

    /// Whether a delete is pending.
    pub fn delete_pending(&self, key: FileKey) -> bool {
        self.inner
            .lock()
            .delete_pending
            .get(&key)
            .copied()
            .unwrap_or(false)
    }

    /// Tries to take a lock.
    pub fn lock(&self, key: FileKey, l: Lock) -> Result<(), NtStatus> {
        let mut f = self.inner.lock();
        let v = f.locks.entry(key).or_default();
        if v.iter().any(|e| lock_conflict(e, &l)) {
            return Err(NtStatus::LOCK_NOT_GRANTED);
        }
        v.push(l);
        Ok(())
    }

    /// Releases a lock exactly matching owner, offset and length (an exclusive one first,
    /// when a shared lock is stacked on it).
    pub fn unlock(
        &self,
        key: FileKey,
        owner: (u64, u16, u32),
        offset: u64,
        length: u64,
    ) -> Result<(), NtStatus> {
        let mut f = self.inner.lock();
        let v = f.locks.entry(key).or_default();
        let matches = |l: &Lock| l.owner == owner && l.offset == offset && l.length == length;
        match v
            .iter()
            .position(|l| matches(l) && l.exclusive)
            .or_else(|| v.iter().position(matches))
        {
            Some(i) => {
                v.remove(i);
                Ok(())
            }
            None => Err(NtStatus::RANGE_NOT_LOCKED),
        }
    }

    /// Releases every byte-range lock connection `conn` holds, at once: a client that
    /// vanished must not keep others waiting while its handles are closed one by one
    /// (the shares and delete-on-close marks go with each close, as usual).
    pub fn release_locks_of(&self, conn: u64) {
        let mut f = self.inner.lock();
        for v in f.locks.values_mut() {
            v.retain(|l| l.owner.0 != conn);
        }
        f.locks.retain(|_, v| !v.is_empty());
    }

    /// Whether I/O on a range by `owner` conflicts with a lock: a read with someone else's
    /// exclusive lock, a write with someone else's lock or with any shared lock (even the
    /// writer's own, as on Windows).
    pub fn io_conflict(
        &self,
        key: FileKey,
        owner: (u64, u16, u32),
        offset: u64,
        length: u64,
        write: bool,
    ) -> bool {
        if length == 0 {
            return false;
        }
        let f = self.inner.lock();
        f.locks.get(&key).is_some_and(|v| {
            v.iter().any(|l| {
                // The owner's own lock lets it through, except a shared lock for a write.
                let own = l.owner == owner && (l.exclusive || !write);
                (l.exclusive || write) && !own && ranges_overlap(l.offset, l.length, offset, length)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharing_rules() {
        let s = SharedState::new();
        let k = (ShareId(0), 7);
        s.add_open(k, (1, 1), access::FILE_READ_DATA, share::READ)
            .unwrap();
        assert_eq!(
            s.check_open(k, access::FILE_WRITE_DATA, share::ALL),
            Err(NtStatus::SHARING_VIOLATION)
        );
        assert_eq!(
            s.check_open(k, access::FILE_READ_DATA, share::WRITE),
            Err(NtStatus::SHARING_VIOLATION)
        );
        s.check_open(k, access::FILE_READ_DATA, share::READ)
            .unwrap();
        // attribute-only opens never conflict
        s.check_open(k, access::FILE_READ_ATTRIBUTES, 0).unwrap();
        assert_eq!(s.check_unlink(k), Err(NtStatus::SHARING_VIOLATION));
        assert_eq!(s.check_rename(k), Err(NtStatus::SHARING_VIOLATION));
        s.set_delete_pending(k, true);
        assert_eq!(
            s.check_open(k, 0, share::ALL),
            Err(NtStatus::DELETE_PENDING)
        );
        assert!(s.remove_open(k, (1, 1)));
        s.check_open(k, access::FILE_WRITE_DATA, 0).unwrap();
    }

    #[test]
    fn lock_rules() {
        let s = SharedState::new();
        let k = (ShareId(0), 1);
        let a = (1, 1, 100);
        let b = (2, 1, 100);
        s.lock(
            k,
            Lock {
                owner: a,
                offset: 0,
                length: 10,
                exclusive: false,
            },
        )
        .unwrap();
        s.lock(
            k,
            Lock {
                owner: b,
                offset: 5,
                length: 10,
                exclusive: false,
            },
        )
        .unwrap();
        assert!(
            s.lock(
                k,
                Lock {
                    owner: b,
                    offset: 0,
                    length: 1,
                    exclusive: true
                }
            )
            .is_err()
        );
        assert!(s.io_conflict(k, b, 0, 2, true));
        assert!(!s.io_conflict(k, b, 0, 2, false));
        assert_eq!(s.unlock(k, a, 0, 9), Err(NtStatus::RANGE_NOT_LOCKED));
        s.unlock(k, a, 0, 10).unwrap();
        s.unregister_connection(2);
        s.lock(
            k,
            Lock {
                owner: a,
                offset: 0,
                length: 100,
                exclusive: true,
            },
        )
        .unwrap();
    }
}
