//! Opens carried in transactions: NT_TRANSACT_CREATE (an NT_CREATE_ANDX with a security
//! descriptor and extended attributes) and TRANS2_OPEN2 (an OPEN_ANDX with extended
//! attributes).

use alloc::vec::Vec;
use bytes::Bytes;

use super::dos_open::{map_open_params, open_dos, open_results};
use super::open::{nt_action, nt_open};
use super::{Rc, allocation, attributes, check_disk, check_tree, nt_trans};
use crate::server::cx::Cx;
use crate::server::fs::{CreateAction, Ea, FsCall, SharePath, Target};
use crate::wire::NtStatus;
use crate::wire::consts::ext_attr;
use crate::wire::msg::trans2::info::{decode_fea_list, filetime_to_dos};
use crate::wire::msg::trans2::open2::{Open2Request, Open2Response};
use crate::wire::msg::*;

/// Whether Windows accepts an extended attribute name (ASCII, no control characters and
/// none of the characters NTFS reserves).
pub(super) fn valid_ea_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| (0x20..0x7F).contains(&b) && !b"\\/:*?\"<>|,+=[];".contains(&b))
}

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
            let _ = super::open::close_one(cx, fid, f, None).await;
            let _ = cx.fs(share, FsCall::Delete { path: path.clone() }).await;
        }
        return Err(e);
    }
    Ok(())
}

/// NT_TRANSACT_CREATE: the NT_CREATE_ANDX open, then the extended attributes for a new
/// file; the security descriptor is accepted and not kept (the host's permissions stand).
pub(crate) async fn nt_transact_create(
    cx: &Cx,
    rc: &Rc,
    params: &Bytes,
    data: &Bytes,
) -> Result<NtTransactResponse, NtStatus> {
    let tree = check_tree(cx, rc)?;
    if tree.share.is_none() {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    let r = NtTransactCreateRequest::decode(params, data, rc.unicode)
        .map_err(|_| NtStatus::INVALID_PARAMETER)?;
    let eas: Vec<Ea> = decode_full_ea_list(&r.ea_list)
        .map_err(|_| NtStatus::EA_CORRUPT_ERROR)?
        .into_iter()
        .map(|e| Ea {
            name: e.name,
            value: e.value,
        })
        .collect();
    if eas.iter().any(|e| !valid_ea_name(&e.name)) {
        return Err(NtStatus::INVALID_EA_NAME);
    }
    let req = NtCreateAndXRequest {
        flags: r.flags,
        root_directory_fid: r.root_directory_fid,
        desired_access: r.desired_access,
        allocation_size: r.allocation_size,
        ext_file_attributes: r.ext_file_attributes,
        share_access: r.share_access,
        create_disposition: r.create_disposition,
        create_options: r.create_options,
        impersonation_level: r.impersonation_level,
        security_flags: r.security_flags,
        file_name: r.name.clone(),
        ..Default::default()
    };
    let o = nt_open(cx, rc, &req).await?;
    if new_content(o.action) && !eas.is_empty() {
        let path = cx
            .with(|i| i.files.get(&o.fid).map(|f| f.path.clone()))
            .ok_or(NtStatus::INVALID_HANDLE)?;
        set_initial_eas(cx, o.fid, &path, eas).await?;
    }
    let i = &o.info;
    let params = NtTransactCreateResponse {
        oplock_level: o.oplock,
        fid: o.fid,
        create_action: nt_action(o.action),
        ea_error_offset: 0,
        creation_time: i.created,
        last_access_time: i.accessed,
        last_write_time: i.written,
        change_time: i.changed,
        ext_file_attributes: attributes(i),
        allocation_size: allocation(i),
        end_of_file: i.size,
        resource_type: 0,
        nm_pipe_status: 0,
        directory: i.is_dir as u8,
    }
    .encode();
    Ok(nt_trans::reply(params, Bytes::new()))
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
    let r =
        Open2Request::decode(params, data, rc.unicode).map_err(|_| NtStatus::INVALID_PARAMETER)?;
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
    if eas.iter().any(|e| !valid_ea_name(&e.name)) {
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
