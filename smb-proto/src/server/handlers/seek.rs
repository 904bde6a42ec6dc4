//! SEEK: the position of an open file, kept per FID for the clients that ask for it (the
//! core reads and writes carry their own offsets). Mode 2 (from the end) asks the host
//! for the size; a position before the start becomes 0, as Samba has it.

use super::{Answer, HResult, Rc, check_fid};
use crate::server::cx::Cx;
use crate::server::fs::{FsCall, FsReply, Target};
use crate::wire::NtStatus;
use crate::wire::msg::*;

pub(crate) async fn seek(cx: &Cx, rc: &Rc, r: SeekRequest) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    let current = cx.with(|i| match i.lanman.positions.get(&r.fid) {
        Some((h, pos)) if *h == f.handle => *pos,
        _ => 0,
    });
    let base = match r.mode {
        seek::SEEK_CUR => current,
        seek::SEEK_END => {
            match cx
                .fs(
                    f.share,
                    FsCall::Stat {
                        target: Target::Handle(f.handle),
                    },
                )
                .await?
            {
                FsReply::Info(i) => i.size,
                _ => return Err(NtStatus::INTERNAL_ERROR),
            }
        }
        // Mode 0 and anything else: from the start.
        _ => 0,
    };
    let pos = base.saturating_add_signed(i64::from(r.offset));
    cx.with(|i| i.lanman.positions.insert(r.fid, (f.handle, pos)));
    Ok(Answer::ok(SeekResponse {
        offset: pos.min(u64::from(u32::MAX)) as u32,
    }))
}
