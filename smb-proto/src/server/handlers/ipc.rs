//! IPC$: RAP over `\PIPE\LANMAN` (share enumeration for `smbclient -L`).

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use super::{Answer, HResult, Rc, check_tree};
use crate::server::cx::Cx;
use crate::wire::NtStatus;
use crate::wire::msg::rap::{self, RapRequest, ShareInfo1, function, share_type};
use crate::wire::msg::*;

pub(crate) async fn transaction(cx: &Cx, rc: &Rc, r: TransactionRequest) -> HResult {
    let tree = check_tree(cx, rc)?;
    if tree.share.is_some() {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    if !r.name.eq_ignore_ascii_case(rap::LANMAN_PIPE) {
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    let req = RapRequest::decode(&r.payload.parameters).map_err(|e| e.status())?;
    let config = cx.with(|i| i.config.clone());
    let (params, data) = match (req.function, req.level) {
        (function::NET_SHARE_ENUM, 1) => {
            let mut shares: Vec<ShareInfo1> = config
                .listed_shares()
                .map(|s| ShareInfo1 {
                    name: s.name.clone(),
                    share_type: share_type::DISK,
                    remark: s.comment.clone(),
                })
                .collect();
            shares.push(ShareInfo1 {
                name: "IPC$".into(),
                share_type: share_type::IPC,
                remark: format!("IPC Service ({})", config.server_name),
            });
            rap::encode_share_enum(&shares, req.buffer_len)
        }
        (function::NET_SERVER_GET_INFO, 1) => {
            rap::encode_server_info(&config.server_name, 4, 9, 0x0000_9003, "smb-rs")
        }
        (function::NET_SHARE_ENUM | function::NET_SERVER_GET_INFO, _) => (
            rap::encode_error(rap::ERROR_INVALID_LEVEL),
            bytes::Bytes::new(),
        ),
        _ => (
            rap::encode_error(rap::ERROR_NOT_SUPPORTED),
            bytes::Bytes::new(),
        ),
    };
    Ok(Answer::ok(TransactionResponse(TransResponseBody::reply(
        vec![],
        params,
        data,
    ))))
}
