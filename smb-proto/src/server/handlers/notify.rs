//! NT_TRANSACT_NOTIFY_CHANGE: a request that stays pending until a change its directory
//! handle's watch sees (see `server/notify.rs`), answered with FILE_NOTIFY_INFORMATION
//! records in the parameters. NT_CANCEL answers it with STATUS_CANCELLED; the close of
//! the handle (also by tree disconnect, logoff or PROCESS_EXIT) with success and no
//! records; a watch whose buffer overflowed with success and no records, which tells the
//! client to read the directory again (Windows and Samba answer SMB1 so; MS-CIFS names
//! STATUS_NOTIFY_ENUM_DIR, which Samba's own clients take as a failure).

use alloc::vec::Vec;
use bytes::Bytes;

use super::{Answer, HResult, Rc, check_fid, reply_header};
use crate::server::cx::Cx;
use crate::server::notify::{Taken, encode};
use crate::wire::msg::{NtTransactRequest, NtTransactResponse, TransPayload};
use crate::wire::{Message, NtStatus, Response};

/// The NT_TRANSACT function code.
pub(crate) const NOTIFY_CHANGE: u16 = 4;

/// Serves NT_TRANSACT_NOTIFY_CHANGE.
pub(crate) async fn change_notify(cx: &Cx, rc: &Rc, r: NtTransactRequest) -> HResult {
    if r.setup.len() < 4 {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let filter = u32::from(r.setup[0]) | (u32::from(r.setup[1]) << 16);
    let fid = r.setup[2];
    let tree = r.setup[3] & 0xFF != 0;
    let f = check_fid(cx, rc, fid)?;
    if !cx.with(|i| crate::server::access::may_list(i, rc.tid)) {
        return Err(NtStatus::ACCESS_DENIED);
    }
    if !f.is_dir {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    let owner = (conn, fid);
    let max = r.max_parameter_count;
    shared.cross(|x, _| x.watches.watch(owner, f.share, &f.path, filter, tree, max));
    loop {
        if cx.with(|i| i.cancelled.remove(&rc.h.mid)) {
            return Err(NtStatus::CANCELLED);
        }
        match shared.cross(|x, _| x.watches.take(owner)) {
            Taken::Empty => cx.shared_change(None).await,
            Taken::Closed | Taken::Overflow => return Ok(reply(cx, rc, Bytes::new())),
            Taken::Changes(records) => {
                let bytes = encode(&records);
                if bytes.len() > max as usize {
                    return Ok(reply(cx, rc, Bytes::new()));
                }
                return Ok(reply(cx, rc, Bytes::from(bytes)));
            }
        }
    }
}

/// The response, in several messages when the records exceed the client's buffer.
fn reply(cx: &Cx, rc: &Rc, params: Bytes) -> Answer {
    let budget = cx
        .with(|i| i.neg.client_max_buffer as usize)
        .clamp(1024, 0xFFFF)
        - 80;
    let total = params.len();
    let mut parts = Vec::new();
    let mut at = 0;
    loop {
        let n = (total - at).min(budget);
        parts.push(NtTransactResponse::Reply {
            reserved1: [0; 3],
            total_parameter_count: total as u32,
            total_data_count: 0,
            parameter_displacement: at as u32,
            data_displacement: 0,
            setup: Vec::new(),
            payload: TransPayload::new(params.slice(at..at + n), Bytes::new()),
        });
        at += n;
        if at >= total {
            break;
        }
    }
    let mut it = parts.into_iter();
    let mut a = Answer::ok(it.next().unwrap_or_default());
    for p in it {
        let h = reply_header(cx, &rc.h, NtStatus::SUCCESS, rc.uid, rc.tid);
        a.extra.push(Message::new(h, Response::NtTransact(p)));
    }
    a
}
