//! The pipe endpoint's protocol rules: binds, alter_context, fragments both ways, reads
//! in pieces, faults, and the calls' results on our own server description.

use std::sync::Arc;

use smb_proto::rpc::bind::{Bind, PresentationContext, nak_reason, reason, result};
use smb_proto::rpc::call::Caller;
use smb_proto::rpc::client::{self, ShareEnumReply};
use smb_proto::rpc::info::{ServerInfo, ShareEntry};
use smb_proto::rpc::ndr::{NdrReader, NdrWriter};
use smb_proto::rpc::pdu::{AuthTrailer, Body, Header, PacketType, Pdu, Request, flags};
use smb_proto::rpc::server::{Interface, MAX_PENDING_OUTPUT, PipeEndpoint, PipeError, lookup_pipe};
use smb_proto::rpc::share_info::decode_share_info;
use smb_proto::rpc::uuid::{NDR20, NDR64, SRVSVC, SyntaxId, WKSSVC};
use smb_proto::time::{Instant, Now};
use smb_proto::wire::status::NtStatus;

fn now() -> Now {
    // 2024-01-01 00:00:00 UTC, a Monday; 7 s of uptime.
    Now::new(Instant::from_nanos(7_000_000_000), 133_485_408_000_000_000)
}

fn info(shares: usize) -> Arc<ServerInfo> {
    let mut list: Vec<ShareEntry> = (0..shares)
        .map(|i| ShareEntry::disk(&format!("share{i:03}"), &"remark ".repeat(8)))
        .collect();
    list.push(ShareEntry::disk("admin$", "hidden"));
    list.push(ShareEntry::ipc("IPC Service"));
    let mut info = ServerInfo::new("SMB1RS", "WORKGROUP", list);
    info.comment = "smb1-rs".into();
    Arc::new(info)
}

fn bind_pdu(call_id: u32, frag: u16, contexts: Vec<PresentationContext>) -> Vec<u8> {
    Pdu {
        header: Header::new(call_id),
        body: Body::Bind(Bind {
            max_xmit_frag: frag,
            max_recv_frag: frag,
            assoc_group_id: 0,
            contexts,
            trailing: Vec::new(),
        }),
        auth: None,
    }
    .encode()
    .unwrap()
}

fn ctx(id: u16, iface: SyntaxId, transfer: SyntaxId) -> PresentationContext {
    PresentationContext {
        context_id: id,
        abstract_syntax: iface,
        transfer_syntaxes: vec![transfer],
    }
}

fn request(call_id: u32, context_id: u16, opnum: u16, stub: Vec<u8>) -> Vec<u8> {
    Pdu {
        header: Header::new(call_id),
        body: Body::Request(Request {
            alloc_hint: stub.len() as u32,
            context_id,
            opnum,
            object: None,
            stub,
        }),
        auth: None,
    }
    .encode()
    .unwrap()
}

/// Every PDU waiting, decoded.
fn answers(ep: &mut PipeEndpoint) -> Vec<Pdu> {
    let mut out = Vec::new();
    loop {
        let r = ep.read(usize::MAX);
        if r.data.is_empty() {
            return out;
        }
        out.push(Pdu::decode(&r.data).unwrap());
    }
}

fn bound(interface: Interface, caller: Caller, shares: usize) -> PipeEndpoint {
    let mut ep = PipeEndpoint::new(interface, info(shares), caller, 0x55);
    ep.write(
        now(),
        &bind_pdu(1, 4280, vec![ctx(0, interface.syntax(), NDR20)]),
    )
    .unwrap();
    let a = answers(&mut ep);
    assert!(matches!(&a[0].body, Body::BindAck(b) if b.results[0].result == result::ACCEPTANCE));
    ep
}

fn get_info_stub(share: &str, level: u32) -> Vec<u8> {
    let mut w = NdrWriter::new();
    w.pointer(true);
    w.string("\\\\SMB1RS");
    w.string(share);
    w.u32(level);
    w.into_vec()
}

/// Runs one call and returns its response stub.
fn call(ep: &mut PipeEndpoint, opnum: u16, stub: Vec<u8>) -> Vec<u8> {
    ep.write(now(), &request(9, 0, opnum, stub)).unwrap();
    let a = answers(ep);
    assert_eq!(a.len(), 1, "{a:?}");
    match &a[0].body {
        Body::Response(r) => r.stub.clone(),
        other => panic!("{other:?}"),
    }
}

fn fault_of(p: &Pdu) -> (u32, u8) {
    match &p.body {
        Body::Fault(f) => (f.status, p.header.flags),
        other => panic!("not a fault: {other:?}"),
    }
}

#[test]
fn pipe_names() {
    for n in [
        "srvsvc",
        "\\srvsvc",
        "\\PIPE\\srvsvc",
        "PIPE\\SRVSVC",
        "\\pipe\\SrvSvc",
    ] {
        assert_eq!(lookup_pipe(n), Some(Interface::Srvsvc), "{n}");
    }
    assert_eq!(lookup_pipe("\\PIPE\\wkssvc"), Some(Interface::Wkssvc));
    for n in [
        "lsarpc",
        "\\PIPE\\",
        "",
        "\\PIPE\\srvsvc\\x",
        "PIPEsrvsvc",
        "\\\\srvsvc",
    ] {
        assert_eq!(lookup_pipe(n), None, "{n}");
    }
    assert_eq!(
        PipeError::Disconnected.status(),
        NtStatus::PIPE_DISCONNECTED
    );
    assert_eq!(PipeError::Busy.status(), NtStatus::PIPE_BUSY);
}

#[test]
fn large_answers_come_in_fragments_of_the_negotiated_size() {
    let mut ep = PipeEndpoint::new(Interface::Srvsvc, info(300), Caller::Authenticated, 1);
    ep.write(now(), &bind_pdu(1, 3000, vec![ctx(0, SRVSVC, NDR20)]))
        .unwrap();
    let Body::BindAck(ack) = &answers(&mut ep)[0].body else {
        panic!()
    };
    // The smaller of the client's sizes, rounded down to a multiple of 8.
    assert_eq!((ack.max_xmit_frag, ack.max_recv_frag), (3000, 3000));
    ep.write(now(), &client::net_share_enum_all(2, "\\\\SMB1RS"))
        .unwrap();
    let total = ep.pending();
    let frags = answers(&mut ep);
    assert!(frags.len() > 5, "{} fragments", frags.len());
    let mut stub_left = None;
    let mut reply = ShareEnumReply::new(2);
    for (i, f) in frags.iter().enumerate() {
        let bytes = f.encode().unwrap();
        assert!(bytes.len() <= 3000);
        let Body::Response(r) = &f.body else { panic!() };
        let first = f.header.flags & flags::FIRST_FRAG != 0;
        let last = f.header.flags & flags::LAST_FRAG != 0;
        assert_eq!((first, last), (i == 0, i + 1 == frags.len()));
        if !last {
            assert_eq!(r.stub.len() % 16, 0);
            assert_eq!(r.stub.len(), (3000 - 24) & !15);
        }
        // alloc_hint counts what is left, this fragment included.
        if let Some(left) = stub_left {
            assert_eq!(r.alloc_hint, left);
        }
        stub_left = Some(r.alloc_hint - r.stub.len() as u32);
        reply.push(&bytes).unwrap();
    }
    assert_eq!(stub_left, Some(0));
    assert_eq!(ep.pending(), 0);
    assert!(total > 20_000);
    let shares = reply.finish().unwrap();
    assert_eq!(shares.len(), 302);
    assert_eq!(shares[299].name, "share299");
    assert_eq!(shares[300].share_type, 0x8000_0000);
    assert_eq!(shares[301].name, "IPC$");

    // A client asking for tiny fragments gets 2048; one asking for huge ones, 4280.
    for (asked, got) in [(1024, 2048), (65535, 4280), (4283, 4280)] {
        let mut ep = PipeEndpoint::new(Interface::Srvsvc, info(1), Caller::Authenticated, 1);
        ep.write(now(), &bind_pdu(1, asked, vec![ctx(0, SRVSVC, NDR20)]))
            .unwrap();
        let Body::BindAck(ack) = &answers(&mut ep)[0].body else {
            panic!()
        };
        assert_eq!(ack.max_xmit_frag, got, "asked {asked}");
    }
}

#[test]
fn reads_smaller_than_a_pdu_say_more() {
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 3);
    ep.write(now(), &client::net_share_enum_all(2, "\\\\X"))
        .unwrap();
    let len = ep.pending();
    let mut got = Vec::new();
    loop {
        let r = ep.read(100);
        got.extend_from_slice(&r.data);
        if !r.more {
            break;
        }
        assert_eq!(r.data.len(), 100);
    }
    assert_eq!(got.len(), len);
    assert!(Pdu::decode(&got).is_ok());
    assert_eq!(ep.read(100), Default::default());
}

#[test]
fn writes_in_pieces_and_requests_in_fragments() {
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 3);
    // One request written a byte at a time.
    for b in request(2, 0, 16, get_info_stub("share001", 1)) {
        ep.write(now(), &[b]).unwrap();
    }
    let whole = answers(&mut ep);
    assert_eq!(whole.len(), 1);

    // The same call in three fragments.
    let stub = get_info_stub("share001", 1);
    let parts: Vec<&[u8]> = stub.chunks(stub.len() / 3 + 1).collect();
    for (i, part) in parts.iter().enumerate() {
        let mut p = Pdu::decode(&request(2, 0, 16, part.to_vec())).unwrap();
        p.header.flags = if i == 0 { flags::FIRST_FRAG } else { 0 }
            | if i + 1 == parts.len() {
                flags::LAST_FRAG
            } else {
                0
            };
        ep.write(now(), &p.encode().unwrap()).unwrap();
        if i + 1 < parts.len() {
            assert_eq!(ep.pending(), 0);
        }
    }
    assert_eq!(answers(&mut ep), whole);

    // A middle fragment without a first one is a protocol error.
    let mut p = Pdu::decode(&request(3, 0, 16, stub.clone())).unwrap();
    p.header.flags = flags::LAST_FRAG;
    ep.write(now(), &p.encode().unwrap()).unwrap();
    assert_eq!(fault_of(&answers(&mut ep)[0]).0, 0x1c01_000b);
    assert!(ep.is_closed());
    assert_eq!(ep.write(now(), &[0]), Err(PipeError::Disconnected));

    // A new call while one is being reassembled: the fault names the first call.
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 3);
    let mut p = Pdu::decode(&request(4, 0, 16, stub.clone())).unwrap();
    p.header.flags = flags::FIRST_FRAG;
    ep.write(now(), &p.encode().unwrap()).unwrap();
    ep.write(now(), &request(5, 0, 16, stub.clone())).unwrap();
    let a = answers(&mut ep);
    assert_eq!(a[0].header.call_id, 4);
    assert_eq!(fault_of(&a[0]).0, 0x1c01_000b);
    assert!(ep.is_closed());

    // A call announced larger than the limit is refused.
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 3);
    let mut p = Pdu::decode(&request(6, 0, 16, stub)).unwrap();
    p.header.flags = flags::FIRST_FRAG;
    if let Body::Request(r) = &mut p.body {
        r.alloc_hint = 10_000_000;
    }
    ep.write(now(), &p.encode().unwrap()).unwrap();
    assert_eq!(fault_of(&answers(&mut ep)[0]).0, 5);
    assert!(ep.is_closed());
}

#[test]
fn reassembly_is_bounded() {
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 1);
    let chunk = vec![0u8; 4000];
    let mut first = true;
    let mut refused = false;
    for _ in 0..100 {
        let mut p = Pdu::decode(&request(2, 0, 33, chunk.clone())).unwrap();
        p.header.flags = if first { flags::FIRST_FRAG } else { 0 };
        if let Body::Request(r) = &mut p.body {
            r.alloc_hint = 4000;
        }
        first = false;
        if ep.write(now(), &p.encode().unwrap()).is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused);
    assert!(ep.is_closed());
    assert_eq!(fault_of(&answers(&mut ep)[0]).0, 5);
}

#[test]
fn bind_rules() {
    // A request before any bind: bind_nak, closed.
    let mut ep = PipeEndpoint::new(Interface::Srvsvc, info(1), Caller::Authenticated, 1);
    ep.write(now(), &request(1, 0, 21, vec![0; 8])).unwrap();
    let a = answers(&mut ep);
    assert!(
        matches!(&a[0].body, Body::BindNak(n) if n.reason == nak_reason::PROTOCOL_VERSION_NOT_SUPPORTED)
    );
    assert_eq!(a[0].encode().unwrap().len(), 24);
    assert!(ep.is_closed());

    // A second bind: bind_nak.
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 1);
    ep.write(now(), &bind_pdu(2, 4280, vec![ctx(0, SRVSVC, NDR20)]))
        .unwrap();
    assert!(
        matches!(&answers(&mut ep)[0].body, Body::BindNak(n) if n.reason == nak_reason::NOT_SPECIFIED)
    );

    // A bind with authentication: not recognized.
    let mut ep = PipeEndpoint::new(Interface::Srvsvc, info(1), Caller::Authenticated, 1);
    let mut p = Pdu::decode(&bind_pdu(1, 4280, vec![ctx(0, SRVSVC, NDR20)])).unwrap();
    p.auth = Some(AuthTrailer {
        auth_type: 10,
        auth_level: 6,
        pad_length: 0,
        reserved: 0,
        context_id: 0,
        value: b"NTLMSSP\0".to_vec(),
    });
    ep.write(now(), &p.encode().unwrap()).unwrap();
    assert!(
        matches!(&answers(&mut ep)[0].body, Body::BindNak(n) if n.reason == nak_reason::AUTHENTICATION_TYPE_NOT_RECOGNIZED)
    );

    // No contexts: protocol version not supported.
    let mut ep = PipeEndpoint::new(Interface::Srvsvc, info(1), Caller::Authenticated, 1);
    ep.write(now(), &bind_pdu(1, 4280, vec![])).unwrap();
    assert!(matches!(&answers(&mut ep)[0].body, Body::BindNak(n) if n.reason == 4));

    // Another interface, and NDR64 only: rejected per context, the pipe stays bound
    // but has no context; a request on context 0 faults (unknown interface).
    let mut ep = PipeEndpoint::new(Interface::Srvsvc, info(1), Caller::Authenticated, 0x77);
    ep.write(
        now(),
        &bind_pdu(1, 4280, vec![ctx(0, WKSSVC, NDR20), ctx(1, SRVSVC, NDR64)]),
    )
    .unwrap();
    let Body::BindAck(ack) = &answers(&mut ep)[0].body else {
        panic!()
    };
    let r: Vec<(u16, u16)> = ack.results.iter().map(|r| (r.result, r.reason)).collect();
    assert_eq!(
        r,
        [
            (
                result::PROVIDER_REJECTION,
                reason::ABSTRACT_SYNTAX_NOT_SUPPORTED
            ),
            (
                result::PROVIDER_REJECTION,
                reason::PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED
            )
        ]
    );
    assert_eq!(ack.assoc_group_id, 0x77);
    assert_eq!(ack.secondary_address, b"\\PIPE\\srvsvc\0");
    ep.write(now(), &request(2, 0, 21, vec![0; 8])).unwrap();
    assert_eq!(
        fault_of(&answers(&mut ep)[0]),
        (
            0x1c01_0003,
            flags::FIRST_FRAG | flags::LAST_FRAG | flags::DID_NOT_EXECUTE
        )
    );
    assert!(!ep.is_closed());

    // alter_context adds the NDR context (no secondary address in the answer).
    let alter = Pdu {
        header: Header::new(3),
        body: Body::AlterContext(Bind {
            max_xmit_frag: 4280,
            max_recv_frag: 4280,
            assoc_group_id: 0x77,
            contexts: vec![ctx(5, SRVSVC, NDR20)],
            trailing: Vec::new(),
        }),
        auth: None,
    };
    ep.write(now(), &alter.encode().unwrap()).unwrap();
    let a = answers(&mut ep);
    let Body::AlterContextResp(resp) = &a[0].body else {
        panic!("{a:?}")
    };
    assert!(resp.secondary_address.is_empty());
    assert_eq!(resp.results[0].transfer_syntax, NDR20);
    let stub = call_on(&mut ep, 5, 16, get_info_stub("share000", 0));
    let (level, share) = decode_share_info(&mut NdrReader::new(&stub)).unwrap();
    assert_eq!(
        (level, share.unwrap().name.as_deref()),
        (0, Some("share000"))
    );

    // The same context ID for another interface: protocol error.
    let mut bad = alter.clone();
    if let Body::AlterContext(b) = &mut bad.body {
        b.contexts[0].abstract_syntax = WKSSVC;
    }
    ep.write(now(), &bad.encode().unwrap()).unwrap();
    assert_eq!(fault_of(&answers(&mut ep)[0]).0, 0x1c01_000b);
    assert!(ep.is_closed());
}

fn call_on(ep: &mut PipeEndpoint, context: u16, opnum: u16, stub: Vec<u8>) -> Vec<u8> {
    ep.write(now(), &request(9, context, opnum, stub)).unwrap();
    match &answers(ep)[0].body {
        Body::Response(r) => r.stub.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn faults_and_garbage() {
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 1);
    ep.write(now(), &request(2, 0, 99, vec![])).unwrap();
    assert_eq!(
        fault_of(&answers(&mut ep)[0]),
        (
            0x1c01_0002,
            flags::FIRST_FRAG | flags::LAST_FRAG | flags::DID_NOT_EXECUTE
        )
    );
    // A stub that does not decode.
    ep.write(now(), &request(3, 0, 16, vec![1, 0, 0, 0, 0xff]))
        .unwrap();
    assert_eq!(fault_of(&answers(&mut ep)[0]).0, 0x6f7);
    // Cancels and orphans are ignored.
    for t in [PacketType::CoCancel, PacketType::Orphaned] {
        let p = Pdu {
            header: Header::new(3),
            body: Body::Other(t, vec![0; 4]),
            auth: None,
        };
        ep.write(now(), &p.encode().unwrap()).unwrap();
        assert_eq!(ep.pending(), 0);
    }
    assert!(!ep.is_closed());
    // A PDU a client never sends: protocol error.
    let p = Pdu {
        header: Header::new(4),
        body: Body::Other(PacketType::Shutdown, vec![]),
        auth: None,
    };
    ep.write(now(), &p.encode().unwrap()).unwrap();
    assert_eq!(fault_of(&answers(&mut ep)[0]).0, 0x1c01_000b);
    assert!(ep.is_closed());

    // Bytes that are not DCE/RPC close the pipe without an answer.
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 1);
    ep.write(now(), b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(ep.is_closed());
    assert_eq!(ep.pending(), 0);
}

#[test]
fn unread_answers_make_the_pipe_busy() {
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 2000);
    let mut busy = false;
    for i in 0..100 {
        match ep.write(now(), &client::net_share_enum_all(i, "\\\\X")) {
            Ok(()) => {}
            Err(e) => {
                assert_eq!(e, PipeError::Busy);
                busy = true;
                break;
            }
        }
    }
    assert!(busy);
    assert!(ep.pending() > MAX_PENDING_OUTPUT);
    while !ep.read(usize::MAX).data.is_empty() {}
    assert!(
        ep.write(now(), &client::net_share_enum_all(1, "\\\\X"))
            .is_ok()
    );
}

fn result_of(stub: &[u8]) -> u32 {
    u32::from_le_bytes(stub[stub.len() - 4..].try_into().unwrap())
}

#[test]
fn share_calls() {
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 2);
    // Unknown share, unknown level.
    assert_eq!(
        result_of(&call(&mut ep, 16, get_info_stub("nope", 1))),
        2310
    );
    let stub = call(&mut ep, 16, get_info_stub("SHARE001", 3));
    assert_eq!(stub, [3, 0, 0, 0, 124, 0, 0, 0]);
    // Level 2 with the path reported as C:\name.
    let stub = call(&mut ep, 16, get_info_stub("share001", 2));
    let (_, s) = decode_share_info(&mut NdrReader::new(&stub)).unwrap();
    let s = s.unwrap();
    assert_eq!(s.path.as_deref(), Some("C:\\share001"));
    assert_eq!(s.max_uses, u32::MAX);
    assert_eq!(result_of(&stub), 0);
    for level in [501, 502, 1004, 1005, 1006, 1007, 1501] {
        assert_eq!(
            result_of(&call(&mut ep, 16, get_info_stub("share001", level))),
            0
        );
    }

    // NetShareCheck: by reported path.
    let check = |ep: &mut PipeEndpoint, device: &str| {
        let mut w = NdrWriter::new();
        w.pointer(false);
        w.string(device);
        let stub = call(ep, 20, w.into_vec());
        (
            u32::from_le_bytes(stub[..4].try_into().unwrap()),
            result_of(&stub),
        )
    };
    assert_eq!(check(&mut ep, "c:\\SHARE000"), (0, 0));
    assert_eq!(check(&mut ep, "C:\\elsewhere"), (0, 2311));

    // NetShareEnum leaves hidden shares out; NetShareEnumAll lists them.
    let enum_stub = |level: u32| {
        let mut w = NdrWriter::new();
        w.pointer(false);
        w.u32(level);
        w.u32(level);
        w.pointer(true);
        w.u32(0);
        w.pointer(false);
        w.u32(u32::MAX);
        w.pointer(false);
        w.into_vec()
    };
    let names = |stub: &[u8]| -> Vec<String> {
        client::parse_share_enum_all(stub)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect()
    };
    assert_eq!(
        names(&call(&mut ep, 36, enum_stub(1))),
        ["share000", "share001"]
    );
    assert_eq!(
        names(&call(&mut ep, 15, enum_stub(1))),
        ["share000", "share001", "admin$", "IPC$"]
    );
    assert_eq!(result_of(&call(&mut ep, 36, enum_stub(501))), 124);

    // Anonymous callers do not get paths.
    let mut anon = bound(Interface::Srvsvc, Caller::Anonymous, 2);
    assert_eq!(
        result_of(&call(&mut anon, 16, get_info_stub("share001", 2))),
        5
    );
    assert_eq!(
        result_of(&call(&mut anon, 16, get_info_stub("share001", 1))),
        0
    );
    assert_eq!(result_of(&call(&mut anon, 15, enum_stub(502))), 5);
    assert_eq!(result_of(&call(&mut anon, 15, enum_stub(0))), 0);
}

#[test]
fn server_calls() {
    let mut ep = bound(Interface::Srvsvc, Caller::Authenticated, 1);
    let level_stub = |level: u32| {
        let mut w = NdrWriter::new();
        w.pointer(false);
        w.u32(level);
        w.into_vec()
    };
    // NetSrvGetInfo 101.
    let stub = call(&mut ep, 21, level_stub(101));
    let mut r = NdrReader::new(&stub);
    assert_eq!(r.u32("l").unwrap(), 101);
    assert!(r.unique_ptr("p").unwrap().is_some());
    assert_eq!(r.u32("platform").unwrap(), 500);
    let name = r.unique_ptr("n").unwrap();
    assert_eq!(
        [
            r.u32("a").unwrap(),
            r.u32("b").unwrap(),
            r.u32("c").unwrap()
        ],
        [6, 1, 0x9003]
    );
    let comment = r.unique_ptr("c").unwrap();
    assert_eq!(
        r.deferred_string(name, "n").unwrap().as_deref(),
        Some("SMB1RS")
    );
    assert_eq!(
        r.deferred_string(comment, "c").unwrap().as_deref(),
        Some("smb1-rs")
    );
    assert_eq!(r.u32("result").unwrap(), 0);
    // Unsupported levels: with and without an arm in the union.
    assert_eq!(
        call(&mut ep, 21, level_stub(502)),
        [0xf6, 1, 0, 0, 0, 0, 0, 0, 124, 0, 0, 0]
    );
    assert_eq!(call(&mut ep, 21, level_stub(7)), [7, 0, 0, 0, 124, 0, 0, 0]);

    // NetRemoteTOD at 2024-01-01 00:00:00 UTC.
    let stub = call(&mut ep, 28, {
        let mut w = NdrWriter::new();
        w.pointer(false);
        w.into_vec()
    });
    let v: Vec<u32> = stub[4..]
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(
        v,
        [1_704_067_200, 7000, 0, 0, 0, 0, 0, 10_000, 1, 1, 2024, 1, 0]
    );

    // NetNameValidate.
    let validate = |ep: &mut PipeEndpoint, name: &str, name_type: u32, flags: u32| {
        let mut w = NdrWriter::new();
        w.pointer(false);
        w.string(name);
        w.u32(name_type);
        w.u32(flags);
        result_of(&call(ep, 33, w.into_vec()))
    };
    assert_eq!(validate(&mut ep, "good name", 9, 0), 0);
    assert_eq!(validate(&mut ep, "bad|name", 9, 0x8000_0000), 123);
    assert_eq!(validate(&mut ep, "name", 1, 0), 124);
    assert_eq!(validate(&mut ep, "name", 9, 1), 87);

    // wkssvc NetWkstaGetInfo 100, and 102 refused.
    let mut wk = bound(Interface::Wkssvc, Caller::Authenticated, 1);
    let stub = call(&mut wk, 0, level_stub(100));
    let mut r = NdrReader::new(&stub);
    r.u32("l").unwrap();
    r.unique_ptr("p").unwrap();
    assert_eq!(r.u32("platform").unwrap(), 500);
    let (n, d) = (r.unique_ptr("n").unwrap(), r.unique_ptr("d").unwrap());
    r.u32("major").unwrap();
    r.u32("minor").unwrap();
    assert_eq!(
        r.deferred_string(n, "n").unwrap().as_deref(),
        Some("SMB1RS")
    );
    assert_eq!(
        r.deferred_string(d, "d").unwrap().as_deref(),
        Some("WORKGROUP")
    );
    assert_eq!(
        call(&mut wk, 0, level_stub(102)),
        [102, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0]
    );
    wk.write(now(), &request(3, 0, 1, vec![])).unwrap();
    assert_eq!(fault_of(&answers(&mut wk)[0]).0, 0x1c01_0002);
}
