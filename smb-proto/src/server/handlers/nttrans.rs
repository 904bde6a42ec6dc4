//! NT_TRANSACT functions beyond IOCTL and NOTIFY: CREATE with an EA list, RENAME (which
//! Windows accepts and ignores) and QUERY_SECURITY_DESC (the default descriptor of a
//! volume without ACLs).

use alloc::vec::Vec;
use bytes::Bytes;

use super::{Answer, HResult, Rc, check_disk, check_fid};
use crate::server::cx::Cx;
use crate::server::fs::Target;
use crate::wire::NtStatus;
use crate::wire::msg::nt_transact_sub::{
    NtTransCreate, NtTransCreateResponse, NtTransRename, QuerySecurityDesc,
    default_security_descriptor, nt_function,
};
use crate::wire::msg::*;

/// Answers the functions of this file; `None` for the others.
pub(crate) async fn answer(cx: &Cx, rc: &Rc, r: &NtTransactRequest) -> Option<HResult> {
    match r.function {
        nt_function::CREATE => Some(create(cx, rc, r).await),
        nt_function::RENAME => Some(rename(cx, rc, r)),
        nt_function::QUERY_SECURITY_DESC => Some(query_security(cx, rc, r)),
        _ => None,
    }
}

fn reply(params: Bytes, data: Bytes) -> Answer {
    Answer::ok(NtTransactResponse::Reply {
        reserved1: [0; 3],
        total_parameter_count: params.len() as u32,
        total_data_count: data.len() as u32,
        parameter_displacement: 0,
        data_displacement: 0,
        setup: Vec::new(),
        payload: TransPayload::new(params, data),
    })
}

/// NT_TRANSACT_CREATE: NT_CREATE_ANDX, then the EA list on a file it created (an open of
/// an existing file leaves its EAs alone). A bad EA name fails before anything is created.
async fn create(cx: &Cx, rc: &Rc, r: &NtTransactRequest) -> HResult {
    let c = NtTransCreate::decode(&r.payload.parameters, &r.payload.data, rc.unicode)
        .map_err(|e| e.status())?;
    if c.eas.iter().any(|e| !super::trans2::valid_ea_name(&e.name)) {
        // A warning, so a whole reply (69 zero parameter bytes), as Samba sends it.
        let mut a = reply(NtTransCreateResponse::default().encode(), Bytes::new());
        a.status = NtStatus::INVALID_EA_NAME;
        return Ok(a);
    }
    let req = NtCreateAndXRequest {
        flags: c.flags,
        root_directory_fid: c.root_directory_fid,
        desired_access: c.desired_access,
        allocation_size: c.allocation_size,
        ext_file_attributes: c.ext_file_attributes,
        share_access: c.share_access,
        create_disposition: c.create_disposition,
        create_options: c.create_options,
        impersonation_level: c.impersonation_level,
        security_flags: c.security_flags,
        file_name: c.name.clone(),
        ..Default::default()
    };
    let a = super::open::nt_create(cx, rc, req).await?;
    let Response::NtCreateAndX(o) = a.body else {
        return Err(NtStatus::INTERNAL_ERROR);
    };
    const FILE_CREATED: u32 = 2;
    if o.create_action == FILE_CREATED && !c.eas.is_empty() {
        let f = check_fid(cx, rc, o.fid)?;
        super::trans2::set_eas(cx, f.share, Target::Handle(f.handle), c.eas).await?;
    }
    let p = NtTransCreateResponse {
        oplock_level: o.oplock_level,
        fid: o.fid,
        create_action: o.create_action,
        ea_error_offset: 0,
        creation_time: o.creation_time,
        last_access_time: o.last_access_time,
        last_write_time: o.last_write_time,
        change_time: o.change_time,
        ext_file_attributes: o.ext_file_attributes,
        allocation_size: o.allocation_size,
        end_of_file: o.end_of_file,
        resource_type: o.resource_type,
        nm_pipe_status: o.nm_pipe_status,
        directory: o.directory,
    };
    Ok(reply(p.encode(), Bytes::new()))
}

/// NT_TRANSACT_RENAME: Windows Server 2003 answers success and renames nothing (Samba
/// does the same); an unknown handle is INVALID_HANDLE.
fn rename(cx: &Cx, rc: &Rc, r: &NtTransactRequest) -> HResult {
    let n = NtTransRename::decode(&r.payload.parameters, rc.unicode).map_err(|e| e.status())?;
    check_disk(cx, rc)?;
    check_fid(cx, rc, n.fid)?;
    Ok(reply(Bytes::new(), Bytes::new()))
}

/// NT_TRANSACT_QUERY_SECURITY_DESC: the parameters carry the length needed; a buffer too
/// small for the descriptor is BUFFER_TOO_SMALL with that length.
fn query_security(cx: &Cx, rc: &Rc, r: &NtTransactRequest) -> HResult {
    let q = QuerySecurityDesc::decode(&r.payload.parameters).map_err(|e| e.status())?;
    check_fid(cx, rc, q.fid)?;
    let sd = default_security_descriptor(q.security_information);
    let len = Bytes::copy_from_slice(&(sd.len() as u32).to_le_bytes());
    if sd.len() > r.max_data_count as usize {
        let mut a = reply(len, Bytes::new());
        a.status = NtStatus::BUFFER_TOO_SMALL;
        return Ok(a);
    }
    Ok(reply(len, sd))
}
