//! TRANS2_OPEN2: an OPEN_ANDX with extended attributes (NT_TRANSACT_CREATE is in
//! `nttrans`).

use alloc::vec::Vec;
use bytes::Bytes;

use super::dos_open::{map_open_params, open_dos, open_results};
use super::{Rc, attributes, check_disk};
use crate::server::cx::Cx;
use crate::server::fs::{CreateAction, Ea, FsCall, SharePath, Target};
use crate::wire::NtStatus;
use crate::wire::consts::ext_attr;
use crate::wire::msg::trans2::info::{decode_fea_list, filetime_to_dos};
use crate::wire::msg::trans2::open2::{Open2Request, Open2Response};

/// Gives a file it just created its extended attributes; a failure closes the file and
/// deletes it again, and is the answer to the open.
async fn set_initial_eas(
    cx: &Cx,
    fid: u16,
    path: &SharePath,
    eas: Vec<Ea>,
) -> Result<(), NtStatus> {
    let Some(f) = cx.with(|i| i.files.get(&fid).cloned()) else {
        return Err(NtStatus::INVALID_HANDLE);
    };
    let target = Target::Handle(f.handle);
    let res = cx.fs(f.share, FsCall::SetEas { target, eas }).await;
    if let Err(e) = res {
        if let Some(f) = cx.with(|i| i.files.remove(&fid)) {
            let share = f.share;
            let _ = super::open::close_one(cx, fid, f, None, false).await;
            let _ = cx.fs(share, FsCall::Delete { path: path.clone() }).await;
        }
        return Err(e);
    }
    Ok(())
}

/// Whether an open made the file anew (created or truncated): only then does it take the
/// extended attributes the open carries, as on Windows.
fn new_content(a: CreateAction) -> bool {
    matches!(a, CreateAction::Created | CreateAction::Overwritten)
}

/// TRANS2_OPEN2: the OPEN_ANDX open (as Samba answers it: open function 0 is a name
/// collision, a mode it cannot map ACCESS_DENIED), then the FEA list's extended attributes
/// for a new or truncated file. Returns the response parameters and data.
pub(crate) async fn t2open(
    cx: &Cx,
    rc: &Rc,
    params: &Bytes,
    data: &Bytes,
) -> Result<(Bytes, Bytes), NtStatus> {
    check_disk(cx, rc).map_err(|_| NtStatus::NETWORK_ACCESS_DENIED)?;
    let mut r =
        Open2Request::decode(params, data, rc.unicode).map_err(|_| NtStatus::INVALID_PARAMETER)?;
    super::oem::path_in(cx, rc, &mut r.file_name).await;
    if r.open_mode == 0 {
        return Err(NtStatus::OBJECT_NAME_COLLISION);
    }
    let p = map_open_params(&r.file_name, r.access_mode, r.open_mode)
        .map_err(|_| NtStatus::ACCESS_DENIED)?;
    // An empty list is its size field alone (4 bytes).
    let eas: Vec<Ea> = if r.eas.len() > 4 {
        decode_fea_list(&r.eas)
            .map_err(|_| NtStatus::INVALID_PARAMETER)?
            .into_iter()
            .map(|e| Ea {
                name: e.name,
                value: e.value,
            })
            .collect()
    } else {
        Vec::new()
    };
    if eas.iter().any(|e| !super::trans2::valid_ea_name(&e.name)) {
        return Err(NtStatus::INVALID_EA_NAME);
    }
    let path = SharePath::parse(&r.file_name)?;
    let size = r.allocation_size as u64;
    let requested = super::oplock::requested_andx(r.flags);
    let o = open_dos(cx, rc, path.clone(), p, r.file_attributes, size, requested).await?;
    if new_content(o.action) && !eas.is_empty() {
        set_initial_eas(cx, o.fid, &path, eas).await?;
    }
    let i = &o.info;
    let (date, time) = filetime_to_dos(i.written);
    let resp = Open2Response {
        fid: o.fid,
        file_attributes: ext_attr::to_dos(attributes(i)),
        creation_time: date as u32 | (time as u32) << 16,
        file_data_size: i.size.min(u32::MAX as u64) as u32,
        access_mode: r.access_mode,
        resource_type: 0,
        nm_pipe_status: 0,
        action_taken: open_results(&o),
        reserved: i.file_id as u32,
        ea_error_offset: 0,
        ea_length: 0,
    };
    Ok((resp.encode(), Bytes::new()))
}
