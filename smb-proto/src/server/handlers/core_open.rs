//! The core-protocol opens: OPEN (an existing file, a DOS access mode), CREATE (create or
//! truncate) and CREATE_NEW (create; fail if it exists), as Samba maps them onto NT opens.

use super::open::{OpenSpec, dos_access, open};
use super::{Answer, HResult, Rc, attributes, check_tree};
use crate::server::cx::Cx;
use crate::server::fs::{Disposition, FsCall, Kind, SetInfo, SetTimes, SharePath, Target};
use crate::wire::NtStatus;
use crate::wire::consts::{access, ext_attr, share};
use crate::wire::msg::trans2::info::{filetime_to_utime, utime_to_filetime};
use crate::wire::msg::*;

/// The path of a core open; pipes (IPC$) are not served by name.
fn disk_path(cx: &Cx, rc: &Rc, name: &str) -> Result<SharePath, NtStatus> {
    if check_tree(cx, rc)?.share.is_none() {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    SharePath::parse(name)
}

pub(crate) async fn open_core(cx: &Cx, rc: &Rc, r: OpenRequest) -> HResult {
    let path = disk_path(cx, rc, &r.file_name)?;
    let (acc, _, share_access) = dos_access(r.access_mode)?;
    let o = open(
        cx,
        rc,
        OpenSpec {
            path,
            access: acc,
            share_access,
            disposition: Disposition::Open,
            kind: Kind::Any,
            delete_on_close: false,
            create_attributes: 0,
            allocation_size: 0,
        },
    )
    .await?;
    let i = &o.info;
    if i.is_dir {
        // As Samba: a directory opened this way is closed again and refused.
        if let Some(f) = cx.with(|x| x.files.remove(&o.fid)) {
            let _ = super::open::close_one(cx, o.fid, f, None, true).await;
        }
        return Err(NtStatus::ACCESS_DENIED);
    }
    Ok(Answer::ok(OpenResponse {
        fid: o.fid,
        file_attributes: ext_attr::to_dos(attributes(i)),
        last_write_time: filetime_to_utime(i.written),
        file_size: i.size.min(u64::from(u32::MAX)) as u32,
        access_mode: r.access_mode,
    }))
}

/// CREATE and CREATE_NEW: read/write access, sharing read and write, the attributes and
/// creation time of the request.
async fn create_with(
    cx: &Cx,
    rc: &Rc,
    r: &CreateRequest,
    disposition: Disposition,
) -> Result<u16, NtStatus> {
    let path = disk_path(cx, rc, &r.file_name)?;
    let o = open(
        cx,
        rc,
        OpenSpec {
            path,
            access: access::FILE_GENERIC_READ | access::FILE_GENERIC_WRITE,
            share_access: share::READ | share::WRITE,
            disposition,
            kind: Kind::File,
            delete_on_close: false,
            create_attributes: ext_attr::from_dos(r.file_attributes),
            allocation_size: 0,
        },
    )
    .await?;
    let created = utime_to_filetime(r.creation_time);
    if created != 0 {
        let f = super::check_fid(cx, rc, o.fid)?;
        let info = SetInfo {
            times: SetTimes {
                created: Some(created),
                ..Default::default()
            },
            ..Default::default()
        };
        // A host that cannot set the creation time ignores it; a failure is not fatal.
        let _ = cx
            .fs(
                f.share,
                FsCall::SetInfo {
                    target: Target::Handle(f.handle),
                    info,
                },
            )
            .await;
    }
    Ok(o.fid)
}

pub(crate) async fn create(cx: &Cx, rc: &Rc, r: CreateRequest) -> HResult {
    let fid = create_with(cx, rc, &r, Disposition::OverwriteIf).await?;
    Ok(Answer::ok(CreateResponse { fid }))
}

pub(crate) async fn create_new(cx: &Cx, rc: &Rc, r: CreateNewRequest) -> HResult {
    let fid = create_with(cx, rc, &r.0, Disposition::Create).await?;
    Ok(Answer::ok(CreateNewResponse(CreateResponse { fid })))
}
