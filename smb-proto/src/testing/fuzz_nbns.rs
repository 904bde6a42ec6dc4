//! The body of the `nbns` fuzz target: the name service and browse decoders and the
//! responder, resolver and announcer, fed arbitrary datagrams. As plain functions, so that
//! the corpus replays in ordinary tests and property tests can share the invariants.

use alloc::vec::Vec;
use bytes::Bytes;

use crate::nbns::announcer::{Announcer, AnnouncerConfig};
use crate::nbns::browse::{self, BrowseFrame};
use crate::nbns::datagram::DatagramPacket;
use crate::nbns::mailslot::MailslotWrite;
use crate::nbns::packet::Packet;
use crate::nbns::resolver::{Resolver, ResolverConfig, Target};
use crate::nbns::responder::{MAX_QUEUED, Responder, ResponderConfig};
use crate::nbns::{Addr, MAX_DATAGRAM_LENGTH};
use crate::time::Instant;
use crate::wire::NetbiosName;

/// Every decoder on `data`: no panic, and whatever decodes re-encodes to exactly `data`
/// (a mailslot write, typed loosely, to something that decodes to the same value).
pub fn nbns_decoders(data: &[u8]) {
    let bytes = Bytes::copy_from_slice(data);
    if let Ok(p) = Packet::decode(&bytes) {
        assert_eq!(
            p.encode(),
            bytes,
            "name service packet not byte-exact: {p:?}"
        );
        let _ = p.kind();
    }
    if let Ok(d) = DatagramPacket::decode(&bytes) {
        assert_eq!(d.encode(), bytes, "datagram not byte-exact: {d:?}");
    }
    if let Ok(f) = BrowseFrame::decode(&bytes) {
        assert_eq!(f.encode(), bytes, "browse frame not byte-exact: {f:?}");
    }
    if let Ok(m) = MailslotWrite::decode(&bytes) {
        assert_eq!(MailslotWrite::decode(&m.encode()), Ok(m));
    }
    let _ = browse::decode_browse_datagram(data);
}

const US: [u8; 4] = [10, 0, 0, 1];
const PEER: Addr = Addr::new([10, 0, 0, 9], 137);

/// Target `nbns`: the first byte is a control byte, the rest a datagram. Every decoder
/// reads the datagram ([`nbns_decoders`]); then a responder (holding its names when bit 0
/// is clear, still registering them when set), a resolver with a name query and a node
/// status request pending (bits 1 and 2 put their transaction ids into the datagram, so
/// that answers reach the matching code) and an announcer receive it, and their timers
/// run. Whatever they send must decode, and the responder's answers fit in 576 bytes and
/// in its bounded queue.
pub fn nbns(data: &[u8]) {
    let Some((&ctl, datagram)) = data.split_first() else {
        return;
    };
    nbns_decoders(datagram);

    let config = ResponderConfig::server("FILES", "WORKGROUP", US, [10, 0, 0, 255]);
    let mut responder = Responder::new(config, [1; 32]).expect("valid configuration");
    let mut now = Instant::ZERO;
    responder.start(now);
    if ctl & 1 == 0 {
        while let Some(t) = responder.poll_timeout() {
            now = t;
            responder.handle_timeout(now);
        }
    }
    while responder.poll_transmit().is_some() {}

    let mut resolver = Resolver::new(ResolverConfig::default(), [2; 32]);
    resolver.query(now, NetbiosName::new("FILES", 0x20), Target::Server(PEER));
    resolver.node_status(now, PEER);
    let ids: Vec<[u8; 2]> = core::iter::from_fn(|| resolver.poll_transmit())
        .map(|d| [d.payload[0], d.payload[1]])
        .collect();
    let mut input = datagram.to_vec();
    for (bit, id) in [(2, ids[0]), (4, ids[1])] {
        if ctl & bit != 0 && input.len() >= 2 {
            input[..2].copy_from_slice(&id);
        }
    }

    let mut announcer = Announcer::new(
        AnnouncerConfig {
            server_name: "FILES".into(),
            workgroup: "WORKGROUP".into(),
            comment: "fuzz".into(),
            server_type: browse::sv_type::SERVER_DEFAULT,
            address: US,
            broadcast: [10, 0, 0, 255],
        },
        [3; 32],
    );
    announcer.start(now);

    let _ = responder.handle_datagram(now, PEER, &input);
    let _ = resolver.handle_datagram(now, PEER, &input);
    let _ = announcer.handle_datagram(now, PEER, &input);
    let later = now + core::time::Duration::from_secs(3600);
    responder.handle_timeout(later);
    resolver.handle_timeout(later);
    announcer.handle_timeout(later);
    responder.stop(later);
    announcer.stop(later);

    let mut sent = 0;
    while let Some(d) = responder.poll_transmit() {
        let p = Packet::decode(&d.payload).expect("the responder sends what decodes");
        assert!(d.payload.len() <= MAX_DATAGRAM_LENGTH, "{p:?}");
        sent += 1;
    }
    assert!(sent <= MAX_QUEUED);
    while responder.poll_event().is_some() {}
    while let Some(d) = resolver.poll_transmit() {
        Packet::decode(&d.payload).expect("the resolver sends what decodes");
    }
    while resolver.poll_event().is_some() {}
    while let Some(d) = announcer.poll_transmit() {
        browse::decode_browse_datagram(&d.payload).expect("the announcer sends what decodes");
    }
}
