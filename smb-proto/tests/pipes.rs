//! Named pipes on IPC$ in the server core, driven with raw SMB messages: opening
//! `\srvsvc` and `\wkssvc` (and refusing other names), WRITE_ANDX / READ_ANDX with
//! STATUS_BUFFER_OVERFLOW for a partial PDU, a read on an empty pipe that waits for a write
//! (or a cancel), TransactNmPipe, and pipes ending with CLOSE, the tree and the session.
//! Then the client's share list: over srvsvc (several fragments), and over RAP from a
//! server without pipes.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use smb_proto::client::{Reply, ShareEntry};
use smb_proto::rpc::client::{self as rpc, ShareEnumReply};
use smb_proto::server::{ServerConfig, ShareConfig};
use smb_proto::testing::Pair;
use smb_proto::testing::pair::{client_config, fixture, in_order, server_config};
use smb_proto::wire::msg::*;
use smb_proto::wire::{Flags2, Header, Message, NtStatus, Request, Response, Transport};

fn config(f: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut c = server_config();
    c.shares[0].comment = "Team files".into();
    f(&mut c);
    c
}

/// A logged-on pair with IPC$ connected, and raw requests on it.
struct Ipc {
    p: Pair,
    uid: u16,
    tid: u16,
    mid: u16,
}

fn frames(stream: &[u8]) -> Vec<Message<Response>> {
    let mut v = Vec::new();
    let mut s = stream;
    while s.len() >= 4 {
        let len = (usize::from(s[1]) << 16) | (usize::from(s[2]) << 8) | usize::from(s[3]);
        v.push(Message::decode(&Bytes::copy_from_slice(&s[4..4 + len])).unwrap());
        s = &s[4 + len..];
    }
    v
}

impl Ipc {
    fn new(f: impl FnOnce(&mut ServerConfig)) -> Self {
        let mut p = Pair::new(
            0,
            in_order(),
            client_config(),
            config(f),
            Arc::new(fixture()),
        );
        let id = p.client.connect(p.now);
        p.wait(id).expect("logon");
        let id = p.client.tree_connect(p.now, "IPC$");
        let Ok(Reply::Tree(t)) = p.wait(id) else {
            panic!("IPC$")
        };
        let uid = frames(&p.server_bytes).last().unwrap().header.uid;
        Ipc {
            p,
            uid,
            tid: t.0,
            mid: 1000,
        }
    }

    /// Sends one request (mid `self.mid`, then the next); returns the responses that came.
    fn send(&mut self, body: impl Into<Request>) -> Vec<Message<Response>> {
        let h = Header {
            flags2: Flags2(Flags2::UNICODE | Flags2::NT_STATUS | Flags2::LONG_NAMES),
            tid: self.tid,
            uid: self.uid,
            pid_low: 77,
            mid: self.mid,
            ..Default::default()
        };
        self.mid += 1;
        let (head, tail) = Message::new(h, body.into()).encode_framed(Transport::Direct);
        let mut bytes = head.to_vec();
        bytes.extend_from_slice(tail.as_deref().unwrap_or(&[]));
        let before = self.p.server_bytes.len();
        self.p.feed_server(&bytes);
        frames(&self.p.server_bytes[before..])
    }

    /// Lets the server run what it woke (a waiting read); returns the responses.
    fn tick(&mut self) -> Vec<Message<Response>> {
        let before = self.p.server_bytes.len();
        self.p.skip(Duration::from_millis(1));
        frames(&self.p.server_bytes[before..])
    }

    fn one(&mut self, body: impl Into<Request>) -> Message<Response> {
        let mut r = self.send(body);
        assert_eq!(r.len(), 1, "{r:?}");
        r.remove(0)
    }

    fn open(&mut self, name: &str) -> Result<u16, NtStatus> {
        let m = self.one(NtCreateAndXRequest {
            desired_access: 0x0002_019F,
            share_access: 3,
            create_disposition: 1,
            impersonation_level: 2,
            flags: nt_create::NT_CREATE_REQUEST_EXTENDED_RESPONSE,
            file_name: name.into(),
            ..Default::default()
        });
        match m.body() {
            Response::NtCreateAndX(r) if m.header.nt_status().is_success() => {
                // A message-mode pipe, as smbd reports it.
                assert_eq!((r.resource_type, r.nm_pipe_status), (2, 0x05FF));
                assert_eq!(r.extended.as_ref().unwrap().maximal_access_rights, 0x1F01FF);
                Ok(r.fid)
            }
            _ => Err(m.header.nt_status()),
        }
    }

    fn write(fid: u16, data: &[u8], write_mode: u16) -> WriteAndXRequest {
        WriteAndXRequest {
            fid,
            write_mode,
            data: Bytes::copy_from_slice(data),
            ..Default::default()
        }
    }

    fn transact(fid: u16, data: Vec<u8>, max: u16) -> TransactionRequest {
        TransactionRequest {
            header: TransRequestHeader {
                total_data_count: data.len() as u16,
                max_data_count: max,
                setup: vec![0x26, fid],
                ..Default::default()
            },
            name: "\\PIPE\\".into(),
            payload: TransPayload::new(Bytes::new(), Bytes::from(data)),
        }
    }
}

fn read_data(m: &Message<Response>) -> (NtStatus, Bytes, u16) {
    match m.body() {
        Response::ReadAndX(r) => (m.header.nt_status(), r.data.clone(), r.available),
        other => panic!("{:?}: {other:?}", m.header.nt_status()),
    }
}

fn trans_data(m: &Message<Response>) -> (NtStatus, Bytes) {
    match m.body() {
        Response::Transaction(TransactionResponse(TransResponseBody::Reply {
            payload, ..
        })) => (m.header.nt_status(), payload.data.clone()),
        other => panic!("{:?}: {other:?}", m.header.nt_status()),
    }
}

#[test]
fn srvsvc_over_write_and_read_then_transact() {
    let mut s = Ipc::new(|_| {});
    let fid = s.open("\\srvsvc").unwrap();
    let bind = rpc::bind_srvsvc(1);
    let w = s.one(Ipc::write(fid, &bind, 0x0008));
    match w.body() {
        Response::WriteAndX(r) => assert_eq!(r.count as usize, bind.len()),
        other => panic!("{other:?}"),
    }
    // A read that takes part of the bind_ack: BUFFER_OVERFLOW, the rest still there.
    let m = s.one(ReadAndXRequest::new(fid, 0, 20));
    let (st, first, left) = read_data(&m);
    assert_eq!((st, first.len()), (NtStatus::BUFFER_OVERFLOW, 20));
    assert!(left > 0);
    let m = s.one(ReadAndXRequest::new(fid, 0, 4280));
    let (st, rest, left) = read_data(&m);
    assert_eq!(
        (st, rest.len(), left),
        (NtStatus::SUCCESS, usize::from(left) + rest.len(), 0)
    );
    let ack = [&first[..], &rest[..]].concat();
    assert_eq!(rpc::parse_bind_ack(&ack).unwrap(), 4280);

    // TransactNmPipe: NetShareEnumAll in one exchange; the list comes from the config.
    let m = s.one(Ipc::transact(
        fid,
        rpc::net_share_enum_all(2, "\\\\SMBRS"),
        4280,
    ));
    let (st, data) = trans_data(&m);
    assert_eq!(st, NtStatus::SUCCESS);
    let mut reply = ShareEnumReply::new(2);
    reply.push(&data).unwrap();
    let shares = reply.finish().unwrap();
    let got: Vec<(&str, u32, &str)> = shares
        .iter()
        .map(|s| (s.name.as_str(), s.share_type, s.remark.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("share", 0, "Team files"),
            ("IPC$", 0x8000_0003, "IPC Service (smb-rs)")
        ]
    );

    // A raw-mode write that starts a message: the 2-byte length is skipped, and counted.
    let fid2 = s.open("\\PIPE\\srvsvc").unwrap();
    let mut raw = (bind.len() as u16).to_le_bytes().to_vec();
    raw.extend_from_slice(&bind);
    let w = s.one(Ipc::write(fid2, &raw, 0x000C));
    match w.body() {
        Response::WriteAndX(r) => assert_eq!(r.count as usize, raw.len()),
        other => panic!("{other:?}"),
    }
    let m = s.one(ReadAndXRequest::new(fid2, 0, 4280));
    assert!(rpc::parse_bind_ack(&read_data(&m).1).is_ok());
}

#[test]
fn a_read_on_an_empty_pipe_waits_for_a_write_or_a_cancel() {
    let mut s = Ipc::new(|_| {});
    let fid = s.open("\\srvsvc").unwrap();
    let read_mid = s.mid;
    assert!(s.send(ReadAndXRequest::new(fid, 0, 4280)).is_empty());
    assert!(s.tick().is_empty(), "the read must wait");
    // A write: its answer, then (once the server runs the woken read) the read's.
    let w = s.one(Ipc::write(fid, &rpc::bind_srvsvc(1), 0));
    assert!(w.header.nt_status().is_success());
    let woken = s.tick();
    assert_eq!(woken.len(), 1);
    assert_eq!(woken[0].header.mid, read_mid);
    assert!(rpc::parse_bind_ack(&read_data(&woken[0]).1).is_ok());

    // NT_CANCEL ends a waiting read with STATUS_CANCELLED.
    let read_mid = s.mid;
    assert!(s.send(ReadAndXRequest::new(fid, 0, 4280)).is_empty());
    s.mid = read_mid;
    let r = s.send(NtCancelRequest);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (r[0].header.mid, r[0].header.nt_status()),
        (read_mid, NtStatus::CANCELLED)
    );

    // Closing the tree ends a waiting read too (the pipe is gone).
    let read_mid = s.mid;
    assert!(s.send(ReadAndXRequest::new(fid, 0, 4280)).is_empty());
    let mut r = s.send(TreeDisconnectRequest);
    r.extend(s.tick());
    let read = r
        .iter()
        .find(|m| m.header.mid == read_mid)
        .expect("read answer");
    assert_eq!(read.header.nt_status(), NtStatus::PIPE_BROKEN);
}

#[test]
fn pipe_names_and_handles() {
    let mut s = Ipc::new(|_| {});
    assert_eq!(s.open("\\lsarpc"), Err(NtStatus::OBJECT_NAME_NOT_FOUND));
    assert_eq!(s.open("\\nosuchpipe"), Err(NtStatus::OBJECT_NAME_NOT_FOUND));
    let wks = s.open("\\wkssvc").unwrap();
    // OPEN_ANDX wants the full name, \PIPE\NAME.
    let open = |name: &str| OpenAndXRequest {
        access_mode: 0x42,
        open_mode: 1,
        file_name: name.into(),
        ..Default::default()
    };
    let m = s.one(open("\\PIPE\\srvsvc"));
    let Response::OpenAndX(o) = m.body() else {
        panic!("{m:?}")
    };
    assert_eq!(
        (o.resource_type, o.open_results, o.access_rights),
        (2, 1, 2)
    );
    let srv = o.fid;
    let m = s.one(open("\\srvsvc"));
    assert_eq!(m.header.nt_status(), NtStatus::OBJECT_PATH_SYNTAX_BAD);
    // Garbage that is not DCE/RPC closes the association: writes fail from then on.
    let m = s.one(Ipc::write(wks, b"not an rpc pdu", 0));
    assert!(m.header.nt_status().is_success());
    let m = s.one(Ipc::write(wks, &rpc::bind_srvsvc(1), 0));
    assert_eq!(m.header.nt_status(), NtStatus::PIPE_DISCONNECTED);
    // CLOSE ends a pipe; its FID is then unknown.
    let m = s.one(CloseRequest {
        fid: srv,
        last_time_modified: 0,
    });
    assert!(m.header.nt_status().is_success());
    let m = s.one(ReadAndXRequest::new(srv, 0, 100));
    assert_eq!(m.header.nt_status(), NtStatus::INVALID_HANDLE);
    // Pipes count against the open-file limit.
    let mut t = Ipc::new(|c| c.limits.max_open_files = 2);
    t.open("\\srvsvc").unwrap();
    t.open("\\srvsvc").unwrap();
    assert_eq!(t.open("\\srvsvc"), Err(NtStatus::TOO_MANY_OPENED_FILES));
    // A server configured without pipes has none.
    let mut u = Ipc::new(|c| c.named_pipes = false);
    assert_eq!(u.open("\\srvsvc"), Err(NtStatus::OBJECT_NAME_NOT_FOUND));
}

#[test]
fn transact_answers_within_max_data_and_reads_finish_the_pdu() {
    let mut s = Ipc::new(|c| {
        for n in 0..60 {
            let mut sh = ShareConfig::new(&format!("share{n:02}"));
            sh.comment = "x".repeat(40);
            c.shares.push(sh);
        }
    });
    let fid = s.open("\\srvsvc").unwrap();
    let m = s.one(Ipc::transact(fid, rpc::bind_srvsvc(1), 1024));
    assert_eq!(trans_data(&m).0, NtStatus::SUCCESS);
    // The answer is several fragments; MaxDataCount 1000 cuts the first one.
    let m = s.one(Ipc::transact(
        fid,
        rpc::net_share_enum_all(2, "\\\\X"),
        1000,
    ));
    let (st, first) = trans_data(&m);
    assert_eq!((st, first.len()), (NtStatus::BUFFER_OVERFLOW, 1000));
    let mut reply = ShareEnumReply::new(2);
    reply.push(&first).unwrap();
    let mut reads = 0;
    while !reply.is_complete() {
        reads += 1;
        let m = s.one(ReadAndXRequest::new(fid, 0, 4280));
        reply.push(&read_data(&m).1).unwrap();
    }
    // The rest of the first fragment, then at least one more fragment.
    assert!(reads >= 2, "{reads}");
    assert_eq!(reply.finish().unwrap().len(), 62);
}

fn client_shares(f: impl FnOnce(&mut ServerConfig)) -> Vec<ShareEntry> {
    let mut p = Pair::new(
        5,
        Default::default(),
        client_config(),
        config(f),
        Arc::new(fixture()),
    );
    let id = p.client.connect(p.now);
    p.wait(id).unwrap();
    let id = p.client.shares(p.now);
    match p.wait(id) {
        Ok(Reply::Shares(s)) => s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn client_lists_shares_over_srvsvc_and_falls_back_to_rap() {
    // Over srvsvc (with random cuts and delays in the simulated connection), a list long
    // enough for several fragments: IPC$ carries the hidden bit only srvsvc reports.
    let many = |c: &mut ServerConfig| {
        for n in 0..80 {
            c.shares.push(ShareConfig::new(&format!("s{n:02}")));
        }
    };
    let list = client_shares(many);
    assert_eq!(list.len(), 82);
    assert_eq!(list[0].name, "share");
    assert_eq!(list[0].remark, "Team files");
    assert_eq!(list[81].name, "IPC$");
    assert_eq!(list[81].share_type, 0x8000_0003);
    // Without pipes: RAP, which knows no hidden bit.
    let list = client_shares(|c| c.named_pipes = false);
    let got: Vec<(&str, u32)> = list
        .iter()
        .map(|s| (s.name.as_str(), s.share_type))
        .collect();
    assert_eq!(got, [("share", 0), ("IPC$", 3)]);
}

#[test]
fn the_server_fuzz_seeds_drive_pipes() {
    let seeds = smb_proto::testing::fuzz::server_seeds();
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let within = |seed: &[u8], needle: &[u8]| seed.windows(needle.len()).any(|w| w == needle);
    // The pipe seed is the one that opens \PIPE\wkssvc.
    let pipe = seeds
        .iter()
        .find(|s| within(s, &utf16("\\PIPE\\wkssvc")))
        .unwrap();
    let has = |needle: &[u8]| within(pipe, needle);
    assert!(has(&utf16("\\srvsvc")));
    assert!(has(&rpc::bind_srvsvc(1)));
    // Replayed as the fuzz target does, it winds down cleanly.
    smb_proto::testing::fuzz::server(pipe);
}
