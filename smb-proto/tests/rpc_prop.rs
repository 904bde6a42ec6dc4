//! Property tests of the DCE/RPC codecs: PDUs and NDR structures round-trip, and no
//! decoder, call or pipe endpoint panics on arbitrary bytes.

use std::sync::Arc;

use proptest::prelude::*;

use smb_proto::rpc::bind::{Bind, BindAck, BindNak, ContextResult, PresentationContext};
use smb_proto::rpc::call::{CallContext, Caller};
use smb_proto::rpc::info::{ServerInfo, ShareEntry};
use smb_proto::rpc::ndr::{Endian, NdrReader, NdrWriter};
use smb_proto::rpc::pdu::{
    AuthTrailer, Body, Fault, Header, PacketType, Pdu, Request, Response, flags,
};
use smb_proto::rpc::share_info::{
    ShareInfo, decode_share_ctr, decode_share_info, encode_share_ctr, encode_share_info,
};
use smb_proto::rpc::uuid::{SyntaxId, Uuid};
use smb_proto::rpc::{client, srvsvc, wkssvc};
use smb_proto::time::{Instant, Now};

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn uuid() -> impl Strategy<Value = Uuid> {
    (any::<u32>(), any::<u16>(), any::<u16>(), any::<[u8; 8]>()).prop_map(|(d1, d2, d3, d4)| Uuid {
        d1,
        d2,
        d3,
        d4,
    })
}

fn syntax() -> impl Strategy<Value = SyntaxId> {
    (uuid(), any::<u32>()).prop_map(|(uuid, version)| SyntaxId { uuid, version })
}

fn bind() -> impl Strategy<Value = Bind> {
    let ctx = (
        any::<u16>(),
        syntax(),
        prop::collection::vec(syntax(), 0..4),
    )
        .prop_map(
            |(context_id, abstract_syntax, transfer_syntaxes)| PresentationContext {
                context_id,
                abstract_syntax,
                transfer_syntaxes,
            },
        );
    (
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
        prop::collection::vec(ctx, 0..4),
        bytes(8),
    )
        .prop_map(|(x, r, a, contexts, trailing)| Bind {
            max_xmit_frag: x,
            max_recv_frag: r,
            assoc_group_id: a,
            contexts,
            trailing,
        })
}

fn bind_ack() -> impl Strategy<Value = BindAck> {
    let res =
        (any::<u16>(), any::<u16>(), syntax()).prop_map(|(result, reason, t)| ContextResult {
            result,
            reason,
            transfer_syntax: t,
        });
    (
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
        bytes(20),
        prop::collection::vec(res, 0..4),
        bytes(8),
    )
        .prop_map(|(x, r, a, secondary_address, results, trailing)| BindAck {
            max_xmit_frag: x,
            max_recv_frag: r,
            assoc_group_id: a,
            secondary_address,
            results,
            trailing,
        })
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        (
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            prop::option::of(uuid()),
            bytes(64)
        )
            .prop_map(
                |(alloc_hint, context_id, opnum, object, stub)| Body::Request(Request {
                    alloc_hint,
                    context_id,
                    opnum,
                    object,
                    stub
                })
            ),
        (
            any::<u32>(),
            any::<u16>(),
            any::<u8>(),
            any::<u8>(),
            bytes(64)
        )
            .prop_map(|(alloc_hint, context_id, cancel_count, reserved, stub)| {
                Body::Response(Response {
                    alloc_hint,
                    context_id,
                    cancel_count,
                    reserved,
                    stub,
                })
            }),
        (
            any::<u32>(),
            any::<u16>(),
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            bytes(16)
        )
            .prop_map(
                |(alloc_hint, context_id, cancel_count, flags, status, trailing)| Body::Fault(
                    Fault {
                        alloc_hint,
                        context_id,
                        cancel_count,
                        flags,
                        status,
                        trailing
                    }
                )
            ),
        bind().prop_map(Body::Bind),
        bind().prop_map(Body::AlterContext),
        bind_ack().prop_map(Body::BindAck),
        bind_ack().prop_map(Body::AlterContextResp),
        (
            any::<u16>(),
            prop::collection::vec(any::<(u8, u8)>(), 0..4),
            bytes(8)
        )
            .prop_map(|(reason, versions, trailing)| Body::BindNak(BindNak {
                reason,
                versions,
                trailing
            })),
        (
            prop::sample::select(vec![
                PacketType::Auth3,
                PacketType::Shutdown,
                PacketType::CoCancel,
                PacketType::Orphaned
            ]),
            bytes(16)
        )
            .prop_map(|(t, b)| Body::Other(t, b)),
    ]
}

fn pdu() -> impl Strategy<Value = Pdu> {
    // The value is never empty: auth_length 0 means no trailer.
    let value = prop::collection::vec(any::<u8>(), 1..32);
    let auth =
        (any::<[u8; 4]>(), any::<u32>(), value).prop_map(|(b, context_id, value)| AuthTrailer {
            auth_type: b[0],
            auth_level: b[1],
            pad_length: b[2],
            reserved: b[3],
            context_id,
            value,
        });
    (
        0u8..=1,
        any::<u8>(),
        any::<bool>(),
        any::<[u8; 3]>(),
        any::<u32>(),
        body(),
        prop::option::of(auth),
    )
        .prop_map(|(minor, flag_bits, big, drep_rest, call_id, body, auth)| {
            let mut flag_bits = flag_bits & !flags::OBJECT_UUID;
            if let Body::Request(r) = &body
                && r.object.is_some()
            {
                flag_bits |= flags::OBJECT_UUID;
            }
            Pdu {
                header: Header {
                    minor_version: minor,
                    flags: flag_bits,
                    drep: [
                        if big { 0x00 } else { 0x10 },
                        drep_rest[0],
                        drep_rest[1],
                        drep_rest[2],
                    ],
                    call_id,
                },
                body,
                auth,
            }
        })
}

fn opt_string() -> impl Strategy<Value = Option<String>> {
    prop::option::of("\\PC{0,12}")
}

/// Share information carrying only the fields of `level`.
fn share_info_at(level: u32) -> impl Strategy<Value = ShareInfo> {
    (
        (opt_string(), any::<u32>(), opt_string(), any::<u32>()),
        (any::<u32>(), any::<u32>(), opt_string(), opt_string()),
        (any::<u32>(), prop::option::of(bytes(24)), opt_string()),
    )
        .prop_map(
            move |(
                (name, share_type, remark, permissions),
                (max_uses, current_uses, path, password),
                (flags, sd, alt),
            )| {
                let mut s = ShareInfo::default();
                let full = [2, 502].contains(&level);
                if [0, 1, 2, 501, 502].contains(&level) {
                    s.name = name;
                }
                if [1, 2, 501, 502].contains(&level) {
                    s.share_type = share_type;
                    s.remark = remark.clone();
                }
                if full {
                    s.permissions = permissions;
                    s.max_uses = max_uses;
                    s.current_uses = current_uses;
                    s.path = path;
                    s.password = password;
                }
                match level {
                    501 | 1005 => s.flags = flags,
                    1004 => s.remark = remark,
                    1006 => s.max_uses = max_uses,
                    1007 => {
                        s.flags = flags;
                        s.alternate_directory = alt;
                    }
                    502 | 1501 => s.security_descriptor = sd,
                    _ => {}
                }
                s
            },
        )
}

fn level() -> impl Strategy<Value = u32> {
    prop::sample::select(vec![
        0u32, 1, 2, 501, 502, 1004, 1005, 1006, 1007, 1501, 3, 77,
    ])
}

fn info() -> ServerInfo {
    ServerInfo::new(
        "PROP",
        "WORKGROUP",
        vec![ShareEntry::disk("share", "files"), ShareEntry::ipc("IPC")],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn pdus_round_trip(p in pdu()) {
        let enc = p.encode().unwrap();
        prop_assert_eq!(Pdu::decode(&enc).unwrap(), p.clone());
        // And the bytes are stable.
        prop_assert_eq!(Pdu::decode(&enc).unwrap().encode().unwrap(), enc);
    }

    #[test]
    fn share_containers_round_trip(
        (level, entries) in level().prop_flat_map(|l| (Just(l), prop::option::of(prop::collection::vec(share_info_at(l), 0..5))))
    ) {
        let mut w = NdrWriter::new();
        encode_share_ctr(level, entries.as_deref(), &mut w);
        let b = w.into_vec();
        let mut r = NdrReader::new(&b);
        let ctr = decode_share_ctr(&mut r).unwrap();
        prop_assert!(r.is_empty());
        prop_assert_eq!(ctr.level, level);
        let known = smb_proto::rpc::share_info::has_arm(level);
        prop_assert_eq!(ctr.entries, if known { entries } else { None });
    }

    #[test]
    fn share_info_round_trips(
        (level, info) in level().prop_flat_map(|l| (Just(l), prop::option::of(share_info_at(l))))
    ) {
        let mut w = NdrWriter::new();
        encode_share_info(level, info.as_ref(), &mut w);
        let b = w.into_vec();
        let mut r = NdrReader::new(&b);
        let (l, got) = decode_share_info(&mut r).unwrap();
        prop_assert!(r.is_empty());
        prop_assert_eq!(l, level);
        let known = smb_proto::rpc::share_info::has_arm(level);
        prop_assert_eq!(got, if known { info } else { None });
    }

    #[test]
    fn ndr_strings_and_integers_round_trip(
        s in "\\PC{0,40}", pre in 0usize..8, v in any::<u64>(), big in any::<bool>()
    ) {
        let endian = if big { Endian::Big } else { Endian::Little };
        let mut w = NdrWriter::with_endian(endian);
        for _ in 0..pre {
            w.u8(0xAA);
        }
        w.string(&s);
        w.u64(v);
        w.i32(-5);
        let b = w.into_vec();
        let mut r = NdrReader::with_endian(&b, endian);
        r.take(pre, "pre").unwrap();
        prop_assert_eq!(r.string("s").unwrap(), s);
        prop_assert_eq!(r.u64("v").unwrap(), v);
        prop_assert_eq!(r.i32("i").unwrap(), -5);
        prop_assert!(r.is_empty());
    }

    #[test]
    fn decoders_do_not_panic(b in bytes(300)) {
        let _ = Pdu::decode(&b);
        let _ = decode_share_ctr(&mut NdrReader::new(&b));
        let _ = decode_share_info(&mut NdrReader::new(&b));
        let _ = client::parse_share_enum_all(&b);
        let _ = client::parse_bind_ack(&b);
        let mut reply = client::ShareEnumReply::new(1);
        let _ = reply.push(&b);
        let mut r = NdrReader::new(&b);
        let _ = r.string("s");
        let _ = r.conformant_array(4, "a", |r| r.u32("e"));
    }

    #[test]
    fn calls_do_not_panic(opnum in 0u16..60, stub in bytes(200), anonymous in any::<bool>()) {
        let info = info();
        let ctx = CallContext {
            info: &info,
            caller: if anonymous { Caller::Anonymous } else { Caller::Authenticated },
            now: Now::new(Instant::from_nanos(0), 0),
        };
        let _ = srvsvc::call(opnum, &stub, Endian::Little, &ctx);
        let _ = srvsvc::call(opnum, &stub, Endian::Big, &ctx);
        let _ = wkssvc::call(opnum, &stub, Endian::Little, &ctx);
    }

    #[test]
    fn endpoint_does_not_panic(b in bytes(600)) {
        // After a valid bind (and checking what comes back), then with no bind at all.
        smb_proto::testing::fuzz::rpc(&b);
        let mut ep = smb_proto::rpc::PipeEndpoint::new(
            smb_proto::rpc::Interface::Srvsvc,
            Arc::new(info()),
            Caller::Authenticated,
            1,
        );
        let _ = ep.write(Now::new(Instant::from_nanos(0), 0), &b);
        while !ep.read(1000).data.is_empty() {}
    }

    #[test]
    fn endpoint_survives_mutated_requests(
        idx in 0usize..400, flip in any::<u8>(), cut in 0usize..200, ctl in any::<u8>()
    ) {
        // rpcclient's requests on its third pipe (the target binds first), one byte
        // changed and the stream cut short.
        let mut seed = vec![ctl];
        let data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rpc/rpcclient-srvsvc.bin")).unwrap();
        let mut i = 0;
        while i < data.len() {
            let len = u32::from_le_bytes(data[i + 2..i + 6].try_into().unwrap()) as usize;
            if data[i + 1] == 0 && data[i] == 2 && data[i + 8] == 0 {
                seed.extend_from_slice(&data[i + 6..i + 6 + len]);
            }
            i += 6 + len;
        }
        let at = 1 + idx % (seed.len() - 1);
        seed[at] ^= flip;
        seed.truncate(seed.len().saturating_sub(cut).max(1));
        smb_proto::testing::fuzz::rpc(&seed);
    }
}
