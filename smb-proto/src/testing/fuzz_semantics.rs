//! A seed for the `server` fuzz target that reaches the Windows file semantics: DOS opens
//! in DENY_DOS mode (a second FID on one handle), the handle's position set and queried,
//! a delete-on-close mark, byte-range locks (a waiting one, a cancel), LOCK_AND_READ, the
//! core opens (CREATE, CREATE_NEW, OPEN), QUERY_INFORMATION2, the core lock, unlock and
//! seek, a second session that may not use the first one's FIDs, and a logoff.

use alloc::vec::Vec;
use bytes::Bytes;

use super::raw::RawClient;
use crate::wire::msg::trans2::info::level;
use crate::wire::msg::*;

/// Requests for a connection that replayed the handshake prefix, as [`RawClient`]
/// `c` (its UID and TID known) frames them.
pub(crate) fn semantics_requests(c: &RawClient) -> Vec<u8> {
    // The handshake's own open has FID 0x4000; the first DOS open gets 0x4001, the
    // second one's refused NT open takes 0x4002, its compatibility FID 0x4003.
    let (a, b) = (0x4001u16, 0x4003u16);
    let mut out = Vec::new();
    let mut push = |mid: u16, body: Request| out.extend(c.frame(mid, body));
    for mid in [200, 201] {
        let openx = OpenAndXRequest {
            access_mode: 0x02,
            open_mode: 0x11,
            file_name: "dos.txt".into(),
            ..Default::default()
        };
        push(mid, openx.into());
    }
    let set = |fid: u16, level: u16, data: &[u8]| {
        let sub = Trans2Sub::SetFileInformation {
            fid,
            level,
            reserved: 0,
            data: Bytes::copy_from_slice(data),
        };
        sub.into_request(true, 100, 4000)
    };
    push(
        202,
        set(a, level::PT_POSITION, &1000u64.to_le_bytes()).into(),
    );
    let query = Trans2Sub::QueryFileInformation {
        fid: b,
        level: level::PT_POSITION,
    };
    push(203, query.into_request(true, 100, 4000).into());
    let lock = |fid: u16, pid: u16, length: u64, timeout: u32| LockingAndXRequest {
        fid,
        timeout,
        locks: alloc::vec![LockRange {
            pid,
            offset: 10,
            length,
            pad: 0,
        }],
        ..Default::default()
    };
    push(204, lock(a, 1, 100, 0).into());
    // Another process waits for the same bytes, and cancels.
    push(205, lock(b, 2, 1, 5000).into());
    push(205, NtCancelRequest.into());
    push(206, set(b, level::PT_DISPOSITION, &[1]).into());
    push(
        207,
        LockAndReadRequest(ReadRequest {
            fid: a,
            count: 4,
            offset: 0,
            remaining: 0,
        })
        .into(),
    );
    push(
        208,
        CloseRequest {
            fid: a,
            last_time_modified: 0,
        }
        .into(),
    );
    // The core opens, and QUERY_INFORMATION2 of the open DOS FID.
    let (name, time) = (alloc::string::String::from("core.txt"), 1_893_456_000);
    let create = CreateRequest {
        file_attributes: 0x02,
        creation_time: time,
        file_name: name.clone(),
    };
    push(211, create.into());
    let new = CreateNewRequest {
        file_attributes: 0,
        creation_time: 0,
        file_name: name.clone(),
    };
    push(212, new.into());
    let open = OpenRequest {
        access_mode: 0x40,
        search_attributes: 0,
        file_name: name,
    };
    push(213, open.into());
    push(214, QueryInformation2Request { fid: b }.into());
    // The core lock, unlock and seek on the DOS FID.
    let range = |fid| (fid, 4, 20);
    let (fid, count, offset) = range(b);
    push(215, LockByteRangeRequest { fid, count, offset }.into());
    push(216, UnlockByteRangeRequest { fid, count, offset }.into());
    let seek = SeekRequest {
        fid: b,
        mode: 1,
        offset: -3,
    };
    push(217, seek.into());
    // A second (guest) session: the first one's FIDs are not its own.
    let guest = SessionSetupAndXRequest::NtLm(SessionSetupNtLm {
        common: SessionSetupCommon {
            max_buffer_size: 16644,
            max_mpx_count: 50,
            ..Default::default()
        },
        ..Default::default()
    });
    push(209, guest.into());
    push(210, LogoffAndXRequest.into());
    out
}

#[cfg(test)]
mod tests {
    use super::super::fuzz::{Answer, client_after, fresh_server_pair, handshake_prefix, settle};
    use crate::wire::NtStatus;
    use crate::wire::msg::trans2::info::{decode_file_info, level};
    use crate::wire::msg::{Response, Trans2Response, TransResponseBody};

    #[test]
    fn the_seed_reaches_shared_positions_locks_and_a_second_session() {
        let (mut p, mut hub, side) = fresh_server_pair(false);
        p.feed_server(handshake_prefix());
        settle(&mut p, &mut hub, &side, Answer::Ack);
        let skip = p.server_bytes.len();
        let mut c = client_after(&p.server_bytes);
        // As the fuzz target feeds a seed whose first byte is 0x01: a byte at a time,
        // each request answered before the next arrives.
        for piece in super::semantics_requests(&c).chunks(1) {
            p.feed_server(piece);
            settle(&mut p, &mut hub, &side, Answer::Ack);
        }
        // The lock wait ends at its next wake-up.
        p.skip(core::time::Duration::from_secs(1));
        settle(&mut p, &mut hub, &side, Answer::Ack);
        c.receive(&p.server_bytes[skip..]);
        let status =
            |c: &mut super::RawClient, mid| c.take_response(mid).unwrap().header.nt_status();
        assert_eq!(status(&mut c, 202), NtStatus::SUCCESS);
        // The second DENY_DOS FID shares the first one's handle, and so its position.
        let r = c.take_response(203).unwrap();
        let Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. })) = r.body()
        else {
            panic!("{r:?}")
        };
        let info = decode_file_info(level::PT_POSITION, &payload.data, true).unwrap();
        assert_eq!(info.position, 1000);
        assert_eq!(status(&mut c, 204), NtStatus::SUCCESS);
        // The waiting lock's FID closes (logoff) before its next poll sees the cancel.
        assert_eq!(status(&mut c, 205), NtStatus::RANGE_NOT_LOCKED);
        // A DOS open has no DELETE access to mark the file with.
        assert_eq!(status(&mut c, 206), NtStatus::ACCESS_DENIED);
        assert_eq!(status(&mut c, 207), NtStatus::SUCCESS);
        assert_eq!(status(&mut c, 208), NtStatus::SUCCESS);
        assert_eq!(status(&mut c, 211), NtStatus::SUCCESS);
        assert_eq!(status(&mut c, 212), NtStatus::OBJECT_NAME_COLLISION);
        assert_eq!(status(&mut c, 213), NtStatus::SUCCESS);
        assert_eq!(status(&mut c, 214), NtStatus::SUCCESS);
        assert_eq!(status(&mut c, 215), NtStatus::SUCCESS);
        assert_eq!(status(&mut c, 216), NtStatus::SUCCESS);
        // LOCK_AND_READ read nothing of the empty file (the pointer stays at 0): 0 less 3
        // wraps in 32 bits, as Samba answers.
        let r = c.take_response(217).unwrap();
        assert!(
            matches!(r.body(), Response::Seek(s) if s.offset == 0xFFFF_FFFD),
            "{r:?}"
        );
        assert_eq!(status(&mut c, 210), NtStatus::SUCCESS);
    }
}
