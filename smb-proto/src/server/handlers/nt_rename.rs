//! SMB_COM_NT_RENAME: rename one file (as SMB_COM_RENAME, without wildcards), give it a
//! second name (a hard link), or copy it; other information levels are refused as
//! Windows Server 2003 and Samba refuse them.

use super::names::{attrs_match, rename_path, stat};
use super::{Answer, HResult, Rc, check_disk};
use crate::server::cx::Cx;
use crate::server::fs::{
    Disposition, FileInfo, FsCall, FsReply, Handle, Kind, OpenCall, SetInfo, SetTimes, ShareId,
    SharePath, Target,
};
use crate::wildcard;
use crate::wire::NtStatus;
use crate::wire::consts::attr;
use crate::wire::msg::nt_rename::nt_rename_flags as flags;
use crate::wire::msg::*;

pub(crate) async fn nt_rename(cx: &Cx, rc: &Rc, r: NtRenameRequest) -> HResult {
    let (share, ro) = check_disk(cx, rc)?;
    if ro {
        return Err(NtStatus::ACCESS_DENIED);
    }
    match r.information_level {
        flags::RENAME | flags::HARD_LINK | flags::COPY => {}
        flags::MOVE_CLUSTER_INFORMATION => return Err(NtStatus::INVALID_PARAMETER),
        _ => return Err(NtStatus::ACCESS_DENIED),
    }
    let last = |p: &str| alloc::string::String::from(p.rsplit(['\\', '/']).next().unwrap_or(""));
    if wildcard::has_wildcards(&last(&r.old_file_name))
        || wildcard::has_wildcards(&last(&r.new_file_name))
    {
        return Err(NtStatus::OBJECT_PATH_SYNTAX_BAD);
    }
    let from = SharePath::parse(&r.old_file_name)?;
    let to = SharePath::parse(&r.new_file_name)?;
    if from.is_root() || to.is_root() {
        return Err(NtStatus::OBJECT_NAME_INVALID);
    }
    let fi = stat(cx, share, &from).await?;
    if !attrs_match(r.search_attributes | attr::DIRECTORY, &fi, true) {
        return Err(NtStatus::NO_SUCH_FILE);
    }
    match r.information_level {
        flags::RENAME => {
            if from != to {
                super::names::contend_rename(cx, share, &fi).await;
                rename_path(cx, share, &from, &to, false, &fi).await?;
            }
        }
        flags::HARD_LINK => {
            if fi.is_dir {
                return Err(NtStatus::FILE_IS_A_DIRECTORY);
            }
            cx.fs(share, FsCall::Link { from, to }).await?;
        }
        _ => copy(cx, share, &from, &to, &fi).await?,
    }
    Ok(Answer::ok(NtRenameResponse))
}

async fn open(cx: &Cx, share: ShareId, path: &SharePath, create: bool) -> Result<Handle, NtStatus> {
    let call = OpenCall {
        path: path.clone(),
        disposition: if create {
            Disposition::Create
        } else {
            Disposition::Open
        },
        kind: Kind::File,
        read: !create,
        write: create,
        create_attributes: 0,
        allocation_size: 0,
    };
    match cx.fs(share, FsCall::Open(call)).await? {
        FsReply::Opened { handle, .. } => Ok(handle),
        _ => Err(NtStatus::INTERNAL_ERROR),
    }
}

async fn close(cx: &Cx, share: ShareId, handle: Handle) {
    let _ = cx
        .fs(
            share,
            FsCall::Close {
                handle,
                set_written: None,
                // The copy's handles: the client asked for the copy, so its result stays.
                abandoned: false,
            },
        )
        .await;
}

/// Copies the bytes, then the attributes and times, to a new file.
async fn copy(
    cx: &Cx,
    share: ShareId,
    from: &SharePath,
    to: &SharePath,
    fi: &FileInfo,
) -> Result<(), NtStatus> {
    if fi.is_dir {
        return Err(NtStatus::FILE_IS_A_DIRECTORY);
    }
    let src = open(cx, share, from, false).await?;
    let dst = match open(cx, share, to, true).await {
        Ok(h) => h,
        Err(e) => {
            close(cx, share, src).await;
            return Err(e);
        }
    };
    let r = copy_bytes(cx, share, src, dst).await;
    close(cx, share, src).await;
    close(cx, share, dst).await;
    r?;
    let info = SetInfo {
        times: SetTimes {
            written: Some(fi.written),
            ..Default::default()
        },
        size: None,
        attributes: Some(super::attributes(fi)),
    };
    cx.fs(
        share,
        FsCall::SetInfo {
            target: Target::Path(to.clone()),
            info,
        },
    )
    .await
    .map(|_| ())
}

async fn copy_bytes(cx: &Cx, share: ShareId, src: Handle, dst: Handle) -> Result<(), NtStatus> {
    const CHUNK: u32 = 60 * 1024;
    let mut offset = 0u64;
    loop {
        let data = match cx
            .fs(
                share,
                FsCall::Read {
                    handle: src,
                    offset,
                    len: CHUNK,
                    later_ok: false,
                },
            )
            .await?
        {
            FsReply::Read(b) => b,
            _ => return Err(NtStatus::INTERNAL_ERROR),
        };
        if data.is_empty() {
            return Ok(());
        }
        let n = data.len() as u64;
        cx.fs(
            share,
            FsCall::Write {
                handle: dst,
                offset,
                data,
                write_through: false,
            },
        )
        .await?;
        offset += n;
    }
}
