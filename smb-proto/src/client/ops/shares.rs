//! The share list, as smbclient gets it: NetShareEnumAll (level 1) over the `\srvsvc`
//! named pipe of IPC$ first, and RAP NetShareEnum over `\PIPE\LANMAN` when the server has
//! no srvsvc (or refuses it).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::{R, check, request, require_connected, status_of, tree};
use crate::client::conn::Cx;
use crate::client::types::*;
use crate::rpc::client::{self as rpc, CLIENT_MAX_FRAG, ShareEnumReply};
use crate::wire::consts::{access, disposition, share};
use crate::wire::msg::rap::{self, RapRequest};
use crate::wire::msg::*;
use crate::wire::{NtStatus, Response};

/// TRANS_TRANSACT_NMPIPE: write a PDU and read the answer in one exchange.
const TRANSACT_NMPIPE: u16 = 0x0026;
/// Call IDs of the two PDUs this client sends on the pipe.
const BIND_CALL: u32 = 1;
const ENUM_CALL: u32 = 2;
/// Most READ_ANDX continuations of one answer (a share list of about 4 MiB).
const MAX_READS: usize = 1024;

pub(super) async fn shares(cx: Cx) -> R<Reply> {
    require_connected(&cx)?;
    let Reply::Tree(tid) = tree::tree_connect(cx.clone(), String::from("IPC$")).await? else {
        return Err(SmbError::Protocol("no tree"));
    };
    let listed = match srvsvc(&cx, tid).await {
        // The connection is gone or stuck: RAP would not fare better.
        Err(e @ (SmbError::Connection(_) | SmbError::Timeout)) => Err(e),
        Err(_) => rap(&cx, tid).await,
        ok => ok,
    };
    let _ = request(&cx, tid.0, TreeDisconnectRequest).await;
    listed.map(Reply::Shares)
}

/// Lists the shares over srvsvc: open the pipe, bind, NetShareEnumAll, close.
async fn srvsvc(cx: &Cx, tid: TreeId) -> R<Vec<ShareEntry>> {
    let m = request(
        cx,
        tid.0,
        NtCreateAndXRequest {
            desired_access: access::FILE_GENERIC_READ | access::FILE_GENERIC_WRITE,
            share_access: share::READ | share::WRITE,
            create_disposition: disposition::OPEN,
            impersonation_level: 2,
            file_name: String::from("\\srvsvc"),
            ..Default::default()
        },
    )
    .await?;
    check(&m)?;
    let Response::NtCreateAndX(r) = m.body() else {
        return Err(SmbError::Protocol("not an NT_CREATE_ANDX response"));
    };
    let fid = r.fid;
    let listed = enumerate(cx, tid, fid).await;
    let close = CloseRequest {
        fid,
        last_time_modified: u32::MAX,
    };
    let _ = request(cx, tid.0, close).await;
    listed
}

async fn enumerate(cx: &Cx, tid: TreeId, fid: u16) -> R<Vec<ShareEntry>> {
    let bad = |_| SmbError::Protocol("bad srvsvc answer");
    // The bind answer is small; it comes whole, or in pieces the server marks with
    // STATUS_BUFFER_OVERFLOW.
    let mut ack = Vec::new();
    let mut more = transact(cx, tid, fid, rpc::bind_srvsvc(BIND_CALL), &mut ack).await?;
    let mut reads = 0;
    while more {
        reads += 1;
        if reads > MAX_READS || ack.len() > usize::from(u16::MAX) {
            return Err(SmbError::Protocol("srvsvc bind answer too long"));
        }
        more = read(cx, tid, fid, CLIENT_MAX_FRAG, &mut ack).await?;
    }
    let frag = rpc::parse_bind_ack(&ack).map_err(bad)?.max(1024);
    let host = cx.with(|i| i.config.server_host.clone());
    let call = rpc::net_share_enum_all(ENUM_CALL, &alloc::format!("\\\\{host}"));
    let mut reply = ShareEnumReply::new(ENUM_CALL);
    let mut chunk = Vec::new();
    transact(cx, tid, fid, call, &mut chunk).await?;
    reply.push(&chunk).map_err(bad)?;
    // A long list comes in several fragments: read on until the last one.
    let mut reads = 0;
    while !reply.is_complete() {
        reads += 1;
        if reads > MAX_READS {
            return Err(SmbError::Protocol("srvsvc answer too long"));
        }
        chunk.clear();
        read(cx, tid, fid, frag, &mut chunk).await?;
        if chunk.is_empty() {
            return Err(SmbError::Protocol("srvsvc answer cut short"));
        }
        reply.push(&chunk).map_err(bad)?;
    }
    let list = reply.finish().map_err(bad)?;
    Ok(list
        .into_iter()
        .map(|s| ShareEntry {
            name: s.name,
            share_type: s.share_type,
            remark: s.remark,
        })
        .collect())
}

/// Success, or the pipe's "there is more of this PDU" warning.
fn pipe_status(m: &crate::wire::Message<Response>) -> R<bool> {
    match status_of(m) {
        NtStatus::BUFFER_OVERFLOW => Ok(true),
        _ => check(m).map(|()| false),
    }
}

/// TransactNmPipe: writes `pdu`, appends what comes back to `out`; true when the server
/// says the PDU goes on.
async fn transact(cx: &Cx, tid: TreeId, fid: u16, pdu: Vec<u8>, out: &mut Vec<u8>) -> R<bool> {
    let req = TransactionRequest {
        header: TransRequestHeader {
            total_data_count: pdu.len() as u16,
            max_data_count: CLIENT_MAX_FRAG,
            setup: vec![TRANSACT_NMPIPE, fid],
            ..Default::default()
        },
        name: String::from("\\PIPE\\"),
        payload: TransPayload::new(Bytes::new(), Bytes::from(pdu)),
    };
    let m = request(cx, tid.0, req).await?;
    let more = pipe_status(&m)?;
    match m.body() {
        Response::Transaction(TransactionResponse(TransResponseBody::Reply {
            payload, ..
        })) => {
            out.extend_from_slice(&payload.data);
            Ok(more)
        }
        _ => Err(SmbError::Protocol("not a TRANSACTION reply")),
    }
}

/// READ_ANDX on the pipe: appends what comes back to `out`; true when the PDU goes on.
async fn read(cx: &Cx, tid: TreeId, fid: u16, max: u16, out: &mut Vec<u8>) -> R<bool> {
    let m = request(cx, tid.0, ReadAndXRequest::new(fid, 0, u32::from(max))).await?;
    let more = pipe_status(&m)?;
    match m.body() {
        Response::ReadAndX(r) => {
            out.extend_from_slice(&r.data);
            Ok(more)
        }
        _ => Err(SmbError::Protocol("not a READ_ANDX response")),
    }
}

/// Lists the shares with RAP NetShareEnum (level 1) over `\PIPE\LANMAN`.
async fn rap(cx: &Cx, tid: TreeId) -> R<Vec<ShareEntry>> {
    let params = RapRequest::net_share_enum(0xFFE0).encode();
    let req = TransactionRequest {
        header: TransRequestHeader {
            total_parameter_count: params.len() as u16,
            max_parameter_count: 8,
            max_data_count: 0xFFE0,
            ..Default::default()
        },
        name: rap::LANMAN_PIPE.into(),
        payload: TransPayload::new(params, Bytes::new()),
    };
    let m = request(cx, tid.0, req).await?;
    check(&m)?;
    let Response::Transaction(TransactionResponse(TransResponseBody::Reply { payload, .. })) =
        m.body()
    else {
        return Err(SmbError::Protocol("not a TRANSACTION reply"));
    };
    let (status, list, _) = rap::decode_share_enum(&payload.parameters, &payload.data)
        .map_err(|_| SmbError::Protocol("bad share list"))?;
    if status != rap::NERR_SUCCESS && status != rap::ERROR_MORE_DATA {
        return Err(SmbError::Protocol("the server refused to list shares"));
    }
    Ok(list
        .into_iter()
        .map(|s| ShareEntry {
            name: s.name,
            share_type: u32::from(s.share_type),
            remark: s.remark,
        })
        .collect())
}
