//! Wireshark's dissectors (tshark) read what our machines and builders send: every kind
//! of name service message and a host announcement, written to a pcap file, dissect
//! without a malformed-packet mark and with the fields we meant.

#[path = "support/udp_pcap.rs"]
mod udp_pcap;

use std::process::Command;

use smb_proto::nbns::announcer::{Announcer, AnnouncerConfig};
use smb_proto::nbns::browse::sv_type;
use smb_proto::nbns::packet::{NbAddress, NbFlags, NodeType, Packet, Rcode};
use smb_proto::nbns::resolver::{Resolver, ResolverConfig, Target};
use smb_proto::nbns::responder::{Responder, ResponderConfig};
use smb_proto::nbns::{Addr, Datagram};
use smb_proto::time::Instant;
use smb_proto::wire::NetbiosName;
use udp_pcap::Udp;

const US: [u8; 4] = [192, 168, 7, 10];
const PEER: Addr = Addr::new([192, 168, 7, 20], 137);

fn udp(from: Addr, d: Datagram) -> Udp {
    Udp {
        src: from,
        dst: d.dest,
        payload: d.payload.to_vec(),
    }
}

/// Our datagrams, in order, with what tshark must show for each (`field=value` pairs).
fn ours() -> Vec<(Udp, Vec<(&'static str, &'static str)>)> {
    let me = Addr::new(US, 137);
    let mut out = Vec::new();
    let mut config = ResponderConfig::server("FILES", "WORKGROUP", US, [192, 168, 7, 255]);
    config.unit_id = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
    let mut r = Responder::new(config, [9; 32]).unwrap();
    r.start(Instant::ZERO);
    let reg = r.poll_transmit().unwrap();
    out.push((
        udp(me, reg),
        vec![
            ("nbns.flags", "0x2910"),
            ("nbns.name", "FILES<00>,FILES<00> (Workstation/Redirector)"),
            ("nbns.addr", "192.168.7.10"),
        ],
    ));
    let mut now = Instant::ZERO;
    while let Some(t) = r.poll_timeout() {
        now = t;
        r.handle_timeout(now);
    }
    while r.poll_transmit().is_some() {}

    // The resolver asks for FILES<20>; the responder answers.
    let mut q = Resolver::new(ResolverConfig::default(), [3; 32]);
    q.query(now, NetbiosName::new("FILES", 0x20), Target::Broadcast);
    let ask = q.poll_transmit().unwrap();
    out.push((
        udp(PEER, ask.clone()),
        vec![("nbns.flags", "0x0110"), ("nbns.name", "FILES<20>")],
    ));
    r.handle_datagram(now, PEER, &ask.payload).unwrap();
    out.push((
        udp(me, r.poll_transmit().unwrap()),
        vec![
            ("nbns.flags", "0x8500"),
            ("nbns.addr", "192.168.7.10"),
            ("nbns.ttl", "300000"),
        ],
    ));
    // A name that is not ours, asked directly: a negative answer.
    q.query(now, NetbiosName::new("OTHER", 0x20), Target::Node(me));
    let ask = q.poll_transmit().unwrap();
    r.handle_datagram(now, PEER, &ask.payload).unwrap();
    out.push((
        udp(me, r.poll_transmit().unwrap()),
        vec![
            ("nbns.flags", "0x8403"),
            ("nbns.type", "10"),
            ("nbns.name", "OTHER<20>"),
        ],
    ));
    // Node status.
    q.node_status(now, me);
    let ask = q.poll_transmit().unwrap();
    out.push((
        udp(PEER, ask.clone()),
        vec![("nbns.flags", "0x0000"), ("nbns.type", "33")],
    ));
    r.handle_datagram(now, PEER, &ask.payload).unwrap();
    out.push((
        udp(me, r.poll_transmit().unwrap()),
        vec![
            ("nbns.flags", "0x8400"),
            ("nbns.number_of_names", "4"),
            ("nbns.netbios_name", "FILES,FILES,WORKGROUP,WORKGROUP"),
            ("nbns.unit_id", "02:11:22:33:44:55"),
        ],
    ));
    // Someone else registers FILES<20>: our defence.
    let theirs = NbAddress {
        flags: NbFlags::new(false, NodeType::B),
        ip: PEER.ip,
    };
    let claim =
        Packet::registration_request(0x4242, NetbiosName::new("FILES", 0x20), theirs, 0, true);
    r.handle_datagram(now, PEER, &claim.encode()).unwrap();
    out.push((
        udp(me, r.poll_transmit().unwrap()),
        vec![
            ("nbns.flags", "0xad86"),
            ("nbns.id", "0x4242"),
            ("nbns.addr", "192.168.7.10"),
        ],
    ));
    // Release at stop.
    r.stop(now);
    out.push((
        udp(me, r.poll_transmit().unwrap()),
        vec![("nbns.flags", "0x3010"), ("nbns.ttl", "0")],
    ));

    // Builders the machines do not use.
    let name = || NetbiosName::new("FILES", 0x20);
    let entry = NbAddress {
        flags: NbFlags::new(true, NodeType::H),
        ip: US,
    };
    for (p, want) in [
        (
            Packet::wack(7, name(), 10, 0x2910), // The request's flags word is shown as flags too.
            vec![("nbns.flags", "0xbc00,0x2910"), ("nbns.data_length", "2")],
        ),
        (
            Packet::registration_response(8, name(), Rcode::CFT_ERR, 0, entry),
            vec![("nbns.flags", "0xad87"), ("nbns.nb_flags", "0xe000")],
        ),
        (
            Packet::refresh_request(9, name(), entry, 600, false),
            vec![("nbns.flags", "0x4000")],
        ),
        (
            Packet::release_response(10, name(), Rcode::OK, entry),
            vec![("nbns.flags", "0xb400")],
        ),
    ] {
        let d = Datagram {
            dest: PEER,
            payload: p.encode(),
        };
        out.push((udp(me, d), want));
    }

    // A host announcement.
    let mut a = Announcer::new(
        AnnouncerConfig {
            server_name: "FILES".into(),
            workgroup: "WORKGROUP".into(),
            comment: "our shares".into(),
            server_type: sv_type::SERVER_DEFAULT,
            address: US,
            broadcast: [192, 168, 7, 255],
        },
        [5; 32],
    );
    a.start(Instant::ZERO);
    out.push((
        udp(Addr::new(US, 138), a.poll_transmit().unwrap()),
        vec![
            ("nbdgm.type", "17"),
            ("nbdgm.source_name", "FILES<00>"),
            ("nbdgm.destination_name", "WORKGROUP<1d>"),
            ("mailslot.name", "\\MAILSLOT\\BROWSE"),
            ("browser.command", "0x01"),
            ("browser.server", "FILES"),
            ("browser.period", "60000"),
            ("browser.server_type", "0x00009003"),
            ("browser.comment", "our shares"),
            ("browser.sig", "0xaa55"),
        ],
    ));
    out
}

#[test]
fn tshark_dissects_our_datagrams() {
    if !smb_testkit::peers_available(&["tshark"]) {
        return;
    }
    let packets = ours();
    let dir = smb_testkit::TempDir::new("nbns-tshark");
    let file = dir.path().join("ours.pcap");
    let records: Vec<Udp> = packets.iter().map(|(u, _)| u.clone()).collect();
    std::fs::write(&file, udp_pcap::write(&records)).unwrap();

    let mut fields: Vec<&str> = packets
        .iter()
        .flat_map(|(_, w)| w.iter().map(|(f, _)| *f))
        .collect();
    fields.sort();
    fields.dedup();
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(&file)
        .args(["-T", "fields", "-E", "separator=|", "-E", "aggregator=,"]);
    for f in ["_ws.malformed", "_ws.col.Protocol"].iter().chain(&fields) {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    assert_eq!(rows.len(), packets.len(), "{text}");
    for (i, ((_, want), row)) in packets.iter().zip(&rows).enumerate() {
        assert_eq!(row[0], "", "frame {} is malformed: {row:?}", i + 1);
        assert!(
            matches!(row[1], "NBNS" | "BROWSER"),
            "frame {}: {row:?}",
            i + 1
        );
        for (f, v) in want {
            let col = 2 + fields.iter().position(|x| x == f).unwrap();
            assert_eq!(row[col], *v, "frame {} field {f}: {row:?}", i + 1);
        }
    }
}
