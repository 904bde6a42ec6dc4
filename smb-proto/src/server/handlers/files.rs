//! Opening, reading, writing, closing and locking files.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;

use super::{Answer, HResult, Rc, attributes, check_disk, check_fid, check_tree};
use crate::server::cx::Cx;
use crate::server::fs::{
    CreateAction, Disposition, ErasedLater, FileInfo, FsCall, FsReply, Kind, LaterRead, OpenCall,
    SetInfo, SharePath, Target,
};
use crate::server::shared::Lock;
use crate::server::state::OpenFile;
use crate::wire::NtStatus;
use crate::wire::consts::{
    access, create_action, create_options, disposition, ext_attr, open_mode, share,
};
use crate::wire::msg::trans2::info::{filetime_to_utime, utime_to_filetime};
use crate::wire::msg::*;

/// What an open asks for, independent of the command that carried it.
pub(crate) struct OpenSpec {
    pub path: SharePath,
    pub access: u32,
    pub share_access: u32,
    pub disposition: Disposition,
    pub kind: Kind,
    pub delete_on_close: bool,
    pub create_attributes: u32,
    pub allocation_size: u64,
}

pub(crate) struct Opened {
    pub fid: u16,
    pub info: FileInfo,
    pub action: CreateAction,
    pub access: u32,
}

fn map_disposition(d: u32) -> Result<Disposition, NtStatus> {
    Ok(match d {
        disposition::SUPERSEDE => Disposition::Supersede,
        disposition::OPEN => Disposition::Open,
        disposition::CREATE => Disposition::Create,
        disposition::OPEN_IF => Disposition::OpenIf,
        disposition::OVERWRITE => Disposition::Overwrite,
        disposition::OVERWRITE_IF => Disposition::OverwriteIf,
        _ => return Err(NtStatus::INVALID_PARAMETER),
    })
}

const WRITE_DATA: u32 = access::FILE_WRITE_DATA | access::FILE_APPEND_DATA;

/// Opens (or creates) a file for a request: share-mode checks against every connection,
/// read-only shares, delete-on-close.
pub(crate) async fn open(cx: &Cx, rc: &Rc, spec: OpenSpec) -> Result<Opened, NtStatus> {
    let (share_id, read_only) = check_disk(cx, rc)?;
    let mut acc = access::map_generic(spec.access);
    if spec.access & access::MAXIMUM_ALLOWED != 0 && read_only {
        acc &= !(access::WRITE_LIKE);
    }
    let mut disp = spec.disposition;
    let destructive = matches!(
        disp,
        Disposition::Supersede | Disposition::Overwrite | Disposition::OverwriteIf
    );
    if read_only {
        if acc & access::WRITE_LIKE != 0
            || destructive
            || disp == Disposition::Create
            || spec.delete_on_close
        {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if disp == Disposition::OpenIf {
            disp = Disposition::Open;
        }
    }
    if spec.delete_on_close && acc & access::DELETE == 0 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let full = cx.with(|i| i.files.len() >= i.config.limits.max_open_files);
    if full {
        return Err(NtStatus::TOO_MANY_OPENED_FILES);
    }
    let shared = cx.with(|i| i.shared.clone());
    // Check sharing before anything destructive happens to an existing file.
    if destructive {
        match cx
            .fs(
                share_id,
                FsCall::Stat {
                    target: Target::Path(spec.path.clone()),
                },
            )
            .await
        {
            Ok(FsReply::Info(fi)) => {
                shared.check_open((share_id, fi.file_id), acc, spec.share_access)?
            }
            Ok(_) => return Err(NtStatus::INTERNAL_ERROR),
            Err(NtStatus::OBJECT_NAME_NOT_FOUND) => {}
            Err(e) => return Err(e),
        }
    }
    let call = OpenCall {
        path: spec.path.clone(),
        disposition: disp,
        kind: spec.kind,
        read: acc & (access::FILE_READ_DATA | access::FILE_EXECUTE) != 0,
        write: acc & (WRITE_DATA | access::FILE_WRITE_ATTRIBUTES | access::FILE_WRITE_EA) != 0
            || destructive,
        create_attributes: spec.create_attributes,
        allocation_size: spec.allocation_size,
    };
    let (handle, info, action) = match cx.fs(share_id, FsCall::Open(call)).await? {
        FsReply::Opened {
            handle,
            info,
            action,
        } => (handle, info, action),
        _ => return Err(NtStatus::INTERNAL_ERROR),
    };
    let key = (share_id, info.file_id);
    let (conn, fid) = cx.with(|i| (i.conn_id, i.new_fid()));
    let Some(fid) = fid else {
        let _ = cx
            .fs(
                share_id,
                FsCall::Close {
                    handle,
                    set_written: None,
                    abandoned: true,
                },
            )
            .await;
        return Err(NtStatus::TOO_MANY_OPENED_FILES);
    };
    if let Err(e) = shared.add_open(key, (conn, fid), acc, spec.share_access) {
        let _ = cx
            .fs(
                share_id,
                FsCall::Close {
                    handle,
                    set_written: None,
                    abandoned: true,
                },
            )
            .await;
        return Err(e);
    }
    cx.with(|i| {
        i.files.insert(
            fid,
            OpenFile {
                tid: rc.tid,
                uid: rc.uid,
                handle,
                share: share_id,
                path: spec.path.clone(),
                file_id: info.file_id,
                access: acc,
                is_dir: info.is_dir,
                delete_on_close: spec.delete_on_close,
                pid: rc.pid(),
                lock_failure: None,
            },
        )
    });
    Ok(Opened {
        fid,
        info,
        action,
        access: acc,
    })
}

/// Closes files taken out of the connection's table: host close, shared release, and
/// delete-on-close. `abandoned`: the connection ended with them open (no client asked
/// for these closes; see [`FsCall::Close`]).
pub(crate) async fn close_all(cx: &Cx, files: BTreeMap<u16, OpenFile>, abandoned: bool) {
    for (fid, f) in files {
        let _ = close_one(cx, fid, f, None, abandoned).await;
    }
}

async fn close_one(
    cx: &Cx,
    fid: u16,
    f: OpenFile,
    set_written: Option<u64>,
    abandoned: bool,
) -> Result<(), NtStatus> {
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    let key = (f.share, f.file_id);
    if f.delete_on_close {
        shared.set_delete_pending(key, true);
    }
    let r = cx
        .fs(
            f.share,
            FsCall::Close {
                handle: f.handle,
                set_written,
                abandoned,
            },
        )
        .await;
    if shared.remove_open(key, (conn, fid)) {
        let call = if f.is_dir {
            FsCall::Rmdir {
                path: f.path.clone(),
            }
        } else {
            FsCall::Delete {
                path: f.path.clone(),
            }
        };
        let _ = cx.fs(f.share, call).await;
    }
    r.map(|_| ())
}

fn parse_path(raw: &str) -> Result<SharePath, NtStatus> {
    SharePath::parse(raw)
}

pub(crate) async fn nt_create(cx: &Cx, rc: &Rc, r: NtCreateAndXRequest) -> HResult {
    let tree = check_tree(cx, rc)?;
    if tree.share.is_none() {
        // Named pipes are not served: clients (smbclient -L) fall back to RAP.
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    let mut path = parse_path(&r.file_name)?;
    if r.root_directory_fid != 0 {
        let dir = check_fid(cx, rc, r.root_directory_fid as u16)?;
        if !dir.is_dir {
            return Err(NtStatus::INVALID_HANDLE);
        }
        let joined = if dir.path.is_root() {
            path.clone()
        } else if path.is_root() {
            dir.path.clone()
        } else {
            parse_path(&format!("{}/{}", dir.path.as_str(), path.as_str()))?
        };
        path = joined;
    }
    if r.flags & nt_create::NT_CREATE_OPEN_TARGET_DIR != 0 {
        path = path.parent();
    }
    let opts = r.create_options;
    if opts & create_options::DIRECTORY_FILE != 0 && opts & create_options::NON_DIRECTORY_FILE != 0
    {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let kind = if opts & create_options::DIRECTORY_FILE != 0 {
        Kind::Directory
    } else if opts & create_options::NON_DIRECTORY_FILE != 0 {
        Kind::File
    } else {
        Kind::Any
    };
    if path.is_root() && kind == Kind::File {
        return Err(NtStatus::FILE_IS_A_DIRECTORY);
    }
    // A sharing violation is retried for about a second before it is reported, as Samba
    // does: another client may be about to close the file.
    let deadline = cx.now().instant + Duration::from_millis(950);
    let o = loop {
        let res = open(
            cx,
            rc,
            OpenSpec {
                path: path.clone(),
                access: r.desired_access,
                share_access: r.share_access & share::ALL,
                disposition: map_disposition(r.create_disposition)?,
                kind,
                delete_on_close: opts & create_options::DELETE_ON_CLOSE != 0,
                create_attributes: r.ext_file_attributes,
                allocation_size: r.allocation_size,
            },
        )
        .await;
        match res {
            Err(NtStatus::SHARING_VIOLATION) if cx.now().instant < deadline => {
                let now = cx.now().instant;
                cx.sleep_until(deadline.min(now + Duration::from_millis(20)))
                    .await;
            }
            other => break other?,
        }
    };
    let (read_only,) = (check_disk(cx, rc)?.1,);
    let action = match o.action {
        CreateAction::Superseded => create_action::SUPERSEDED,
        CreateAction::Opened => create_action::OPENED,
        CreateAction::Created => create_action::CREATED,
        CreateAction::Overwritten => create_action::OVERWRITTEN,
    };
    let i = &o.info;
    let extended = (r.flags & nt_create::NT_CREATE_REQUEST_EXTENDED_RESPONSE != 0).then_some(
        NtCreateExtended {
            volume_guid: [0; 16],
            file_id: 0,
            maximal_access_rights: if read_only {
                access::FILE_GENERIC_READ | access::FILE_EXECUTE
            } else {
                access::FILE_ALL_ACCESS
            },
            guest_maximal_access_rights: 0,
            word_count_50: false,
        },
    );
    Ok(Answer::ok(NtCreateAndXResponse {
        oplock_level: 0,
        fid: o.fid,
        create_action: action,
        creation_time: i.created,
        last_access_time: i.accessed,
        last_write_time: i.written,
        change_time: i.changed,
        ext_file_attributes: attributes(i),
        allocation_size: i.allocation_size,
        end_of_file: i.size,
        resource_type: 0,
        nm_pipe_status: if extended.is_some() { 7 } else { 0 },
        directory: i.is_dir as u8,
        extended,
    }))
}

pub(crate) async fn open_andx(cx: &Cx, rc: &Rc, r: OpenAndXRequest) -> HResult {
    let tree = check_tree(cx, rc)?;
    if tree.share.is_none() {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    let path = parse_path(&r.file_name)?;
    let (acc, granted) = match r.access_mode & open_mode::ACCESS_MASK {
        open_mode::ACCESS_READ => (access::FILE_GENERIC_READ, 0),
        open_mode::ACCESS_WRITE => (access::FILE_GENERIC_WRITE, 1),
        open_mode::ACCESS_READ_WRITE => (access::FILE_GENERIC_READ | access::FILE_GENERIC_WRITE, 2),
        open_mode::ACCESS_EXECUTE => (access::FILE_GENERIC_READ | access::FILE_GENERIC_EXECUTE, 0),
        _ => return Err(NtStatus::INVALID_PARAMETER),
    };
    let share_access = match r.access_mode & open_mode::SHARE_MASK {
        open_mode::SHARE_DENY_ALL => share::NONE,
        open_mode::SHARE_DENY_WRITE => share::READ,
        open_mode::SHARE_DENY_READ => share::WRITE,
        open_mode::SHARE_DENY_NONE | open_mode::SHARE_COMPAT => share::READ | share::WRITE,
        _ => return Err(NtStatus::INVALID_PARAMETER),
    };
    let create = r.open_mode & open_mode::CREATE_IF_MISSING != 0;
    let disposition = match (r.open_mode & 0x3, create) {
        (0, true) => Disposition::Create,
        (1, false) => Disposition::Open,
        (1, true) => Disposition::OpenIf,
        (2, false) => Disposition::Overwrite,
        (2, true) => Disposition::OverwriteIf,
        _ => return Err(NtStatus::INVALID_PARAMETER),
    };
    let o = open(
        cx,
        rc,
        OpenSpec {
            path,
            access: acc,
            share_access,
            disposition,
            kind: Kind::File,
            delete_on_close: false,
            create_attributes: ext_attr::from_dos(r.file_attrs),
            allocation_size: r.allocation_size as u64,
        },
    )
    .await?;
    let results = match o.action {
        CreateAction::Opened => 1,
        CreateAction::Created => 2,
        CreateAction::Overwritten | CreateAction::Superseded => 3,
    };
    let i = &o.info;
    Ok(Answer::ok(OpenAndXResponse {
        fid: o.fid,
        file_attrs: ext_attr::to_dos(attributes(i)),
        last_write_time: filetime_to_utime(i.written),
        file_data_size: i.size.min(u32::MAX as u64) as u32,
        access_rights: granted,
        resource_type: 0,
        nm_pipe_status: 0,
        open_results: results,
        reserved: [0; 3],
        extended: (r.flags & open_andx::OPEN_EXTENDED_RESPONSE != 0).then_some(OpenAndXExtended {
            server_fid: o.fid as u32,
            reserved: 0,
            maximal_access_rights: o.access,
            guest_maximal_access_rights: 0,
        }),
    }))
}

/// Reads through a FID, honouring access and byte-range locks.
async fn read_fid(cx: &Cx, rc: &Rc, fid: u16, offset: u64, len: u32) -> Result<Bytes, NtStatus> {
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
        (conn, fid, rc.pid()),
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
        FsReply::Read(b) if b.len() <= len as usize => Ok(ReadOut::Now(b)),
        FsReply::ReadLater(l) if later_ok && l.len > 0 && l.len <= len => Ok(ReadOut::Later(l)),
        _ => Err(NtStatus::INTERNAL_ERROR),
    }
}

/// Writes through a FID, honouring access, read-only shares and byte-range locks.
async fn write_fid(
    cx: &Cx,
    rc: &Rc,
    fid: u16,
    offset: u64,
    data: Bytes,
    through: bool,
) -> Result<u32, NtStatus> {
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
        (conn, fid, rc.pid()),
        offset,
        data.len() as u64,
        true,
    ) {
        return Err(NtStatus::FILE_LOCK_CONFLICT);
    }
    if data.is_empty() {
        return Ok(0);
    }
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
        FsReply::Written(n) => Ok(n),
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
    check_fid(cx, rc, r.fid)?;
    let f = cx
        .with(|i| i.files.remove(&r.fid))
        .ok_or(NtStatus::INVALID_HANDLE)?;
    close_one(cx, r.fid, f, utime_or_none(r.last_time_modified), false).await?;
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

pub(crate) async fn locking(cx: &Cx, rc: &Rc, r: LockingAndXRequest) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    let key = (f.share, f.file_id);
    if r.type_of_lock & locking::LOCKING_OPLOCK_RELEASE != 0
        && r.locks.is_empty()
        && r.unlocks.is_empty()
    {
        // An oplock break acknowledgement has no response.
        return Ok(Answer::silent());
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
    let count = write_core_inner(cx, rc, &r.0).await?;
    let f = check_fid(cx, rc, r.0.fid)?;
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    shared.unlock(
        (f.share, f.file_id),
        (conn, r.0.fid, rc.pid()),
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

/// NT_TRANSACT: only the IOCTL FSCTL_SET_SPARSE, a no-op on hosts whose files are
/// sparse anyway; every other function is NOT_SUPPORTED.
pub(crate) async fn nt_transact(cx: &Cx, rc: &Rc, r: NtTransactRequest) -> HResult {
    const IOCTL: u16 = 2;
    const FSCTL_SET_SPARSE: u32 = 0x0009_00C4;
    check_tree(cx, rc)?;
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

pub(crate) async fn create_temporary(cx: &Cx, rc: &Rc, r: CreateTemporaryRequest) -> HResult {
    let dir = parse_path(&r.directory_name)?;
    for _ in 0..16 {
        let n: u32 = cx.with(|i| i.rng.u32());
        let name = format!("TMP{:05X}", n & 0xFFFFF);
        let path = dir.join(&name)?;
        let res = open(
            cx,
            rc,
            OpenSpec {
                path,
                access: access::FILE_GENERIC_READ | access::FILE_GENERIC_WRITE,
                share_access: share::READ | share::WRITE,
                disposition: Disposition::Create,
                kind: Kind::File,
                delete_on_close: false,
                create_attributes: ext_attr::from_dos(r.file_attributes),
                allocation_size: 0,
            },
        )
        .await;
        match res {
            Ok(o) => {
                return Ok(Answer::ok(CreateTemporaryResponse {
                    fid: o.fid,
                    temporary_file_name: name,
                }));
            }
            Err(NtStatus::OBJECT_NAME_COLLISION) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(NtStatus::OBJECT_NAME_COLLISION)
}

pub(crate) async fn process_exit(cx: &Cx, rc: &Rc) -> HResult {
    super::check_uid(cx, rc)?;
    let pid = rc.pid();
    let uid = rc.uid;
    let files = cx.with(|i| i.take_files(|f| f.pid == pid && f.uid == uid));
    close_all(cx, files, false).await;
    Ok(Answer::ok(ProcessExitResponse))
}
