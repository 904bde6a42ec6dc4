//! The core-protocol opens (OPEN, CREATE, CREATE_NEW), as Samba answers them: OPEN maps
//! its DOS mode like OPEN_ANDX (never creating) and refuses a directory; CREATE truncates
//! or creates and CREATE_NEW only creates, both for reading and writing, sharing read and
//! write, with the creation time as the last write time. QUERY_INFORMATION2 is in `info2`.

use super::dos_open::{map_open_params, open_dos};
use super::open::{OpenSpec, open};
use super::{Answer, HResult, Rc, attributes, check_fid, check_tree};
use crate::server::cx::Cx;
use crate::server::fs::{Disposition, FsCall, Kind, SetInfo, SetTimes, SharePath, Target};
use crate::time::{filetime_to_utime, utime_to_filetime};
use crate::wire::NtStatus;
use crate::wire::consts::{access, attr, ext_attr, oplock, share};
use crate::wire::msg::*;

/// Open function "open if it exists, fail otherwise".
const OPEN_EXISTING: u16 = 0x0001;

pub(crate) async fn open_core(cx: &Cx, rc: &Rc, r: OpenRequest) -> HResult {
    if check_tree(cx, rc)?.share.is_none() {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    let params = map_open_params(&r.file_name, r.access_mode, OPEN_EXISTING)?;
    super::reject_dot(&r.file_name)?;
    let path = SharePath::parse(&r.file_name)?;
    let o = open_dos(cx, rc, path, params, 0, 0, oplock::NONE).await?;
    let i = &o.info;
    if i.is_dir {
        if let Some(f) = cx.with(|x| x.files.remove(&o.fid)) {
            let _ = super::open::close_one(cx, o.fid, f, None, false).await;
        }
        return Err(NtStatus::ACCESS_DENIED);
    }
    Ok(Answer::ok(OpenResponse {
        fid: o.fid,
        file_attrs: ext_attr::to_dos(attributes(i)),
        last_write_time: filetime_to_utime(i.written),
        file_size: i.size.min(u32::MAX as u64) as u32,
        access_mode: r.access_mode,
    }))
}

/// CREATE (`new_only` false) or CREATE_NEW (true): the new FID.
async fn create_core(
    cx: &Cx,
    rc: &Rc,
    name: &str,
    dos_attrs: u16,
    time: u32,
    new_only: bool,
) -> Result<u16, NtStatus> {
    check_tree(cx, rc)?;
    super::reject_dot(name)?;
    let spec = OpenSpec {
        path: SharePath::parse(name)?,
        access: access::FILE_GENERIC_READ | access::FILE_GENERIC_WRITE,
        share_access: share::READ | share::WRITE,
        disposition: if new_only {
            Disposition::Create
        } else {
            Disposition::OverwriteIf
        },
        kind: Kind::File,
        delete_on_close: false,
        create_attributes: ext_attr::from_dos(dos_attrs & !attr::VOLUME),
        allocation_size: 0,
    };
    let o = open(cx, rc, spec).await?;
    let t = utime_to_filetime(time);
    if t != 0 {
        let f = check_fid(cx, rc, o.fid)?;
        let info = SetInfo {
            times: SetTimes {
                accessed: Some(t),
                written: Some(t),
                ..Default::default()
            },
            ..Default::default()
        };
        let target = Target::Handle(f.handle);
        cx.fs(f.share, FsCall::SetInfo { target, info }).await?;
    }
    Ok(o.fid)
}

pub(crate) async fn create(cx: &Cx, rc: &Rc, r: CreateRequest) -> HResult {
    let fid = create_core(
        cx,
        rc,
        &r.file_name,
        r.file_attributes,
        r.creation_time,
        false,
    )
    .await?;
    Ok(Answer::ok(CreateResponse { fid }))
}

pub(crate) async fn create_new(cx: &Cx, rc: &Rc, r: CreateNewRequest) -> HResult {
    let fid = create_core(
        cx,
        rc,
        &r.file_name,
        r.file_attributes,
        r.creation_time,
        true,
    )
    .await?;
    Ok(Answer::ok(CreateNewResponse { fid }))
}
