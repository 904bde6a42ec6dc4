//! Byte-range locks: LOCKING_ANDX (with time-outs and cancel).

use alloc::vec::Vec;
use core::time::Duration;

use super::{Answer, HResult, Rc, check_fid};
use crate::server::cx::Cx;
use crate::server::shared::Lock;
use crate::wire::NtStatus;
use crate::wire::msg::*;

pub(crate) async fn locking(cx: &Cx, rc: &Rc, r: LockingAndXRequest) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
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
    if r.type_of_lock & locking::LOCKING_CANCEL_LOCK != 0 {
        return Ok(Answer::ok(LockingAndXResponse));
    }
    let exclusive = r.type_of_lock & locking::LOCKING_SHARED_LOCK == 0;
    for u in &r.unlocks {
        shared.unlock(key, (conn, r.fid, u.pid as u32), u.offset, u.length)?;
    }
    let deadline = (r.timeout != 0).then(|| {
        let ms = if r.timeout == u32::MAX {
            365 * 24 * 3600 * 1000
        } else {
            r.timeout as u64
        };
        cx.now().instant + Duration::from_millis(ms)
    });
    let mut taken: Vec<Lock> = Vec::new();
    for l in &r.locks {
        if l.length > 0 && l.offset.checked_add(l.length - 1).is_none() {
            release(&shared, key, &taken);
            return Err(NtStatus::INVALID_LOCK_RANGE);
        }
        let lock = Lock {
            owner: (conn, r.fid, l.pid as u32),
            offset: l.offset,
            length: l.length,
            exclusive,
        };
        // A non-blocking lock that failed on this open at the same offset before (or one
        // at the ancient 0xEF000000 application-bug offsets) waits a lock spin of 200 ms,
        // and fails with FILE_LOCK_CONFLICT rather than LOCK_NOT_GRANTED, as Samba and
        // Windows do.
        let repeat =
            cx.with(|i| i.files.get(&r.fid).and_then(|f| f.lock_failure)) == Some(l.offset);
        let deadline = match deadline {
            None if repeat || (l.offset >= 0xEF00_0000 && l.offset >> 63 == 0) => {
                Some(cx.now().instant + Duration::from_millis(200))
            }
            d => d,
        };
        let note_failure = |cx: &Cx| {
            cx.with(|i| {
                if let Some(f) = i.files.get_mut(&r.fid) {
                    f.lock_failure = Some(l.offset);
                }
            })
        };
        loop {
            if !cx.with(|i| i.files.contains_key(&r.fid)) {
                // The file was closed (e.g. PROCESS_EXIT) while we waited.
                return Err(NtStatus::RANGE_NOT_LOCKED);
            }
            if cx.with(|i| i.cancelled.contains(&rc.h.mid)) {
                cx.with(|i| i.cancelled.remove(&rc.h.mid));
                release(&shared, key, &taken);
                return Err(NtStatus::FILE_LOCK_CONFLICT);
            }
            match shared.lock(key, lock) {
                Ok(()) => {
                    taken.push(lock);
                    break;
                }
                Err(e) => {
                    let now = cx.now().instant;
                    let cancelled = cx.with(|i| i.cancelled.remove(&rc.h.mid));
                    match deadline {
                        _ if cancelled => {
                            release(&shared, key, &taken);
                            return Err(NtStatus::FILE_LOCK_CONFLICT);
                        }
                        Some(d) if now < d => {
                            let step = d.min(now + Duration::from_millis(20));
                            cx.sleep_until(step).await;
                        }
                        Some(_) => {
                            release(&shared, key, &taken);
                            note_failure(cx);
                            return Err(NtStatus::FILE_LOCK_CONFLICT);
                        }
                        None => {
                            release(&shared, key, &taken);
                            note_failure(cx);
                            return Err(e);
                        }
                    }
                }
            }
        }
    }
    Ok(Answer::ok(LockingAndXResponse))
}

fn release(
    shared: &crate::server::shared::SharedState,
    key: crate::server::shared::FileKey,
    taken: &[Lock],
) {
    for l in taken {
        let _ = shared.unlock(key, l.owner, l.offset, l.length);
    }
}
