//! QUERY_INFORMATION2 and SET_INFORMATION2: the times (DOS date and time pairs), size and
//! attributes of an open file.

use super::{Answer, HResult, Rc, attributes, check_disk, check_fid};
use crate::server::cx::Cx;
use crate::server::fs::{FsCall, FsReply, SetInfo, SetTimes, Target};
use crate::wire::NtStatus;
use crate::wire::consts::ext_attr;
use crate::wire::msg::*;

pub(crate) async fn query_information2(cx: &Cx, rc: &Rc, r: QueryInformation2Request) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    let FsReply::Info(i) = cx
        .fs(
            f.share,
            FsCall::Stat {
                target: Target::Handle(f.handle),
            },
        )
        .await?
    else {
        return Err(NtStatus::INTERNAL_ERROR);
    };
    let (size, alloc) = if i.is_dir {
        (0, 0)
    } else {
        (i.size, i.allocation_size)
    };
    Ok(Answer::ok(QueryInformation2Response {
        created: DosDateTime::from_filetime(i.created),
        accessed: DosDateTime::from_filetime(i.accessed),
        written: DosDateTime::from_filetime(i.written),
        file_data_size: size.min(u64::from(u32::MAX)) as u32,
        file_allocation_size: alloc.min(u64::from(u32::MAX)) as u32,
        file_attributes: ext_attr::to_dos(attributes(&i)),
    }))
}

pub(crate) async fn set_information2(cx: &Cx, rc: &Rc, r: SetInformation2Request) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    if check_disk(cx, rc)?.1 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let t = |d: DosDateTime| Some(d.to_filetime()).filter(|&ft| ft != 0);
    let info = SetInfo {
        times: SetTimes {
            created: t(r.created),
            accessed: t(r.accessed),
            written: t(r.written),
            changed: None,
        },
        ..Default::default()
    };
    if info.times != SetTimes::default() {
        cx.fs(
            f.share,
            FsCall::SetInfo {
                target: Target::Handle(f.handle),
                info,
            },
        )
        .await?;
    }
    Ok(Answer::ok(SetInformation2Response))
}
