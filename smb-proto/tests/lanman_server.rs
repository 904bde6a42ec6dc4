//! The server core in the pre-NT dialects, driven message by message: which dialect it
//! picks under which policy (and the refusal it reports), the LM and plaintext logons, and
//! every core/LANMAN command on an in-memory file system: core TREE_CONNECT, OPEN,
//! CREATE(_NEW), SEEK, the core locks, LOCK_AND_READ, QUERY/SET_INFORMATION2, the
//! SEARCH/FIND family with 8.3 names, READ_RAW and WRITE_RAW, OEM (CP850) names.

use std::sync::Arc;

use bytes::Bytes;
use smb_proto::auth::ntlm::lm_response;
use smb_proto::auth::{AuthPolicy, LmHash};
use smb_proto::server::fs::FileSystem;
use smb_proto::server::{ServerConfig, ServerConnection, ServerEvent, SharedState, SigningMode};
use smb_proto::testing::MemFs;
use smb_proto::testing::pair::{PASSWORD, USER, server_config};
use smb_proto::time::{Instant, Now};
use smb_proto::wire::dialect::Protocol;
use smb_proto::wire::msg::*;
use smb_proto::wire::{
    Command, Deframer, Flags, Flags2, Header, Message, NbssPacket, NtStatus, Request, Response,
    Transport,
};

const LANMAN2: [&str; 4] = [
    "PC NETWORK PROGRAM 1.0",
    "LANMAN1.0",
    "LM1.2X002",
    "LANMAN2.1",
];

/// A server connection fed one message at a time, its file-system work done at once.
struct Srv {
    conn: ServerConnection<Bytes>,
    fs: Arc<MemFs>,
    now: Now,
    refused: Vec<String>,
    uid: u16,
    tid: u16,
    mid: u16,
    flags2: u16,
}

impl Srv {
    fn new(f: impl FnOnce(&mut ServerConfig)) -> Self {
        let mut c = server_config();
        f(&mut c);
        let now = Now::new(Instant::from_nanos(1), 133_485_408_000_000_000);
        let fs = MemFs::new();
        fs.put("hello.txt", b"hello from the server core\n");
        Self {
            conn: ServerConnection::new(
                Arc::new(c),
                SharedState::new(),
                Transport::Direct,
                now,
                [9; 32],
            ),
            fs: Arc::new(fs),
            now,
            refused: Vec::new(),
            uid: 0,
            tid: 0,
            mid: 0,
            flags2: 0,
        }
    }

    /// Sends raw session-message payloads; returns the payloads of what came back.
    fn send_payload(&mut self, payload: &[u8]) -> Vec<Bytes> {
        let frame = NbssPacket::Message(Bytes::copy_from_slice(payload)).encode(Transport::Direct);
        self.conn.handle_input(self.now, &frame).unwrap();
        let mut out = Deframer::new(Transport::Direct, 1 << 24);
        loop {
            let mut progress = false;
            while let Some(ev) = self.conn.poll_event() {
                progress = true;
                match ev {
                    ServerEvent::Fs(req) => {
                        let r = self.fs.dispatch(&req);
                        self.conn.complete(self.now, req.id, r).unwrap();
                    }
                    ServerEvent::Refused { reason, .. } => self.refused.push(reason.to_string()),
                    _ => {}
                }
            }
            while let Some(t) = self.conn.poll_transmit() {
                progress = true;
                out.push(&t.to_vec());
            }
            if !progress {
                break;
            }
        }
        let mut v = Vec::new();
        while let Some(p) = out.next_packet().unwrap() {
            if let NbssPacket::Message(m) = p {
                v.push(m);
            }
        }
        v
    }

    fn send(&mut self, body: impl Into<Request>) -> Vec<Bytes> {
        self.mid += 1;
        let h = Header {
            flags: Flags(0x18),
            flags2: Flags2(self.flags2),
            uid: self.uid,
            tid: self.tid,
            mid: self.mid,
            pid_low: 0x1234,
            ..Default::default()
        };
        let m = Message::new(h, body.into()).encode();
        self.send_payload(&m)
    }

    /// One request, one SMB response.
    fn call(&mut self, body: impl Into<Request>) -> Message<Response> {
        let out = self.send(body);
        assert_eq!(out.len(), 1, "one response");
        let m = Message::<Response>::decode(&out[0]).unwrap();
        // Pre-NT clients never asked for NT status codes: errors come in DOS form.
        assert!(!m.header.flags2.is_nt_status() || m.header.nt_status().is_success());
        m
    }

    fn ok(&mut self, body: impl Into<Request>) -> Response {
        let m = self.call(body);
        assert_eq!(m.header.nt_status(), NtStatus::SUCCESS, "{:?}", m.body());
        m.body().clone()
    }

    fn negotiate(&mut self, dialects: &[&str]) -> Message<Response> {
        self.call(NegotiateRequest {
            dialects: dialects.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// NEGOTIATE in LANMAN2, LM logon, core TREE_CONNECT to `share`.
    fn lanman_session(&mut self) {
        let m = self.negotiate(&LANMAN2);
        let Response::Negotiate(NegotiateResponse::LanMan(n)) = m.body() else {
            panic!("{:?}", m.body())
        };
        let lm = LmHash::from_password(PASSWORD).unwrap();
        let m = self.call(SessionSetupAndXRequest::LanMan(SessionSetupLanMan {
            password: Bytes::copy_from_slice(&lm_response(&lm, &n.challenge8().unwrap())),
            account_name: USER.into(),
            ..Default::default()
        }));
        assert_eq!(m.header.nt_status(), NtStatus::SUCCESS);
        self.uid = m.header.uid;
        let Response::TreeConnect(t) = self.ok(TreeConnectRequest {
            path: "\\\\SRV\\SHARE".into(),
            password: String::new(),
            service: "A:".into(),
        }) else {
            panic!()
        };
        self.tid = t.tid;
    }
}

/// The status a pre-NT client reads: the DOS form of `s`, back as an NT status.
fn dos(s: NtStatus) -> NtStatus {
    s.to_dos().to_nt()
}

fn logon_status(s: &mut Srv, password: &[u8]) -> NtStatus {
    s.call(SessionSetupAndXRequest::LanMan(SessionSetupLanMan {
        password: Bytes::copy_from_slice(password),
        account_name: USER.into(),
        ..Default::default()
    }))
    .header
    .nt_status()
}

#[test]
fn lanman_is_refused_by_default_with_a_reason_and_nt_clients_see_no_change() {
    let plain = |c: &mut ServerConfig| c.policy = AuthPolicy::default();
    let mut s = Srv::new(plain);
    let m = s.negotiate(&LANMAN2);
    assert_eq!(
        m.body(),
        &Response::Negotiate(NegotiateResponse::DialectOnly {
            dialect_index: 0xFFFF
        })
    );
    assert_eq!(s.refused.len(), 1);
    let r = &s.refused[0];
    assert!(
        r.contains("offered is LANMAN2.1 (LANMAN2)") && r.contains("NT1 to NT1"),
        "{r}"
    );
    assert!(r.contains("allow_lm or allow_plaintext"), "{r}");
    // An NT client offering the LANMAN dialects too gets NT LM 0.12, as before.
    let mut s = Srv::new(plain);
    let mut d = LANMAN2.to_vec();
    d.push("NT LM 0.12");
    let m = s.negotiate(&d);
    let Response::Negotiate(NegotiateResponse::NtLm(n)) = m.body() else {
        panic!()
    };
    assert_eq!(n.dialect_index, 4);
    assert!(s.refused.is_empty());
    // So does one against a server that allows LM (and so LANMAN1 and up).
    let mut s = Srv::new(|_| {});
    let Response::Negotiate(NegotiateResponse::NtLm(n)) = s.negotiate(&d).body().clone() else {
        panic!()
    };
    assert_eq!(n.dialect_index, 4);
}

#[test]
fn policy_picks_and_refuses_dialects() {
    // min_protocol LANMAN2 refuses a LANMAN1 client, and says so.
    let mut s = Srv::new(|c| c.min_protocol = Some(Protocol::Lanman2));
    let m = s.negotiate(&["LANMAN1.0"]);
    assert!(matches!(
        m.body(),
        Response::Negotiate(NegotiateResponse::DialectOnly {
            dialect_index: 0xFFFF
        })
    ));
    assert!(
        s.refused[0].contains("LANMAN2 to NT1 (below min_protocol)"),
        "{}",
        s.refused[0]
    );
    // max_protocol LANMAN2 answers an NT client in LANMAN2.1.
    let mut s = Srv::new(|c| c.max_protocol = Protocol::Lanman2);
    let m = s.negotiate(&["LM1.2X002", "LANMAN2.1", "NT LM 0.12"]);
    let Response::Negotiate(NegotiateResponse::LanMan(n)) = m.body() else {
        panic!()
    };
    assert_eq!(
        (n.dialect_index, n.security_mode, n.challenge.len()),
        (1, 3, 8)
    );
    // Signing required: no pre-NT dialect (they cannot sign).
    let mut s = Srv::new(|c| c.signing = SigningMode::Required);
    s.negotiate(&LANMAN2);
    assert!(
        s.refused[0].contains("signing is required"),
        "{}",
        s.refused[0]
    );
}

#[test]
fn lm_and_plaintext_logons() {
    let mut s = Srv::new(|_| {});
    let m = s.negotiate(&LANMAN2);
    let Response::Negotiate(NegotiateResponse::LanMan(n)) = m.body() else {
        panic!()
    };
    let ch = n.challenge8().unwrap();
    let wrong = lm_response(&LmHash::from_password("wrong").unwrap(), &ch);
    assert_eq!(logon_status(&mut s, &wrong), dos(NtStatus::LOGON_FAILURE));
    // DOS error codes: the client did not ask for NT status codes.
    let right = lm_response(&LmHash::from_password(PASSWORD).unwrap(), &ch);
    assert_eq!(logon_status(&mut s, &right), NtStatus::SUCCESS);
    // A plaintext password is refused while allow_plaintext is off, and the log says why.
    assert_eq!(
        logon_status(&mut s, b"simpass\0"),
        dos(NtStatus::LOGON_FAILURE)
    );
    assert!(
        s.refused
            .iter()
            .any(|r| r.contains("allow_plaintext is off"))
    );

    // Plaintext only: no challenge; the password in either case (NT or LM hash).
    let mut s = Srv::new(|c| {
        c.policy.allow_lm = false;
        c.allow_plaintext = true;
    });
    let m = s.negotiate(&LANMAN2);
    let Response::Negotiate(NegotiateResponse::LanMan(n)) = m.body() else {
        panic!()
    };
    assert_eq!((n.security_mode, n.challenge.len()), (1, 0));
    assert_eq!(
        logon_status(&mut s, b"nope\0"),
        dos(NtStatus::LOGON_FAILURE)
    );
    assert_eq!(logon_status(&mut s, b"simpass\0"), NtStatus::SUCCESS);
    assert_eq!(logon_status(&mut s, b"SIMPASS"), NtStatus::SUCCESS);
}

#[test]
fn core_opens_seek_locks_and_information2() {
    let mut s = Srv::new(|_| {});
    s.lanman_session();
    let create = CreateNewRequest {
        file_attributes: 0,
        creation_time: 1_700_000_000,
        file_name: "\\new.txt".into(),
    };
    let Response::CreateNew(c) = s.ok(create.clone()) else {
        panic!()
    };
    let Response::Write(w) = s.ok(WriteRequest {
        fid: c.fid,
        data: Bytes::from_static(b"0123456789"),
        ..Default::default()
    }) else {
        panic!()
    };
    assert_eq!(w.count, 10);
    // CREATE_NEW of an existing file fails; CREATE truncates it.
    let m = s.call(create.clone());
    assert_eq!(m.header.nt_status(), dos(NtStatus::OBJECT_NAME_COLLISION));
    // SEEK from the end and from the current position (the core WRITE left it at 10);
    // before the start the position comes back as its low 32 bits, as Samba answers.
    let seek = |s: &mut Srv, mode, offset| match s.ok(SeekRequest {
        fid: c.fid,
        mode,
        offset,
    }) {
        Response::Seek(r) => r.offset,
        _ => panic!(),
    };
    assert_eq!(seek(&mut s, seek_mode::START, 3), 3);
    assert_eq!(seek(&mut s, seek_mode::END, 0), 10);
    assert_eq!(seek(&mut s, seek_mode::CURRENT, -4), 6);
    assert_eq!(seek(&mut s, seek_mode::CURRENT, -100), (-94i32) as u32);
    assert_eq!(seek(&mut s, seek_mode::END, -100), 0);
    // Mode 3 (and any mode's upper bits) as Samba: from the start.
    assert_eq!(seek(&mut s, 3, 7), 7);
    assert_eq!(seek(&mut s, 0x102, 0), 10);
    // Times in DOS form: set the write time, read it back.
    let written = ((44 << 9) | (3 << 5) | 14, (12 << 11) | (30 << 5));
    s.ok(SetInformation2Request {
        fid: c.fid,
        last_write: written,
        ..Default::default()
    });
    let Response::QueryInformation2(q) = s.ok(QueryInformation2Request { fid: c.fid }) else {
        panic!()
    };
    assert_eq!((q.last_write, q.file_data_size), (written, 10));
    // The core OPEN of the same file by another process, and the core locks between them.
    let Response::Open(o) = s.ok(OpenRequest {
        access_mode: 0x42,
        search_attributes: 0,
        file_name: "\\NEW.TXT".into(),
    }) else {
        panic!()
    };
    assert_eq!((o.file_size, o.access_mode), (10, 0x42));
    s.ok(LockByteRangeRequest {
        fid: c.fid,
        count: 4,
        offset: 2,
    });
    let m = s.call(LockByteRangeRequest {
        fid: o.fid,
        count: 1,
        offset: 5,
    });
    assert_eq!(m.header.nt_status(), dos(NtStatus::LOCK_NOT_GRANTED));
    let m = s.call(UnlockByteRangeRequest {
        fid: o.fid,
        count: 4,
        offset: 2,
    });
    assert_eq!(m.header.nt_status(), dos(NtStatus::RANGE_NOT_LOCKED));
    s.ok(UnlockByteRangeRequest {
        fid: c.fid,
        count: 4,
        offset: 2,
    });
    let Response::LockAndRead(LockAndReadResponse(r)) = s.ok(LockAndReadRequest(ReadRequest {
        fid: o.fid,
        count: 4,
        offset: 3,
        remaining: 0,
    })) else {
        panic!()
    };
    assert_eq!(&r.data[..], b"3456");
    // A directory cannot be opened with OPEN.
    s.ok(CreateDirectoryRequest {
        buffer_format: 4,
        directory_name: "\\d".into(),
    });
    let m = s.call(OpenRequest {
        access_mode: 0,
        search_attributes: 0x10,
        file_name: "\\d".into(),
    });
    assert_eq!(m.header.nt_status(), dos(NtStatus::ACCESS_DENIED));
    // CLOSE_AND_TREE_DISC: the file is closed and the tree is gone.
    s.ok(CloseAndTreeDiscRequest(CloseRequest {
        fid: c.fid,
        last_time_modified: 0,
    }));
    let m = s.call(QueryInformation2Request { fid: o.fid });
    assert_eq!(m.header.nt_status(), dos(NtStatus::SMB_BAD_TID));
}

fn names(r: &SearchResponse) -> Vec<String> {
    r.entries
        .iter()
        .map(|e| {
            let n = e.file_name.iter().position(|&b| b == 0).unwrap_or(13);
            e.file_name[..n].iter().map(|&b| b as char).collect()
        })
        .collect()
}

#[test]
fn searches_8dot3_names_and_oem_names() {
    let mut s = Srv::new(|_| {});
    s.fs.put("A Long File Name.text", b"long");
    s.fs.put("café.txt", b"cp850");
    s.lanman_session();
    let find = |max_count| SearchRequest {
        max_count,
        search_attributes: 0x16,
        file_name: "\\*.*".into(),
        resume_key: Bytes::new(),
    };
    // FIND in pieces of two, resumed by the last key, closed by FIND_CLOSE.
    let Response::Find(FindResponse(first)) = s.ok(FindRequest(find(2))) else {
        panic!()
    };
    assert_eq!(names(&first), [".", ".."]);
    let mut resume = find(10);
    resume.file_name.clear();
    resume.resume_key = Bytes::copy_from_slice(&first.entries[1].resume_key);
    let Response::Find(FindResponse(rest)) = s.ok(FindRequest(resume.clone())) else {
        panic!()
    };
    let rest_names = names(&rest);
    assert_eq!(rest_names.len(), 3, "{rest_names:?}");
    assert!(rest_names.contains(&"HELLO.TXT".to_string()));
    // café in CP850: é is byte 0x82, upper case É 0x90.
    assert!(
        rest_names.contains(&"CAF\u{90}.TXT".to_string()),
        "{rest_names:?}"
    );
    let long = rest_names.iter().find(|n| n.contains('~')).unwrap().clone();
    assert!(
        long.starts_with("ALON~") && long.ends_with(".TEX"),
        "{long}"
    );
    // FIND keeps the search until FIND_CLOSE; then a resume finds nothing (as Samba:
    // NO_MORE_FILES, the search being gone).
    let Response::Find(FindResponse(again)) = s.ok(FindRequest(resume.clone())) else {
        panic!()
    };
    assert_eq!(again.entries.len(), 3);
    let Response::FindClose(c) = s.ok(FindCloseRequest(resume.clone())) else {
        panic!()
    };
    assert_eq!(c, FindCloseResponse::default());
    let m = s.call(FindRequest(resume));
    assert_eq!(m.header.nt_status(), dos(NtStatus::NO_MORE_FILES));
    // The mangled name opens the long-named file; the OEM name opens café.txt.
    for (name, want) in [
        (format!("\\{long}"), &b"long"[..]),
        ("\\caf\u{82}.txt".into(), b"cp850"),
    ] {
        let Response::Open(o) = s.ok(OpenRequest {
            access_mode: 0,
            search_attributes: 0,
            file_name: name,
        }) else {
            panic!()
        };
        let Response::Read(r) = s.ok(ReadRequest {
            fid: o.fid,
            count: 100,
            offset: 0,
            remaining: 0,
        }) else {
            panic!()
        };
        assert_eq!(&r.data[..], want);
    }
    // A plain name that matches nothing: NO_MORE_FILES; a pattern: zero entries.
    let mut none = find(5);
    none.file_name = "\\nothere.txt".into();
    assert_eq!(
        s.call(FindUniqueRequest(none.clone())).header.nt_status(),
        dos(NtStatus::NO_MORE_FILES)
    );
    none.file_name = "\\*.zzz".into();
    let Response::FindUnique(FindUniqueResponse(z)) = s.ok(FindUniqueRequest(none)) else {
        panic!()
    };
    assert!(z.entries.is_empty());
    // The volume label search: the file system's label (MemFs calls itself "mem").
    let mut vol = find(5);
    vol.search_attributes = 0x08;
    let Response::Search(v) = s.ok(vol) else {
        panic!()
    };
    assert_eq!((v.entries.len(), v.entries[0].file_attributes), (1, 0x08));
    assert_eq!(names(&v), ["MEM"]);
}

#[test]
fn read_raw_and_write_raw() {
    let mut s = Srv::new(|_| {});
    s.lanman_session();
    let Response::Open(o) = s.ok(OpenRequest {
        access_mode: 2,
        search_attributes: 0,
        file_name: "\\hello.txt".into(),
    }) else {
        panic!()
    };
    let raw = |s: &mut Srv, fid, offset, max_count| {
        let out = s.send(ReadRawRequest {
            fid,
            offset,
            max_count,
            ..Default::default()
        });
        assert_eq!(out.len(), 1);
        out[0].clone()
    };
    // The bytes alone, no SMB header; past the end or on a bad FID: an empty message.
    assert_eq!(&raw(&mut s, o.fid, 6, 4)[..], b"from");
    assert!(raw(&mut s, o.fid, 1000, 10).is_empty());
    assert!(raw(&mut s, 0x7777, 0, 10).is_empty());
    // WRITE_RAW: 3 bytes in the request, 5 raw; no answer after the raw data...
    let w = |write_mode| WriteRawRequest {
        fid: o.fid,
        count: 8,
        offset: 0,
        write_mode,
        data: Bytes::from_static(b"HEL"),
        ..Default::default()
    };
    let out = s.send(w(0));
    let m = Message::<Response>::decode(&out[0]).unwrap();
    assert!(matches!(
        m.body(),
        Response::WriteRaw(WriteRawResponse { available: 0xFFFF })
    ));
    assert!(s.send_payload(b"LO-RA").is_empty());
    assert_eq!(&s.fs.get("hello.txt").unwrap()[..10], b"HELLO-RAom");
    // ...but WRITE_COMPLETE with the count when writing through.
    s.send(w(1));
    let out = s.send_payload(b"\xFFSMB!");
    let m = Message::<Response>::decode(&out[0]).unwrap();
    assert_eq!(m.command(), Command::WRITE_COMPLETE);
    assert!(matches!(
        m.body(),
        Response::WriteComplete(WriteCompleteResponse { count: 8 })
    ));
    // The raw data went to the file, even though it looks like an SMB header.
    assert_eq!(&s.fs.get("hello.txt").unwrap()[..8], b"HEL\xFFSMB!");
    // A bad FID: WRITE_COMPLETE with the error, no interim answer.
    let mut bad = w(0);
    bad.fid = 0x7777;
    let m = Message::<Response>::decode(&s.send(bad)[0]).unwrap();
    assert_eq!(
        (m.command(), m.header.nt_status()),
        (Command::WRITE_COMPLETE, dos(NtStatus::INVALID_HANDLE))
    );
}

/// A TRANS2 subcommand, and the parameters and data of its (single) reply.
fn trans2(s: &mut Srv, sub: smb_proto::wire::msg::trans2::sub::Trans2Sub) -> (Bytes, Bytes) {
    let Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. })) =
        s.ok(sub.into_request(false, 64, 0xFF00))
    else {
        panic!()
    };
    (payload.parameters.clone(), payload.data.clone())
}

#[test]
fn trans2_lanman_levels_with_8dot3_and_oem_names() {
    use smb_proto::wire::msg::trans2::info::{decode_file_info, decode_find_entries};
    use smb_proto::wire::msg::trans2::sub::{FindFirst2, FindFirst2Response, Trans2Sub};
    let mut s = Srv::new(|_| {});
    s.fs.put("A Long File Name.text", b"long");
    s.fs.put("café.txt", b"cp850");
    s.lanman_session();
    let find = |level| {
        Trans2Sub::FindFirst2(FindFirst2 {
            search_attributes: 0x16,
            search_count: 100,
            flags: 0x06,
            level,
            storage_type: 0,
            file_name: "\\*".into(),
        })
    };
    for (long, level) in [(true, 1u16), (false, 1), (true, 2), (false, 2)] {
        s.flags2 = if long { 0x0001 } else { 0 };
        let (p, d) = trans2(&mut s, find(level));
        let n = FindFirst2Response::decode(&p).unwrap().search_count as usize;
        let e = decode_find_entries(level, &d, false, true, n).unwrap();
        let mut names: Vec<String> = e.iter().map(|e| e.file_name.clone()).collect();
        names.sort();
        if long {
            // Long names, é as CP850 byte 0x82 (a byte character on the wire).
            assert_eq!(
                names,
                [
                    ".",
                    "..",
                    "A Long File Name.text",
                    "caf\u{82}.txt",
                    "hello.txt"
                ]
            );
        } else {
            // A client without long names gets 8.3 names for the long ones.
            assert_eq!(names.len(), 5);
            assert!(
                names
                    .iter()
                    .any(|n| n.starts_with("ALON~") && n.ends_with(".TEX")),
                "{names:?}"
            );
            assert!(names.contains(&"hello.txt".to_string()), "{names:?}");
        }
        let hello = e.iter().find(|e| e.file_name == "hello.txt").unwrap();
        assert_eq!((hello.end_of_file, hello.ea_size), (27, 0));
    }
    // QUERY_PATH_INFORMATION at SMB_INFO_STANDARD and SMB_INFO_QUERY_EA_SIZE, by OEM name.
    for level in [1u16, 2] {
        let (_, d) = trans2(
            &mut s,
            Trans2Sub::QueryPathInformation {
                level,
                reserved: 0,
                file_name: "\\caf\u{82}.txt".into(),
            },
        );
        assert_eq!(decode_file_info(level, &d, false).unwrap().end_of_file, 5);
    }
}
