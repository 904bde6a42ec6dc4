//! Raw mode, the bulk transfers of LANMAN clients.
//!
//! READ_RAW is answered with the file bytes alone in one session message (no SMB
//! header), or with an empty one when the read cannot be done: the client then falls back
//! to ordinary reads. WRITE_RAW writes the bytes its request carries, answers with an
//! interim response, and takes the next session message as raw data; WRITE_COMPLETE
//! follows only when the client asked to write through or something failed (as Windows
//! for Workgroups and Samba do). Neither runs on a signed connection.

use alloc::vec::Vec;
use bytes::Bytes;

use super::files::{read_fid, write_fid};
use super::{Answer, HResult, Rc, check_fid, reply_header};
use crate::server::cx::Cx;
use crate::server::lanman::RawWrite;
use crate::wire::msg::*;
use crate::wire::{Command, ErrorResponse, Message, NtStatus, Response};

fn signing(cx: &Cx) -> bool {
    cx.with(|i| i.signing.is_some())
}

pub(crate) async fn read_raw(cx: &Cx, rc: &Rc, r: ReadRawRequest) -> HResult {
    let data = if signing(cx) {
        Bytes::new()
    } else {
        read_fid(cx, rc, r.fid, r.offset, u32::from(r.max_count))
            .await
            .unwrap_or_default()
    };
    Ok(Answer::raw(data))
}

/// An error in WRITE_RAW is answered as WRITE_COMPLETE: the client takes it as the end.
fn complete_error(status: NtStatus) -> Answer {
    let mut a = Answer::ok(Response::Error(ErrorResponse {
        command: Command::WRITE_COMPLETE,
    }));
    a.status = status;
    a
}

async fn start_write(cx: &Cx, rc: &Rc, r: &WriteRawRequest) -> Result<(), NtStatus> {
    if signing(cx) {
        return Err(NtStatus::ACCESS_DENIED);
    }
    check_fid(cx, rc, r.fid)?;
    // Samba reads CountOfBytes and the reserved word after it as one 32-bit count.
    let total = u32::from(r.count) | u32::from(r.reserved1) << 16;
    if r.data.len() as u64 > u64::from(total) {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let n = if r.data.is_empty() {
        0
    } else {
        write_fid(cx, rc, r.fid, r.offset, r.data.clone(), false).await?
    };
    if (n as usize) < r.data.len() {
        return Err(NtStatus::DISK_FULL);
    }
    cx.with(|i| {
        i.lanman.raw_write = Some(RawWrite {
            header: rc.h.clone(),
            fid: r.fid,
            offset: r.offset + u64::from(n),
            written: n,
            total,
            write_through: r.write_mode & write_raw::WRITE_RAW_WRITE_THROUGH != 0,
        })
    });
    Ok(())
}

pub(crate) async fn write_raw(cx: &Cx, rc: &Rc, r: WriteRawRequest) -> HResult {
    match start_write(cx, rc, &r).await {
        Ok(()) => Ok(Answer::ok(WriteRawResponse { available: 0xFFFF })),
        Err(e) => Ok(complete_error(e)),
    }
}

/// The raw data message of a WRITE_RAW: writes it, and answers with WRITE_COMPLETE when
/// the exchange asked to write through, wrote less than announced or failed.
pub(crate) async fn raw_write_data(cx: &Cx, w: RawWrite, data: Bytes) -> Vec<Message<Response>> {
    let h = w.header.clone();
    let rc = Rc {
        uid: h.uid,
        tid: h.tid,
        unicode: false,
        last: true,
        h: h.clone(),
        chain_fid: None,
    };
    let res = if data.is_empty() {
        Ok(0)
    } else {
        write_fid(cx, &rc, w.fid, w.offset, data, w.write_through).await
    };
    let (status, body) = match res {
        Ok(n) => {
            let total = w.written.saturating_add(n);
            if !w.write_through && total == w.total {
                return Vec::new();
            }
            (
                NtStatus::SUCCESS,
                Response::WriteComplete(WriteCompleteResponse {
                    count: total.min(0xFFFF) as u16,
                }),
            )
        }
        Err(e) => (
            e,
            Response::Error(ErrorResponse {
                command: Command::WRITE_COMPLETE,
            }),
        ),
    };
    let header = reply_header(cx, &h, status, h.uid, h.tid);
    alloc::vec![Message::new(header, body)]
}
