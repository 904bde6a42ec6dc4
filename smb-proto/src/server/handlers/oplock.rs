//! Oplocks seen from the request handlers: breaking before an open (and waiting for the
//! acknowledgement), granting after it, the holder's acknowledgement, the level II breaks
//! a write or a lock causes, and the break request itself. The decisions are the shared
//! table's (`server/oplock.rs`); this is the glue to a connection's requests.

use alloc::vec::Vec;

use super::Rc;
use crate::server::cx::Cx;
use crate::server::fs::CreateAction;
use crate::server::oplock::{Contender, is_stat_open, rights_of};
use crate::server::shared::FileKey;
use crate::wire::consts::{access, oplock};
use crate::wire::msg::negotiate::caps;
use crate::wire::msg::{LockingAndXRequest, locking};
use crate::wire::{Flags2, Header, Message, NtStatus, Request};

/// The oplock an NT_CREATE_ANDX asks for with its flags.
pub(crate) fn requested_nt(flags: u32) -> u8 {
    use crate::wire::msg::nt_create::{NT_CREATE_REQUEST_OPBATCH, NT_CREATE_REQUEST_OPLOCK};
    if flags & NT_CREATE_REQUEST_OPBATCH != 0 {
        oplock::BATCH
    } else if flags & NT_CREATE_REQUEST_OPLOCK != 0 {
        oplock::EXCLUSIVE
    } else {
        oplock::NONE
    }
}

/// The oplock an OPEN_ANDX asks for with its flags.
pub(crate) fn requested_andx(flags: u16) -> u8 {
    use crate::wire::msg::open_andx::{OPEN_REQ_OPLOCK, OPEN_REQ_OPLOCK_BATCH};
    if flags & OPEN_REQ_OPLOCK_BATCH != 0 {
        oplock::BATCH
    } else if flags & OPEN_REQ_OPLOCK != 0 {
        oplock::EXCLUSIVE
    } else {
        oplock::NONE
    }
}

/// The break request for an open: LOCKING_ANDX with OPLOCK_RELEASE, sent by the server
/// with MID 0xFFFF and PID 0xFFFF, UID 0, unsigned (as Samba sends it).
pub(crate) fn break_message(tid: u16, fid: u16, level: u8) -> Message<Request> {
    let mut h = Header {
        flags2: Flags2(Flags2::NT_STATUS | Flags2::LONG_NAMES),
        tid,
        mid: 0xFFFF,
        ..Default::default()
    };
    h.set_pid(0xFFFF);
    Message::new(
        h,
        Request::LockingAndX(LockingAndXRequest {
            fid,
            type_of_lock: locking::LOCKING_OPLOCK_RELEASE,
            new_oplock_level: level,
            timeout: 0,
            unlocks: Vec::new(),
            locks: Vec::new(),
        }),
    )
}

fn enabled(cx: &Cx) -> bool {
    cx.with(|i| i.config.oplocks)
}

/// Before an open (or a delete or rename by name, which open the file for DELETE) goes
/// on: sends the breaks it causes and waits until the holders acknowledged them, closed,
/// went away or let the break time out. The sharing check and its result are the
/// caller's; this only decides what to break.
pub(crate) async fn contend(
    cx: &Cx,
    key: FileKey,
    access_mask: u32,
    share_access: u32,
    overwrite: bool,
) {
    // Overwriting truncates: that is a write, whatever access was asked for.
    let access_mask = if overwrite {
        access_mask | access::FILE_WRITE_DATA
    } else {
        access_mask
    };
    if !enabled(cx) || is_stat_open(access_mask) {
        return;
    }
    let (shared, conn, timeout) =
        cx.with(|i| (i.shared.clone(), i.conn_id, i.config.oplock_break_timeout));
    // Every round ends the wait or waits for breaks that time out (a time-out counts as
    // an acknowledgement), however often other news wakes the connection meanwhile; the
    // bound only guards against a logic error spinning.
    for _ in 0..100_000 {
        let sharing_violation = match shared.check_open(key, access_mask, share_access) {
            Ok(()) => false,
            Err(NtStatus::SHARING_VIOLATION) => true,
            // A file about to be deleted: the open fails without breaking anything.
            Err(_) => return,
        };
        let now = cx.now().instant;
        let c = Contender {
            conn,
            access: access_mask,
            overwrite,
            sharing_violation,
        };
        let wait = shared.cross(|x, out| x.oplocks.contend(key, c, now, timeout, out));
        match wait {
            None => return,
            Some(deadline) => cx.shared_change(Some(deadline)).await,
        }
    }
}

/// Grants a new open (already registered in the shared state) the oplock it asked for,
/// as far as the other opens allow; returns the level for the response.
pub(crate) fn grant(
    cx: &Cx,
    key: FileKey,
    fid: u16,
    requested: u8,
    access_mask: u32,
    action: CreateAction,
) -> u8 {
    if requested == oplock::NONE || !enabled(cx) {
        return oplock::NONE;
    }
    // Opens for attributes only get no oplock on a file that exists (one that overwrote
    // the file wrote to it).
    if action == CreateAction::Opened && is_stat_open(access_mask) {
        return oplock::NONE;
    }
    let (shared, conn, level2_ok) = cx.with(|i| {
        (
            i.shared.clone(),
            i.conn_id,
            i.neg.client_caps & caps::LEVEL_II_OPLOCKS != 0,
        )
    });
    let owner = (conn, fid);
    let (others, locks) = shared.others_and_locks(key, owner);
    debug_assert!(rights_of(requested) != 0);
    shared.cross(|x, _| {
        x.oplocks
            .grant(key, owner, requested, level2_ok, others, locks)
    })
}

/// A LOCKING_ANDX with OPLOCK_RELEASE from the holder: its acknowledgement of a break
/// (or the release of a level II oplock).
pub(crate) fn ack(cx: &Cx, rc: &Rc, fid: u16, level: u8) {
    let Some(f) = cx.with(|i| i.files.get(&fid).filter(|f| f.tid == rc.tid).cloned()) else {
        return;
    };
    let (shared, conn) = cx.with(|i| (i.shared.clone(), i.conn_id));
    shared.cross(|x, out| x.oplocks.ack((f.share, f.file_id), (conn, fid), level, out));
}

/// A write, truncation or byte-range lock through any open of the file: level II
/// oplocks on it break to none (no acknowledgement is waited for).
pub(crate) fn break_level2(cx: &Cx, key: FileKey) {
    if !enabled(cx) {
        return;
    }
    let shared = cx.with(|i| i.shared.clone());
    shared.cross(|x, out| x.oplocks.break_level2(key, out));
}
