//! NT_TRANSACT functions served beside IOCTL (see `files::nt_transact`): CREATE and
//! QUERY_SECURITY_DESC.

use alloc::vec::Vec;
use bytes::Bytes;

use super::{Answer, HResult, Rc};
use crate::server::cx::Cx;
use crate::wire::NtStatus;
use crate::wire::msg::security::NT_TRANSACT_QUERY_SECURITY_DESC;
use crate::wire::msg::*;

/// A whole NT_TRANSACT reply (the replies served here fit one message).
pub(super) fn reply(params: Bytes, data: Bytes) -> NtTransactResponse {
    NtTransactResponse::Reply {
        reserved1: [0; 3],
        total_parameter_count: params.len() as u32,
        total_data_count: data.len() as u32,
        parameter_displacement: 0,
        data_displacement: 0,
        setup: Vec::new(),
        payload: TransPayload::new(params, data),
    }
}

/// The answer to an NT_TRANSACT function served here, if `r` asks for one.
pub(crate) async fn dispatch(cx: &Cx, rc: &Rc, r: &NtTransactRequest) -> Option<HResult> {
    if !matches!(
        r.function,
        NT_TRANSACT_CREATE | NT_TRANSACT_QUERY_SECURITY_DESC
    ) {
        return None;
    }
    if r.total_parameter_count as usize > r.payload.parameters.len()
        || r.total_data_count as usize > r.payload.data.len()
    {
        // Secondary requests are not taken: clients keep these within one message.
        return Some(Err(NtStatus::NOT_SUPPORTED));
    }
    let (p, d) = (&r.payload.parameters, &r.payload.data);
    Some(match r.function {
        NT_TRANSACT_CREATE => super::open_trans::nt_transact_create(cx, rc, p, d)
            .await
            .map(Answer::ok),
        _ => super::security::query_security_desc(cx, rc, p, r.max_data_count).await,
    })
}
