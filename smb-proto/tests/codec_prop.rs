//! Property tests of the codec: for every message type, encode -> decode -> encode gives the
//! same bytes (also inside AndX chains and with either string encoding), and decoding
//! arbitrary bytes (as requests and as responses, and through the deframer) never panics.

use bytes::Bytes;
use proptest::prelude::*;
use smb_proto::wire::msg::*;
use smb_proto::wire::{
    Deframer, ErrorResponse, Flags, Flags2, Header, Message, Pad, Request, Response, Transport,
};

#[path = "support/round_trip.rs"]
mod round_trip;
use round_trip::assert_round_trip;

fn s() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,24}"
}
fn b(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}
fn opt_s() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(s())
}

fn header(reply: bool) -> impl Strategy<Value = Header> {
    (
        any::<bool>(),
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
    )
        .prop_map(move |(unicode, tid, pid, uid, mid, pid_high)| Header {
            status: 0,
            flags: Flags(if reply { 0x98 } else { 0x18 }),
            flags2: Flags2(0x4803 | if unicode { 0x8000 } else { 0 }),
            pid_high,
            signature: [0; 8],
            reserved: 0,
            tid,
            pid_low: pid,
            uid,
            mid,
        })
}

fn request() -> impl Strategy<Value = Request> {
    let common = (
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(
            |(max_buffer_size, max_mpx_count, vc_number, session_key, reserved, capabilities)| {
                SessionSetupCommon {
                    max_buffer_size,
                    max_mpx_count,
                    vc_number,
                    session_key,
                    reserved,
                    capabilities,
                }
            },
        );
    prop_oneof![
        proptest::collection::vec("[^\u{0}]{0,12}", 0..5)
            .prop_map(|dialects| NegotiateRequest { dialects }.into()),
        (common.clone(), b(40), b(80), s(), s(), opt_s(), opt_s()).prop_map(
            |(
                common,
                oem_password,
                unicode_password,
                account_name,
                primary_domain,
                native_os,
                native_lan_man,
            )| {
                SessionSetupAndXRequest::NtLm(SessionSetupNtLm {
                    common,
                    oem_password,
                    unicode_password,
                    account_name,
                    primary_domain,
                    native_os,
                    native_lan_man,
                })
                .into()
            }
        ),
        (common, b(300), opt_s(), opt_s()).prop_map(
            |(common, security_blob, native_os, native_lan_man)| {
                SessionSetupAndXRequest::Extended(SessionSetupExtended {
                    common,
                    security_blob,
                    native_os,
                    native_lan_man,
                })
                .into()
            }
        ),
        (any::<u16>(), b(24), s(), s()).prop_map(|(flags, password, path, service)| {
            TreeConnectAndXRequest {
                flags,
                password,
                path,
                service,
            }
            .into()
        }),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            s()
        )
            .prop_map(
                |(
                    flags,
                    root_directory_fid,
                    desired_access,
                    allocation_size,
                    ext_file_attributes,
                    share_access,
                    create_disposition,
                    create_options,
                    file_name,
                )| {
                    NtCreateAndXRequest {
                        flags,
                        root_directory_fid,
                        desired_access,
                        allocation_size,
                        ext_file_attributes,
                        share_access,
                        create_disposition,
                        create_options,
                        file_name,
                        ..Default::default()
                    }
                    .into()
                }
            ),
        (
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            any::<u16>(),
            any::<u32>(),
            s()
        )
            .prop_map(
                |(
                    flags,
                    access_mode,
                    file_attrs,
                    creation_time,
                    open_mode,
                    allocation_size,
                    file_name,
                )| {
                    OpenAndXRequest {
                        flags,
                        access_mode,
                        file_attrs,
                        creation_time,
                        open_mode,
                        allocation_size,
                        file_name,
                        ..Default::default()
                    }
                    .into()
                }
            ),
        (any::<u16>(), any::<u64>(), any::<u32>(), any::<bool>()).prop_map(
            |(fid, offset, count, large)| {
                let mut r = ReadAndXRequest::new(fid, offset, count);
                r.large_offset = large;
                r.into()
            }
        ),
        (
            any::<u16>(),
            any::<u64>(),
            any::<u16>(),
            any::<bool>(),
            b(3000)
        )
            .prop_map(|(fid, offset, write_mode, large_offset, data)| {
                WriteAndXRequest {
                    fid,
                    offset,
                    write_mode,
                    large_offset,
                    data,
                    ..Default::default()
                }
                .into()
            }),
        (any::<u16>(), any::<u32>()).prop_map(|(fid, last_time_modified)| CloseRequest {
            fid,
            last_time_modified
        }
        .into()),
        any::<u16>().prop_map(|fid| FlushRequest { fid }.into()),
        (any::<u16>(), any::<u16>(), any::<i32>()).prop_map(|(fid, mode, offset)| SeekRequest {
            fid,
            mode,
            offset
        }
        .into()),
        (any::<u16>(), s()).prop_map(|(search_attributes, file_name)| DeleteRequest {
            search_attributes,
            buffer_format: 4,
            file_name
        }
        .into()),
        (any::<u16>(), s(), s()).prop_map(|(search_attributes, old_file_name, new_file_name)| {
            RenameRequest {
                search_attributes,
                old_file_name,
                new_file_name,
            }
            .into()
        }),
        (any::<u16>(), any::<u16>(), any::<u32>(), s(), s()).prop_map(
            |(
                search_attributes,
                information_level,
                cluster_count,
                old_file_name,
                new_file_name,
            )| {
                NtRenameRequest {
                    search_attributes,
                    information_level,
                    cluster_count,
                    old_file_name,
                    new_file_name,
                }
                .into()
            }
        ),
        s().prop_map(|directory_name| CreateDirectoryRequest {
            buffer_format: 4,
            directory_name
        }
        .into()),
        s().prop_map(|directory_name| DeleteDirectoryRequest {
            buffer_format: 4,
            directory_name
        }
        .into()),
        s().prop_map(|directory_name| CheckDirectoryRequest {
            buffer_format: 4,
            directory_name
        }
        .into()),
        Just(Request::TreeDisconnect(TreeDisconnectRequest)),
        Just(Request::LogoffAndX(LogoffAndXRequest)),
        Just(Request::QueryInformationDisk(QueryInformationDiskRequest)),
        (any::<u16>(), b(100))
            .prop_map(|(echo_count, data)| EchoRequest { echo_count, data }.into()),
        any::<u16>().prop_map(|sid| FindClose2Request { sid }.into()),
        (
            any::<u16>(),
            any::<u8>(),
            any::<u32>(),
            proptest::collection::vec((any::<u16>(), any::<u64>(), any::<u64>()), 0..4)
        )
            .prop_map(|(fid, type_of_lock, timeout, r)| {
                let ranges: Vec<LockRange> = r
                    .into_iter()
                    .map(|(pid, offset, length)| LockRange {
                        pid,
                        offset,
                        length,
                        pad: 0,
                    })
                    .collect();
                LockingAndXRequest {
                    fid,
                    type_of_lock,
                    new_oplock_level: 0,
                    timeout,
                    unlocks: ranges[..ranges.len() / 2].to_vec(),
                    locks: ranges[ranges.len() / 2..].to_vec(),
                }
                .into()
            }),
        (trans2_sub(), any::<bool>())
            .prop_map(|(sub, unicode)| Request::Trans2(sub.into_request(unicode, 10, 4096))),
        (s(), b(40), b(40)).prop_map(|(name, p, d)| TransactionRequest {
            header: TransRequestHeader {
                setup: vec![1, 2],
                ..Default::default()
            },
            name,
            payload: TransPayload::new(p, d)
        }
        .into()),
        (any::<u16>(), b(30), b(30)).prop_map(|(function, p, d)| NtTransactRequest {
            function,
            setup: vec![3],
            payload: TransPayload::new(p, d),
            ..Default::default()
        }
        .into()),
        s().prop_map(|file_name| QueryInformationRequest { file_name }.into()),
        (any::<u16>(), any::<u16>(), s()).prop_map(
            |(access_mode, search_attributes, file_name)| {
                OpenRequest {
                    access_mode,
                    search_attributes,
                    file_name,
                }
                .into()
            }
        ),
        (any::<u16>(), any::<u32>(), s(), any::<bool>()).prop_map(|(a, t, file_name, new)| {
            if new {
                CreateNewRequest {
                    file_attributes: a,
                    creation_time: t,
                    file_name,
                }
                .into()
            } else {
                CreateRequest {
                    file_attributes: a,
                    creation_time: t,
                    file_name,
                }
                .into()
            }
        }),
        any::<u16>().prop_map(|fid| QueryInformation2Request { fid }.into()),
        (any::<u16>(), any::<u32>(), any::<u32>(), any::<bool>()).prop_map(
            |(fid, count, offset, lock)| {
                if lock {
                    LockByteRangeRequest { fid, count, offset }.into()
                } else {
                    UnlockByteRangeRequest { fid, count, offset }.into()
                }
            }
        ),
        (any::<u16>(), any::<u16>(), any::<i32>())
            .prop_map(|(fid, mode, offset)| { SeekRequest { fid, mode, offset }.into() }),
        (any::<u16>(), any::<u32>(), s()).prop_map(
            |(file_attributes, last_write_time, file_name)| SetInformationRequest {
                file_attributes,
                last_write_time,
                reserved: [0; 5],
                file_name
            }
            .into()
        ),
        (any::<u16>(), any::<u16>(), any::<u32>(), any::<u16>()).prop_map(
            |(fid, count, offset, remaining)| LockAndReadRequest(ReadRequest {
                fid,
                count,
                offset,
                remaining
            })
            .into()
        ),
        (any::<u16>(), any::<u32>(), b(200)).prop_map(|(fid, offset, data)| WriteRequest {
            fid,
            offset,
            remaining: 0,
            count: None,
            data
        }
        .into()),
        (any::<u16>(), any::<u32>(), b(200), any::<bool>()).prop_map(
            |(fid, offset, data, long)| WriteAndCloseRequest {
                fid,
                offset,
                last_write_time: 0,
                reserved: long.then_some([0; 3]),
                count: None,
                pad: Pad::default(),
                data
            }
            .into()
        ),
        (any::<u16>(), any::<u16>(), s(), any::<bool>()).prop_map(
            |(max_count, search_attributes, file_name, resume)| SearchRequest {
                max_count,
                search_attributes,
                file_name,
                resume_key: if resume {
                    Bytes::from(vec![5u8; 21])
                } else {
                    Bytes::new()
                }
            }
            .into()
        ),
        Just(Request::NtCancel(NtCancelRequest)),
        Just(Request::ProcessExit(ProcessExitRequest)),
    ]
}

fn trans2_sub() -> impl Strategy<Value = Trans2Sub> {
    prop_oneof![
        (any::<u16>(), any::<u16>(), any::<u16>(), any::<u16>(), s()).prop_map(
            |(search_attributes, search_count, flags, level, file_name)| {
                Trans2Sub::FindFirst2(trans2::sub::FindFirst2 {
                    search_attributes,
                    search_count,
                    flags,
                    level,
                    storage_type: 0,
                    file_name,
                })
            }
        ),
        (any::<u16>(), any::<u16>(), any::<u32>(), s()).prop_map(
            |(sid, level, resume_key, file_name)| {
                Trans2Sub::FindNext2(trans2::sub::FindNext2 {
                    sid,
                    search_count: 10,
                    level,
                    resume_key,
                    flags: 6,
                    file_name,
                })
            }
        ),
        any::<u16>().prop_map(|level| Trans2Sub::QueryFsInformation { level }),
        (any::<u16>(), s()).prop_map(|(level, file_name)| Trans2Sub::QueryPathInformation {
            level,
            reserved: 0,
            file_name
        }),
        (any::<u16>(), any::<u16>())
            .prop_map(|(fid, level)| Trans2Sub::QueryFileInformation { fid, level }),
        (any::<u16>(), s(), b(60)).prop_map(|(level, file_name, data)| {
            Trans2Sub::SetPathInformation {
                level,
                reserved: 0,
                file_name,
                data,
            }
        }),
        (any::<u16>(), any::<u16>(), b(60)).prop_map(|(fid, level, data)| {
            Trans2Sub::SetFileInformation {
                fid,
                level,
                reserved: 0,
                data,
            }
        }),
    ]
}

fn response() -> impl Strategy<Value = Response> {
    prop_oneof![
        (
            any::<u16>(),
            any::<u8>(),
            any::<u16>(),
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            any::<bool>(),
            b(8),
            s(),
            opt_s(),
            b(120)
        )
            .prop_map(
                |(
                    dialect_index,
                    security_mode,
                    max_mpx_count,
                    max_buffer_size,
                    capabilities,
                    system_time,
                    ext,
                    challenge,
                    domain_name,
                    server_name,
                    blob,
                )| {
                    let security = if ext {
                        NegotiateSecurity::Extended {
                            server_guid: [7; 16],
                            security_blob: blob,
                        }
                    } else {
                        NegotiateSecurity::Challenge {
                            challenge,
                            domain_name,
                            server_name,
                        }
                    };
                    let caps = if ext {
                        capabilities | caps::EXTENDED_SECURITY
                    } else {
                        capabilities & !caps::EXTENDED_SECURITY
                    };
                    NegotiateResponse::NtLm(NtLmNegotiate {
                        dialect_index,
                        security_mode,
                        max_mpx_count,
                        max_number_vcs: 1,
                        max_buffer_size,
                        max_raw_size: 65536,
                        session_key: 0,
                        capabilities: caps,
                        system_time,
                        server_time_zone: 0,
                        security,
                    })
                    .into()
                }
            ),
        Just(
            NegotiateResponse::DialectOnly {
                dialect_index: 0xFFFF
            }
            .into()
        ),
        (
            any::<u16>(),
            proptest::option::of(b(200)),
            opt_s(),
            opt_s(),
            opt_s()
        )
            .prop_map(
                |(action, security_blob, native_os, native_lan_man, primary_domain)| {
                    SessionSetupAndXResponse {
                        action,
                        security_blob,
                        native_os,
                        native_lan_man,
                        primary_domain,
                    }
                    .into()
                }
            ),
        (
            proptest::option::of(any::<u16>()),
            proptest::option::of((any::<u32>(), any::<u32>())),
            s(),
            opt_s()
        )
            .prop_map(
                |(optional_support, extended, service, native_file_system)| {
                    TreeConnectAndXResponse {
                        optional_support,
                        extended,
                        service,
                        native_file_system,
                    }
                    .into()
                }
            ),
        (
            any::<u16>(),
            any::<u32>(),
            any::<u64>(),
            any::<u64>(),
            any::<u32>(),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(fid, create_action, t, eof, attrs, ext, fifty)| {
                NtCreateAndXResponse {
                    fid,
                    create_action,
                    creation_time: t,
                    last_access_time: t,
                    last_write_time: t,
                    change_time: t,
                    ext_file_attributes: attrs,
                    allocation_size: eof,
                    end_of_file: eof,
                    extended: ext.then_some(NtCreateExtended {
                        volume_guid: [1; 16],
                        file_id: t,
                        maximal_access_rights: attrs,
                        guest_maximal_access_rights: 0,
                        word_count_50: fifty,
                    }),
                    ..Default::default()
                }
                .into()
            }),
        (any::<u16>(), any::<u32>(), any::<u16>(), any::<bool>()).prop_map(
            |(fid, size, results, ext)| OpenAndXResponse {
                fid,
                file_data_size: size,
                open_results: results,
                extended: ext.then_some(OpenAndXExtended {
                    server_fid: 1,
                    reserved: 0,
                    maximal_access_rights: 2,
                    guest_maximal_access_rights: 3
                }),
                ..Default::default()
            }
            .into()
        ),
        b(5000).prop_map(|data| ReadAndXResponse {
            available: 0xFFFF,
            data,
            ..Default::default()
        }
        .into()),
        any::<u32>().prop_map(|count| WriteAndXResponse {
            count,
            available: 0xFFFF,
            reserved: 0
        }
        .into()),
        (any::<u16>(), b(100)).prop_map(|(sequence_number, data)| EchoResponse {
            sequence_number,
            data
        }
        .into()),
        (b(100), b(3000))
            .prop_map(|(p, d)| Trans2Response(TransResponseBody::reply(vec![], p, d)).into()),
        Just(Trans2Response(TransResponseBody::Interim).into()),
        Just(NtRenameResponse.into()),
        any::<u32>().prop_map(|offset| SeekResponse { offset }.into()),
        (b(100), b(300)).prop_map(|(p, d)| TransactionResponse(TransResponseBody::reply(
            vec![],
            p,
            d
        ))
        .into()),
        (any::<u16>(), any::<u16>()).prop_map(|(t, f)| QueryInformationDiskResponse {
            total_units: t,
            blocks_per_unit: 1,
            block_size: 512,
            free_units: f,
            reserved: 0
        }
        .into()),
        Just(Response::Close(CloseResponse)),
        Just(Response::TreeDisconnect(TreeDisconnectResponse)),
        Just(Response::LogoffAndX(LogoffAndXResponse)),
        Just(Response::LockByteRange(LockByteRangeResponse)),
        Just(Response::UnlockByteRange(UnlockByteRangeResponse)),
        any::<u32>().prop_map(|offset| SeekResponse { offset }.into()),
        (any::<[u16; 3]>(), any::<u32>(), any::<u32>()).prop_map(|(w, t, sz)| {
            OpenResponse {
                fid: w[0],
                file_attrs: w[1],
                last_write_time: t,
                file_size: sz,
                access_mode: w[2],
            }
            .into()
        }),
        (any::<u16>(), any::<bool>()).prop_map(|(fid, new)| if new {
            CreateNewResponse { fid }.into()
        } else {
            CreateResponse { fid }.into()
        }),
        (any::<[u16; 7]>(), any::<u32>(), any::<u32>()).prop_map(|(w, sz, al)| {
            QueryInformation2Response {
                creation: (w[0], w[1]),
                last_access: (w[2], w[3]),
                last_write: (w[4], w[5]),
                file_data_size: sz,
                file_allocation_size: al,
                file_attributes: w[6],
            }
            .into()
        }),
        (any::<u16>(), any::<u32>(), any::<u32>()).prop_map(|(a, t, sz)| {
            QueryInformationResponse {
                file_attributes: a,
                last_write_time: t,
                file_size: sz,
                reserved: [0; 5],
            }
            .into()
        }),
        b(300).prop_map(|data| ReadResponse {
            reserved: [0; 4],
            data
        }
        .into()),
        b(300).prop_map(|data| LockAndReadResponse(ReadResponse {
            reserved: [0; 4],
            data
        })
        .into()),
        any::<u16>().prop_map(|count| WriteResponse { count }.into()),
        (any::<u16>(), s()).prop_map(|(fid, temporary_file_name)| CreateTemporaryResponse {
            fid,
            temporary_file_name
        }
        .into()),
        proptest::collection::vec((any::<u8>(), any::<u32>()), 0..5).prop_map(|v| SearchResponse {
            entries: v
                .into_iter()
                .map(|(a, sz)| SearchEntry {
                    resume_key: [a; 21],
                    file_attributes: a,
                    last_write_time: sz,
                    file_size: sz,
                    file_name: [b'A'; 13]
                })
                .collect()
        }
        .into()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn requests_round_trip(h in header(false), body in request()) {
        assert_round_trip(&Message::new(h, body))?;
    }

    #[test]
    fn responses_round_trip(h in header(true), body in response()) {
        assert_round_trip(&Message::new(h, body))?;
    }

    #[test]
    fn andx_chains_round_trip(h in header(false), n in 1usize..4, fid in any::<u16>(), name in s()) {
        let mut m = Message::new(h, Request::from(SessionSetupAndXRequest::Extended(SessionSetupExtended::default())));
        m = m.and_then(TreeConnectAndXRequest { path: "\\\\S\\X".into(), service: "?????".into(), ..Default::default() }.into());
        for _ in 0..n {
            m = m.and_then(NtCreateAndXRequest { file_name: name.clone(), ..Default::default() }.into());
        }
        m = m.and_then(ReadAndXRequest::new(fid, 0, 100).into());
        assert_round_trip(&m)?;
    }

    #[test]
    fn error_responses_round_trip(h in header(true), status in any::<u32>()) {
        let mut h = h;
        h.status = status | 0xC000_0000;
        let m = Message::new(h.clone(), Response::Error(ErrorResponse { command: smb_proto::wire::Command::NT_CREATE_ANDX }));
        assert_round_trip(&m)?;
        // An error block at the end of a chain.
        let chain = Message::new(h, Response::from(SessionSetupAndXResponse::default()))
            .and_then(Response::Error(ErrorResponse { command: smb_proto::wire::Command::TREE_CONNECT_ANDX }));
        assert_round_trip(&chain)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let b = Bytes::from(bytes);
        let _ = Message::<Request>::decode(&b);
        let _ = Message::<Response>::decode(&b);
        // With a valid header in front, the body decoders see arbitrary bytes too.
        let mut with_header = vec![0xFF, b'S', b'M', b'B'];
        with_header.extend_from_slice(&b);
        let wh = Bytes::from(with_header);
        if let Ok(m) = Message::<Request>::decode(&wh) {
            let _ = m.encode();
        }
        if let Ok(m) = Message::<Response>::decode(&wh) {
            let _ = m.encode();
        }
    }

    #[test]
    fn mutated_valid_messages_never_panic(h in header(false), body in request(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut raw = Message::new(h, body).encode().to_vec();
        for (i, v) in flips {
            let n = raw.len();
            raw[i % n] = v;
        }
        let b = Bytes::from(raw);
        if let Ok(m) = Message::<Request>::decode(&b) {
            // Whatever decodes re-encodes and decodes again.
            let again = m.encode();
            prop_assert!(Message::<Request>::decode(&again).is_ok());
        }
        let _ = Message::<Response>::decode(&b);
    }

    #[test]
    fn deframer_any_chunking(frames in proptest::collection::vec(b(300), 1..5), cuts in proptest::collection::vec(1usize..50, 1..30)) {
        let mut stream = Vec::new();
        for f in &frames {
            stream.extend_from_slice(&smb_proto::wire::NbssPacket::Message(f.clone()).encode(Transport::Direct));
        }
        let mut d = Deframer::new(Transport::Direct, 1000);
        let mut got = Vec::new();
        let mut at = 0;
        let mut ci = 0;
        while at < stream.len() {
            let n = cuts[ci % cuts.len()].min(stream.len() - at);
            ci += 1;
            d.push(&stream[at..at + n]);
            at += n;
            while let Some(p) = d.next_packet().unwrap() {
                got.push(p);
            }
        }
        let want: Vec<_> = frames.into_iter().map(smb_proto::wire::NbssPacket::Message).collect();
        prop_assert_eq!(got, want);
    }
}

/// Names as FEA and FILE_FULL_EA_INFORMATION lists carry them: 8-bit, no NUL.
fn ea_name() -> impl Strategy<Value = String> {
    "[\u{1}-\u{ff}]{1,20}"
}

fn fea() -> impl Strategy<Value = smb_proto::wire::msg::trans2::info::FeaEntry> {
    (any::<u8>(), ea_name(), b(40)).prop_map(|(flags, name, value)| {
        smb_proto::wire::msg::trans2::info::FeaEntry { flags, name, value }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// NT_TRANSACT_CREATE parameters and data, with an EA list.
    #[test]
    fn nt_transact_create_round_trips(
        unicode in any::<bool>(),
        words in proptest::collection::vec(any::<u32>(), 8),
        name in s(),
        sd in b(40),
        eas in proptest::collection::vec(fea(), 0..4),
    ) {
        use smb_proto::wire::msg::nt_transact_sub::NtTransCreate;
        let name = if unicode { name } else { name.chars().map(|c| if (c as u32) < 0x80 { c } else { 'x' }).collect() };
        let c = NtTransCreate {
            flags: words[0],
            root_directory_fid: words[1],
            desired_access: words[2],
            allocation_size: u64::from(words[3]),
            ext_file_attributes: words[4],
            share_access: words[5],
            create_disposition: words[6],
            create_options: words[7],
            impersonation_level: words[0] ^ words[1],
            security_flags: words[2] as u8,
            name,
            security_descriptor: sd,
            eas,
        };
        let (p, d) = c.encode(unicode);
        prop_assert_eq!(NtTransCreate::decode(&p, &d, unicode).unwrap(), c);
    }

    /// The NT_TRANSACT_CREATE response parameters.
    #[test]
    fn nt_transact_create_response_round_trips(v in proptest::collection::vec(any::<u64>(), 8), b8 in any::<u8>()) {
        use smb_proto::wire::msg::nt_transact_sub::NtTransCreateResponse;
        let r = NtTransCreateResponse {
            oplock_level: b8,
            fid: v[0] as u16,
            create_action: v[1] as u32,
            ea_error_offset: v[2] as u32,
            creation_time: v[3],
            last_access_time: v[4],
            last_write_time: v[5],
            change_time: v[6],
            ext_file_attributes: v[7] as u32,
            allocation_size: v[0],
            end_of_file: v[1],
            resource_type: v[2] as u16,
            nm_pipe_status: v[3] as u16,
            directory: b8 & 1,
        };
        prop_assert_eq!(NtTransCreateResponse::decode(&r.encode()).unwrap(), r);
    }

    /// NT_TRANSACT sub-function decoders and the FIND level 1-3 entries never panic on
    /// arbitrary bytes.
    #[test]
    fn nt_transact_subs_and_find_entries_never_panic(p in b(120), d in b(120), unicode in any::<bool>(), level in 1u16..4) {
        use smb_proto::wire::msg::nt_transact_sub::*;
        let _ = NtTransCreate::decode(&p, &d, unicode);
        let _ = NtTransCreateResponse::decode(&p);
        let _ = NtTransRename::decode(&p, unicode);
        let _ = QuerySecurityDesc::decode(&p);
        let _ = decode_full_ea_list(&d);
        let _ = smb_proto::wire::msg::trans2::info::decode_find_entries(level, &d, unicode, true, 4);
    }

    /// FILE_FULL_EA_INFORMATION lists.
    #[test]
    fn full_ea_lists_round_trip(eas in proptest::collection::vec(fea(), 1..5)) {
        use smb_proto::wire::msg::nt_transact_sub::{decode_full_ea_list, encode_full_ea_list};
        prop_assert_eq!(decode_full_ea_list(&encode_full_ea_list(&eas)).unwrap(), eas);
    }
}

proptest! {
    #[test]
    fn position_information_round_trips(n in any::<u64>(), unicode in any::<bool>()) {
        use smb_proto::wire::msg::trans2::info::{SetFileInfo, decode_set_info, encode_set_info, level};
        let set = SetFileInfo::Position(n);
        let bytes = encode_set_info(&set, unicode);
        prop_assert_eq!(bytes.len(), 8);
        prop_assert_eq!(decode_set_info(level::PT_POSITION, &bytes, unicode), Ok(set));
    }
}
