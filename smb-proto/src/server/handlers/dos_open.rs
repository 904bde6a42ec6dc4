//! The DOS forms of open: an access and deny mode and an "open function" (OPEN_ANDX,
//! TRANS2_OPEN2 and the core OPEN, CREATE and MKNEW) mapped to an NT open, as Windows
//! and Samba map them, and the DOS/FCB compatibility opens: a process that opens a file
//! again in DENY_DOS or DENY_FCB mode gets a second FID on its first open's handle instead
//! of a sharing violation.

use super::Rc;
use super::open::{OpenSpec, Opened, open_with_oplock};
use crate::server::cx::Cx;
use crate::server::fs::{
    CreateAction, Disposition, FsCall, FsReply, Kind, SetInfo, SharePath, Target,
};
use crate::server::state::OpenFile;
use crate::wire::NtStatus;
use crate::wire::consts::{access, ext_attr, open_mode, share};

/// Access mode (low nibble of the mode word): FCB opens read and write.
const ACCESS_FCB: u16 = 0x000F;
/// Deny mode DENY_DOS (compatibility mode).
const DENY_DOS: u16 = 0;
/// Deny mode DENY_FCB.
const DENY_FCB: u16 = 7;

/// An NT open worked out from a DOS open's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DosOpen {
    /// Requested access.
    pub access: u32,
    /// Share access.
    pub share_access: u32,
    /// What to do if the file exists or not.
    pub disposition: Disposition,
    /// Opened in DENY_DOS or DENY_FCB mode: a repeated open by the same process shares
    /// this open's handle.
    pub compat: bool,
}

/// Maps a DOS access/deny mode and open function to an NT open (Samba's
/// `map_open_params_to_ntcreate`). Anything it does not know is refused with the DOS
/// error ERRbadaccess, as Windows and Samba send it.
pub(crate) fn map_open_params(name: &str, mode: u16, open_func: u16) -> Result<DosOpen, NtStatus> {
    let access_mode = mode & 0x000F;
    let access = match access_mode {
        open_mode::ACCESS_READ | open_mode::ACCESS_EXECUTE => access::FILE_GENERIC_READ,
        open_mode::ACCESS_WRITE => access::FILE_GENERIC_WRITE,
        open_mode::ACCESS_READ_WRITE | ACCESS_FCB => {
            access::FILE_GENERIC_READ | access::FILE_GENERIC_WRITE
        }
        _ => return Err(NtStatus::SMB_BAD_ACCESS),
    };
    let disposition = match open_func {
        0x10 => Disposition::Create,
        0x01 => Disposition::Open,
        0x11 => Disposition::OpenIf,
        0x02 => Disposition::Overwrite,
        0x12 => Disposition::OverwriteIf,
        // Opening to execute with no open function creates the file (as Windows does).
        _ if access_mode == open_mode::ACCESS_EXECUTE => Disposition::Create,
        _ => return Err(NtStatus::SMB_BAD_ACCESS),
    };
    let rw = share::READ | share::WRITE;
    let (share_access, compat) = match (mode >> 4) & 0x7 {
        1 => (share::NONE, false),
        2 => (share::READ, false),
        3 => (share::WRITE, false),
        4 => (rw, false),
        DENY_DOS if is_executable(name) => (rw, true),
        DENY_DOS if access_mode == open_mode::ACCESS_READ => (share::READ, true),
        DENY_DOS => (share::NONE, true),
        DENY_FCB => (share::NONE, true),
        _ => return Err(NtStatus::SMB_BAD_ACCESS),
    };
    Ok(DosOpen {
        access,
        share_access,
        disposition,
        compat,
    })
}

/// Whether a name looks like a program (DENY_DOS opens of programs share freely).
fn is_executable(name: &str) -> bool {
    let ext = match name.rfind('.') {
        Some(i) => &name[i + 1..],
        None => return false,
    };
    ["com", "dll", "exe", "sym"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}

/// Opens a file for a DOS open: the NT open, or on a sharing violation the DOS/FCB
/// compatibility open; then, for a new or truncated file, `size` as its length (the
/// OPEN_ANDX and TRANS2_OPEN2 "allocation size"). `oplock` is the oplock asked for (a
/// compatibility open gets none).
pub(crate) async fn open_dos(
    cx: &Cx,
    rc: &Rc,
    path: SharePath,
    params: DosOpen,
    dos_attrs: u16,
    size: u64,
    oplock: u8,
) -> Result<Opened, NtStatus> {
    let spec = OpenSpec {
        path: path.clone(),
        access: params.access,
        share_access: params.share_access,
        disposition: params.disposition,
        kind: Kind::File,
        delete_on_close: false,
        create_attributes: ext_attr::from_dos(dos_attrs),
        allocation_size: size,
    };
    let mut o = match open_with_oplock(cx, rc, spec, oplock).await {
        Err(NtStatus::SHARING_VIOLATION) if params.compat => {
            return compat_open(cx, rc, &path, params.access)
                .await
                .ok_or(NtStatus::SHARING_VIOLATION);
        }
        other => other?,
    };
    cx.with(|i| {
        if let Some(f) = i.files.get_mut(&o.fid) {
            f.compat = params.compat;
        }
    });
    if size != 0 && matches!(o.action, CreateAction::Created | CreateAction::Overwritten) {
        let f = cx.with(|i| i.files.get(&o.fid).cloned());
        if let Some(f) = f {
            let target = Target::Handle(f.handle);
            let info = SetInfo {
                size: Some(size),
                ..Default::default()
            };
            let set = cx
                .fs(
                    f.share,
                    FsCall::SetInfo {
                        target: target.clone(),
                        info,
                    },
                )
                .await;
            let stat = match set {
                Ok(_) => cx.fs(f.share, FsCall::Stat { target }).await,
                Err(e) => Err(e),
            };
            match stat {
                Ok(FsReply::Info(fi)) => o.info = fi,
                _ => {
                    if let Some(f) = cx.with(|i| i.files.remove(&o.fid)) {
                        let _ = super::open::close_one(cx, o.fid, f, None, false).await;
                    }
                    return Err(NtStatus::DISK_FULL);
                }
            }
        }
    }
    Ok(o)
}

/// The action word of a DOS open's reply (OPEN_ANDX OpenResults, TRANS2_OPEN2
/// ActionTaken): 1 opened, 2 created, 3 truncated; bit 15 when an oplock was granted.
pub(crate) fn open_results(o: &Opened) -> u16 {
    let action = match o.action {
        CreateAction::Opened => 1,
        CreateAction::Created => 2,
        CreateAction::Overwritten | CreateAction::Superseded => 3,
    };
    if o.oplock != crate::wire::consts::oplock::NONE {
        action | 0x8000
    } else {
        action
    }
}

/// The DOS/FCB compatibility open (Samba's `fcb_or_dos_open`): when this process (same
/// UID, PID and tree) holds the file open for writing in DENY_DOS or DENY_FCB mode, a new
/// FID on that open's handle.
async fn compat_open(cx: &Cx, rc: &Rc, path: &SharePath, acc: u32) -> Option<Opened> {
    if is_executable(path.as_str()) {
        return None;
    }
    let (conn, fid, first) = cx.with(|i| {
        let first = i
            .files
            .values()
            .find(|f| {
                f.compat
                    && f.uid == rc.uid
                    && f.pid == rc.pid()
                    && f.tid == rc.tid
                    && f.access & access::FILE_WRITE_DATA != 0
                    && f.path == *path
            })?
            .clone();
        Some((i.conn_id, i.new_fid()?, first))
    })?;
    let target = Target::Handle(first.handle);
    let Ok(FsReply::Info(info)) = cx.fs(first.share, FsCall::Stat { target }).await else {
        return None;
    };
    let shared = cx.with(|i| i.shared.clone());
    shared.add_dup((first.share, first.file_id), (conn, fid), acc);
    let dup = OpenFile {
        access: acc,
        delete_on_close: false,
        lock_failure: None,
        ..first
    };
    cx.with(|i| i.files.insert(fid, dup));
    Some(Opened {
        fid,
        info,
        action: CreateAction::Opened,
        oplock: crate::wire::consts::oplock::NONE,
    })
}
