//! Samba's own name service and browse traffic (testdata/nbns/samba-nmbd.pcap, made by
//! scripts/nbns-capture.sh: nmbd 4.17 registering, electing itself local master, answering
//! nmblookup, stopping) through our codecs: every datagram decodes and re-encodes byte
//! for byte, decodes to what Wireshark shows, and our machines react to it as they should.

#[path = "support/udp_pcap.rs"]
mod udp_pcap;

use bytes::Bytes;
use smb_proto::nbns::announcer::{Announcer, AnnouncerConfig};
use smb_proto::nbns::browse::{self, BrowseFrame, sv_type};
use smb_proto::nbns::datagram::{DatagramBody, DatagramPacket, msg_type};
use smb_proto::nbns::mailslot::{BROWSE_MAILSLOT, MailslotWrite};
use smb_proto::nbns::message::Kind;
use smb_proto::nbns::packet::{NodeType, Packet, RData, Rcode, rr_type};
use smb_proto::nbns::responder::{Responder, ResponderConfig, ResponderEvent};
use smb_proto::nbns::{Addr, DATAGRAM_PORT, NAME_SERVICE_PORT};
use smb_proto::time::Instant;
use smb_proto::wire::NetbiosName;
use udp_pcap::Udp;

const SAMBA: [u8; 4] = [10, 99, 0, 1];

fn capture() -> Vec<Udp> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/nbns/samba-nmbd.pcap"
    );
    let packets = udp_pcap::read(&std::fs::read(path).unwrap());
    assert_eq!(packets.len(), 57);
    packets
}

fn name_service(c: &[Udp]) -> Vec<(&Udp, Packet)> {
    c.iter()
        .filter(|u| u.src.port == NAME_SERVICE_PORT || u.dst.port == NAME_SERVICE_PORT)
        .map(|u| {
            let bytes = Bytes::from(u.payload.clone());
            let p = Packet::decode(&bytes).unwrap_or_else(|e| panic!("{e}: {:02x?}", u.payload));
            assert_eq!(p.encode(), bytes, "not byte-exact: {p:?}");
            (u, p)
        })
        .collect()
}

#[test]
fn every_name_service_packet_round_trips_and_classifies() {
    let c = capture();
    let packets = name_service(&c);
    assert_eq!(packets.len(), 46);
    let count = |k: Kind| packets.iter().filter(|(_, p)| p.kind() == k).count();
    assert_eq!(count(Kind::NameRegistrationRequest), 28);
    assert_eq!(count(Kind::NameQueryRequest), 9);
    assert_eq!(count(Kind::PositiveNameQueryResponse), 6);
    assert_eq!(count(Kind::NegativeNameQueryResponse), 1);
    assert_eq!(count(Kind::NodeStatusRequest), 1);
    assert_eq!(count(Kind::NodeStatusResponse), 1);
}

#[test]
fn registration_requests_as_wireshark_shows_them() {
    let c = capture();
    let regs: Vec<Packet> = name_service(&c)
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| p.kind() == Kind::NameRegistrationRequest)
        .collect();
    let first = &regs[0];
    // Flags 0x2910: registration, RD, broadcast; one question, one additional record
    // whose name points at the question's (0xC00C).
    assert_eq!(first.header.flags_word(), 0x2910);
    let q = first.question().unwrap();
    assert_eq!(q.name, NetbiosName::new("SAMBANB", 0x20));
    let rr = first.additional_record().unwrap();
    assert_eq!(rr.pointer.map(|p| (p.labels, p.offset)), Some((0, 12)));
    assert_eq!(rr.ttl, 0, "nmbd registers broadcast names with TTL 0");
    let e = rr.addresses()[0];
    assert_eq!(
        (e.ip, e.flags.group(), e.flags.node_type()),
        (SAMBA, false, NodeType::B)
    );
    // The group names carry the group bit; __MSBROWSE__ keeps its odd bytes.
    let by_name = |raw: &[u8]| {
        regs.iter()
            .find(|p| p.question().unwrap().name.raw.as_slice() == raw)
            .unwrap()
            .additional_record()
            .unwrap()
            .addresses()[0]
    };
    assert!(by_name(b"TESTGROUP      \x1e").flags.group());
    assert!(by_name(b"\x01\x02__MSBROWSE__\x02\x01").flags.group());
    assert!(!by_name(b"TESTGROUP      \x1d").flags.group());
}

#[test]
fn answers_as_wireshark_shows_them() {
    let c = capture();
    let packets = name_service(&c);
    let positive = packets
        .iter()
        .find(|(_, p)| p.kind() == Kind::PositiveNameQueryResponse)
        .map(|(_, p)| p)
        .unwrap();
    assert_eq!(
        positive.header.flags_word() & 0xFFF0,
        0x8580,
        "nmbd sets AA, RD, RA"
    );
    assert_eq!(positive.answer().unwrap().addresses()[0].ip, SAMBA);

    let (_, negative) = packets
        .iter()
        .find(|(_, p)| p.kind() == Kind::NegativeNameQueryResponse)
        .unwrap();
    assert_eq!(negative.header.rcode, Rcode::NAM_ERR);
    // ANCOUNT 1 with a NULL record, not the 0 of RFC 1002's diagram.
    assert_eq!(negative.answers.len(), 1);
    assert_eq!(negative.answer().unwrap().rr_type, rr_type::NULL);
    assert_eq!(
        negative.answer().unwrap().name,
        NetbiosName::new("NOSUCH", 0)
    );

    let (to, status) = packets
        .iter()
        .find(|(_, p)| p.kind() == Kind::NodeStatusResponse)
        .unwrap();
    assert_eq!(to.src, Addr::new(SAMBA, 137));
    let RData::NodeStatus(s) = &status.answer().unwrap().rdata else {
        panic!("{status:?}")
    };
    let names: Vec<String> = s.names.iter().map(|n| format!("{:?}", n.name)).collect();
    assert_eq!(
        names,
        [
            "SAMBANB<00>",
            "SAMBANB<03>",
            "SAMBANB<20>",
            "\u{1}\u{2}__MSBROWSE__\u{2}<01>",
            "TESTGROUP<00>",
            "TESTGROUP<1d>",
            "TESTGROUP<1e>"
        ]
    );
    assert!(
        s.names.iter().all(|n| n.flags.0 & 0x0400 != 0),
        "all ACTIVE"
    );
    assert_eq!(
        s.names[4].flags.0, 0x8400,
        "TESTGROUP<00>: group, B-node, active"
    );
    assert_eq!(
        s.names[5].flags.0, 0x0400,
        "TESTGROUP<1d>: unique, B-node, active"
    );
    assert_eq!(s.statistics.unit_id, [0; 6]);
    assert_eq!(s.statistics.rest.len(), 40, "46 bytes of statistics in all");
}

/// The browse datagrams: each decodes as datagram, mailslot write and frame, re-encodes
/// byte for byte at every layer, and our mailslot layout is nmbd's to the byte.
#[test]
fn browse_datagrams_round_trip_at_every_layer() {
    let c = capture();
    let mut frames = Vec::new();
    for u in c.iter().filter(|u| u.dst.port == DATAGRAM_PORT) {
        let d = DatagramPacket::decode(&Bytes::from(u.payload.clone())).unwrap();
        assert_eq!(d.encode().as_ref(), &u.payload[..]);
        assert_eq!(d.msg_type, msg_type::DIRECT_GROUP);
        assert_eq!(d.source, Addr::new(SAMBA, 138));
        let DatagramBody::Data {
            source, user_data, ..
        } = &d.body
        else {
            panic!("{d:?}")
        };
        assert_eq!(source.name, NetbiosName::new("SAMBANB", 0));
        let write = MailslotWrite::decode(user_data).unwrap();
        assert_eq!(write.name, BROWSE_MAILSLOT);
        assert_eq!((write.priority, write.class), (1, 2));
        assert_eq!(
            write.encode(),
            *user_data,
            "our mailslot layout differs from nmbd's"
        );
        let (_, frame) = browse::decode_browse_datagram(&u.payload).unwrap();
        assert_eq!(frame.encode(), write.data);
        frames.push(frame);
    }
    assert_eq!(frames.len(), 11);
    let BrowseFrame::HostAnnouncement(first) = &frames[0] else {
        panic!("{:?}", frames[0])
    };
    assert_eq!(first.name(), b"SAMBANB");
    assert_eq!(first.comment.as_ref(), b"samba under test");
    assert_eq!((first.os_major, first.os_minor), (6, 1));
    assert_eq!(
        (first.browser_major, first.browser_minor, first.signature),
        (15, 1, 0xAA55)
    );
    assert!(first.server_type & (sv_type::SERVER | sv_type::POTENTIAL_BROWSER) != 0);
    let ops: Vec<u8> = frames.iter().map(|f| f.encode()[0]).collect();
    assert_eq!(ops, [1, 8, 8, 8, 8, 8, 2, 15, 12, 15, 1]);
    // The last two, as nmbd stops: server type 0, periodicity 0.
    for f in &frames[9..] {
        let (BrowseFrame::LocalMasterAnnouncement(a) | BrowseFrame::HostAnnouncement(a)) = f else {
            panic!("{f:?}")
        };
        assert_eq!((a.server_type, a.periodicity), (0, 0));
    }
}

/// nmbd's AnnouncementRequest (to TESTGROUP<1e>) makes our announcer answer within 30 s;
/// nmbd's registrations of SAMBANB<20> make our responder, holding that name, defend it.
#[test]
fn our_machines_react_to_samba() {
    let c = capture();
    let request = c
        .iter()
        .find(|u| {
            u.dst.port == DATAGRAM_PORT
                && matches!(
                    browse::decode_browse_datagram(&u.payload),
                    Ok((_, BrowseFrame::AnnouncementRequest { .. }))
                )
        })
        .unwrap();
    let mut a = Announcer::new(
        AnnouncerConfig {
            server_name: "FILES".into(),
            workgroup: "testgroup".into(),
            comment: String::new(),
            server_type: sv_type::SERVER_DEFAULT,
            address: [10, 99, 0, 2],
            broadcast: [10, 99, 0, 255],
        },
        [1; 32],
    );
    a.start(Instant::ZERO);
    assert!(a.poll_transmit().is_some());
    assert!(
        a.handle_datagram(Instant::ZERO, request.src, &request.payload)
            .unwrap()
    );
    let due = a.poll_timeout().unwrap();
    assert!(due.as_nanos() <= 30_000_000_000);
    a.handle_timeout(due);
    assert!(a.poll_transmit().is_some());

    let mut config =
        ResponderConfig::server("SAMBANB", "OTHERGROUP", [10, 99, 0, 2], [10, 99, 0, 255]);
    config.names.truncate(2);
    let mut r = Responder::new(config, [2; 32]).unwrap();
    let mut now = Instant::ZERO;
    r.start(now);
    while let Some(t) = r.poll_timeout() {
        now = t;
        r.handle_timeout(now);
    }
    while r.poll_transmit().is_some() {}
    while r.poll_event().is_some() {}
    let reg = c
        .iter()
        .find(|u| u.payload.len() > 40 && u.payload[2..4] == [0x29, 0x10])
        .unwrap();
    r.handle_datagram(now, reg.src, &reg.payload).unwrap();
    let answer = r.poll_transmit().unwrap();
    assert_eq!(answer.dest, reg.src);
    let p = Packet::decode(&answer.payload).unwrap();
    assert_eq!(p.kind(), Kind::NegativeNameRegistrationResponse);
    assert_eq!(p.header.rcode, Rcode::ACT_ERR);
    assert_eq!(
        p.header.trn_id,
        u16::from_be_bytes([reg.payload[0], reg.payload[1]])
    );
    assert!(matches!(
        r.poll_event(),
        Some(ResponderEvent::Defended { .. })
    ));
}
