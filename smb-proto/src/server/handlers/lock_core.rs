//! The core byte-range locks: LOCK_BYTE_RANGE, UNLOCK_BYTE_RANGE (32-bit ranges owned by
//! the header's PID, no waiting) and LOCK_AND_READ (lock, then read what was locked).

use super::{Answer, HResult, Rc, check_fid};
use crate::server::cx::Cx;
use crate::server::shared::Lock;
use crate::wire::NtStatus;
use crate::wire::msg::*;

/// Takes an exclusive lock for the request's PID; level II oplocks on the file break (as
/// for LOCKING_ANDX).
fn lock_range(cx: &Cx, rc: &Rc, fid: u16, offset: u32, count: u32) -> Result<(), NtStatus> {
    let f = check_fid(cx, rc, fid)?;
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    super::oplock::break_level2(cx, (f.share, f.file_id));
    shared.lock(
        (f.share, f.file_id),
        Lock {
            owner: (conn, fid, rc.pid()),
            offset: u64::from(offset),
            length: u64::from(count),
            exclusive: true,
        },
    )
}

pub(crate) async fn lock_byte_range(cx: &Cx, rc: &Rc, r: LockByteRangeRequest) -> HResult {
    lock_range(cx, rc, r.fid, r.offset, r.count)?;
    Ok(Answer::ok(LockByteRangeResponse))
}

pub(crate) async fn unlock_byte_range(cx: &Cx, rc: &Rc, r: UnlockByteRangeRequest) -> HResult {
    let r = r.0;
    let f = check_fid(cx, rc, r.fid)?;
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    shared.unlock(
        (f.share, f.file_id),
        (conn, r.fid, rc.pid()),
        u64::from(r.offset),
        u64::from(r.count),
    )?;
    Ok(Answer::ok(UnlockByteRangeResponse))
}

pub(crate) async fn lock_and_read(cx: &Cx, rc: &Rc, r: LockAndReadRequest) -> HResult {
    let r = r.0;
    lock_range(cx, rc, r.fid, r.offset, u32::from(r.count))?;
    let data =
        super::files::read_fid(cx, rc, r.fid, u64::from(r.offset), u32::from(r.count)).await?;
    Ok(Answer::ok(LockAndReadResponse(ReadResponse {
        reserved: [0; 4],
        data,
    })))
}
