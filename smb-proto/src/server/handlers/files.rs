//! Reading, writing, flushing and closing open files (the AndX and core forms).

use alloc::vec::Vec;
use bytes::Bytes;

use super::open::{WRITE_DATA, close_all, close_one};
use super::{Answer, HResult, Rc, chained_fid, check_disk, check_fid, check_tree};
use crate::server::cx::Cx;
use crate::server::fs::{ErasedLater, FsCall, FsReply, LaterRead, SetInfo, Target};
use crate::server::state::OpenFile;
use crate::wire::NtStatus;
use crate::wire::consts::access;
use crate::wire::msg::trans2::info::utime_to_filetime;
use crate::wire::msg::*;

/// Reads through a FID, honouring access and byte-range locks.
pub(super) async fn read_fid(
    cx: &Cx,
    rc: &Rc,
    fid: u16,
    offset: u64,
    len: u32,
) -> Result<Bytes, NtStatus> {
    match read_fid_with(cx, rc, fid, offset, len, false).await? {
        ReadOut::Now(b) => Ok(b),
        ReadOut::Later(_) => Err(NtStatus::INTERNAL_ERROR),
    }
}

/// What a read gives: the bytes, or file bytes the host writes after the response.
enum ReadOut {
    Now(Bytes),
    Later(LaterRead<ErasedLater>),
}

/// Reads through a FID; with `later_ok`, the file system may answer with a [`LaterRead`].
async fn read_fid_with(
    cx: &Cx,
    rc: &Rc,
    fid: u16,
    offset: u64,
    len: u32,
    later_ok: bool,
) -> Result<ReadOut, NtStatus> {
    let fid = chained_fid(rc, fid);
    let f = check_fid(cx, rc, fid)?;
    if f.is_dir {
        return Err(NtStatus::INVALID_DEVICE_REQUEST);
    }
    // Reading needs read access; execute access does only when the client says the read
    // is for executing (FLAGS2_PAGING_IO, "read permit execute"), as on Windows.
    let exec_ok = rc.h.flags2.has(crate::wire::Flags2::PAGING_IO);
    if f.access & access::FILE_READ_DATA == 0 && !(exec_ok && f.access & access::FILE_EXECUTE != 0)
    {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let (shared, conn, max) = cx.with(|i| (i.shared.clone(), i.conn_id, i.config.limits.max_io));
    let len = len.min(max);
    if shared.io_conflict(
        (f.share, f.file_id),
        (conn, fid, rc.lock_pid()),
        offset,
        len as u64,
        false,
    ) {
        return Err(NtStatus::FILE_LOCK_CONFLICT);
    }
    match cx
        .fs(
            f.share,
            FsCall::Read {
                handle: f.handle,
                offset,
                len,
                later_ok,
            },
        )
        .await?
    {
        // A host may return fewer bytes than asked, never more.
        FsReply::Read(b) if b.len() <= len as usize => {
            super::seek::moved(cx, fid, offset, b.len() as u64, true);
            Ok(ReadOut::Now(b))
        }
        FsReply::ReadLater(l) if later_ok && l.len > 0 && l.len <= len => {
            super::seek::moved(cx, fid, offset, u64::from(l.len), true);
            Ok(ReadOut::Later(l))
        }
        _ => Err(NtStatus::INTERNAL_ERROR),
    }
}

/// Writes through a FID, honouring access, read-only shares and byte-range locks.
pub(super) async fn write_fid(
    cx: &Cx,
    rc: &Rc,
    fid: u16,
    offset: u64,
    data: Bytes,
    through: bool,
) -> Result<u32, NtStatus> {
    let fid = chained_fid(rc, fid);
    let f = check_fid(cx, rc, fid)?;
    let (_, read_only) = check_disk(cx, rc)?;
    if f.is_dir {
        return Err(NtStatus::INVALID_DEVICE_REQUEST);
    }
    if read_only || f.access & WRITE_DATA == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    if shared.io_conflict(
        (f.share, f.file_id),
        (conn, fid, rc.lock_pid()),
        offset,
        data.len() as u64,
        true,
    ) {
        return Err(NtStatus::FILE_LOCK_CONFLICT);
    }
    if data.is_empty() {
        return Ok(0);
    }
    super::oplock::break_level2(cx, (f.share, f.file_id));
    match cx
        .fs(
            f.share,
            FsCall::Write {
                handle: f.handle,
                offset,
                data,
                write_through: through,
            },
        )
        .await?
    {
        FsReply::Written(n) => {
            super::seek::moved(cx, fid, offset, u64::from(n), false);
            Ok(n)
        }
        _ => Err(NtStatus::INTERNAL_ERROR),
    }
}

pub(crate) async fn read_andx(cx: &Cx, rc: &Rc, r: ReadAndXRequest) -> HResult {
    // The file system may leave the bytes to the host (sendfile) when nothing has to be
    // computed over them or written after them: an unsigned response whose data ends it.
    let later_ok = rc.last && cx.with(|i| i.signing.is_none());
    match read_fid_with(cx, rc, r.fid, r.offset, r.max_count(), later_ok).await? {
        ReadOut::Now(data) => Ok(Answer::ok(ReadAndXResponse {
            available: 0xFFFF,
            data,
            ..Default::default()
        })),
        ReadOut::Later(l) => {
            let mut a = Answer::ok(ReadAndXResponse {
                available: 0xFFFF,
                host_data: l.len,
                ..Default::default()
            });
            a.later = Some(l);
            Ok(a)
        }
    }
}

pub(crate) async fn write_andx(cx: &Cx, rc: &Rc, r: WriteAndXRequest) -> HResult {
    let n = write_fid(
        cx,
        rc,
        r.fid,
        r.offset,
        r.data,
        r.write_mode & write_andx::WRITE_THROUGH != 0,
    )
    .await?;
    Ok(Answer::ok(WriteAndXResponse {
        count: n,
        available: 0xFFFF,
        reserved: 0,
    }))
}

pub(crate) async fn close(cx: &Cx, rc: &Rc, r: CloseRequest) -> HResult {
    let fid = chained_fid(rc, r.fid);
    check_fid(cx, rc, fid)?;
    let f = cx
        .with(|i| i.files.remove(&fid))
        .ok_or(NtStatus::INVALID_HANDLE)?;
    close_one(cx, fid, f, utime_or_none(r.last_time_modified), false).await?;
    Ok(Answer::ok(CloseResponse))
}

fn utime_or_none(t: u32) -> Option<u64> {
    let ft = utime_to_filetime(t);
    (ft != 0).then_some(ft)
}

pub(crate) async fn flush(cx: &Cx, rc: &Rc, r: FlushRequest) -> HResult {
    let targets: Vec<OpenFile> = if r.fid == 0xFFFF {
        check_tree(cx, rc)?;
        cx.with(|i| {
            i.files
                .values()
                .filter(|f| f.pid == rc.pid() || f.tid == rc.tid)
                .cloned()
                .collect()
        })
    } else {
        alloc::vec![check_fid(cx, rc, r.fid)?]
    };
    for f in targets {
        if !f.is_dir {
            cx.fs(f.share, FsCall::Flush { handle: f.handle }).await?;
        }
    }
    Ok(Answer::ok(FlushResponse))
}

pub(crate) async fn read_core(cx: &Cx, rc: &Rc, r: ReadRequest) -> HResult {
    let data = read_fid(cx, rc, r.fid, r.offset as u64, r.count as u32).await?;
    Ok(Answer::ok(ReadResponse {
        reserved: [0; 4],
        data,
    }))
}

/// The core WRITE: a zero count sets the file size to the offset.
async fn write_core_inner(cx: &Cx, rc: &Rc, w: &WriteRequest) -> Result<u16, NtStatus> {
    if w.data.is_empty() {
        let f = check_fid(cx, rc, w.fid)?;
        let (_, read_only) = check_disk(cx, rc)?;
        if read_only || f.access & WRITE_DATA == 0 {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let info = SetInfo {
            size: Some(w.offset as u64),
            ..Default::default()
        };
        super::oplock::break_level2(cx, (f.share, f.file_id));
        cx.fs(
            f.share,
            FsCall::SetInfo {
                target: Target::Handle(f.handle),
                info,
            },
        )
        .await?;
        return Ok(0);
    }
    let n = write_fid(cx, rc, w.fid, w.offset as u64, w.data.clone(), false).await?;
    Ok(n.min(0xFFFF) as u16)
}

pub(crate) async fn write_core(cx: &Cx, rc: &Rc, r: WriteRequest) -> HResult {
    let count = write_core_inner(cx, rc, &r).await?;
    Ok(Answer::ok(WriteResponse { count }))
}

pub(crate) async fn write_and_unlock(cx: &Cx, rc: &Rc, r: WriteAndUnlockRequest) -> HResult {
    if r.0.data.is_empty() {
        // Unlike WRITE, no truncation here (and nothing to unlock), as Samba does.
        check_fid(cx, rc, r.0.fid)?;
        return Ok(Answer::ok(WriteAndUnlockResponse { count: 0 }));
    }
    let count = write_core_inner(cx, rc, &r.0).await?;
    let f = check_fid(cx, rc, r.0.fid)?;
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    shared.unlock(
        (f.share, f.file_id),
        (conn, r.0.fid, rc.lock_pid()),
        r.0.offset as u64,
        r.0.data.len() as u64,
    )?;
    Ok(Answer::ok(WriteAndUnlockResponse { count }))
}

pub(crate) async fn write_and_close(cx: &Cx, rc: &Rc, r: WriteAndCloseRequest) -> HResult {
    let w = WriteRequest {
        fid: r.fid,
        offset: r.offset,
        remaining: 0,
        count: None,
        data: r.data.clone(),
    };
    let count = write_core_inner(cx, rc, &w).await?;
    // As Windows and Samba do, a zero-length WRITE_AND_CLOSE leaves the file open.
    if !r.data.is_empty() {
        let f = cx
            .with(|i| i.files.remove(&r.fid))
            .ok_or(NtStatus::INVALID_HANDLE)?;
        close_one(cx, r.fid, f, utime_or_none(r.last_write_time), false).await?;
    }
    Ok(Answer::ok(WriteAndCloseResponse { count }))
}

/// NT_TRANSACT: NOTIFY_CHANGE, the functions of [`super::nttrans`], and the IOCTL
/// FSCTL_SET_SPARSE, a no-op on hosts whose files are sparse anyway; every other function
/// is NOT_SUPPORTED.
pub(crate) async fn nt_transact(cx: &Cx, rc: &Rc, r: NtTransactRequest) -> HResult {
    const IOCTL: u16 = 2;
    const FSCTL_SET_SPARSE: u32 = 0x0009_00C4;
    check_tree(cx, rc)?;
    if r.function == super::notify::NOTIFY_CHANGE {
        return super::notify::change_notify(cx, rc, r).await;
    }
    if let Some(a) = super::nttrans::answer(cx, rc, &r).await {
        return a;
    }
    if r.function == IOCTL && r.setup.len() >= 4 {
        let code = u32::from(r.setup[0]) | (u32::from(r.setup[1]) << 16);
        let fid = r.setup[2];
        check_fid(cx, rc, fid)?;
        if code == FSCTL_SET_SPARSE {
            return Ok(Answer::ok(NtTransactResponse::Reply {
                reserved1: [0; 3],
                total_parameter_count: 0,
                total_data_count: 0,
                parameter_displacement: 0,
                data_displacement: 0,
                setup: Vec::new(),
                payload: TransPayload::default(),
            }));
        }
    }
    Err(NtStatus::NOT_SUPPORTED)
}

pub(crate) async fn process_exit(cx: &Cx, rc: &Rc) -> HResult {
    super::check_uid(cx, rc)?;
    let pid = rc.pid();
    let uid = rc.uid;
    let files = cx.with(|i| i.take_files(|f| f.pid == pid && f.uid == uid));
    close_all(cx, files, false).await;
    Ok(Answer::ok(ProcessExitResponse))
}
