//! TRANS2 SET_PATH_INFORMATION and SET_FILE_INFORMATION: what each level changes and the
//! checks Windows and Samba make first (access of the handle, sharing of a path-based
//! change, the rename rules of FileRenameInformation).

use super::names::{list, stat};
use super::open::WRITE_DATA;
use super::trans2::set_eas;
use super::{Rc, check_disk, check_fid};
use crate::server::cx::Cx;
use crate::server::fs::{FsCall, FsReply, SetInfo, SetTimes, ShareId, SharePath, Target};
use crate::wire::NtStatus;
use crate::wire::consts::{access, ext_attr, share as share_mode};
use crate::wire::msg::trans2::info::{SetFileInfo, decode_set_info, level};

/// SET_PATH_INFORMATION.
pub(crate) async fn set_path_info(
    cx: &Cx,
    rc: &Rc,
    lvl: u16,
    file_name: &str,
    data: &bytes::Bytes,
) -> Result<(), NtStatus> {
    let (share, ro) = check_disk(cx, rc)?;
    if ro {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let path = SharePath::parse(file_name)?;
    let set = decode_set_info(lvl, data, rc.unicode).map_err(|_| NtStatus::INVALID_LEVEL)?;
    if let SetFileInfo::EndOfFile(n) = set {
        return end_of_file_by_path(cx, share, &path, lvl, n).await;
    }
    set_info(cx, rc, share, Target::Path(path.clone()), &path, None, set).await
}

/// SET_FILE_INFORMATION.
pub(crate) async fn set_file_info(
    cx: &Cx,
    rc: &Rc,
    fid: u16,
    lvl: u16,
    data: &bytes::Bytes,
) -> Result<(), NtStatus> {
    let f = check_fid(cx, rc, fid)?;
    let (share, ro) = check_disk(cx, rc)?;
    if ro {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let set = decode_set_info(lvl, data, rc.unicode).map_err(|_| NtStatus::INVALID_LEVEL)?;
    if matches!(set, SetFileInfo::EndOfFile(_)) && f.access & access::FILE_WRITE_DATA == 0 {
        // Changing the size through a handle needs write access to its data.
        return Err(NtStatus::ACCESS_DENIED);
    }
    let mut path = f.path.clone();
    if matches!(set, SetFileInfo::Rename { .. }) {
        // Another connection may have renamed the file since it was opened here: its
        // handle knows the name it has now.
        if let Ok(FsReply::Info(fi)) = cx
            .fs(
                share,
                FsCall::Stat {
                    target: Target::Handle(f.handle),
                },
            )
            .await
        {
            if !fi.name.is_empty() && !path.is_root() {
                path = path.parent().join(&fi.name).unwrap_or(path);
            }
        }
    }
    set_info(
        cx,
        rc,
        share,
        Target::Handle(f.handle),
        &path,
        Some(fid),
        set,
    )
    .await
}

/// A size change by name: as Samba, an open for WRITE_DATA sharing everything (so an open
/// that shares no writing refuses it), and the SMB_SET_FILE_END_OF_FILE_INFO level then
/// fails with INVALID_LEVEL as Windows XP does; only the pass-through level changes the
/// size. The same size is no change and always succeeds.
async fn end_of_file_by_path(
    cx: &Cx,
    share: ShareId,
    path: &SharePath,
    lvl: u16,
    size: u64,
) -> Result<(), NtStatus> {
    let fi = stat(cx, share, path).await?;
    if !fi.is_dir && fi.size == size {
        return Ok(());
    }
    let shared = cx.with(|i| i.shared.clone());
    shared.check_open((share, fi.file_id), WRITE_DATA, share_mode::ALL)?;
    if lvl == level::SET_FILE_END_OF_FILE_INFO {
        return Err(NtStatus::INVALID_LEVEL);
    }
    let info = SetInfo {
        size: Some(size),
        ..Default::default()
    };
    cx.fs(
        share,
        FsCall::SetInfo {
            target: Target::Path(path.clone()),
            info,
        },
    )
    .await
    .map(|_| ())
}

/// FileRenameInformation as Windows answers it over SMB1: the new name is a name in the
/// same folder (a path is NOT_SUPPORTED, a root handle INVALID_PARAMETER); an existing
/// target is a collision unless replacing, and is never replaced while open (even with a
/// delete pending). Neither a rename through a handle nor one by name checks the sharing
/// of the file itself (Samba renames through a path reference there, without an open).
async fn rename_info(
    cx: &Cx,
    share: ShareId,
    path: &SharePath,
    replace: bool,
    root_directory: u32,
    file_name: &str,
) -> Result<(), NtStatus> {
    if root_directory != 0 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    if file_name.contains(['\\', '/']) {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    let to = path.parent().join(file_name)?;
    let fi = stat(cx, share, path).await?;
    let shared = cx.with(|i| i.shared.clone());
    if let Ok(dest) = stat(cx, share, &to).await {
        if dest.file_id != fi.file_id {
            if !replace {
                return Err(NtStatus::OBJECT_NAME_COLLISION);
            }
            if dest.is_dir || shared.is_open((share, dest.file_id)) {
                return Err(NtStatus::ACCESS_DENIED);
            }
        }
    }
    super::names::rename_checked(cx, share, path, &to, replace, &fi).await
}

fn time_or_none(t: u64) -> Option<u64> {
    (t != 0 && t != u64::MAX).then_some(t)
}

async fn set_info(
    cx: &Cx,
    rc: &Rc,
    share: ShareId,
    target: Target,
    path: &SharePath,
    fid: Option<u16>,
    set: SetFileInfo,
) -> Result<(), NtStatus> {
    match set {
        SetFileInfo::Basic {
            creation_time,
            last_access_time,
            last_write_time,
            change_time,
            attributes,
        } => {
            let info = SetInfo {
                times: SetTimes {
                    created: time_or_none(creation_time),
                    accessed: time_or_none(last_access_time),
                    written: time_or_none(last_write_time),
                    changed: time_or_none(change_time),
                },
                size: None,
                attributes: (attributes != 0).then_some(attributes),
            };
            cx.fs(share, FsCall::SetInfo { target, info })
                .await
                .map(|_| ())
        }
        SetFileInfo::Standard {
            creation_time,
            last_access_time,
            last_write_time,
        } => {
            let info = SetInfo {
                times: SetTimes {
                    created: time_or_none(creation_time),
                    accessed: time_or_none(last_access_time),
                    written: time_or_none(last_write_time),
                    changed: None,
                },
                ..Default::default()
            };
            cx.fs(share, FsCall::SetInfo { target, info })
                .await
                .map(|_| ())
        }
        SetFileInfo::Position(n) => {
            // A handle keeps its own; set by name, it changes nothing (as Samba).
            if let Some(fid) = fid {
                super::seek::on_handle(cx, fid, |f| f.position = n);
            }
            Ok(())
        }
        SetFileInfo::EndOfFile(n) => {
            let info = SetInfo {
                size: Some(n),
                ..Default::default()
            };
            cx.fs(share, FsCall::SetInfo { target, info })
                .await
                .map(|_| ())
        }
        SetFileInfo::Allocation(n) => {
            // Shrinking the allocation below the end of file truncates.
            let fi = match cx
                .fs(
                    share,
                    FsCall::Stat {
                        target: target.clone(),
                    },
                )
                .await?
            {
                FsReply::Info(i) => i,
                _ => return Err(NtStatus::INTERNAL_ERROR),
            };
            if n < fi.size {
                let info = SetInfo {
                    size: Some(n),
                    ..Default::default()
                };
                cx.fs(share, FsCall::SetInfo { target, info }).await?;
            }
            Ok(())
        }
        SetFileInfo::Disposition { delete_pending } => {
            let Some(fid) = fid else {
                return Err(NtStatus::INVALID_PARAMETER);
            };
            let f = check_fid(cx, rc, fid)?;
            if f.access & crate::wire::consts::access::DELETE == 0 {
                return Err(NtStatus::ACCESS_DENIED);
            }
            if delete_pending {
                let fi = match cx
                    .fs(
                        share,
                        FsCall::Stat {
                            target: Target::Handle(f.handle),
                        },
                    )
                    .await?
                {
                    FsReply::Info(i) => i,
                    _ => return Err(NtStatus::INTERNAL_ERROR),
                };
                if super::attributes(&fi) & ext_attr::READONLY != 0 {
                    return Err(NtStatus::CANNOT_DELETE);
                }
                if f.is_dir && !list(cx, share, &f.path).await?.is_empty() {
                    return Err(NtStatus::DIRECTORY_NOT_EMPTY);
                }
            }
            // This sets (or clears) the file's delete-pending state for every open; an
            // open's own delete-on-close from its create options stays (deltest24).
            cx.with(|i| {
                i.shared
                    .set_delete_pending((f.share, f.file_id), delete_pending);
            });
            Ok(())
        }
        SetFileInfo::Eas(eas) => set_eas(cx, share, target, eas).await,
        SetFileInfo::Rename {
            replace_if_exists,
            root_directory,
            file_name,
        } => {
            rename_info(
                cx,
                share,
                path,
                replace_if_exists,
                root_directory,
                &file_name,
            )
            .await
        }
    }
}
