//! Trees and the session: TREE_CONNECT_ANDX, file-system sizes, ECHO and LOGOFF.

use alloc::format;
use alloc::string::String;
use bytes::Bytes;

use super::{R, check, request, require_connected, trans2, wire_path};
use crate::client::conn::Cx;
use crate::client::types::*;
use crate::wire::Response;
use crate::wire::msg::trans2::info::{self, level};
use crate::wire::msg::trans2::sub::Trans2Sub;
use crate::wire::msg::*;

pub(super) async fn tree_connect(cx: Cx, share: String) -> R<Reply> {
    require_connected(&cx)?;
    let host = cx.with(|i| i.config.server_host.clone());
    let name = share.trim_start_matches(['\\', '/']);
    let path = if name.contains(['\\', '/']) {
        wire_path(name)
    } else {
        format!("\\\\{}\\{}", host, name.to_uppercase())
    };
    let m = request(
        &cx,
        0xFFFF,
        TreeConnectAndXRequest {
            flags: tree_connect::TREE_CONNECT_EXTENDED_RESPONSE,
            password: Bytes::from_static(&[0]),
            path,
            service: "?????".into(),
        },
    )
    .await?;
    check(&m)?;
    Ok(Reply::Tree(TreeId(m.header.tid)))
}

pub(super) async fn fs_info(cx: Cx, tid: TreeId) -> R<Reply> {
    require_connected(&cx)?;
    if super::lanman::protocol(&cx).is_some() {
        return super::lanman::fs_info(cx, tid).await;
    }
    let unicode = cx.with(|i| i.neg.unicode);
    let (_, d) = trans2(
        &cx,
        tid.0,
        Trans2Sub::QueryFsInformation {
            level: level::FS_SIZE_INFO,
        },
        1024,
    )
    .await?;
    let f = info::decode_fs_info(level::FS_SIZE_INFO, &d, unicode)
        .map_err(|_| SmbError::Protocol("bad FS information"))?;
    let unit = f.sectors_per_unit as u64 * f.bytes_per_sector as u64;
    Ok(Reply::FsStat(FsStat {
        total_bytes: f.total_units * unit,
        free_bytes: f.free_units * unit,
    }))
}

pub(super) async fn echo(cx: Cx, data: Bytes) -> R<Reply> {
    require_connected(&cx)?;
    let m = request(
        &cx,
        0xFFFF,
        EchoRequest {
            echo_count: 1,
            data,
        },
    )
    .await?;
    check(&m)?;
    match m.body() {
        Response::Echo(e) => Ok(Reply::Echo(e.data.clone())),
        _ => Err(SmbError::Protocol("not an ECHO response")),
    }
}

pub(super) async fn logoff(cx: Cx) -> R<Reply> {
    require_connected(&cx)?;
    let m = request(&cx, 0xFFFF, LogoffAndXRequest).await?;
    check(&m)?;
    cx.with(|i| i.neg.connected = false);
    Ok(Reply::Done)
}
