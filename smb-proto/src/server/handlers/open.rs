//! Opening and creating files (NT_CREATE_ANDX, OPEN_ANDX, CREATE_TEMPORARY), and
//! closing every handle of a tree, session or connection.

use alloc::collections::BTreeMap;
use alloc::format;

use super::dos_open::{map_open_params, open_dos, open_results};
use super::{Answer, HResult, Rc, allocation, attributes, check_disk, check_fid, check_tree};
use crate::server::cx::Cx;
use crate::server::fs::{
    CreateAction, Disposition, FileInfo, FsCall, FsReply, Kind, OpenCall, ShareId, SharePath,
    Target,
};
use crate::server::state::OpenFile;
use crate::wire::NtStatus;
use crate::wire::consts::{
    access, create_action, create_options, disposition, ext_attr, oplock, share,
};
use crate::wire::msg::trans2::info::filetime_to_utime;
use crate::wire::msg::*;

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
    /// The oplock granted (`oplock::NONE` unless asked for).
    pub oplock: u8,
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

pub(super) const WRITE_DATA: u32 = access::FILE_WRITE_DATA | access::FILE_APPEND_DATA;

/// Opens (or creates) a file for a request: share-mode checks against every connection,
/// read-only shares, delete-on-close.
pub(crate) async fn open(cx: &Cx, rc: &Rc, spec: OpenSpec) -> Result<Opened, NtStatus> {
    open_with_oplock(cx, rc, spec, oplock::NONE).await
}

/// [`open`], asking for an oplock (`oplock::EXCLUSIVE` or `oplock::BATCH`): the opens of
/// other clients are broken first as far as needed, and the level granted is returned.
pub(crate) async fn open_with_oplock(
    cx: &Cx,
    rc: &Rc,
    spec: OpenSpec,
    requested: u8,
) -> Result<Opened, NtStatus> {
    let (share_id, read_only) = check_disk(cx, rc)?;
    let mut acc = access::map_generic(spec.access);
    if spec.delete_on_close && acc & access::DELETE == 0 {
        // Windows refuses delete-on-close without DELETE access before anything else.
        return Err(NtStatus::INVALID_PARAMETER);
    }
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
                // Oplock holders lose their caching before the file is overwritten.
                let key = (share_id, fi.file_id);
                super::oplock::contend(cx, key, acc, spec.share_access, true).await;
                shared.check_open(key, acc, spec.share_access)?
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
    let delete_on_close = match initial_delete_on_close(cx, share_id, &spec, &info, action).await {
        Ok(d) => d,
        Err(e) => {
            abandon(cx, share_id, handle, &spec.path, &info, action).await;
            return Err(e);
        }
    };
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
    if action == CreateAction::Opened {
        super::oplock::contend(cx, key, acc, spec.share_access, false).await;
    }
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
    shared.set_path(key, spec.path.clone());
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
                delete_on_close,
                pid: rc.pid(),
                compat: false,
                lock_failure: None,
                seek_pos: 0,
                position: 0,
            },
        )
    });
    let oplock = super::oplock::grant(cx, key, fid, requested, acc, action);
    Ok(Opened {
        fid,
        info,
        action,
        oplock,
    })
}

/// Closes files taken out of the connection's table: host close, shared release, and
/// delete-on-close. `abandoned`: the connection ended with them open (no client asked
/// for these closes; see [`FsCall::Close`]).
pub(crate) async fn close_all(cx: &Cx, files: BTreeMap<u16, OpenFile>, abandoned: bool) {
    let mut rest: alloc::vec::Vec<(u16, OpenFile)> = files.into_iter().collect();
    while let Some((fid, f)) = rest.pop() {
        // The host handle closes with the last FID on it (see `dos_open`).
        let last = !rest.iter().any(|(_, o)| o.handle == f.handle);
        let _ = close_fid(cx, fid, f, None, last, abandoned).await;
    }
}

pub(super) async fn close_one(
    cx: &Cx,
    fid: u16,
    f: OpenFile,
    set_written: Option<u64>,
    abandoned: bool,
) -> Result<(), NtStatus> {
    let last = !cx.with(|i| i.files.values().any(|o| o.handle == f.handle));
    close_fid(cx, fid, f, set_written, last, abandoned).await
}

/// Closes a FID taken out of the table, and its host handle when no other FID of this
/// connection is on it.
async fn close_fid(
    cx: &Cx,
    fid: u16,
    f: OpenFile,
    set_written: Option<u64>,
    close_handle: bool,
    abandoned: bool,
) -> Result<(), NtStatus> {
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    let key = (f.share, f.file_id);
    if f.delete_on_close {
        shared.set_delete_pending(key, true);
    }
    let handle = f.handle;
    let r = if close_handle {
        cx.fs(
            f.share,
            FsCall::Close {
                handle,
                set_written,
                abandoned,
            },
        )
        .await
    } else {
        Ok(FsReply::Done)
    };
    // Where the file is now: another connection may have renamed it.
    let path = shared.path(key).unwrap_or_else(|| f.path.clone());
    if shared.remove_open(key, (conn, fid)) {
        delete_if_same(cx, f.share, &path, f.file_id).await;
    }
    r.map(|_| ())
}

/// Deletes the file or directory at `path` if it is still the file `file_id` (the delete
/// of a delete-on-close file whose last handle closed).
async fn delete_if_same(cx: &Cx, share: ShareId, path: &SharePath, file_id: u64) {
    let target = Target::Path(path.clone());
    let Ok(FsReply::Info(fi)) = cx.fs(share, FsCall::Stat { target }).await else {
        return;
    };
    if fi.file_id != file_id {
        return;
    }
    let path = path.clone();
    let call = if fi.is_dir {
        FsCall::Rmdir { path }
    } else {
        FsCall::Delete { path }
    };
    let _ = cx.fs(share, call).await;
}

/// Whether an open asking for delete-on-close gets it (the "initial" delete-on-close,
/// which takes effect when this handle closes), as Windows decides: a read-only file
/// cannot be deleted, and a directory that is not empty opens without it.
async fn initial_delete_on_close(
    cx: &Cx,
    share: ShareId,
    spec: &OpenSpec,
    info: &FileInfo,
    action: CreateAction,
) -> Result<bool, NtStatus> {
    if !spec.delete_on_close {
        return Ok(false);
    }
    if info.is_dir {
        return Ok(super::names::list(cx, share, &spec.path).await?.is_empty());
    }
    let readonly = if action == CreateAction::Opened {
        attributes(info) & ext_attr::READONLY != 0
    } else {
        spec.create_attributes & ext_attr::READONLY != 0
    };
    if readonly {
        return Err(NtStatus::CANNOT_DELETE);
    }
    Ok(true)
}

/// Undoes an open that is refused after the host opened the file: closes the handle and
/// removes what the open created.
async fn abandon(
    cx: &Cx,
    share: ShareId,
    handle: crate::server::fs::Handle,
    path: &SharePath,
    info: &FileInfo,
    action: CreateAction,
) {
    let set_written = None;
    let _ = cx
        .fs(
            share,
            FsCall::Close {
                handle,
                set_written,
                // The client never had this handle.
                abandoned: true,
            },
        )
        .await;
    if action == CreateAction::Created {
        delete_if_same(cx, share, path, info.file_id).await;
    }
}

fn parse_path(raw: &str) -> Result<SharePath, NtStatus> {
    SharePath::parse(raw)
}

/// The NT create action code of what an open did.
pub(super) fn nt_action(a: CreateAction) -> u32 {
    match a {
        CreateAction::Superseded => create_action::SUPERSEDED,
        CreateAction::Opened => create_action::OPENED,
        CreateAction::Created => create_action::CREATED,
        CreateAction::Overwritten => create_action::OVERWRITTEN,
    }
}

/// Create options that change nothing here (Samba's `NTCREATEX_OPTIONS_MUST_IGNORE_MASK`).
const IGNORED_OPTIONS: u32 = 0x008F_0480;
/// Create options Windows refuses with INVALID_PARAMETER (synchronous I/O alerts, the
/// reserved opfilter bit, the high byte).
const INVALID_OPTIONS: u32 = 0xFF10_0030;
/// FILE_OPEN_BY_FILE_ID: not supported.
const OPEN_BY_FILE_ID: u32 = 0x0000_2000;

/// The open of an NT_CREATE_ANDX (or NT_TRANSACT_CREATE) request: the path (relative to a
/// directory FID, or its parent), the options and the disposition checked as Windows does,
/// and a sharing violation retried for about a second.
pub(super) async fn nt_open(cx: &Cx, rc: &Rc, r: &NtCreateAndXRequest) -> Result<Opened, NtStatus> {
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
    let opts = r.create_options & !IGNORED_OPTIONS;
    if opts & OPEN_BY_FILE_ID != 0 {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    if opts & INVALID_OPTIONS != 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
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
    let disposition = map_disposition(r.create_disposition)?;
    if kind == Kind::Directory
        && matches!(
            disposition,
            Disposition::Supersede | Disposition::Overwrite | Disposition::OverwriteIf
        )
    {
        // A directory cannot be superseded or overwritten, whether it exists or not.
        return Err(NtStatus::INVALID_PARAMETER);
    }
    // A sharing violation is retried for about a second before it is reported.
    let requested = super::oplock::requested_nt(r.flags);
    let delete_on_close = opts & create_options::DELETE_ON_CLOSE != 0;
    super::defer::retry_sharing(cx, || {
        open_with_oplock(
            cx,
            rc,
            OpenSpec {
                path: path.clone(),
                access: r.desired_access,
                share_access: r.share_access & share::ALL,
                disposition,
                kind,
                delete_on_close,
                create_attributes: r.ext_file_attributes,
                allocation_size: r.allocation_size,
            },
            requested,
        )
    })
    .await
}

pub(crate) async fn nt_create(cx: &Cx, rc: &Rc, r: NtCreateAndXRequest) -> HResult {
    let tree = check_tree(cx, rc)?;
    if tree.share.is_none() {
        // Named pipes are not served: clients (smbclient -L) fall back to RAP.
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    let o = nt_open(cx, rc, &r).await?;
    let (read_only,) = (check_disk(cx, rc)?.1,);
    let action = nt_action(o.action);
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
        oplock_level: o.oplock,
        fid: o.fid,
        create_action: action,
        creation_time: i.created,
        last_access_time: i.accessed,
        last_write_time: i.written,
        change_time: i.changed,
        ext_file_attributes: attributes(i),
        allocation_size: allocation(i),
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
    let params = map_open_params(&r.file_name, r.access_mode, r.open_mode)?;
    super::reject_dot(&r.file_name)?;
    let path = parse_path(&r.file_name)?;
    let size = r.allocation_size as u64;
    let requested = super::oplock::requested_andx(r.flags);
    let o = open_dos(cx, rc, path, params, r.file_attrs, size, requested).await?;
    let i = &o.info;
    Ok(Answer::ok(OpenAndXResponse {
        fid: o.fid,
        file_attrs: ext_attr::to_dos(attributes(i)),
        last_write_time: filetime_to_utime(i.written),
        file_data_size: i.size.min(u32::MAX as u64) as u32,
        // The access mode as asked for, as Windows and Samba answer.
        access_rights: r.access_mode & 0x000F,
        resource_type: 0,
        nm_pipe_status: 0,
        open_results: open_results(&o),
        reserved: [0; 3],
        extended: (r.flags & open_andx::OPEN_EXTENDED_RESPONSE != 0).then_some(OpenAndXExtended {
            server_fid: o.fid as u32,
            reserved: 0,
            maximal_access_rights: access::STANDARD_RIGHTS_ALL,
            guest_maximal_access_rights: 0,
        }),
    }))
}

/// CREATE_TEMPORARY: a new file with a unique name in a directory.
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
