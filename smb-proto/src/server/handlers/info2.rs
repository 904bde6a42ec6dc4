//! QUERY_INFORMATION2 and SET_INFORMATION2: the times (DOS date and time pairs), size and
//! attributes of an open file.

use super::{Answer, HResult, Rc, allocation, attributes, check_disk, check_fid};
use crate::server::cx::Cx;
use crate::server::fs::{FsCall, FsReply, SetInfo, SetTimes, Target};
use crate::time::{dos_to_filetime, filetime_to_dos};
use crate::wire::NtStatus;
use crate::wire::consts::ext_attr;
use crate::wire::msg::*;

pub(crate) async fn query_information2(cx: &Cx, rc: &Rc, r: QueryInformation2Request) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    let target = Target::Handle(f.handle);
    let FsReply::Info(i) = cx.fs(f.share, FsCall::Stat { target }).await? else {
        return Err(NtStatus::INTERNAL_ERROR);
    };
    let clamp = |n: u64| n.min(u32::MAX as u64) as u32;
    Ok(Answer::ok(QueryInformation2Response {
        creation: filetime_to_dos(i.created),
        last_access: filetime_to_dos(i.accessed),
        last_write: filetime_to_dos(i.written),
        file_data_size: clamp(i.size),
        file_allocation_size: clamp(allocation(&i)),
        file_attributes: ext_attr::to_dos(attributes(&i)),
    }))
}

pub(crate) async fn set_information2(cx: &Cx, rc: &Rc, r: SetInformation2Request) -> HResult {
    let f = check_fid(cx, rc, r.fid)?;
    if check_disk(cx, rc)?.1 {
        return Err(NtStatus::ACCESS_DENIED);
    }
    let t = |(d, tm): (u16, u16)| Some(dos_to_filetime(d, tm)).filter(|&ft| ft != 0);
    let info = SetInfo {
        times: SetTimes {
            created: t(r.creation),
            accessed: t(r.last_access),
            written: t(r.last_write),
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
