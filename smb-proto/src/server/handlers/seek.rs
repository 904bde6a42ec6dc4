//! The file pointers of an open: SMB_COM_SEEK's position, which reads and writes move to
//! their end, and FilePositionInformation, which a client sets and reads back and which
//! reads (not writes) move, as Samba keeps them apart.

use super::{Answer, HResult, Rc, check_fid};
use crate::server::cx::Cx;
use crate::server::fs::{FsCall, FsReply, Target};
use crate::server::state::OpenFile;
use crate::wire::NtStatus;
use crate::wire::msg::{SeekRequest, SeekResponse, seek_mode};

/// SMB_COM_SEEK: from the start (the offset as an unsigned 32-bit number), the current
/// position or the end; the answer carries the low 32 bits of the new position. As Samba,
/// only the mode's low two bits count and mode 3 seeks from the start (what the pre-NT
/// redirectors may send).
pub(crate) async fn seek(cx: &Cx, rc: &Rc, r: SeekRequest) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    let pos = match r.mode & 3 {
        seek_mode::CURRENT => f.seek_pos + i64::from(r.offset),
        seek_mode::END => {
            let size = match cx
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
            };
            // Before the start of the file: the start.
            (i64::try_from(size).unwrap_or(i64::MAX) + i64::from(r.offset)).max(0)
        }
        _ => i64::from(r.offset as u32),
    };
    on_handle(cx, r.fid, |f| f.seek_pos = pos);
    Ok(Answer::ok(SeekResponse { offset: pos as u32 }))
}

/// After a read or write of `count` bytes at `offset` through `fid`: the seek position
/// follows both, the FilePositionInformation only reads.
pub(crate) fn moved(cx: &Cx, fid: u16, offset: u64, count: u64, read: bool) {
    let end = offset.saturating_add(count);
    on_handle(cx, fid, |f| {
        f.seek_pos = i64::try_from(end).unwrap_or(i64::MAX);
        if read {
            f.position = end;
        }
    });
}

/// Applies `change` to `fid` and every FID on the same host handle: the DOS/FCB
/// compatibility FIDs of one open share its pointers, as Samba's share one file handle.
pub(crate) fn on_handle(cx: &Cx, fid: u16, change: impl Fn(&mut OpenFile)) {
    cx.with(|i| {
        let Some(handle) = i.files.get(&fid).map(|f| f.handle) else {
            return;
        };
        for f in i.files.values_mut().filter(|f| f.handle == handle) {
            change(f);
        }
    });
}
