//! DCE/RPC against captures of real peers talking to Samba's smbd 4.17 over SMB1
//! (tests/data/rpc/README.md says how they were made): every PDU decodes and encodes back
//! byte for byte; the pipe endpoint, fed the clients' requests, answers what smbd answered
//! (structure and values, the server's own values set alike), apart from the documented
//! differences; the client parses smbd's answers.

use std::fmt::Write as _;
use std::sync::Arc;

use smb_proto::rpc::bind::result;
use smb_proto::rpc::call::Caller;
use smb_proto::rpc::client::{self, Share, ShareEnumReply};
use smb_proto::rpc::info::{ServerInfo, ShareEntry};
use smb_proto::rpc::ndr::NdrReader;
use smb_proto::rpc::pdu::{Body, Header, Pdu, Response, flags};
use smb_proto::rpc::server::{Interface, PipeEndpoint};
use smb_proto::rpc::share_info::{decode_share_ctr, decode_share_info};
use smb_proto::rpc::uuid::{NDR20, WKSSVC};
use smb_proto::time::{Instant, Now};
use smb_proto::wire::codec::DecodeError;

/// One PDU of a fixture.
struct Rec {
    pipe: u8,
    from_server: bool,
    bytes: Vec<u8>,
}

fn fixture(name: &str) -> Vec<Rec> {
    let path = format!("{}/tests/data/rpc/{name}.bin", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(&path).unwrap();
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let len = u32::from_le_bytes(data[i + 2..i + 6].try_into().unwrap()) as usize;
        out.push(Rec {
            pipe: data[i],
            from_server: data[i + 1] == 1,
            bytes: data[i + 6..i + 6 + len].to_vec(),
        });
        i += 6 + len;
    }
    out
}

const FIXTURES: &[&str] = &[
    "rpcclient-srvsvc",
    "rpcclient-errors",
    "rpcclient-share-admin",
    "smbclient-L",
    "smbclient-L-anon",
    "nmap",
    "torture-srvsvc",
    "torture-wkssvc",
    "torture-ndr64",
    "torture-be",
];

#[test]
fn every_captured_pdu_round_trips() {
    let mut n = 0;
    for f in FIXTURES {
        for r in fixture(f) {
            let pdu = Pdu::decode(&r.bytes).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!(pdu.encode().unwrap(), r.bytes, "{f}: {pdu:?}");
            n += 1;
        }
    }
    assert!(n > 200, "{n} PDUs");
}

/// The server smbd was in the captures, as a [`ServerInfo`].
fn smbd_info() -> ServerInfo {
    let mut info = ServerInfo::new(
        "VM",
        "WORKGROUP",
        vec![
            ShareEntry {
                path: "C:\\tmp\\rpcwork\\smbd\\share".into(),
                ..ShareEntry::disk("share", "A test share")
            },
            ShareEntry {
                path: "C:\\tmp".into(),
                ..ShareEntry::ipc("IPC Service (Samba 4.17.12-Debian)")
            },
        ],
    );
    info.comment = "Samba 4.17.12-Debian".into();
    info.server_type = 0x9a03;
    info
}

fn now() -> Now {
    Now::new(Instant::from_nanos(5_000_000), 134_089_000_000_000_000)
}

type R<T> = Result<T, DecodeError>;

fn opt_str(r: &mut NdrReader<'_>, ptr: Option<u32>) -> R<String> {
    Ok(format!("{:?}", r.deferred_string(ptr, "s")?))
}

/// The `totalentries` and `resume_handle` that end an enumeration's answer.
fn total_and_resume(r: &mut NdrReader<'_>) -> R<String> {
    let total = r.u32("total")?;
    let resume = r
        .unique_ptr("resume")?
        .map(|_| r.u32("resume"))
        .transpose()?;
    Ok(format!(" total={total} resume={resume:?}"))
}

/// A response stub in words, with referent IDs and the number of connections left out.
fn describe(opnum: u16, interface: Interface, stub: &[u8]) -> R<String> {
    let r = &mut NdrReader::new(stub);
    let mut s = String::new();
    match (interface, opnum) {
        (Interface::Srvsvc, 15 | 36) => {
            let mut ctr = decode_share_ctr(r)?;
            for e in ctr.entries.iter_mut().flatten() {
                e.current_uses = 0;
            }
            write!(s, "{ctr:?}{}", total_and_resume(r)?).unwrap();
        }
        (Interface::Srvsvc, 16) => {
            let (level, mut info) = decode_share_info(r)?;
            if let Some(i) = &mut info {
                i.current_uses = 0;
            }
            write!(s, "level={level} {info:?}").unwrap();
        }
        (Interface::Srvsvc, 20) => write!(s, "type={:#x}", r.u32("type")?).unwrap(),
        (Interface::Srvsvc, 21) | (Interface::Wkssvc, 0) => {
            let level = r.u32("level")?;
            write!(s, "level={level}").unwrap();
            if r.unique_ptr("info")?.is_some() {
                let words = if interface == Interface::Wkssvc { 5 } else { 6 };
                let mut ptrs = Vec::new();
                let n = match (interface, level) {
                    (Interface::Srvsvc, 100) => 2,
                    (Interface::Srvsvc, 101) => words,
                    (Interface::Srvsvc, 102) => 13,
                    (_, 100) => 5,
                    _ => 6,
                };
                for i in 0..n {
                    let v = r.u32("v")?;
                    // Pointer positions: srvsvc 1, 5, 12; wkssvc 1, 2, 5.
                    let is_ptr = match interface {
                        Interface::Srvsvc => [1, 5, 12].contains(&i),
                        Interface::Wkssvc => [1, 2, 5].contains(&i),
                    };
                    if is_ptr {
                        ptrs.push(Some(v).filter(|&v| v != 0));
                    } else {
                        write!(s, " {v:#x}").unwrap();
                    }
                }
                for p in ptrs {
                    write!(s, " {}", opt_str(r, p)?).unwrap();
                }
            }
        }
        (Interface::Srvsvc, 23) => {
            let count = r.u32("count")?;
            write!(s, "count={count}").unwrap();
            if r.unique_ptr("disks")?.is_some() {
                let max = r.u32("max")?;
                let (_, actual) = r.variance(max, "disks")?;
                for _ in 0..actual {
                    r.u32("off")?;
                    let len = r.u32("len")?;
                    write!(s, " {:?}", r.utf16(len, "disk")?).unwrap();
                }
            }
            s.push_str(&total_and_resume(r)?);
        }
        (Interface::Srvsvc, 28) => {
            let present = r.unique_ptr("tod")?.is_some();
            let v: Vec<u32> = (0..12).map(|_| r.u32("tod")).collect::<R<_>>()?;
            // Time values differ; the clock tick, zone and shape do not.
            write!(s, "tod={present} zone={} tick={}", v[6], v[7]).unwrap();
        }
        (Interface::Srvsvc, 33 | 18) => {}
        (Interface::Srvsvc, 14 | 17) => {
            let parm_error = r
                .unique_ptr("parm_error")?
                .map(|_| r.u32("parm_error"))
                .transpose()?;
            write!(s, "parm_error={parm_error:?}").unwrap();
        }
        (Interface::Srvsvc, 8 | 9 | 12) => {
            let level = r.u32("level")?;
            let disc = r.u32("disc")?;
            write!(s, "level={level}/{disc}").unwrap();
            if r.unique_ptr("ctr")?.is_some() {
                let count = r.u32("count")?;
                let array = r.unique_ptr("array")?;
                write!(s, " count={count} array={array:?}").unwrap();
            }
            s.push_str(&total_and_resume(r)?);
        }
        _ => write!(s, "{stub:02x?}").unwrap(),
    }
    write!(s, " -> {}", r.u32("result")?).unwrap();
    Ok(s)
}

/// A PDU in words, for comparison.
fn describe_pdu(pdu: &Pdu, opnum: u16, interface: Interface, stub: &[u8]) -> String {
    match &pdu.body {
        Body::BindAck(a) | Body::AlterContextResp(a) => format!(
            "ack frag={}/{} addr={} results={:?}",
            a.max_xmit_frag,
            a.max_recv_frag,
            String::from_utf8_lossy(&a.secondary_address).to_lowercase(),
            a.results
        ),
        Body::Fault(f) => format!("fault {:#x}", f.status),
        Body::Response(_) => describe(opnum, interface, stub).unwrap_or_else(|e| format!("{e}")),
        other => format!("{other:?}"),
    }
}

/// Runs the fixture's client PDUs through our endpoint, pipe by pipe, and compares the
/// answers with smbd's. Returns the pairs that differ (request opnum, ours, smbd's).
fn replay(name: &str, caller_of: impl Fn(u8) -> Caller) -> Vec<(u16, String, String)> {
    let recs = fixture(name);
    let info = Arc::new(smbd_info());
    let mut diffs = Vec::new();
    let mut compared = 0;
    let pipes: std::collections::BTreeSet<u8> = recs.iter().map(|r| r.pipe).collect();
    for pipe in pipes {
        // The pipe serves the interface its bind names.
        let first = recs.iter().find(|r| r.pipe == pipe).unwrap();
        let Body::Bind(bind) = Pdu::decode(&first.bytes).unwrap().body else {
            panic!("{name} pipe {pipe} starts without a bind")
        };
        let interface = if bind.contexts[0].abstract_syntax == WKSSVC {
            Interface::Wkssvc
        } else {
            Interface::Srvsvc
        };
        let mut ep = PipeEndpoint::new(interface, info.clone(), caller_of(pipe), 0x1234);
        let mut ours: Vec<Vec<u8>> = Vec::new();
        let mut theirs: Vec<Vec<u8>> = Vec::new();
        let mut opnums = Vec::new();
        let mut opnum = 0;
        for r in recs.iter().filter(|r| r.pipe == pipe) {
            if r.from_server {
                theirs.push(r.bytes.clone());
                opnums.push(opnum);
                continue;
            }
            if let Body::Request(q) = Pdu::decode(&r.bytes).unwrap().body {
                opnum = q.opnum;
            }
            ep.write(now(), &r.bytes).unwrap();
            loop {
                let read = ep.read(usize::MAX);
                if read.data.is_empty() {
                    break;
                }
                assert!(!read.more);
                ours.push(read.data);
            }
        }
        assert_eq!(
            ours.len(),
            theirs.len(),
            "{name} pipe {pipe}: number of answers"
        );
        for ((o, t), op) in ours.iter().zip(&theirs).zip(&opnums) {
            let (po, pt) = (Pdu::decode(o).unwrap(), Pdu::decode(t).unwrap());
            assert_eq!(po.header.call_id, pt.header.call_id);
            let stub = |p: &Pdu| match &p.body {
                Body::Response(Response { stub, .. }) => stub.clone(),
                _ => Vec::new(),
            };
            let (so, st) = (
                describe_pdu(&po, *op, interface, &stub(&po)),
                describe_pdu(&pt, *op, interface, &stub(&pt)),
            );
            compared += 1;
            if so != st {
                diffs.push((*op, so, st));
            }
        }
    }
    assert!(compared > 0);
    diffs
}

#[test]
fn rpcclient_gets_what_smbd_answered() {
    let diffs = replay("rpcclient-srvsvc", |_| Caller::Authenticated);
    assert!(diffs.is_empty(), "{diffs:#?}");
}

#[test]
fn error_answers_match_smbds_but_for_the_unknown_share() {
    let diffs = replay("rpcclient-errors", |_| Caller::Authenticated);
    // smbd answers WERR_INVALID_NAME for a share it does not have; Windows answers
    // NERR_NetNameNotFound, and so do we.
    assert_eq!(
        diffs,
        [(
            16,
            "level=1 None -> 2310".to_string(),
            "level=1 None -> 123".to_string()
        )]
    );
}

#[test]
fn share_changes_are_refused_like_smbd_refuses_them() {
    let diffs = replay("rpcclient-share-admin", |_| Caller::Authenticated);
    assert!(diffs.is_empty(), "{diffs:#?}");
}

#[test]
fn smbclient_and_nmap_get_what_smbd_answered() {
    for f in ["smbclient-L", "nmap"] {
        let diffs = replay(f, |_| Caller::Authenticated);
        assert!(diffs.is_empty(), "{f}: {diffs:#?}");
    }
    // An anonymous smbclient lists at level 1, which anonymous callers get.
    let diffs = replay("smbclient-L-anon", |_| Caller::Anonymous);
    assert!(diffs.is_empty(), "{diffs:#?}");
}

#[test]
fn smbtorture_srvsvc_differences_are_the_documented_ones() {
    // Pipe 0 is smbtorture's "admin access" test case, pipe 1 its "anonymous access".
    let diffs = replay("torture-srvsvc", |pipe| {
        if pipe == 1 {
            Caller::Anonymous
        } else {
            Caller::Authenticated
        }
    });
    for (op, ours, smbd) in &diffs {
        let documented =
            // NetShareCheck: smbd does not implement it; we answer the share's type.
            (*op == 20 && smbd == "fault 0x1c010002" && ours.ends_with(" -> 0"))
            // NetShareEnum level 501: unknown level, as Windows answers.
            || (*op == 36 && ours.starts_with("ShareCtr { level: 501, entries: Some([]) }") && ours.ends_with(" -> 124"))
            // Anonymous callers are refused the levels with paths, as Windows does.
            || ([15, 36, 16].contains(op) && ours.ends_with(" -> 5") && smbd.ends_with(" -> 0"));
        assert!(
            documented,
            "undocumented difference on opnum {op}:\n ours: {ours}\n smbd: {smbd}"
        );
    }
    assert!(diffs.iter().any(|(op, ..)| *op == 20));
}

#[test]
fn wkssvc_and_big_endian_and_ndr64_answers_match_smbd() {
    for f in ["torture-wkssvc", "torture-be", "torture-ndr64"] {
        let diffs = replay(f, |_| Caller::Authenticated);
        assert!(diffs.is_empty(), "{f}: {diffs:#?}");
    }
}

#[test]
fn faults_for_unknown_operations_did_not_execute() {
    let recs = fixture("torture-srvsvc");
    let mut ep = PipeEndpoint::new(
        Interface::Srvsvc,
        Arc::new(smbd_info()),
        Caller::Authenticated,
        1,
    );
    let mut faults = 0;
    for r in recs.iter().filter(|r| r.pipe == 0 && !r.from_server) {
        ep.write(now(), &r.bytes).unwrap();
        while ep.pending() > 0 {
            let p = Pdu::decode(&ep.read(usize::MAX).data).unwrap();
            if let Body::Fault(f) = &p.body {
                assert_eq!(f.status, 0x1c01_0002);
                assert_eq!(
                    p.header.flags,
                    flags::FIRST_FRAG | flags::LAST_FRAG | flags::DID_NOT_EXECUTE
                );
                faults += 1;
            }
        }
    }
    // NetCharDevEnum, NetCharDevQEnum, NetTransportEnum.
    assert_eq!(faults, 3);
}

fn smbd_shares() -> Vec<Share> {
    vec![
        Share {
            name: "share".into(),
            share_type: 0,
            remark: "A test share".into(),
        },
        Share {
            name: "IPC$".into(),
            share_type: 0x8000_0003,
            remark: "IPC Service (Samba 4.17.12-Debian)".into(),
        },
    ]
}

#[test]
fn client_parses_smbds_answers() {
    let recs = fixture("smbclient-L");
    let from_server: Vec<&Rec> = recs.iter().filter(|r| r.from_server).collect();
    assert_eq!(client::parse_bind_ack(&from_server[0].bytes), Ok(4280));
    let call_id = Pdu::decode(&from_server[1].bytes).unwrap().header.call_id;
    let mut reply = ShareEnumReply::new(call_id);
    // In pieces, as reads of a few bytes would bring it.
    for piece in from_server[1].bytes.chunks(7) {
        reply.push(piece).unwrap();
    }
    assert!(reply.is_complete());
    assert_eq!(reply.finish().unwrap(), smbd_shares());

    // smbd's stub cut into three fragments.
    let Body::Response(resp) = Pdu::decode(&from_server[1].bytes).unwrap().body else {
        panic!()
    };
    let mut reply = ShareEnumReply::new(9);
    let parts: Vec<&[u8]> = resp.stub.chunks(resp.stub.len() / 3 + 1).collect();
    for (i, part) in parts.iter().enumerate() {
        let mut header = Header::new(9);
        header.flags = if i == 0 { flags::FIRST_FRAG } else { 0 }
            | if i + 1 == parts.len() {
                flags::LAST_FRAG
            } else {
                0
            };
        let pdu = Pdu {
            header,
            body: Body::Response(Response {
                alloc_hint: 0,
                context_id: 0,
                cancel_count: 0,
                reserved: 0,
                stub: part.to_vec(),
            }),
            auth: None,
        };
        assert!(!reply.is_complete());
        reply.push(&pdu.encode().unwrap()).unwrap();
    }
    assert_eq!(reply.finish().unwrap(), smbd_shares());

    // Level 0 answers (nmap asked for them) give names only.
    let nmap = fixture("nmap");
    let Body::Response(r) = Pdu::decode(&nmap[3].bytes).unwrap().body else {
        panic!()
    };
    let names: Vec<String> = client::parse_share_enum_all(&r.stub)
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["share", "IPC$"]);
}

#[test]
fn client_requests_are_answered_by_our_endpoint_like_smbds() {
    // Our client's bind and request, through our endpoint, decode to smbd's answer to
    // smbclient (same shares).
    let mut ep = PipeEndpoint::new(
        Interface::Srvsvc,
        Arc::new(smbd_info()),
        Caller::Anonymous,
        1,
    );
    ep.write(now(), &client::bind_srvsvc(1)).unwrap();
    let ack = Pdu::decode(&ep.read(4280).data).unwrap();
    let Body::BindAck(a) = &ack.body else {
        panic!("{ack:?}")
    };
    assert_eq!(a.results[0].result, result::ACCEPTANCE);
    assert_eq!(a.results[0].transfer_syntax, NDR20);
    assert_eq!(a.secondary_address, b"\\PIPE\\srvsvc\0");
    ep.write(now(), &client::net_share_enum_all(2, "\\\\VM"))
        .unwrap();
    let mut reply = ShareEnumReply::new(2);
    reply.push(&ep.read(4280).data).unwrap();
    assert_eq!(reply.finish().unwrap(), smbd_shares());
}
