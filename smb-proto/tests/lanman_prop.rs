//! Property tests of the pre-NT (core and LANMAN) messages that codec_prop does not cover
//! (the core opens, locks and QUERY_INFORMATION2 are there): every request and response
//! encodes, decodes and encodes again to the same bytes with nothing left unread, in
//! either string encoding; arbitrary bytes behind a header with each of their command
//! codes never panic the decoders; the code pages and 8.3 names keep their promises.

use bytes::Bytes;
use proptest::prelude::*;
use smb_proto::server::shortname;
use smb_proto::wire::codepage::CodePage;
use smb_proto::wire::msg::*;
use smb_proto::wire::{Flags, Flags2, Header, Message, Pad, Request, Response};

#[path = "support/round_trip.rs"]
mod round_trip;
use round_trip::assert_round_trip;

fn s() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,24}"
}
fn opt_s() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(s())
}
fn b(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}
fn dos() -> impl Strategy<Value = (u16, u16)> {
    (any::<u16>(), any::<u16>())
}

fn header(reply: bool) -> impl Strategy<Value = Header> {
    (
        any::<bool>(),
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
    )
        .prop_map(move |(unicode, tid, pid, uid, mid)| Header {
            flags: Flags(if reply { 0x98 } else { 0x18 }),
            flags2: Flags2(if unicode { 0x8001 } else { 0x0001 }),
            tid,
            pid_low: pid,
            uid,
            mid,
            ..Default::default()
        })
}

fn search_request() -> impl Strategy<Value = SearchRequest> {
    (any::<u16>(), any::<u16>(), s(), any::<bool>(), any::<u8>()).prop_map(
        |(max_count, search_attributes, file_name, resume, k)| SearchRequest {
            max_count,
            search_attributes,
            file_name,
            resume_key: if resume {
                Bytes::from(vec![k; RESUME_KEY_LEN])
            } else {
                Bytes::new()
            },
        },
    )
}

fn search_response() -> impl Strategy<Value = SearchResponse> {
    proptest::collection::vec((any::<u8>(), any::<u32>(), any::<[u8; 13]>()), 0..6).prop_map(|v| {
        SearchResponse {
            entries: v
                .into_iter()
                .map(|(a, t, name)| SearchEntry {
                    resume_key: [a; RESUME_KEY_LEN],
                    file_attributes: a,
                    last_write_time: t,
                    file_size: t ^ 0x5555,
                    file_name: name,
                })
                .collect(),
        }
    })
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        (s(), s(), s()).prop_map(|(path, password, service)| TreeConnectRequest {
            path,
            password,
            service
        }
        .into()),
        (any::<u16>(), any::<u32>()).prop_map(|(fid, last_time_modified)| {
            CloseAndTreeDiscRequest(CloseRequest {
                fid,
                last_time_modified,
            })
            .into()
        }),
        (
            any::<u16>(),
            any::<u64>(),
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            any::<u16>(),
            any::<bool>()
        )
            .prop_map(
                |(fid, offset, max_count, min_count, timeout, reserved, large_offset)| {
                    ReadRawRequest {
                        fid,
                        offset: if large_offset {
                            offset
                        } else {
                            offset & 0xFFFF_FFFF
                        },
                        max_count,
                        min_count,
                        timeout,
                        reserved,
                        large_offset,
                    }
                    .into()
                }
            ),
        (
            (any::<u16>(), any::<u16>(), any::<u16>(), any::<u64>()),
            (any::<u32>(), any::<u16>(), any::<u32>(), any::<bool>()),
            (0usize..3, b(200))
        )
            .prop_map(
                |(
                    (fid, count, reserved1, offset),
                    (timeout, write_mode, reserved2, large_offset),
                    (pad, data),
                )| {
                    WriteRawRequest {
                        fid,
                        count,
                        reserved1,
                        offset: if large_offset {
                            offset
                        } else {
                            offset & 0xFFFF_FFFF
                        },
                        timeout,
                        write_mode,
                        reserved2,
                        large_offset,
                        pad: Pad(Some(Bytes::from(vec![0; pad]))),
                        data,
                    }
                    .into()
                }
            ),
        (any::<u16>(), dos(), dos(), dos()).prop_map(|(fid, creation, last_access, last_write)| {
            SetInformation2Request {
                fid,
                creation,
                last_access,
                last_write,
            }
            .into()
        }),
        search_request().prop_map(|r| FindRequest(r).into()),
        search_request().prop_map(|r| FindUniqueRequest(r).into()),
        search_request().prop_map(|r| FindCloseRequest(r).into()),
        (
            (
                any::<u16>(),
                any::<u16>(),
                any::<u16>(),
                any::<u32>(),
                any::<u32>()
            ),
            (b(30), s(), s(), opt_s(), opt_s())
        )
            .prop_map(
                |(
                    (max_buffer_size, max_mpx_count, vc_number, session_key, reserved),
                    (password, account_name, primary_domain, native_os, native_lan_man),
                )| {
                    // A NativeLanMan needs the NativeOS before it.
                    let native_lan_man = native_os.as_ref().and(native_lan_man);
                    SessionSetupAndXRequest::LanMan(SessionSetupLanMan {
                        max_buffer_size,
                        max_mpx_count,
                        vc_number,
                        session_key,
                        reserved,
                        password,
                        account_name,
                        primary_domain,
                        native_os,
                        native_lan_man,
                    })
                    .into()
                }
            ),
    ]
}

fn response() -> impl Strategy<Value = Response> {
    prop_oneof![
        (any::<u16>(), any::<u16>()).prop_map(|(max_buffer_size, tid)| TreeConnectResponse {
            max_buffer_size,
            tid
        }
        .into()),
        Just(CloseAndTreeDiscResponse.into()),
        any::<u16>().prop_map(|available| WriteRawResponse { available }.into()),
        any::<u16>().prop_map(|count| WriteCompleteResponse { count }.into()),
        Just(SetInformation2Response.into()),
        search_response().prop_map(|r| FindResponse(r).into()),
        search_response().prop_map(|r| FindUniqueResponse(r).into()),
        (any::<u16>(), any::<bool>()).prop_map(|(count, data_block)| FindCloseResponse {
            count,
            data_block
        }
        .into()),
        (
            (
                any::<u16>(),
                any::<u16>(),
                any::<u16>(),
                any::<u16>(),
                any::<u16>()
            ),
            (
                any::<u16>(),
                any::<u32>(),
                any::<u16>(),
                any::<u16>(),
                any::<i16>()
            ),
            (any::<u16>(), b(9), proptest::option::of("[^\u{0}]{0,15}"))
        )
            .prop_map(
                |(
                    (dialect_index, security_mode, max_buffer_size, max_mpx_count, max_number_vcs),
                    (raw_mode, session_key, server_time, server_date, server_time_zone),
                    (reserved, challenge, domain),
                )| {
                    NegotiateResponse::LanMan(LanManNegotiate {
                        dialect_index,
                        security_mode,
                        max_buffer_size,
                        max_mpx_count,
                        max_number_vcs,
                        raw_mode,
                        session_key,
                        server_time,
                        server_date,
                        server_time_zone,
                        reserved,
                        challenge,
                        // An empty domain would read back as none: its NUL is all there is.
                        domain: domain.filter(|d| !d.is_empty()),
                    })
                    .into()
                }
            ),
        (s(), opt_s()).prop_map(|(service, native_file_system)| TreeConnectAndXResponse {
            optional_support: None,
            extended: None,
            service,
            native_file_system,
        }
        .into()),
    ]
}

/// The command codes of the pre-NT messages.
const COMMANDS: [u8; 20] = [
    0x02, 0x03, 0x0C, 0x0D, 0x0F, 0x12, 0x13, 0x1A, 0x1D, 0x20, 0x22, 0x23, 0x31, 0x70, 0x72, 0x73,
    0x75, 0x82, 0x83, 0x84,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn lanman_requests_round_trip(h in header(false), body in request()) {
        assert_round_trip(&Message::new(h, body))?;
    }

    #[test]
    fn lanman_responses_round_trip(h in header(true), body in response()) {
        assert_round_trip(&Message::new(h, body))?;
    }

    #[test]
    fn arbitrary_bodies_of_lanman_commands_never_panic(
        cmd in proptest::sample::select(COMMANDS.to_vec()),
        reply in any::<bool>(),
        unicode in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut raw = vec![0xFF, b'S', b'M', b'B', cmd, 0, 0, 0, 0];
        raw.push(if reply { 0x98 } else { 0x18 });
        raw.extend_from_slice(&(if unicode { 0x8001u16 } else { 1 }).to_le_bytes());
        raw.extend_from_slice(&[0; 20]);
        raw.extend_from_slice(&body);
        let b = Bytes::from(raw);
        if let Ok(m) = Message::<Request>::decode(&b) {
            let again = m.encode();
            prop_assert!(Message::<Request>::decode(&again).is_ok());
        }
        if let Ok(m) = Message::<Response>::decode(&b) {
            let again = m.encode();
            prop_assert!(Message::<Response>::decode(&again).is_ok());
        }
    }

    #[test]
    fn code_pages_map_every_byte_both_ways(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        for cp in CodePage::ALL {
            let text = cp.decode(&bytes);
            prop_assert_eq!(cp.encode(&text), Some(bytes.clone()));
            let wire: String = bytes.iter().map(|&b| char::from(b)).collect();
            prop_assert_eq!(cp.from_wire(&wire), text.clone());
            prop_assert_eq!(cp.to_wire(&text), Some(wire));
        }
    }

    #[test]
    fn short_names_are_8dot3_and_find_their_long_name(name in "[^\u{0}/\\\\]{1,40}") {
        for cp in [CodePage::Cp850, CodePage::Cp437, CodePage::Cp866] {
            let short = shortname::short_name_in(&name, cp);
            prop_assert!(shortname::is_8_3_in(&short, cp), "{} -> {}", name, short);
            prop_assert!(cp.encode(&short).is_some());
            prop_assert!(shortname::matches_short(&name, &short, cp));
            if shortname::is_8_3_in(&name, cp) {
                // An 8.3 name is its own short name.
                prop_assert_eq!(&short, &name);
            } else {
                prop_assert!(shortname::looks_mangled(&short), "{} -> {}", name, short);
            }
        }
    }
}
