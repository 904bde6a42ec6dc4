//! Opening and creating files (NT_CREATE_ANDX, OPEN_ANDX, CREATE_TEMPORARY), and
//! closing every handle of a tree, session or connection.

use alloc::collections::BTreeMap;
use alloc::format;
use core::time::Duration;

use super::{Answer, HResult, Rc, attributes, check_disk, check_fid, check_tree};
use crate::server::cx::Cx;
use crate::server::fs::{
    CreateAction, Disposition, FileInfo, FsCall, FsReply, Kind, OpenCall, SharePath, Target,
};
use crate::server::state::OpenFile;
use crate::wire::NtStatus;
use crate::wire::consts::{
    access, create_action, create_options, disposition, ext_attr, open_mode, share,
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
    pub access: u32,
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
    open_with_oplock(cx, rc, spec, crate::wire::consts::oplock::NONE).await
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
        access: acc,
        oplock,
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

pub(super) async fn close_one(
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
    let requested = super::oplock::requested_nt(r.flags);
    let o = loop {
        let res = open_with_oplock(
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
            requested,
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
        oplock_level: o.oplock,
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

/// The NT access, the access granted (0 read, 1 write, 2 both) and the NT share access of
/// a DOS access mode (OPEN_ANDX, the core OPEN).
pub(crate) fn dos_access(access_mode: u16) -> Result<(u32, u16, u32), NtStatus> {
    let (acc, granted) = match access_mode & open_mode::ACCESS_MASK {
        open_mode::ACCESS_READ => (access::FILE_GENERIC_READ, 0),
        open_mode::ACCESS_WRITE => (access::FILE_GENERIC_WRITE, 1),
        open_mode::ACCESS_READ_WRITE => (access::FILE_GENERIC_READ | access::FILE_GENERIC_WRITE, 2),
        open_mode::ACCESS_EXECUTE => (access::FILE_GENERIC_READ | access::FILE_GENERIC_EXECUTE, 0),
        _ => return Err(NtStatus::INVALID_PARAMETER),
    };
    let share_access = match access_mode & open_mode::SHARE_MASK {
        open_mode::SHARE_DENY_ALL => share::NONE,
        open_mode::SHARE_DENY_WRITE => share::READ,
        open_mode::SHARE_DENY_READ => share::WRITE,
        open_mode::SHARE_DENY_NONE | open_mode::SHARE_COMPAT => share::READ | share::WRITE,
        _ => return Err(NtStatus::INVALID_PARAMETER),
    };
    Ok((acc, granted, share_access))
}

pub(crate) async fn open_andx(cx: &Cx, rc: &Rc, r: OpenAndXRequest) -> HResult {
    let tree = check_tree(cx, rc)?;
    if tree.share.is_none() {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    let path = parse_path(&r.file_name)?;
    let (acc, granted, share_access) = dos_access(r.access_mode)?;
    let create = r.open_mode & open_mode::CREATE_IF_MISSING != 0;
    let disposition = match (r.open_mode & 0x3, create) {
        (0, true) => Disposition::Create,
        (1, false) => Disposition::Open,
        (1, true) => Disposition::OpenIf,
        (2, false) => Disposition::Overwrite,
        (2, true) => Disposition::OverwriteIf,
        _ => return Err(NtStatus::INVALID_PARAMETER),
    };
    let o = open_with_oplock(
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
        super::oplock::requested_andx(r.flags),
    )
    .await?;
    let mut results = match o.action {
        CreateAction::Opened => 1,
        CreateAction::Created => 2,
        CreateAction::Overwritten | CreateAction::Superseded => 3,
    };
    if o.oplock != crate::wire::consts::oplock::NONE {
        // Bit 15: an oplock was granted.
        results |= 0x8000;
    }
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
