//! The core TREE_CONNECT (the TID in the parameters) and LANMAN1.0's CLOSE_AND_TREE_DISC,
//! both through the TREE_CONNECT_ANDX, CLOSE and TREE_DISCONNECT code.

use bytes::Bytes;

use super::{Answer, HResult, Rc};
use crate::server::cx::Cx;
use crate::wire::msg::*;

pub(crate) async fn tree_connect_core(cx: &Cx, rc: &Rc, r: TreeConnectRequest) -> HResult {
    let a = super::tree::tree_connect(
        cx,
        rc,
        TreeConnectAndXRequest {
            flags: 0,
            password: Bytes::from(r.password.into_bytes()),
            path: r.path,
            service: r.service,
        },
    )
    .await?;
    let tid = a.tid.unwrap_or_default();
    let mut out = Answer::ok(TreeConnectResponse {
        max_buffer_size: 0xFFFF,
        tid,
    });
    out.tid = Some(tid);
    Ok(out)
}

/// Closes the file, then disconnects its tree (LANMAN1.0; Windows NT and Samba no longer
/// serve it, but the old redirectors that send it expect both to happen).
pub(crate) async fn close_and_tree_disc(cx: &Cx, rc: &Rc, r: CloseAndTreeDiscRequest) -> HResult {
    super::files::close(cx, rc, r.0).await?;
    super::tree::tree_disconnect(cx, rc).await?;
    Ok(Answer::ok(CloseAndTreeDiscResponse))
}
