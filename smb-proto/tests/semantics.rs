//! Windows file semantics of the server core, driven with raw SMB1 messages over one or
//! two connections sharing one server state and one in-memory file system:
//! delete-on-close, byte-range locks (order, cancel, error codes, zero-length ranges),
//! DOS and core opens, core locks and SEEK, LOCK_AND_READ, AndX chains and sessions (the
//! behaviour smbtorture's base.delete, base.lock, raw.lock, raw.open, raw.seek and
//! raw.context check against Windows).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use smb_proto::server::fs::FileSystem;
use smb_proto::server::{ServerConfig, ServerConnection, ServerEvent, SharedState};
use smb_proto::testing::MemFs;
use smb_proto::testing::pair::server_config;
use smb_proto::time::{Instant, Now};
use smb_proto::wire::consts::{access, create_options, disposition, share};
use smb_proto::wire::msg::trans2::info::{FileInformation, decode_file_info, level};
use smb_proto::wire::msg::trans2::sub::Trans2Sub;
use smb_proto::wire::msg::*;
use smb_proto::wire::{Flags, Flags2, Header, Message, NtStatus, Request, Response, Transport};

/// One connection: the server core and the ids its client uses.
struct Conn {
    server: ServerConnection<Bytes>,
    uid: u16,
    tid: u16,
    pid: u32,
    mid: u16,
    /// Server output not parsed yet.
    out: Vec<u8>,
    /// Parsed responses not taken yet.
    replies: Vec<Message<Response>>,
}

/// Connections to one server: shared state, one file system, virtual time.
struct World {
    fs: Arc<MemFs>,
    shared: SharedState,
    config: Arc<ServerConfig>,
    now: Now,
    conns: Vec<Conn>,
}

impl World {
    fn new(n: usize) -> Self {
        let mut w = World {
            fs: Arc::new(MemFs::new()),
            shared: SharedState::new(),
            config: Arc::new(server_config()),
            now: Now::new(Instant::from_nanos(1_000_000_000), 133_485_408_000_000_000),
            conns: Vec::new(),
        };
        for k in 0..n {
            w.connect(k as u8);
        }
        w
    }

    /// A new connection, logged on (anonymously) with the share connected.
    fn connect(&mut self, seed: u8) -> usize {
        let server = ServerConnection::new(
            self.config.clone(),
            self.shared.clone(),
            Transport::Direct,
            self.now,
            [seed; 32],
        );
        self.conns.push(Conn {
            server,
            uid: 0,
            tid: 0,
            pid: 100,
            mid: 1,
            out: Vec::new(),
            replies: Vec::new(),
        });
        let c = self.conns.len() - 1;
        let r = self.call(
            c,
            NegotiateRequest {
                dialects: vec!["NT LM 0.12".into()],
            },
        );
        assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
        let r = self.call(c, anonymous_logon());
        assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
        self.conns[c].uid = r.header.uid;
        let r = self.call(
            c,
            TreeConnectAndXRequest {
                flags: 0,
                password: Bytes::from_static(b"\0"),
                path: "\\\\server\\share".into(),
                service: "?????".into(),
            },
        );
        assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
        self.conns[c].tid = r.header.tid;
        c
    }

    fn header(&mut self, c: usize) -> Header {
        let conn = &mut self.conns[c];
        conn.mid = conn.mid.wrapping_add(1);
        let mut h = Header {
            flags: Flags(0x18),
            flags2: Flags2(Flags2::NT_STATUS | Flags2::LONG_NAMES | Flags2::UNICODE),
            tid: conn.tid,
            uid: conn.uid,
            mid: conn.mid,
            ..Default::default()
        };
        h.set_pid(conn.pid);
        h
    }

    /// Sends a message on connection `c`; returns its MID.
    fn send_msg(&mut self, c: usize, m: Message<Request>) -> u16 {
        let mid = m.header.mid;
        let body = m.encode();
        let mut frame = vec![0u8, 0, 0, 0];
        frame[1..4].copy_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        frame.extend_from_slice(&body);
        let now = self.now;
        self.conns[c]
            .server
            .handle_input(now, &frame)
            .expect("input accepted");
        self.pump();
        mid
    }

    fn send(&mut self, c: usize, body: impl Into<Request>) -> u16 {
        let h = self.header(c);
        self.send_msg(c, Message::new(h, body.into()))
    }

    /// Runs every file-system request of every connection and collects the output.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            for c in 0..self.conns.len() {
                while let Some(ev) = self.conns[c].server.poll_event() {
                    if let ServerEvent::Fs(req) = ev {
                        let r = self.fs.dispatch(&req);
                        let now = self.now;
                        self.conns[c]
                            .server
                            .complete(now, req.id, r)
                            .expect("known request");
                        moved = true;
                    }
                }
                while let Some(t) = self.conns[c].server.poll_transmit() {
                    for p in t.parts() {
                        self.conns[c].out.extend_from_slice(p);
                    }
                    if let Some(l) = &t.later {
                        self.conns[c].out.extend_from_slice(&l.source);
                    }
                    moved = true;
                }
                self.parse(c);
            }
            if !moved {
                break;
            }
        }
    }

    fn parse(&mut self, c: usize) {
        let conn = &mut self.conns[c];
        while conn.out.len() >= 4 {
            let len = u32::from_be_bytes([0, conn.out[1], conn.out[2], conn.out[3]]) as usize;
            if conn.out.len() < 4 + len {
                break;
            }
            let frame: Vec<u8> = conn.out.drain(..4 + len).collect();
            let msg = Message::<Response>::decode(&Bytes::from(frame[4..].to_vec()))
                .expect("a response we can decode");
            conn.replies.push(msg);
        }
    }

    /// The response to `mid` on `c`, if it came.
    fn take(&mut self, c: usize, mid: u16) -> Option<Message<Response>> {
        let conn = &mut self.conns[c];
        let i = conn.replies.iter().position(|m| m.header.mid == mid)?;
        Some(conn.replies.remove(i))
    }

    /// Sends and returns the response, letting up to two seconds of virtual time pass
    /// for it (a sharing violation is retried for about a second before it is answered).
    fn call(&mut self, c: usize, body: impl Into<Request>) -> Message<Response> {
        let mid = self.send(c, body);
        for _ in 0..100 {
            if let Some(m) = self.take(c, mid) {
                return m;
            }
            self.advance(Duration::from_millis(20));
        }
        self.take(c, mid).expect("a response within two seconds")
    }

    fn status(&mut self, c: usize, body: impl Into<Request>) -> NtStatus {
        self.call(c, body).header.nt_status()
    }

    /// Lets virtual time pass, firing the servers' timers on the way.
    fn advance(&mut self, d: Duration) {
        let end = self.now.instant + d;
        loop {
            let next = self
                .conns
                .iter()
                .filter_map(|c| c.server.poll_timeout())
                .filter(|t| *t <= end)
                .min();
            let t = next.unwrap_or(end).max(self.now.instant);
            self.now = self
                .now
                .advance(t.saturating_duration_since(self.now.instant));
            for c in 0..self.conns.len() {
                let now = self.now;
                self.conns[c].server.handle_timeout(now);
            }
            self.pump();
            if next.is_none() || t >= end {
                break;
            }
        }
    }

    /// NT_CREATE_ANDX; the FID or the failure.
    fn create(&mut self, c: usize, o: NtOpen) -> Result<u16, NtStatus> {
        let r = self.call(
            c,
            NtCreateAndXRequest {
                desired_access: o.access,
                share_access: o.share,
                create_disposition: o.disposition,
                create_options: o.options,
                ext_file_attributes: o.attributes,
                file_name: o.name.into(),
                impersonation_level: 2,
                ..Default::default()
            },
        );
        match r.body() {
            Response::NtCreateAndX(b) if r.header.nt_status().is_success() => Ok(b.fid),
            _ => Err(r.header.nt_status()),
        }
    }

    fn close(&mut self, c: usize, fid: u16) -> NtStatus {
        self.status(
            c,
            CloseRequest {
                fid,
                last_time_modified: 0,
            },
        )
    }

    fn trans2(&mut self, c: usize, sub: Trans2Sub) -> Message<Response> {
        self.call(c, sub.into_request(true, 100, 4000))
    }

    /// A TRANS2 request with this subcommand code, parameters and data.
    fn trans2_raw(&mut self, c: usize, code: u16, params: Bytes, data: Bytes) -> Message<Response> {
        let sub = Trans2Sub::Other {
            code,
            parameters: params,
            data,
        };
        self.trans2(c, sub)
    }

    /// QUERY_FILE_INFORMATION at SMB_QUERY_FILE_ALL_INFO.
    fn file_info(&mut self, c: usize, fid: u16) -> FileInformation {
        let lvl = level::FILE_ALL_INFO;
        let r = self.trans2(c, Trans2Sub::QueryFileInformation { fid, level: lvl });
        assert_eq!(r.header.nt_status(), NtStatus::SUCCESS, "query file info");
        let Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. })) = r.body()
        else {
            panic!("not a TRANS2 reply: {r:?}")
        };
        decode_file_info(lvl, &payload.data, true).expect("ALL_INFO")
    }

    /// QUERY_PATH_INFORMATION at SMB_INFO_STANDARD: its status.
    fn path_info(&mut self, c: usize, name: &str) -> NtStatus {
        let sub = Trans2Sub::QueryPathInformation {
            level: level::INFO_STANDARD,
            reserved: 0,
            file_name: name.into(),
        };
        self.trans2(c, sub).header.nt_status()
    }

    /// SET_FILE_INFORMATION at SMB_SET_FILE_DISPOSITION_INFO.
    fn set_delete(&mut self, c: usize, fid: u16, on: bool) -> NtStatus {
        let sub = Trans2Sub::SetFileInformation {
            fid,
            level: level::SET_FILE_DISPOSITION_INFO,
            reserved: 0,
            data: Bytes::from(vec![on as u8]),
        };
        self.trans2(c, sub).header.nt_status()
    }

    /// LOCKING_ANDX (64-bit ranges) sent without waiting for the answer; the MID.
    fn lock_send(&mut self, c: usize, fid: u16, kind: u8, timeout: u32, locks: &[Range]) -> u16 {
        self.send(
            c,
            LockingAndXRequest {
                fid,
                type_of_lock: kind | locking::LOCKING_LARGE_FILES,
                timeout,
                locks: locks.iter().map(range).collect(),
                ..Default::default()
            },
        )
    }

    fn lock(&mut self, c: usize, fid: u16, locks: &[Range]) -> NtStatus {
        let mid = self.lock_send(c, fid, 0, 0, locks);
        self.take(c, mid).expect("answered").header.nt_status()
    }

    fn unlock(&mut self, c: usize, fid: u16, ranges: &[Range]) -> NtStatus {
        self.status(
            c,
            LockingAndXRequest {
                fid,
                type_of_lock: locking::LOCKING_LARGE_FILES,
                unlocks: ranges.iter().map(range).collect(),
                ..Default::default()
            },
        )
    }

    fn write(&mut self, c: usize, fid: u16, offset: u64, data: &[u8]) -> NtStatus {
        self.status(
            c,
            WriteAndXRequest {
                fid,
                offset,
                large_offset: true,
                data: Bytes::from(data.to_vec()),
                ..Default::default()
            },
        )
    }

    fn read(&mut self, c: usize, fid: u16, offset: u64, n: u16) -> Result<Bytes, NtStatus> {
        let r = self.call(
            c,
            ReadAndXRequest {
                fid,
                offset,
                max_count_low: n,
                large_offset: true,
                ..Default::default()
            },
        );
        match r.body() {
            Response::ReadAndX(b) if r.header.nt_status().is_success() => Ok(b.data.clone()),
            _ => Err(r.header.nt_status()),
        }
    }
}

fn anonymous_logon() -> SessionSetupAndXRequest {
    SessionSetupAndXRequest::NtLm(SessionSetupNtLm {
        common: SessionSetupCommon {
            max_buffer_size: 16644,
            max_mpx_count: 50,
            ..Default::default()
        },
        oem_password: Bytes::new(),
        unicode_password: Bytes::new(),
        account_name: String::new(),
        primary_domain: String::new(),
        native_os: Some("test".into()),
        native_lan_man: Some("test".into()),
    })
}

/// PID, offset and length of a lock range.
type Range = (u16, u64, u64);

fn range(&(pid, offset, length): &Range) -> LockRange {
    LockRange {
        pid,
        offset,
        length,
        pad: 0,
    }
}

/// An NT_CREATE_ANDX request.
#[derive(Clone, Copy)]
struct NtOpen {
    name: &'static str,
    access: u32,
    share: u32,
    disposition: u32,
    options: u32,
    attributes: u32,
}

const RWD: u32 = access::FILE_READ_DATA | access::FILE_WRITE_DATA | access::DELETE;

fn nt(name: &'static str, acc: u32, disp: u32, options: u32) -> NtOpen {
    NtOpen {
        name,
        access: acc,
        share: share::ALL,
        disposition: disp,
        options,
        attributes: 0x80,
    }
}

#[test]
fn delete_on_close_shows_only_after_its_handle_closes() {
    let mut w = World::new(2);
    let doc = create_options::DELETE_ON_CLOSE;
    let f1 = w
        .create(0, nt("doc.txt", RWD, disposition::CREATE, doc))
        .unwrap();
    // The opener's own delete-on-close is not a pending delete yet.
    let i = w.file_info(0, f1);
    assert!(!i.delete_pending);
    assert_eq!(i.number_of_links, 1);
    assert_eq!(w.path_info(1, "doc.txt"), NtStatus::SUCCESS);
    let f2 = w
        .create(
            1,
            nt("doc.txt", access::FILE_READ_DATA, disposition::OPEN, 0),
        )
        .unwrap();
    assert!(!w.file_info(1, f2).delete_pending);
    assert_eq!(w.close(0, f1), NtStatus::SUCCESS);
    // Now it is: the other handle sees it, with no link left, and opening fails.
    let i = w.file_info(1, f2);
    assert!(i.delete_pending);
    assert_eq!(i.number_of_links, 0);
    assert_eq!(w.path_info(1, "doc.txt"), NtStatus::DELETE_PENDING);
    assert_eq!(
        w.create(
            0,
            nt("doc.txt", access::FILE_READ_DATA, disposition::OPEN, 0)
        ),
        Err(NtStatus::DELETE_PENDING)
    );
    assert!(w.fs.exists("doc.txt"));
    assert_eq!(w.close(1, f2), NtStatus::SUCCESS);
    assert!(!w.fs.exists("doc.txt"));
}

#[test]
fn delete_on_close_needs_delete_access_and_a_writable_file() {
    let mut w = World::new(1);
    let doc = create_options::DELETE_ON_CLOSE;
    let rw = access::FILE_READ_DATA | access::FILE_WRITE_DATA;
    for d in [
        disposition::CREATE,
        disposition::OPEN_IF,
        disposition::SUPERSEDE,
    ] {
        assert_eq!(
            w.create(0, nt("x.txt", rw, d, doc)),
            Err(NtStatus::INVALID_PARAMETER)
        );
        assert!(!w.fs.exists("x.txt"), "nothing created");
    }
    // A new read-only file cannot be deleted: refused, and not left behind.
    let mut ro = nt("ro.txt", RWD, disposition::OVERWRITE_IF, doc);
    ro.attributes = 0x01;
    assert_eq!(w.create(0, ro), Err(NtStatus::CANNOT_DELETE));
    assert!(!w.fs.exists("ro.txt"));
    // Clearing the pending delete does not cancel the create option (deltest24).
    let f = w
        .create(0, nt("y.txt", RWD, disposition::CREATE, doc))
        .unwrap();
    assert_eq!(w.set_delete(0, f, false), NtStatus::SUCCESS);
    w.close(0, f);
    assert!(!w.fs.exists("y.txt"));
}

#[test]
fn disposition_is_shared_and_clearable_by_any_handle() {
    let mut w = World::new(2);
    w.fs.put("z.txt", b"z");
    let f1 = w.create(0, nt("z.txt", RWD, disposition::OPEN, 0)).unwrap();
    let f2 = w.create(1, nt("z.txt", RWD, disposition::OPEN, 0)).unwrap();
    assert_eq!(w.set_delete(0, f1, true), NtStatus::SUCCESS);
    assert!(w.file_info(1, f2).delete_pending);
    assert_eq!(w.set_delete(1, f2, false), NtStatus::SUCCESS);
    assert!(!w.file_info(0, f1).delete_pending);
    w.close(0, f1);
    w.close(1, f2);
    assert!(w.fs.exists("z.txt"));
}

#[test]
fn directories_report_one_link_and_no_allocation() {
    let mut w = World::new(1);
    let d = w
        .create(
            0,
            nt(
                "d",
                RWD,
                disposition::CREATE,
                create_options::DIRECTORY_FILE,
            ),
        )
        .unwrap();
    let i = w.file_info(0, d);
    assert_eq!((i.number_of_links, i.allocation_size), (1, 0));
    assert_eq!(w.set_delete(0, d, true), NtStatus::SUCCESS);
    assert_eq!(w.file_info(0, d).number_of_links, 0);
    // A directory cannot be superseded or overwritten.
    for disp in [
        disposition::SUPERSEDE,
        disposition::OVERWRITE,
        disposition::OVERWRITE_IF,
    ] {
        let o = nt("e", RWD, disp, create_options::DIRECTORY_FILE);
        assert_eq!(w.create(0, o), Err(NtStatus::INVALID_PARAMETER));
    }
}

#[test]
fn lock_conflicts_follow_windows() {
    let mut w = World::new(2);
    let f = w
        .create(0, nt("l.bin", RWD, disposition::CREATE, 0))
        .unwrap();
    let g = w.create(1, nt("l.bin", RWD, disposition::OPEN, 0)).unwrap();
    w.write(0, f, 0, &[0u8; 200]);
    // A read lock may stack on one's own write lock, not the reverse.
    assert_eq!(w.lock(0, f, &[(1, 0, 4)]), NtStatus::SUCCESS);
    let mid = w.lock_send(0, f, locking::LOCKING_SHARED_LOCK, 0, &[(1, 0, 4)]);
    assert_eq!(
        w.take(0, mid).unwrap().header.nt_status(),
        NtStatus::SUCCESS
    );
    assert_eq!(w.lock(0, f, &[(1, 10, 4)]), NtStatus::SUCCESS);
    let mid = w.lock_send(0, f, locking::LOCKING_SHARED_LOCK, 0, &[(1, 20, 4)]);
    w.take(0, mid);
    assert_eq!(w.lock(0, f, &[(1, 20, 4)]), NtStatus::LOCK_NOT_GRANTED);
    // The first unlock removes the write lock: others may read, nobody may write.
    assert_eq!(w.unlock(0, f, &[(1, 0, 4)]), NtStatus::SUCCESS);
    assert!(w.read(1, g, 0, 4).is_ok());
    assert_eq!(w.write(1, g, 0, b"x"), NtStatus::FILE_LOCK_CONFLICT);
    // Not even the owner writes under its own read lock (LOCK7).
    w.conns[0].pid = 1;
    assert_eq!(w.write(0, f, 0, b"x"), NtStatus::FILE_LOCK_CONFLICT);
    // Only the low 16 bits of the PID own a lock.
    assert!(w.read(0, f, 10, 1).is_ok());
    w.conns[0].pid = 0x1_0001;
    assert!(w.read(0, f, 10, 1).is_ok());
    w.conns[0].pid = 2;
    assert_eq!(w.read(0, f, 10, 1), Err(NtStatus::FILE_LOCK_CONFLICT));
}

#[test]
fn zero_length_locks_conflict_only_inside_a_range() {
    let mut w = World::new(1);
    let f = w
        .create(0, nt("z.bin", RWD, disposition::CREATE, 0))
        .unwrap();
    for (second, ok) in [
        ((1001, 10, 0), true),
        ((1001, 9, 1), true),
        ((1001, 10, 1), true),
        ((1001, 11, 1), true),
        ((1001, 9, 2), false),
        ((1001, 10, 2), true),
        ((1001, 9, 3), false),
    ] {
        for pair in [[(1000, 10, 0), second], [second, (1000, 10, 0)]] {
            assert_eq!(w.lock(0, f, &pair[..1]), NtStatus::SUCCESS);
            let got = w.lock(0, f, &pair[1..]);
            assert_eq!(got.is_success(), ok, "{pair:?}: {got:?}");
            if ok {
                w.unlock(0, f, &pair[1..]);
            }
            assert_eq!(w.unlock(0, f, &pair[..1]), NtStatus::SUCCESS);
        }
    }
}

#[test]
fn a_repeated_lock_failure_spins_and_says_conflict() {
    let mut w = World::new(1);
    let f = w
        .create(0, nt("e.bin", RWD, disposition::CREATE, 0))
        .unwrap();
    assert_eq!(w.lock(0, f, &[(1, 100, 10)]), NtStatus::SUCCESS);
    assert_eq!(w.lock(0, f, &[(2, 100, 10)]), NtStatus::LOCK_NOT_GRANTED);
    // The same offset again: it waits the lock spin, then FILE_LOCK_CONFLICT.
    let mid = w.lock_send(0, f, 0, 0, &[(2, 100, 5)]);
    assert!(w.take(0, mid).is_none(), "spins first");
    w.advance(Duration::from_millis(250));
    let r = w.take(0, mid).expect("after the spin");
    assert_eq!(r.header.nt_status(), NtStatus::FILE_LOCK_CONFLICT);
    // A zero-length lock inside the range fails at another offset: not a repeat.
    assert_eq!(w.lock(0, f, &[(2, 101, 0)]), NtStatus::LOCK_NOT_GRANTED);
    // A lock that waited reports FILE_LOCK_CONFLICT.
    let mid = w.lock_send(0, f, 0, 1, &[(2, 105, 10)]);
    w.advance(Duration::from_millis(250));
    let r = w.take(0, mid).expect("timed out");
    assert_eq!(r.header.nt_status(), NtStatus::FILE_LOCK_CONFLICT);
}

#[test]
fn waiting_locks_are_granted_in_order_and_can_be_cancelled() {
    let mut w = World::new(1);
    let f = w
        .create(0, nt("m.bin", RWD, disposition::CREATE, 0))
        .unwrap();
    assert_eq!(
        w.lock(0, f, &[(1, 100, 10), (1, 120, 10)]),
        NtStatus::SUCCESS
    );
    // (b) waits for both ranges; (c) wants the first one after it.
    let b = w.lock_send(0, f, 0, 20_000, &[(2, 100, 10), (2, 120, 10)]);
    let c = w.lock_send(0, f, 0, 2_000, &[(3, 100, 10)]);
    assert_eq!(w.unlock(0, f, &[(1, 100, 10)]), NtStatus::SUCCESS);
    w.advance(Duration::from_millis(100));
    assert!(w.take(0, b).is_none() && w.take(0, c).is_none());
    // The free range goes to nobody else: (b) asked first.
    assert_eq!(w.lock(0, f, &[(4, 100, 10)]), NtStatus::LOCK_NOT_GRANTED);
    w.advance(Duration::from_secs(2));
    let r = w.take(0, c).expect("(c) timed out");
    assert_eq!(r.header.nt_status(), NtStatus::FILE_LOCK_CONFLICT);
    assert_eq!(w.unlock(0, f, &[(1, 120, 10)]), NtStatus::SUCCESS);
    w.advance(Duration::from_millis(100));
    assert_eq!(
        w.take(0, b).expect("granted").header.nt_status(),
        NtStatus::SUCCESS
    );

    // Cancel: the wrong range or the 32-bit form is refused in DOS form.
    let d = w.lock_send(0, f, 0, 20_000, &[(5, 100, 10)]);
    let cancel = |w: &mut World, kind: u8, r: Range| {
        let h = w.header(0);
        let m = Message::new(
            h,
            LockingAndXRequest {
                fid: f,
                type_of_lock: kind,
                locks: vec![range(&r)],
                ..Default::default()
            }
            .into(),
        );
        let mid = w.send_msg(0, m);
        w.take(0, mid).expect("answered")
    };
    let large = locking::LOCKING_CANCEL_LOCK | locking::LOCKING_LARGE_FILES;
    let r = cancel(&mut w, large, (5, 0, 10));
    assert_eq!(r.header.nt_status(), NtStatus::SMB_CANCEL_VIOLATION);
    assert!(!r.header.flags2.is_nt_status(), "a DOS error");
    let r = cancel(&mut w, locking::LOCKING_CANCEL_LOCK, (5, 100, 10));
    assert_eq!(r.header.nt_status(), NtStatus::SMB_CANCEL_VIOLATION);
    let r = cancel(&mut w, large, (5, 100, 10));
    assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
    w.advance(Duration::from_millis(100));
    let r = w.take(0, d).expect("cancelled");
    assert_eq!(r.header.nt_status(), NtStatus::FILE_LOCK_CONFLICT);
    // Closing the file ends a waiting request with RANGE_NOT_LOCKED.
    let e = w.lock_send(0, f, 0, 20_000, &[(6, 100, 10)]);
    w.close(0, f);
    w.advance(Duration::from_millis(100));
    let r = w.take(0, e).expect("ended by the close");
    assert_eq!(r.header.nt_status(), NtStatus::RANGE_NOT_LOCKED);
    // Changing a lock type atomically is not supported.
    let f = w.create(0, nt("m.bin", RWD, disposition::OPEN, 0)).unwrap();
    let mid = w.lock_send(0, f, locking::LOCKING_CHANGE_LOCKTYPE, 0, &[(1, 0, 1)]);
    let r = w.take(0, mid).unwrap();
    assert_eq!(r.header.nt_status(), NtStatus::SMB_NO_ATOMIC_LOCKS);
}

#[test]
fn lock_and_read_and_write_and_unlock() {
    let mut w = World::new(1);
    let f = w
        .create(0, nt("r.bin", RWD, disposition::CREATE, 0))
        .unwrap();
    w.write(0, f, 0, b"TEST DATA");
    let lock_read = |w: &mut World, offset: u32, count: u16| {
        w.call(
            0,
            LockAndReadRequest(ReadRequest {
                fid: f,
                count,
                offset,
                remaining: 0,
            }),
        )
    };
    let r = lock_read(&mut w, 0, 9);
    let Response::LockAndRead(b) = r.body() else {
        panic!("{r:?}")
    };
    assert_eq!(&b.0.data[..], b"TEST DATA");
    assert_eq!(
        lock_read(&mut w, 0, 9).header.nt_status(),
        NtStatus::LOCK_NOT_GRANTED
    );
    // WRITE_AND_UNLOCK writes and releases the range; without a lock it still writes
    // but says RANGE_NOT_LOCKED; with nothing to write it does nothing.
    let wu = |w: &mut World, data: &[u8]| {
        w.status(
            0,
            WriteAndUnlockRequest(WriteRequest {
                fid: f,
                offset: 0,
                remaining: 0,
                count: None,
                data: Bytes::from(data.to_vec()),
            }),
        )
    };
    assert_eq!(wu(&mut w, b"test data"), NtStatus::SUCCESS);
    assert_eq!(wu(&mut w, b"TEST data"), NtStatus::RANGE_NOT_LOCKED);
    assert_eq!(wu(&mut w, b""), NtStatus::SUCCESS);
    assert_eq!(w.fs.get("r.bin").as_deref(), Some(&b"TEST data"[..]));
}

#[test]
fn a_chained_read_reads_the_file_its_chain_opened() {
    let mut w = World::new(1);
    w.fs.put("c.txt", b"chained");
    let h = w.header(0);
    let m = Message::new(
        h,
        Request::from(NtCreateAndXRequest {
            desired_access: access::FILE_READ_DATA,
            share_access: share::ALL,
            create_disposition: disposition::OPEN,
            file_name: "c.txt".into(),
            ..Default::default()
        }),
    )
    .and_then(
        ReadAndXRequest {
            fid: 0,
            max_count_low: 7,
            ..Default::default()
        }
        .into(),
    );
    let mid = w.send_msg(0, m);
    let r = w.take(0, mid).unwrap();
    assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
    let Some(Response::ReadAndX(b)) = r.bodies().nth(1) else {
        panic!("{r:?}")
    };
    assert_eq!(&b.data[..], b"chained");
}

#[test]
fn dos_opens_map_like_windows() {
    let mut w = World::new(1);
    let openx = |w: &mut World, mode: u16, func: u16, size: u32| {
        w.call(
            0,
            OpenAndXRequest {
                access_mode: mode,
                open_mode: func,
                allocation_size: size,
                file_name: "o.txt".into(),
                ..Default::default()
            },
        )
    };
    // Open-function 0 ("fail") is no open at all: a DOS ERRbadaccess, even to NT clients.
    let r = openx(&mut w, 0x42, 0, 0);
    assert_eq!(r.header.nt_status(), NtStatus::SMB_BAD_ACCESS);
    assert_eq!(
        openx(&mut w, 0x52, 0x11, 0).header.nt_status(),
        NtStatus::SMB_BAD_ACCESS,
        "deny mode 5"
    );
    // Created with a size: the file is that long.
    let r = openx(&mut w, 0x42, 0x11, 4096);
    let Response::OpenAndX(o) = r.body() else {
        panic!("{r:?}")
    };
    assert_eq!(
        (o.open_results, o.file_data_size, o.access_rights),
        (2, 4096, 2)
    );
    assert_eq!(w.fs.get("o.txt").map(|d| d.len()), Some(4096));
    w.close(0, o.fid);
    // Two DENY_DOS read-write opens by one process share one handle.
    let a = openx(&mut w, 0x02, 0x01, 0);
    let b = openx(&mut w, 0x02, 0x01, 0);
    let (Response::OpenAndX(a), Response::OpenAndX(b)) = (a.body(), b.body()) else {
        panic!("both open")
    };
    assert_ne!(a.fid, b.fid);
    assert_eq!(w.fs.open_handles(), 1);
    w.conns[0].pid = 7;
    let c = openx(&mut w, 0x02, 0x01, 0);
    assert_eq!(c.header.nt_status(), NtStatus::SHARING_VIOLATION);
    w.conns[0].pid = 100;
    w.close(0, a.fid);
    assert_eq!(w.fs.open_handles(), 1, "the other FID keeps the handle");
    w.close(0, b.fid);
    assert_eq!(w.fs.open_handles(), 0);
}

#[test]
fn trees_outlive_their_session_and_close_without_one() {
    let mut w = World::new(1);
    let f = w
        .create(0, nt("t.txt", RWD, disposition::CREATE, 0))
        .unwrap();
    assert_eq!(w.status(0, LogoffAndXRequest), NtStatus::SUCCESS);
    // The session's files are closed...
    assert_eq!(w.fs.open_handles(), 0);
    let _ = f;
    // ...its tree stays, for another session, and goes without a valid UID.
    let r = w.call(0, anonymous_logon());
    w.conns[0].uid = r.header.uid;
    assert!(
        w.create(0, nt("t2.txt", RWD, disposition::CREATE, 0))
            .is_ok()
    );
    w.conns[0].uid = 0xBEEF;
    assert_eq!(w.status(0, TreeDisconnectRequest), NtStatus::SUCCESS);
    assert_eq!(w.status(0, TreeDisconnectRequest), NtStatus::SMB_BAD_TID);
}

/// Sends an NT_TRANSACT request; returns the response.
fn nt_transact(w: &mut World, function: u16, params: Bytes, data: Bytes) -> Message<Response> {
    w.call(
        0,
        NtTransactRequest {
            max_parameter_count: 200,
            total_parameter_count: params.len() as u32,
            total_data_count: data.len() as u32,
            function,
            payload: TransPayload::new(params, data),
            ..Default::default()
        },
    )
}

/// The extended attributes of a file, by name.
fn eas_of(w: &World, name: &str) -> Vec<(String, Vec<u8>)> {
    use smb_proto::server::SharePath;
    use smb_proto::server::fs::{ShareId, Target};
    let t = Target::Path(SharePath::parse(name).unwrap());
    let mut v: Vec<_> =
        w.fs.get_eas(ShareId(0), &t)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.value.to_vec()))
            .collect();
    v.sort();
    v
}

#[test]
fn nt_transact_create_opens_and_sets_eas_on_create_only() {
    let mut w = World::new(1);
    use smb_proto::wire::msg::nt_transact_sub::{
        NtTransCreate, NtTransCreateResponse, nt_function,
    };
    use smb_proto::wire::msg::trans2::info::FeaEntry;
    let ea = |name: &str, value: &str| FeaEntry {
        flags: 0,
        name: name.into(),
        value: Bytes::from(value.as_bytes().to_vec()),
    };
    let create = |name: &str, disp: u32, options: u32, eas: &[FeaEntry]| NtTransCreate {
        desired_access: access::MAXIMUM_ALLOWED,
        share_access: share::READ | share::WRITE,
        create_disposition: disp,
        create_options: options,
        ext_file_attributes: 0x80,
        impersonation_level: 2,
        name: name.into(),
        eas: eas.to_vec(),
        ..Default::default()
    };
    let send = |w: &mut World, r: NtTransCreate| {
        let (p, d) = r.encode(true);
        nt_transact(w, nt_function::CREATE, p, d)
    };
    let r = send(
        &mut w,
        create(
            "n.txt",
            disposition::CREATE,
            0,
            &[ea("A", "1"), ea("B b", "22")],
        ),
    );
    assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
    let Response::NtTransact(NtTransactResponse::Reply { payload, .. }) = r.body() else {
        panic!("{r:?}")
    };
    let o = NtTransCreateResponse::decode(&payload.parameters).unwrap();
    assert_eq!((o.create_action, o.directory), (2, 0));
    assert_eq!(
        eas_of(&w, "n.txt"),
        [("A".into(), b"1".to_vec()), ("B b".into(), b"22".to_vec())]
    );
    w.close(0, o.fid);
    // Opening an existing file takes no EAs.
    let r = send(
        &mut w,
        create("n.txt", disposition::OPEN, 0, &[ea("C", "3")]),
    );
    assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
    assert_eq!(eas_of(&w, "n.txt").len(), 2);
    let fid_of = |r: &Message<Response>| match r.body() {
        Response::NtTransact(NtTransactResponse::Reply { payload, .. }) => {
            NtTransCreateResponse::decode(&payload.parameters)
                .unwrap()
                .fid
        }
        _ => panic!("{r:?}"),
    };
    w.close(0, fid_of(&r));
    // A bad EA name refuses the create before anything is made.
    let r = send(
        &mut w,
        create("bad.txt", disposition::CREATE, 0, &[ea("x:y", "1")]),
    );
    assert_eq!(r.header.nt_status(), NtStatus::INVALID_EA_NAME);
    assert!(!w.fs.exists("bad.txt"));
    // Create options as Windows checks them.
    for (opt, want) in [
        (0x0000_2000, NtStatus::NOT_SUPPORTED),
        (0x0000_0010, NtStatus::INVALID_PARAMETER),
        (0x0010_0000, NtStatus::INVALID_PARAMETER),
        (0x0100_0000, NtStatus::INVALID_PARAMETER),
        (0x0000_0001, NtStatus::NOT_A_DIRECTORY),
        (0x0080_0000, NtStatus::SUCCESS),
    ] {
        let r = send(&mut w, create("n.txt", disposition::OPEN_IF, opt, &[]));
        assert_eq!(r.header.nt_status(), want, "option {opt:#x}");
        if want.is_success() {
            w.close(0, fid_of(&r));
        }
    }
}

#[test]
fn trans2_open2_maps_like_samba() {
    use smb_proto::wire::msg::trans2::info::{FeaEntry, encode_fea_list};
    use smb_proto::wire::msg::trans2::open2::{Open2Request, Open2Response};
    let mut w = World::new(1);
    let open2 = |w: &mut World, func: u16, eas: &[(&str, &str)]| {
        let list: Vec<FeaEntry> = eas
            .iter()
            .map(|(n, v)| FeaEntry {
                flags: 0,
                name: (*n).into(),
                value: Bytes::from(v.as_bytes().to_vec()),
            })
            .collect();
        let r = Open2Request {
            access_mode: 0x42,
            open_mode: func,
            file_name: "t2.txt".into(),
            eas: encode_fea_list(&list),
            ..Default::default()
        };
        let (p, d) = r.encode(true);
        w.trans2_raw(0, 0x0000, p, d)
    };
    // Open function 0: a name collision, whether the file exists or not.
    assert_eq!(
        open2(&mut w, 0x00, &[]).header.nt_status(),
        NtStatus::OBJECT_NAME_COLLISION
    );
    assert_eq!(
        open2(&mut w, 0x01, &[]).header.nt_status(),
        NtStatus::OBJECT_NAME_NOT_FOUND
    );
    let r = open2(&mut w, 0x11, &[("EA ONE", "first")]);
    assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
    let Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. })) = r.body()
    else {
        panic!("{r:?}")
    };
    let o = Open2Response::decode(&payload.parameters).unwrap();
    assert_eq!((o.action_taken, o.access_mode), (2, 0x42));
    assert_eq!(eas_of(&w, "t2.txt"), [("EA ONE".into(), b"first".to_vec())]);
    w.close(0, o.fid);
}

#[test]
fn chkpath_and_getatr_name_bad_paths_like_windows() {
    let mut w = World::new(1);
    w.fs.put("dir/f.txt", b"f");
    let chk = |w: &mut World, p: &str| {
        w.status(
            0,
            CheckDirectoryRequest {
                directory_name: p.into(),
                ..Default::default()
            },
        )
    };
    assert_eq!(chk(&mut w, "dir"), NtStatus::SUCCESS);
    assert_eq!(chk(&mut w, "dir\\bla"), NtStatus::OBJECT_NAME_NOT_FOUND);
    assert_eq!(
        chk(&mut w, "dir\\bla\\blub"),
        NtStatus::OBJECT_PATH_NOT_FOUND
    );
    assert_eq!(chk(&mut w, "dir\\f.txt"), NtStatus::NOT_A_DIRECTORY);
    assert_eq!(chk(&mut w, "."), NtStatus::OBJECT_NAME_INVALID);
    assert_eq!(chk(&mut w, ".."), NtStatus::OBJECT_PATH_SYNTAX_BAD);
    let getatr = |w: &mut World, p: &str| {
        w.status(
            0,
            QueryInformationRequest {
                file_name: p.into(),
            },
        )
    };
    assert_eq!(getatr(&mut w, "."), NtStatus::OBJECT_NAME_INVALID);
    // A client that takes DOS errors gets ERRbadpath from chkpath.
    let h = w.header(0);
    let mut h = h;
    h.flags2 = Flags2(h.flags2.0 & !Flags2::NT_STATUS);
    let m = Message::new(
        h,
        Request::from(CheckDirectoryRequest {
            directory_name: "dir\\f.txt".into(),
            ..Default::default()
        }),
    );
    let mid = w.send_msg(0, m);
    let r = w.take(0, mid).unwrap();
    let bad_path = smb_proto::wire::DosError { class: 1, code: 3 };
    assert_eq!(r.header.status(), smb_proto::wire::Status::Dos(bad_path));
}

#[test]
fn security_descriptors_are_a_fixed_default() {
    use smb_proto::wire::msg::nt_transact_sub::nt_function::QUERY_SECURITY_DESC;
    // The self-relative header: owner, group and DACL offsets (0 when absent).
    let offsets = |sd: &[u8]| {
        let at = |i: usize| u32::from_le_bytes(sd[i..i + 4].try_into().unwrap());
        (at(4), at(8), at(16))
    };
    let mut w = World::new(1);
    let f = w
        .create(0, nt("s.txt", RWD, disposition::CREATE, 0))
        .unwrap();
    let query = |w: &mut World, which: u32, max_data: u32| {
        let mut p = Vec::new();
        p.extend_from_slice(&f.to_le_bytes());
        p.extend_from_slice(&[0, 0]);
        p.extend_from_slice(&which.to_le_bytes());
        w.call(
            0,
            NtTransactRequest {
                max_parameter_count: 4,
                max_data_count: max_data,
                total_parameter_count: 8,
                function: QUERY_SECURITY_DESC,
                payload: TransPayload::new(Bytes::from(p), Bytes::new()),
                ..Default::default()
            },
        )
    };
    let r = query(&mut w, 0x7, 0xFFFF);
    assert_eq!(r.header.nt_status(), NtStatus::SUCCESS);
    let Response::NtTransact(NtTransactResponse::Reply { payload, .. }) = r.body() else {
        panic!("{r:?}")
    };
    let (owner, group, dacl) = offsets(&payload.data);
    assert!(owner != 0 && group != 0 && dacl != 0);
    let needed = u32::from_le_bytes(payload.parameters[..4].try_into().unwrap());
    assert_eq!(needed as usize, payload.data.len());
    // Too small a buffer: BUFFER_TOO_SMALL and the length needed.
    let r = query(&mut w, 0x7, 10);
    assert_eq!(r.header.nt_status(), NtStatus::BUFFER_TOO_SMALL);
    // Only the parts asked for.
    let r = query(&mut w, 0x4, 0xFFFF);
    let Response::NtTransact(NtTransactResponse::Reply { payload, .. }) = r.body() else {
        panic!("{r:?}")
    };
    let (owner, group, dacl) = offsets(&payload.data);
    assert!(owner == 0 && group == 0 && dacl != 0);
}

#[test]
fn dos_compatibility_fids_share_their_handle_position() {
    let mut w = World::new(1);
    let openx = |w: &mut World, mode: u16| {
        let r = w.call(
            0,
            OpenAndXRequest {
                access_mode: mode,
                open_mode: 0x11,
                file_name: "p.txt".into(),
                ..Default::default()
            },
        );
        match r.body() {
            Response::OpenAndX(o) => o.fid,
            _ => panic!("{r:?}"),
        }
    };
    let position = |w: &mut World, fid: u16| {
        let lvl = level::PT_POSITION;
        let r = w.trans2(0, Trans2Sub::QueryFileInformation { fid, level: lvl });
        let Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. })) = r.body()
        else {
            panic!("{r:?}")
        };
        decode_file_info(lvl, &payload.data, true).unwrap().position
    };
    let set_position = |w: &mut World, fid: u16, p: u64| {
        let sub = Trans2Sub::SetFileInformation {
            fid,
            level: level::PT_POSITION,
            reserved: 0,
            data: Bytes::copy_from_slice(&p.to_le_bytes()),
        };
        w.trans2(0, sub).header.nt_status()
    };
    // DENY_DOS, read-write: one handle, one position.
    let (a, b) = (openx(&mut w, 0x02), openx(&mut w, 0x02));
    assert_eq!(set_position(&mut w, a, 1000), NtStatus::SUCCESS);
    assert_eq!((position(&mut w, a), position(&mut w, b)), (1000, 1000));
    w.close(0, a);
    w.close(0, b);
    // DENY_NONE: two handles.
    let (a, b) = (openx(&mut w, 0x42), openx(&mut w, 0x42));
    set_position(&mut w, a, 1000);
    assert_eq!((position(&mut w, a), position(&mut w, b)), (1000, 0));
}

#[test]
fn a_fid_is_valid_only_for_the_session_that_opened_it() {
    let mut w = World::new(1);
    let f = w
        .create(0, nt("s.txt", RWD, disposition::CREATE, 0))
        .unwrap();
    let first = w.conns[0].uid;
    // A second session on the same connection and tree.
    let r = w.call(0, anonymous_logon());
    assert_ne!(r.header.uid, first);
    w.conns[0].uid = r.header.uid;
    assert_eq!(w.write(0, f, 0, b"x"), NtStatus::INVALID_HANDLE);
    assert_eq!(w.close(0, f), NtStatus::INVALID_HANDLE);
    w.conns[0].uid = first;
    assert_eq!(w.write(0, f, 0, b"x"), NtStatus::SUCCESS);
    assert_eq!(w.close(0, f), NtStatus::SUCCESS);
}

#[test]
fn core_opens_create_and_open_like_samba() {
    let mut w = World::new(1);
    let open = |w: &mut World, mode: u16| {
        let r = w.call(
            0,
            OpenRequest {
                access_mode: mode,
                search_attributes: 0,
                file_name: "core.txt".into(),
            },
        );
        match r.body() {
            Response::Open(o) => Ok(o.clone()),
            _ => Err(r.header.nt_status()),
        }
    };
    // OPEN never creates.
    assert_eq!(open(&mut w, 0xFF), Err(NtStatus::OBJECT_NAME_NOT_FOUND));
    let new = |name: &str, time: u32| CreateNewRequest {
        file_attributes: 0x02,
        creation_time: time,
        file_name: name.into(),
    };
    // 2030-01-01 00:00:00 UTC as the creation (and last write) time.
    let r = w.call(0, new("core.txt", 1_893_456_000));
    let Response::CreateNew(c) = r.body() else {
        panic!("{r:?}")
    };
    let fid = c.fid;
    assert_eq!(
        w.status(0, new("core.txt", 0)),
        NtStatus::OBJECT_NAME_COLLISION
    );
    assert_eq!(w.write(0, fid, 0, b"12345"), NtStatus::SUCCESS);
    let r = w.call(0, QueryInformation2Request { fid });
    let Response::QueryInformation2(q) = r.body() else {
        panic!("{r:?}")
    };
    // ARCHIVE as on any new file (the memory file system keeps no HIDDEN); 2030-01-01
    // as a DOS date.
    assert_eq!((q.file_data_size, q.file_attributes & 0x20), (5, 0x20));
    assert_eq!(q.last_write.0, (50 << 9) | (1 << 5) | 1);
    // CREATE truncates an existing file; the FCB open shares the handle's data.
    let r = w.call(
        0,
        CreateRequest {
            file_attributes: 0,
            creation_time: 0,
            file_name: "core.txt".into(),
        },
    );
    assert!(matches!(r.body(), Response::Create(_)), "{r:?}");
    let o = open(&mut w, 0x42).unwrap();
    assert_eq!((o.file_size, o.access_mode), (0, 0x42));
}

#[test]
fn seek_pointer_and_position_information_move_as_samba_moves_them() {
    let mut w = World::new(1);
    let f = w
        .create(0, nt("seek.txt", RWD, disposition::CREATE, 0))
        .unwrap();
    let seek = |w: &mut World, mode: u16, offset: i32| {
        let r = w.call(
            0,
            SeekRequest {
                fid: f,
                mode,
                offset,
            },
        );
        match r.body() {
            Response::Seek(s) => s.offset,
            _ => panic!("{r:?}"),
        }
    };
    assert_eq!(seek(&mut w, 0, 17), 17);
    assert_eq!(seek(&mut w, 1, -3), 14);
    assert_eq!(seek(&mut w, 0, -1), 0xFFFF_FFFF);
    assert_eq!(seek(&mut w, 1, 1000), 999);
    // A write moves the pointer, not the position information; a read moves both.
    assert_eq!(w.write(0, f, 0, b"ab"), NtStatus::SUCCESS);
    assert_eq!(seek(&mut w, 1, 0), 2);
    assert_eq!(w.file_info(0, f).position, 0);
    assert_eq!(w.read(0, f, 0, 1).unwrap().len(), 1);
    assert_eq!(seek(&mut w, 1, 0), 1);
    let lvl = level::PT_POSITION;
    let r = w.trans2(0, Trans2Sub::QueryFileInformation { fid: f, level: lvl });
    let Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. })) = r.body()
    else {
        panic!("{r:?}")
    };
    assert_eq!(
        decode_file_info(lvl, &payload.data, true).unwrap().position,
        1
    );
    assert_eq!(seek(&mut w, 2, -1), 1);
}

#[test]
fn core_locks_are_exclusive_per_process_and_never_wait() {
    let mut w = World::new(1);
    let f = w
        .create(0, nt("lock.txt", RWD, disposition::CREATE, 0))
        .unwrap();
    let lock = LockByteRangeRequest {
        fid: f,
        count: 1,
        offset: 0,
    };
    let unlock = UnlockByteRangeRequest {
        fid: f,
        count: 1,
        offset: 0,
    };
    assert_eq!(w.status(0, lock), NtStatus::SUCCESS);
    w.conns[0].pid += 1;
    assert_eq!(w.status(0, lock), NtStatus::LOCK_NOT_GRANTED);
    assert_eq!(w.status(0, unlock), NtStatus::RANGE_NOT_LOCKED);
    w.conns[0].pid -= 1;
    assert_eq!(w.status(0, unlock), NtStatus::SUCCESS);
    assert_eq!(w.status(0, unlock), NtStatus::RANGE_NOT_LOCKED);
}
