//! Property tests of the name service and browse codecs and machines: typed values
//! round-trip through their encodings; arbitrary and mutated bytes never panic a decoder,
//! and whatever decodes re-encodes to exactly the bytes it came from; arbitrary datagrams
//! never panic the responder, the resolver or the announcer, and what they send decodes.

use bytes::Bytes;
use proptest::prelude::*;
use smb_proto::nbns::announcer::{Announcer, AnnouncerConfig};
use smb_proto::nbns::browse::{self, Announcement, BrowseFrame};
use smb_proto::nbns::datagram::{DatagramBody, DatagramPacket, WireName, msg_type};
use smb_proto::nbns::mailslot::MailslotWrite;
use smb_proto::nbns::name::NamePointer;
use smb_proto::nbns::packet::{
    Header, NbAddress, NbFlags, Opcode, Packet, Question, RData, ResourceRecord, rr_type,
};
use smb_proto::nbns::resolver::{Resolver, ResolverConfig, Target};
use smb_proto::nbns::responder::{MAX_QUEUED, Responder, ResponderConfig};
use smb_proto::nbns::status::{NameFlags, NodeName, NodeStatus, Statistics};
use smb_proto::nbns::{Addr, MAX_DATAGRAM_LENGTH};
use smb_proto::time::Instant;
use smb_proto::wire::NetbiosName;

fn b(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// Any 16 bytes, and a scope of up to three labels of any bytes.
fn name() -> impl Strategy<Value = NetbiosName> {
    (
        any::<[u8; 16]>(),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..20), 0..3),
    )
        .prop_map(|(raw, labels)| {
            let mut scope = Vec::new();
            for l in labels {
                scope.push(l.len() as u8);
                scope.extend(l);
            }
            NetbiosName {
                raw,
                scope: Bytes::from(scope),
            }
        })
}

fn entry() -> impl Strategy<Value = NbAddress> {
    (any::<u16>(), any::<[u8; 4]>()).prop_map(|(f, ip)| NbAddress {
        flags: NbFlags(f),
        ip,
    })
}

fn status() -> impl Strategy<Value = NodeStatus> {
    (
        proptest::collection::vec((any::<[u8; 16]>(), any::<u16>()), 0..6),
        any::<[u8; 6]>(),
        b(50),
    )
        .prop_map(|(names, unit_id, rest)| NodeStatus {
            names: names
                .into_iter()
                .map(|(raw, f)| NodeName {
                    name: NetbiosName::from_raw(raw),
                    flags: NameFlags(f),
                })
                .collect(),
            statistics: Statistics { unit_id, rest },
        })
}

/// A record whose RDATA suits its type (a WACK's only under the WACK opcode).
fn record(wack: bool) -> impl Strategy<Value = ResourceRecord> {
    let rdata = prop_oneof![
        proptest::collection::vec(entry(), 0..4).prop_map(|a| (rr_type::NB, RData::Nb(a))),
        status().prop_map(|s| (rr_type::NBSTAT, RData::NodeStatus(s))),
        (
            prop_oneof![Just(rr_type::NULL), Just(rr_type::A), Just(0x1234u16)],
            b(12)
        )
            .prop_map(|(t, r)| (t, RData::Raw(r))),
        any::<u16>().prop_map(move |w| if wack {
            (rr_type::NB, RData::Wack(w))
        } else {
            (
                rr_type::NULL,
                RData::Raw(Bytes::copy_from_slice(&w.to_be_bytes())),
            )
        }),
    ];
    (name(), rdata, any::<u16>(), any::<u32>()).prop_map(
        |(name, (rr_type, rdata), rr_class, ttl)| ResourceRecord {
            name,
            pointer: None,
            rr_type,
            rr_class,
            ttl,
            rdata,
        },
    )
}

fn packet() -> impl Strategy<Value = Packet> {
    (any::<u16>(), any::<u16>()).prop_flat_map(|(trn, flags)| {
        let header = Header::from_words(trn, flags);
        let wack = header.opcode == Opcode::WACK;
        let question =
            (name(), any::<u16>(), any::<u16>()).prop_map(|(name, qtype, qclass)| Question {
                name,
                pointer: None,
                qtype,
                qclass,
            });
        (
            proptest::collection::vec(question, 0..3),
            proptest::collection::vec(record(wack), 0..3),
            proptest::collection::vec(record(wack), 0..2),
            proptest::collection::vec(record(wack), 0..3),
            b(6),
            any::<bool>(),
        )
            .prop_map(
                move |(questions, answers, authority, mut additional, trailing, point)| {
                    // Registration-style: the additional record points at the question name.
                    if point && !questions.is_empty() && !additional.is_empty() {
                        additional[0].name = questions[0].name.clone();
                        additional[0].pointer = Some(NamePointer::whole(12));
                    }
                    Packet {
                        header,
                        questions,
                        answers,
                        authority,
                        additional,
                        trailing,
                    }
                },
            )
    })
}

fn wire_name() -> impl Strategy<Value = WireName> {
    name().prop_map(WireName::from)
}

fn datagram() -> impl Strategy<Value = DatagramPacket> {
    let body = prop_oneof![
        (0x10u8..=0x12, any::<u16>(), wire_name(), wire_name(), b(64)).prop_map(
            |(t, packet_offset, source, destination, user_data)| (
                t,
                DatagramBody::Data {
                    packet_offset,
                    source,
                    destination,
                    user_data
                }
            )
        ),
        any::<u8>().prop_map(|code| (msg_type::ERROR, DatagramBody::Error { code })),
        (0x14u8..=0x16, wire_name())
            .prop_map(|(t, destination)| (t, DatagramBody::Query { destination })),
        (0x17u8..=0xFF, b(20)).prop_map(|(t, rest)| (t, DatagramBody::Unknown(rest))),
    ];
    (
        body,
        any::<u8>(),
        any::<u16>(),
        any::<[u8; 4]>(),
        any::<u16>(),
        b(4),
    )
        .prop_map(|((msg_type, body), flags, dgm_id, ip, port, trailing)| {
            // Unknown types keep everything after the header as their body.
            let trailing = if matches!(body, DatagramBody::Unknown(_)) {
                Bytes::new()
            } else {
                trailing
            };
            DatagramPacket {
                msg_type,
                flags,
                dgm_id,
                source: Addr::new(ip, port),
                body,
                trailing,
            }
        })
}

fn no_nul(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(1u8..=255, 0..max).prop_map(Bytes::from)
}

fn announcement() -> impl Strategy<Value = Announcement> {
    (
        (
            any::<u8>(),
            any::<u32>(),
            any::<[u8; 16]>(),
            any::<u8>(),
            any::<u8>(),
        ),
        (
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            no_nul(44),
            b(8),
        ),
    )
        .prop_map(
            |(
                (update_count, periodicity, server_name, os_major, os_minor),
                (server_type, bmaj, bmin, sig, comment, trailing),
            )| {
                Announcement {
                    update_count,
                    periodicity,
                    server_name,
                    os_major,
                    os_minor,
                    server_type,
                    browser_major: bmaj,
                    browser_minor: bmin,
                    signature: sig,
                    comment,
                    trailing,
                }
            },
        )
}

fn frame() -> impl Strategy<Value = BrowseFrame> {
    prop_oneof![
        announcement().prop_map(BrowseFrame::HostAnnouncement),
        announcement().prop_map(BrowseFrame::DomainAnnouncement),
        announcement().prop_map(BrowseFrame::LocalMasterAnnouncement),
        (any::<u8>(), no_nul(16), b(4)).prop_map(|(unused, response_name, trailing)| {
            BrowseFrame::AnnouncementRequest {
                unused,
                response_name,
                trailing,
            }
        }),
        (
            any::<u8>().prop_filter("typed opcode", |o| ![1, 2, 12, 15].contains(o)),
            b(30)
        )
            .prop_map(|(opcode, body)| BrowseFrame::Other { opcode, body }),
    ]
}

use smb_proto::testing::fuzz_nbns::nbns_decoders as decoders_are_exact;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn packets_round_trip(p in packet()) {
        let wire = p.encode();
        let back = Packet::decode(&wire).unwrap();
        prop_assert_eq!(&back, &p);
        prop_assert_eq!(back.encode(), wire);
    }

    #[test]
    fn datagrams_round_trip(d in datagram()) {
        let wire = d.encode();
        prop_assert_eq!(DatagramPacket::decode(&wire).unwrap(), d);
    }

    #[test]
    fn browse_frames_round_trip(f in frame(), dgm_id in any::<u16>(), from in name(), to in name()) {
        let wire = f.encode();
        prop_assert_eq!(BrowseFrame::decode(&wire).unwrap(), f.clone());
        // And inside a whole datagram, through the mailslot write.
        let d = browse::browse_datagram(dgm_id, Addr::new([1, 2, 3, 4], 138), from, to, &f);
        let (_, back) = browse::decode_browse_datagram(&d).unwrap();
        prop_assert_eq!(back, f);
    }

    #[test]
    fn mailslot_writes_round_trip(name in "\\\\MAILSLOT\\\\[A-Z]{1,12}", priority in any::<u16>(), class in any::<u16>(), data in b(200)) {
        let m = MailslotWrite { name, priority, class, data };
        prop_assert_eq!(MailslotWrite::decode(&m.encode()).unwrap(), m);
    }

    #[test]
    fn arbitrary_bytes_decode_exactly_or_not_at_all(data in proptest::collection::vec(any::<u8>(), 0..700)) {
        decoders_are_exact(&data);
    }

    #[test]
    fn mutated_packets_decode_exactly_or_not_at_all(
        p in packet(),
        d in datagram(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        for wire in [p.encode(), d.encode()] {
            let mut v = wire.to_vec();
            for (at, x) in &flips {
                let n = v.len();
                v[at % n] ^= x;
            }
            decoders_are_exact(&v);
            decoders_are_exact(&v[..cut % (v.len() + 1)]);
        }
    }
}

fn registered_responder() -> Responder {
    let mut r = Responder::new(
        ResponderConfig::server("FILES", "WORKGROUP", [10, 0, 0, 1], [10, 0, 0, 255]),
        [1; 32],
    )
    .unwrap();
    r.start(Instant::ZERO);
    while let Some(t) = r.poll_timeout() {
        r.handle_timeout(t);
    }
    while r.poll_transmit().is_some() {}
    r
}

/// Datagrams that reach the machines' logic: requests for our names with random flags
/// and records, and answers carrying the resolver's transaction id.
fn aimed(trn: u16) -> impl Strategy<Value = Vec<u8>> {
    (packet(), any::<u8>(), any::<bool>()).prop_map(move |(mut p, which, keep_id)| {
        let names = [
            NetbiosName::new("FILES", 0x20),
            NetbiosName::new("WORKGROUP", 0x1E),
            NetbiosName::new("*", 0),
        ];
        let n = names[which as usize % 3].clone();
        if let Some(q) = p.questions.first_mut() {
            q.name = n.clone();
        }
        if let Some(a) = p.answers.first_mut() {
            a.name = n;
        }
        if keep_id {
            p.header.trn_id = trn;
        }
        p.encode().to_vec()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn machines_never_panic_and_send_what_decodes(
        inputs in proptest::collection::vec(
            prop_oneof![proptest::collection::vec(any::<u8>(), 0..600), aimed(0)],
            1..20,
        ),
        registering in any::<bool>(),
    ) {
        let mut r = if registering {
            let mut r = Responder::new(
                ResponderConfig::server("FILES", "WORKGROUP", [10, 0, 0, 1], [10, 0, 0, 255]),
                [1; 32],
            ).unwrap();
            r.start(Instant::ZERO);
            r
        } else {
            registered_responder()
        };
        let mut q = Resolver::new(ResolverConfig::default(), [2; 32]);
        q.query(Instant::ZERO, NetbiosName::new("FILES", 0x20), Target::Broadcast);
        q.node_status(Instant::ZERO, Addr::new([10, 0, 0, 1], 137));
        let trns: Vec<u16> = std::iter::from_fn(|| q.poll_transmit())
            .map(|d| u16::from_be_bytes([d.payload[0], d.payload[1]]))
            .collect();
        let mut a = Announcer::new(
            AnnouncerConfig {
                server_name: "FILES".into(),
                workgroup: "WORKGROUP".into(),
                comment: String::new(),
                server_type: 3,
                address: [10, 0, 0, 1],
                broadcast: [10, 0, 0, 255],
            },
            [3; 32],
        );
        a.start(Instant::ZERO);
        let from = Addr::new([10, 0, 0, 9], 137);
        for (i, mut data) in inputs.into_iter().enumerate() {
            if data.len() >= 2 && i % 2 == 0 {
                data[..2].copy_from_slice(&trns[i / 2 % 2].to_be_bytes());
            }
            let now = Instant::from_nanos(i as u64 * 100_000_000);
            let _ = r.handle_datagram(now, from, &data);
            let _ = q.handle_datagram(now, from, &data);
            let _ = a.handle_datagram(now, from, &data);
            r.handle_timeout(now);
            q.handle_timeout(now);
            a.handle_timeout(now);
        }
        let mut n = 0;
        while let Some(d) = r.poll_transmit() {
            let p = Packet::decode(&d.payload).unwrap();
            prop_assert!(d.payload.len() <= MAX_DATAGRAM_LENGTH, "{} bytes: {p:?}", d.payload.len());
            n += 1;
        }
        prop_assert!(n <= MAX_QUEUED + 4);
        while let Some(d) = q.poll_transmit() {
            Packet::decode(&d.payload).unwrap();
        }
        while let Some(d) = a.poll_transmit() {
            browse::decode_browse_datagram(&d.payload).unwrap();
        }
    }
}
