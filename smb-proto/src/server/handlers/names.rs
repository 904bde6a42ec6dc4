//! Name operations: delete, rename, directories, the core QUERY/SET_INFORMATION, disk size.
//! (The core SEARCH lives with the other 8.3 searches in `find`.)

use alloc::vec::Vec;

use super::{Answer, HResult, Rc, attributes, check_disk};
use crate::server::cx::Cx;
use crate::server::fs::{FileInfo, FsCall, FsReply, SetInfo, SetTimes, ShareId, SharePath, Target};
use crate::wildcard;
use crate::wire::NtStatus;
use crate::wire::consts::{access, attr, ext_attr, share as sharing};
use crate::wire::msg::trans2::info::{filetime_to_utime, utime_to_filetime};
use crate::wire::msg::*;

/// Information about a path.
pub(crate) async fn stat(cx: &Cx, share: ShareId, path: &SharePath) -> Result<FileInfo, NtStatus> {
    match cx
        .fs(
            share,
            FsCall::Stat {
                target: Target::Path(path.clone()),
            },
        )
        .await?
    {
        FsReply::Info(i) => Ok(i),
        _ => Err(NtStatus::INTERNAL_ERROR),
    }
}

/// The entries of a directory.
pub(crate) async fn list(
    cx: &Cx,
    share: ShareId,
    dir: &SharePath,
) -> Result<Vec<FileInfo>, NtStatus> {
    match cx.fs(share, FsCall::ReadDir { path: dir.clone() }).await? {
        FsReply::Dir(v) => Ok(v),
        _ => Err(NtStatus::INTERNAL_ERROR),
    }
}

/// Whether search attributes admit a file with these attributes (hidden and system files
/// only when asked for; directories only when `dirs`).
pub(crate) fn attrs_match(search: u16, fi: &FileInfo, dirs: bool) -> bool {
    let a = attributes(fi);
    // "Must have" bits in the high byte: every entry must carry those attributes.
    let must = (search >> 8) as u32 & 0x37;
    if must != 0 && a & must != must {
        return false;
    }
    if fi.is_dir && !(dirs && search & attr::DIRECTORY != 0) {
        return false;
    }
    if a & ext_attr::HIDDEN != 0 && search & attr::HIDDEN == 0 {
        return false;
    }
    if a & ext_attr::SYSTEM != 0 && search & attr::SYSTEM == 0 {
        return false;
    }
    true
}

fn writable(cx: &Cx, rc: &Rc) -> Result<ShareId, NtStatus> {
    let (s, ro) = check_disk(cx, rc)?;
    if ro {
        return Err(NtStatus::ACCESS_DENIED);
    }
    Ok(s)
}

async fn delete_one(
    cx: &Cx,
    share: ShareId,
    path: &SharePath,
    fi: &FileInfo,
) -> Result<(), NtStatus> {
    if fi.is_dir {
        return Err(NtStatus::FILE_IS_A_DIRECTORY);
    }
    if attributes(fi) & ext_attr::READONLY != 0 {
        return Err(NtStatus::CANNOT_DELETE);
    }
    let shared = cx.with(|i| i.shared.clone());
    // Deleting opens the file for DELETE sharing nothing: it breaks oplocks first.
    super::oplock::contend(
        cx,
        (share, fi.file_id),
        access::DELETE,
        sharing::NONE,
        false,
    )
    .await;
    shared.check_unlink((share, fi.file_id))?;
    if shared.is_open((share, fi.file_id)) {
        // Open by others with FILE_SHARE_DELETE: delete when the last handle closes.
        shared.set_delete_pending((share, fi.file_id), true);
        return Ok(());
    }
    cx.fs(share, FsCall::Delete { path: path.clone() })
        .await
        .map(|_| ())
}

pub(crate) async fn delete(cx: &Cx, rc: &Rc, r: DeleteRequest) -> HResult {
    let share = writable(cx, rc)?;
    let last = r.file_name.rsplit(['\\', '/']).next().unwrap_or("");
    if last == ".." || last == "." {
        // `DIR\..` names a directory (or escapes the share: a syntax error).
        let path = SharePath::parse(&r.file_name)?;
        let fi = stat(cx, share, &path).await?;
        return Err(if fi.is_dir {
            NtStatus::FILE_IS_A_DIRECTORY
        } else {
            NtStatus::NO_SUCH_FILE
        });
    }
    let (dir, pattern) = SharePath::parse_pattern(&r.file_name)?;
    if !wildcard::has_wildcards(&pattern) {
        let path = dir.join(&pattern)?;
        let fi = stat(cx, share, &path).await?;
        if !fi.is_dir && !attrs_match(r.search_attributes, &fi, false) {
            return Err(NtStatus::NO_SUCH_FILE);
        }
        delete_one(cx, share, &path, &fi).await?;
        return Ok(Answer::ok(DeleteResponse));
    }
    let entries = list(cx, share, &dir).await?;
    let mut n = 0;
    let mut last_err = None;
    for fi in entries
        .iter()
        .filter(|fi| wildcard::matches(&pattern, &fi.name))
    {
        if !attrs_match(r.search_attributes, fi, false) {
            continue;
        }
        let path = dir.join(&fi.name)?;
        match delete_one(cx, share, &path, fi).await {
            Ok(()) => n += 1,
            Err(e) => last_err = Some(e),
        }
    }
    match (n, last_err) {
        (_, Some(e)) => Err(e),
        (0, None) => Err(NtStatus::NO_SUCH_FILE),
        _ => Ok(Answer::ok(DeleteResponse)),
    }
}

/// Renames a path after the sharing checks; updates this connection's open entries.
pub(crate) async fn rename_path(
    cx: &Cx,
    share: ShareId,
    from: &SharePath,
    to: &SharePath,
    replace: bool,
    fi: &FileInfo,
) -> Result<(), NtStatus> {
    if !fi.is_dir {
        // As Samba's rename_internals: an open for DELETE sharing reading and writing, so
        // an open that does not share delete, or has delete access itself, refuses it.
        cx.with(|i| i.shared.clone()).check_open(
            (share, fi.file_id),
            crate::wire::consts::access::DELETE,
            crate::wire::consts::share::READ | crate::wire::consts::share::WRITE,
        )?;
    }
    rename_checked(cx, share, from, to, replace, fi).await
}

/// Renames a path whose sharing was checked (or needs none: a rename through its own
/// handle); updates this connection's open entries.
pub(crate) async fn rename_checked(
    cx: &Cx,
    share: ShareId,
    from: &SharePath,
    to: &SharePath,
    replace: bool,
    fi: &FileInfo,
) -> Result<(), NtStatus> {
    // A directory with open files below it cannot move, whoever renames it.
    if fi.is_dir
        && cx.with(|i| {
            i.files.values().any(|f| {
                f.share == share
                    && f.path.as_str().len() > from.as_str().len()
                    && f.path.as_str().starts_with(from.as_str())
                    && f.path.as_str().as_bytes()[from.as_str().len()] == b'/'
            })
        })
    {
        return Err(NtStatus::ACCESS_DENIED);
    }
    cx.fs(
        share,
        FsCall::Rename {
            from: from.clone(),
            to: to.clone(),
            replace,
        },
    )
    .await?;
    cx.with(|i| {
        for f in i.files.values_mut() {
            if f.share == share && f.file_id == fi.file_id {
                f.path = to.clone();
            }
        }
    });
    cx.with(|i| i.shared.clone())
        .set_path((share, fi.file_id), to.clone());
    Ok(())
}

/// Before a rename by name (SMBmv, NT_RENAME) of a file: the rename opens the file for
/// DELETE sharing read and write (as Samba), so it breaks oplocks first (a batch oplock
/// to level II, even when the rename then fails with SHARING_VIOLATION).
pub(crate) async fn contend_rename(cx: &Cx, share: ShareId, fi: &FileInfo) {
    if !fi.is_dir {
        let rw = sharing::READ | sharing::WRITE;
        super::oplock::contend(cx, (share, fi.file_id), access::DELETE, rw, false).await;
    }
}

pub(crate) async fn rename(cx: &Cx, rc: &Rc, r: RenameRequest) -> HResult {
    let share = writable(cx, rc)?;
    let from = SharePath::parse(&r.old_file_name)?;
    let to = SharePath::parse(&r.new_file_name)?;
    if from.is_root() || to.is_root() {
        return Err(NtStatus::OBJECT_NAME_INVALID);
    }
    let fi = stat(cx, share, &from).await?;
    if !attrs_match(r.search_attributes | attr::DIRECTORY, &fi, true) {
        return Err(NtStatus::NO_SUCH_FILE);
    }
    if from == to {
        return Ok(Answer::ok(RenameResponse));
    }
    contend_rename(cx, share, &fi).await;
    rename_path(cx, share, &from, &to, false, &fi).await?;
    Ok(Answer::ok(RenameResponse))
}

pub(crate) async fn mkdir(cx: &Cx, rc: &Rc, name: &str) -> Result<(), NtStatus> {
    let share = writable(cx, rc)?;
    let path = SharePath::parse(name)?;
    if path.is_root() {
        return Err(NtStatus::OBJECT_NAME_COLLISION);
    }
    cx.fs(share, FsCall::Mkdir { path }).await.map(|_| ())
}

pub(crate) async fn rmdir(cx: &Cx, rc: &Rc, r: DeleteDirectoryRequest) -> HResult {
    let share = writable(cx, rc)?;
    let path = SharePath::parse(&r.directory_name)?;
    if path.is_root() {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let fi = stat(cx, share, &path).await?;
    if !fi.is_dir {
        return Err(NtStatus::NOT_A_DIRECTORY);
    }
    let shared = cx.with(|i| i.shared.clone());
    // Samba opens the directory for DELETE sharing read, write and delete.
    if shared.is_open((share, fi.file_id)) {
        shared.check_rename((share, fi.file_id))?;
    }
    cx.fs(share, FsCall::Rmdir { path }).await?;
    Ok(Answer::ok(DeleteDirectoryResponse))
}

pub(crate) async fn check_directory(cx: &Cx, rc: &Rc, r: CheckDirectoryRequest) -> HResult {
    let (share, _) = check_disk(cx, rc)?;
    let checked = async {
        super::reject_dot(&r.directory_name)?;
        let path = SharePath::parse(&r.directory_name)?;
        // A missing last component is OBJECT_NAME_NOT_FOUND, a missing folder on the way
        // OBJECT_PATH_NOT_FOUND, as on Windows.
        let fi = stat(cx, share, &path).await?;
        if !fi.is_dir {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        Ok(Answer::ok(CheckDirectoryResponse))
    };
    checked.await.map_err(|e| match e {
        // A client that takes DOS errors gets ERRbadpath for every bad path here.
        NtStatus::OBJECT_NAME_NOT_FOUND
        | NtStatus::OBJECT_PATH_NOT_FOUND
        | NtStatus::NOT_A_DIRECTORY
        | NtStatus::OBJECT_NAME_INVALID
            if !rc.h.flags2.has(crate::wire::Flags2::NT_STATUS) =>
        {
            NtStatus::SMB_BAD_PATH
        }
        e => e,
    })
}

pub(crate) async fn query_information(cx: &Cx, rc: &Rc, r: QueryInformationRequest) -> HResult {
    let (share, _) = check_disk(cx, rc)?;
    super::reject_dot(&r.file_name)?;
    let path = SharePath::parse(&r.file_name)?;
    let fi = stat(cx, share, &path).await?;
    Ok(Answer::ok(QueryInformationResponse {
        file_attributes: ext_attr::to_dos(attributes(&fi)),
        last_write_time: filetime_to_utime(fi.written),
        file_size: if fi.is_dir {
            0
        } else {
            fi.size.min(u32::MAX as u64) as u32
        },
        reserved: [0; 5],
    }))
}

pub(crate) async fn set_information(cx: &Cx, rc: &Rc, r: SetInformationRequest) -> HResult {
    let share = writable(cx, rc)?;
    let path = SharePath::parse(&r.file_name)?;
    let fi = stat(cx, share, &path).await?;
    let mut attrs = ext_attr::from_dos(r.file_attributes & !attr::DIRECTORY);
    if fi.is_dir {
        attrs |= ext_attr::DIRECTORY;
        attrs &= !ext_attr::NORMAL;
    }
    let written = utime_to_filetime(r.last_write_time);
    let info = SetInfo {
        times: SetTimes {
            written: (written != 0).then_some(written),
            ..Default::default()
        },
        size: None,
        // As Samba and Windows: NORMAL alone changes nothing (0 clears every attribute).
        attributes: (r.file_attributes != ext_attr::NORMAL as u16).then_some(attrs),
    };
    cx.fs(
        share,
        FsCall::SetInfo {
            target: Target::Path(path),
            info,
        },
    )
    .await?;
    Ok(Answer::ok(SetInformationResponse))
}

pub(crate) async fn query_disk(cx: &Cx, rc: &Rc) -> HResult {
    let (share, _) = check_disk(cx, rc)?;
    let FsReply::FsInfo(f) = cx.fs(share, FsCall::FsInfo).await? else {
        return Err(NtStatus::INTERNAL_ERROR);
    };
    Ok(Answer::ok(QueryInformationDiskResponse::from_sizes(
        f.total_bytes,
        f.free_bytes,
    )))
}
