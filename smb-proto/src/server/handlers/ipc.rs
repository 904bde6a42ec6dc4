//! IPC$: RAP over `\PIPE\LANMAN` (share enumeration for `smbclient -L`, the browse
//! list), and the way to the named pipes' transactions.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use super::{Answer, HResult, Rc, check_tree};
use crate::nbns::browse::sv_type;
use crate::rpc::info::{SV_TYPE_DEFAULT, eq_ignore_case};
use crate::server::ServerConfig;
use crate::server::cx::Cx;
use crate::wire::NtStatus;
use crate::wire::msg::rap::{self, RapRequest, ShareInfo1, function, share_type};
use crate::wire::msg::rap_servers::{ServerEntry, ServerEnumRequest, encode_server_enum};
use crate::wire::msg::*;

pub(crate) async fn transaction(cx: &Cx, rc: &Rc, r: TransactionRequest) -> HResult {
    let tree = check_tree(cx, rc)?;
    // RAP travels on any tree (smbtorture sends it on the disk share it tests).
    if tree.share.is_some() && !r.name.eq_ignore_ascii_case(rap::LANMAN_PIPE) {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    if !r.name.eq_ignore_ascii_case(rap::LANMAN_PIPE) {
        if r.name
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("\\PIPE\\"))
        {
            return super::pipe::transaction(cx, rc, r).await;
        }
        return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
    }
    let req = RapRequest::decode(&r.payload.parameters).map_err(|e| e.status())?;
    let config = cx.with(|i| i.config.clone());
    if req.function == function::NET_SERVER_ENUM2 {
        let (params, data) = net_server_enum2(&config, &r.payload.parameters);
        return Ok(Answer::ok(TransactionResponse(TransResponseBody::reply(
            vec![],
            params,
            data,
        ))));
    }
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
                remark: format!("IPC Service ({})", config.comment),
            });
            rap::encode_share_enum(&shares, req.buffer_len)
        }
        (function::NET_SERVER_GET_INFO, 1) => {
            rap::encode_server_info(&config.server_name, 4, 9, 0x0000_9003, &config.comment)
        }
        (function::NET_SHARE_ENUM, _) => (
            rap::encode_error(rap::ERROR_INVALID_LEVEL),
            bytes::Bytes::new(),
        ),
        _ => super::rap::answer(cx, &req, &r.payload.parameters).unwrap_or_else(|| {
            (
                rap::encode_error(rap::ERROR_NOT_SUPPORTED),
                bytes::Bytes::new(),
            )
        }),
    };
    Ok(Answer::ok(TransactionResponse(TransResponseBody::reply(
        vec![],
        params,
        data,
    ))))
}

/// RAP NetServerEnum2: the browse list as far as this server knows it, which is itself:
/// the server in its own workgroup, and the workgroup (with this server as its master) in
/// the list of workgroups. Other servers are the master browser's business.
fn net_server_enum2(config: &ServerConfig, params: &bytes::Bytes) -> (bytes::Bytes, bytes::Bytes) {
    /// ERROR_INVALID_PARAMETER.
    const INVALID_PARAMETER: u16 = 87;
    let Ok(req) = ServerEnumRequest::decode(params) else {
        return (rap::encode_error(INVALID_PARAMETER), bytes::Bytes::new());
    };
    if req.level > 1 {
        return (
            rap::encode_error(rap::ERROR_INVALID_LEVEL),
            bytes::Bytes::new(),
        );
    }
    // Our workgroup, or our own name: smbclient asks for the domain an NTLMSSP challenge
    // named, which for a standalone server (ours, as Windows') is the server's name.
    let ours = req.domain.is_empty()
        || eq_ignore_case(&req.domain, &config.domain)
        || eq_ignore_case(&req.domain, &config.server_name);
    // SV_TYPE_ALL asks for servers, not workgroups (as smbd reads it).
    let mut mask = req.server_type;
    if mask == u32::MAX {
        mask &= !sv_type::DOMAIN_ENUM;
    }
    let entries = if mask & sv_type::DOMAIN_ENUM != 0 {
        vec![ServerEntry {
            name: config.domain.clone(),
            server_type: sv_type::DOMAIN_ENUM | sv_type::NT,
            comment: config.server_name.clone(),
            ..Default::default()
        }]
    } else if ours && mask & SV_TYPE_DEFAULT != 0 {
        vec![ServerEntry {
            name: config.server_name.clone(),
            version_major: 6,
            version_minor: 1,
            server_type: SV_TYPE_DEFAULT,
            comment: config.comment.clone(),
        }]
    } else {
        Vec::new()
    };
    encode_server_enum(req.level, &entries, req.buffer_len)
}
