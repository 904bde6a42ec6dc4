//! Byte-range locks: LOCKING_ANDX (with time-outs and cancel).
//!
//! The rules follow Windows as smbtorture encodes them (and Samba implements them): locks
//! are granted in the order they were asked for (a waiting request blocks later requests
//! on the same FID for its ranges), a failed request takes none of its ranges, a request
//! that has waited fails with FILE_LOCK_CONFLICT rather than LOCK_NOT_GRANTED, and a
//! repeated failure at the same offset on the same FID spins briefly first.

use alloc::vec::Vec;
use core::time::Duration;

use super::{Answer, HResult, Rc, chained_fid, check_fid};
use crate::server::cx::Cx;
use crate::server::shared::{FileKey, Lock, SharedState, ranges_overlap};
use crate::server::state::{Inner, OpenFile, PendingLock};
use crate::time::Instant;
use crate::wire::NtStatus;
use crate::wire::msg::*;

/// How long a lock request that must not wait still waits when it fails again at the
/// offset that failed last on its FID (Samba's `lock spin time`).
const LOCK_SPIN: Duration = Duration::from_millis(200);

/// How often a waiting lock request looks again.
const POLL: Duration = Duration::from_millis(20);

pub(crate) async fn locking(cx: &Cx, rc: &Rc, r: LockingAndXRequest) -> HResult {
    let fid = chained_fid(rc, r.fid);
    let f = check_fid(cx, rc, fid)?;
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    let key = (f.share, f.file_id);
    if r.type_of_lock & locking::LOCKING_OPLOCK_RELEASE != 0 {
        super::oplock::ack(cx, rc, r.fid, r.new_oplock_level);
        if r.locks.is_empty() && r.unlocks.is_empty() {
            // An oplock break acknowledgement has no response.
            return Ok(Answer::silent());
        }
    }
    if !r.locks.is_empty() {
        super::oplock::break_level2(cx, key);
    }
    if r.type_of_lock & locking::LOCKING_CHANGE_LOCKTYPE != 0 {
        // Windows does not change lock types atomically, and says so in DOS form.
        return Err(NtStatus::SMB_NO_ATOMIC_LOCKS);
    }
    for u in &r.unlocks {
        shared.unlock(key, (conn, fid, u.pid as u32), u.offset, u.length)?;
    }
    let large = r.type_of_lock & locking::LOCKING_LARGE_FILES != 0;
    if r.type_of_lock & locking::LOCKING_CANCEL_LOCK != 0 {
        // Windows cancels only the first range named.
        return match r.locks.first() {
            None => Ok(Answer::ok(LockingAndXResponse)),
            Some(l) if cancel_pending(cx, fid, large, l) => Ok(Answer::ok(LockingAndXResponse)),
            Some(_) => Err(NtStatus::SMB_CANCEL_VIOLATION),
        };
    }
    let exclusive = r.type_of_lock & locking::LOCKING_SHARED_LOCK == 0;
    let locks: Vec<Lock> = r
        .locks
        .iter()
        .map(|l| Lock {
            owner: (conn, fid, l.pid as u32),
            offset: l.offset,
            length: l.length,
            exclusive,
        })
        .collect();
    let res = lock_ranges(cx, rc, &f, fid, large, &locks, r.timeout).await;
    res.map(|()| Answer::ok(LockingAndXResponse))
}

/// LOCK_AND_READ: an exclusive lock on the range (not waiting), then the read.
pub(crate) async fn lock_and_read(cx: &Cx, rc: &Rc, r: LockAndReadRequest) -> HResult {
    let r = r.0;
    lock_now(cx, rc, r.fid, r.offset, r.count as u32).await?;
    let data = super::files::read_fid(cx, rc, r.fid, r.offset as u64, r.count as u32).await?;
    Ok(Answer::ok(LockAndReadResponse(ReadResponse {
        reserved: [0; 4],
        data,
    })))
}

/// LOCK_BYTE_RANGE: an exclusive lock for the requesting process, not waiting.
pub(crate) async fn lock_byte_range(cx: &Cx, rc: &Rc, r: LockByteRangeRequest) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    super::oplock::break_level2(cx, (f.share, f.file_id));
    lock_now(cx, rc, r.fid, r.offset, r.count).await?;
    Ok(Answer::ok(LockByteRangeResponse))
}

/// The core protocol's lock (LOCK_AND_READ, LOCK_BYTE_RANGE): exclusive, for the
/// requesting process, 32-bit, not waiting.
async fn lock_now(cx: &Cx, rc: &Rc, fid: u16, offset: u32, count: u32) -> Result<(), NtStatus> {
    let f = check_fid(cx, rc, fid)?;
    let conn = cx.with(|i| i.conn_id);
    let lock = Lock {
        owner: (conn, fid, rc.lock_pid()),
        offset: offset as u64,
        length: count as u64,
        exclusive: true,
    };
    lock_ranges(cx, rc, &f, fid, false, &[lock], 0).await
}

/// UNLOCK_BYTE_RANGE: the requesting process's lock on exactly this range.
pub(crate) async fn unlock_byte_range(cx: &Cx, rc: &Rc, r: UnlockByteRangeRequest) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    let owner = (conn, r.fid, rc.lock_pid());
    shared.unlock((f.share, f.file_id), owner, r.offset as u64, r.count as u64)?;
    Ok(Answer::ok(UnlockByteRangeResponse))
}

/// Takes the ranges of one request on an open file, waiting as `timeout_ms` allows (the
/// request is listed as waiting meanwhile), and remembers where a failure happened.
async fn lock_ranges(
    cx: &Cx,
    rc: &Rc,
    f: &OpenFile,
    fid: u16,
    large: bool,
    locks: &[Lock],
    timeout_ms: u32,
) -> Result<(), NtStatus> {
    let Some(first) = locks.first() else {
        return Ok(());
    };
    let shared = cx.with(|i| i.shared.clone());
    let key = (f.share, f.file_id);
    let waiter = PendingLock {
        mid: rc.h.mid,
        fid,
        large,
        exclusive: first.exclusive,
        ranges: locks
            .iter()
            .map(|l| (l.owner.2, l.offset, l.length))
            .collect(),
        finish: None,
    };
    let res = take_locks(cx, &shared, key, &f.handle, waiter, locks, timeout_ms).await;
    cx.with(|i| {
        i.pending_locks
            .retain(|p| !(p.mid == rc.h.mid && p.fid == fid))
    });
    res.map_err(|(status, blocker)| {
        // Remember where this FID failed: a repeat spins first (see `deadline`).
        cx.with(|i| {
            if let Some(o) = i.files.get_mut(&fid)
                && o.handle == f.handle
            {
                o.lock_failure = locks.get(blocker).map(|l| l.offset);
            }
        });
        status
    })
}

/// Takes every range of a request or none, waiting as the time-out allows. On failure,
/// returns the status and the index of the range that could not be taken.
async fn take_locks(
    cx: &Cx,
    shared: &SharedState,
    key: FileKey,
    handle: &crate::server::fs::Handle,
    waiter: PendingLock,
    locks: &[Lock],
    timeout_ms: u32,
) -> Result<(), (NtStatus, usize)> {
    let (fid, mid) = (waiter.fid, waiter.mid);
    let start = cx.now().instant;
    let mut deny = NtStatus::LOCK_NOT_GRANTED;
    let mut until: Option<Instant> = None;
    let mut blocker = 0;
    let mut waiter = Some(waiter);
    loop {
        let state = cx.with(|i| {
            let open = i.files.get(&fid).is_some_and(|o| o.handle == *handle);
            let finish = i
                .pending_locks
                .iter()
                .find(|p| p.mid == mid && p.fid == fid)
                .and_then(|p| p.finish);
            (open, i.cancelled.remove(&mid), finish)
        });
        match state {
            // The file was closed (CLOSE, PROCESS_EXIT, LOGOFF, TREE_DISCONNECT) while
            // the request waited.
            (false, _, _) => return Err((NtStatus::RANGE_NOT_LOCKED, blocker)),
            (_, true, _) => return Err((NtStatus::FILE_LOCK_CONFLICT, blocker)),
            (_, _, Some(s)) => return Err((s, blocker)),
            _ => {}
        }
        let status;
        (status, blocker) = match cx.with(|i| try_once(i, shared, key, fid, mid, locks)) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if !matches!(
            status,
            NtStatus::LOCK_NOT_GRANTED | NtStatus::FILE_LOCK_CONFLICT
        ) {
            return Err((status, blocker));
        }
        let d = *until.get_or_insert_with(|| {
            let last = cx.with(|i| i.files.get(&fid).and_then(|o| o.lock_failure));
            deadline(start, timeout_ms, locks[blocker].offset, last)
        });
        let now = cx.now().instant;
        if now >= d {
            return Err((deny, blocker));
        }
        deny = NtStatus::FILE_LOCK_CONFLICT;
        if let Some(w) = waiter.take() {
            cx.with(|i| i.pending_locks.push(w));
        }
        cx.sleep_until(d.min(now + POLL)).await;
    }
}

/// When a failing request gives up. A time-out other than 0 and "forever" is at least the
/// lock spin; a request that must not wait still spins when it failed before at this
/// offset on this FID, or at the offsets of an ancient application bug (0xEF000000 and
/// up, below 2^63), as Windows and Samba do.
fn deadline(start: Instant, timeout_ms: u32, offset: u64, last_failure: Option<u64>) -> Instant {
    let spin = LOCK_SPIN.as_millis() as u32;
    let ms = match timeout_ms {
        0 if last_failure == Some(offset) || (offset >= 0xEF00_0000 && offset >> 63 == 0) => spin,
        0 | u32::MAX => timeout_ms,
        t => t.max(spin),
    };
    start + Duration::from_millis(ms as u64)
}

/// One attempt at every range: ranges that overlap what an older waiting request on the
/// same FID wants (unless both are shared) are refused, then the ranges are taken in
/// order, and released again if one fails.
fn try_once(
    i: &Inner,
    shared: &SharedState,
    key: FileKey,
    fid: u16,
    mid: u16,
    locks: &[Lock],
) -> Result<(), (NtStatus, usize)> {
    let older = i
        .pending_locks
        .iter()
        .take_while(|p| !(p.mid == mid && p.fid == fid))
        .filter(|p| p.fid == fid);
    let older: Vec<&PendingLock> = older.collect();
    for (n, l) in locks.iter().enumerate() {
        if l.length > 0 && l.offset.checked_add(l.length - 1).is_none() {
            return Err((NtStatus::INVALID_LOCK_RANGE, n));
        }
        let blocked = older.iter().any(|p| {
            (p.exclusive || l.exclusive)
                && p.ranges
                    .iter()
                    .any(|&(_, off, len)| ranges_overlap(off, len, l.offset, l.length))
        });
        if blocked {
            return Err((NtStatus::LOCK_NOT_GRANTED, n));
        }
    }
    for (n, l) in locks.iter().enumerate() {
        if let Err(e) = shared.lock(key, *l) {
            release(shared, key, &locks[..n]);
            return Err((e, n));
        }
    }
    Ok(())
}

/// LOCKING_ANDX_CANCEL_LOCK: ends the waiting request on this FID that asked for this
/// range (in the same 32- or 64-bit form) with FILE_LOCK_CONFLICT; false if none did.
fn cancel_pending(cx: &Cx, fid: u16, large: bool, l: &LockRange) -> bool {
    cx.with(|i| {
        let found = i.pending_locks.iter_mut().find(|p| {
            p.fid == fid
                && p.large == large
                && p.finish.is_none()
                && p.ranges.contains(&(l.pid as u32, l.offset, l.length))
        });
        match found {
            Some(p) => {
                p.finish = Some(NtStatus::FILE_LOCK_CONFLICT);
                true
            }
            None => false,
        }
    })
}

fn release(shared: &SharedState, key: FileKey, taken: &[Lock]) {
    for l in taken {
        let _ = shared.unlock(key, l.owner, l.offset, l.length);
    }
}
