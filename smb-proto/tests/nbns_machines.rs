//! The responder's and the resolver's behaviour on virtual time: the registration schedule,
//! answers to queries and node status, defence, conflict, release, retries, matching, and
//! the bounds of their queues.

use smb_proto::nbns::message::Kind;
use smb_proto::nbns::packet::{
    NbAddress, NbFlags, NmFlags, NodeType, Packet, RData, Rcode, rr_type,
};
use smb_proto::nbns::resolver::{
    QueryId, ResolveError, Resolver, ResolverConfig, ResolverEvent, Target,
};
use smb_proto::nbns::responder::{
    ConfigError, MAX_QUEUED, NameState, OwnedName, QueryKind, Responder, ResponderConfig,
    ResponderEvent,
};
use smb_proto::nbns::status::NameFlags;
use smb_proto::nbns::{Addr, Datagram};
use smb_proto::time::Instant;
use smb_proto::wire::NetbiosName;

const US: [u8; 4] = [192, 168, 1, 10];
const US2: [u8; 4] = [10, 0, 0, 10];
const BCAST: Addr = Addr::new([192, 168, 1, 255], 137);
const PEER: Addr = Addr::new([192, 168, 1, 77], 50123);

fn ms(n: u64) -> Instant {
    Instant::from_nanos(n * 1_000_000)
}

fn config() -> ResponderConfig {
    let mut c = ResponderConfig::server("FILES", "WORKGROUP", US, [192, 168, 1, 255]);
    c.addresses.push(US2);
    c.unit_id = [0, 1, 2, 3, 4, 5];
    c.ttl = 3600;
    c
}

/// Every datagram a machine has to send, decoded.
fn drain(next: impl FnMut() -> Option<Datagram>) -> Vec<(Datagram, Packet)> {
    std::iter::from_fn(next)
        .map(|d| {
            let p = Packet::decode(&d.payload).unwrap();
            (d, p)
        })
        .collect()
}

fn transmits(r: &mut Responder) -> Vec<(Datagram, Packet)> {
    drain(|| r.poll_transmit())
}

fn events(r: &mut Responder) -> Vec<ResponderEvent> {
    std::iter::from_fn(|| r.poll_event()).collect()
}

/// A responder whose four names are registered, queues drained, at 750 ms.
fn registered() -> Responder {
    let mut r = Responder::new(config(), [1; 32]).unwrap();
    r.start(ms(0));
    for t in [250, 500, 750] {
        r.handle_timeout(ms(t));
    }
    transmits(&mut r);
    events(&mut r);
    r
}

fn ask(r: &mut Responder, from: Addr, p: &Packet) -> Vec<(Datagram, Packet)> {
    r.handle_datagram(ms(1000), from, &p.encode()).unwrap();
    transmits(r)
}

#[test]
fn registers_by_broadcast_three_times_250_ms_apart() {
    let mut r = Responder::new(config(), [1; 32]).unwrap();
    assert_eq!(r.poll_timeout(), None);
    r.start(ms(0));
    let mut ids = Vec::new();
    for (round, t) in [0u64, 250, 500].into_iter().enumerate() {
        if t > 0 {
            // Nothing happens a moment before the deadline.
            r.handle_timeout(ms(t - 1));
            assert!(r.poll_transmit().is_none());
            r.handle_timeout(ms(t));
        }
        let sent = transmits(&mut r);
        assert_eq!(sent.len(), 4, "round {round}");
        for (i, (d, p)) in sent.iter().enumerate() {
            assert_eq!(d.dest, BCAST);
            assert_eq!(p.kind(), Kind::NameRegistrationRequest);
            assert!(p.header.nm_flags.has(NmFlags::B | NmFlags::RD));
            let owned = &config().names[i];
            assert_eq!(p.question().unwrap().name, owned.name);
            let rr = p.additional_record().unwrap();
            assert_eq!(rr.ttl, 3600);
            assert_eq!(
                rr.addresses(),
                [NbAddress {
                    flags: NbFlags::new(owned.group, NodeType::B),
                    ip: US
                }]
            );
            // The same transaction id on every try of a name, a different one per name.
            if round == 0 {
                ids.push(p.header.trn_id);
            } else {
                assert_eq!(p.header.trn_id, ids[i]);
            }
        }
        assert_eq!(r.poll_timeout(), Some(ms(t + 250)));
        assert!(r.names().all(|(_, s)| s
            == NameState::Registering {
                tries: round as u8 + 1
            }));
        assert!(events(&mut r).is_empty());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    r.handle_timeout(ms(750));
    assert!(
        transmits(&mut r).is_empty(),
        "no fourth try, no overwrite demand"
    );
    let ev = events(&mut r);
    let want: Vec<ResponderEvent> = config()
        .names
        .into_iter()
        .map(|n| ResponderEvent::Registered { name: n.name })
        .collect();
    assert_eq!(ev, want);
    assert!(r.names().all(|(_, s)| s == NameState::Registered));
    assert_eq!(r.poll_timeout(), None);
}

#[test]
fn answers_queries_for_our_names_only() {
    let mut r = registered();
    // Unicast, case-insensitive, recursion desired or not: a positive answer with both
    // addresses, to the asker, with the id, AA, and RD as asked.
    for (bcast, rd) in [(false, true), (false, false), (true, true)] {
        let q = Packet::name_query(0x1234, NetbiosName::new("files", 0x20), bcast, rd);
        let out = ask(&mut r, PEER, &q);
        assert_eq!(out.len(), 1);
        let (d, p) = &out[0];
        assert_eq!(d.dest, PEER);
        assert_eq!(p.kind(), Kind::PositiveNameQueryResponse);
        assert_eq!(p.header.trn_id, 0x1234);
        assert!(p.header.nm_flags.has(NmFlags::AA));
        assert_eq!(p.header.nm_flags.has(NmFlags::RD), rd);
        let rr = p.answer().unwrap();
        assert_eq!(rr.ttl, 3600);
        let unique = NbFlags::new(false, NodeType::B);
        assert_eq!(
            rr.addresses(),
            [
                NbAddress {
                    flags: unique,
                    ip: US
                },
                NbAddress {
                    flags: unique,
                    ip: US2
                }
            ]
        );
    }
    // The group names answer with the group bit.
    let out = ask(
        &mut r,
        PEER,
        &Packet::name_query(1, NetbiosName::new("WORKGROUP", 0x1E), true, true),
    );
    assert!(
        out[0]
            .1
            .answer()
            .unwrap()
            .addresses()
            .iter()
            .all(|a| a.flags.group())
    );
    // Another name: silence when broadcast or RD, else NAM_ERR with a NULL record.
    let other = || NetbiosName::new("FILES", 0x03);
    assert!(ask(&mut r, PEER, &Packet::name_query(2, other(), true, true)).is_empty());
    assert!(ask(&mut r, PEER, &Packet::name_query(3, other(), false, true)).is_empty());
    let out = ask(&mut r, PEER, &Packet::name_query(4, other(), false, false));
    let p = &out[0].1;
    assert_eq!(p.kind(), Kind::NegativeNameQueryResponse);
    assert_eq!(p.header.rcode, Rcode::NAM_ERR);
    assert_eq!(
        (
            p.answer().unwrap().rr_type,
            p.answer().unwrap().name.clone()
        ),
        (rr_type::NULL, other())
    );
    // Each query was logged.
    let log: Vec<(bool, bool)> = events(&mut r)
        .into_iter()
        .map(|e| match e {
            ResponderEvent::Query {
                kind: QueryKind::Name,
                found,
                answered,
                ..
            } => (found, answered),
            e => panic!("{e:?}"),
        })
        .collect();
    assert_eq!(
        log,
        [
            (true, true),
            (true, true),
            (true, true),
            (true, true),
            (false, false),
            (false, false),
            (false, true)
        ]
    );
}

#[test]
fn not_answered_before_registration_completes() {
    let mut r = Responder::new(config(), [1; 32]).unwrap();
    r.start(ms(0));
    transmits(&mut r);
    let q = Packet::name_query(9, NetbiosName::new("FILES", 0x20), true, true);
    assert!(ask(&mut r, PEER, &q).is_empty());
    let s = Packet::node_status_request(9, NetbiosName::new("*", 0));
    assert!(ask(&mut r, PEER, &s).is_empty());
}

#[test]
fn node_status_lists_our_names() {
    let mut r = registered();
    for name in [
        NetbiosName::new("*", 0),
        NetbiosName::new("workgroup", 0x1E),
    ] {
        let out = ask(&mut r, PEER, &Packet::node_status_request(5, name.clone()));
        let (d, p) = &out[0];
        assert_eq!(d.dest, PEER);
        assert_eq!(p.kind(), Kind::NodeStatusResponse);
        assert_eq!(p.answer().unwrap().name, name);
        let RData::NodeStatus(s) = &p.answer().unwrap().rdata else {
            panic!("{p:?}")
        };
        let got: Vec<(NetbiosName, u16)> = s
            .names
            .iter()
            .map(|n| (n.name.clone(), n.flags.0))
            .collect();
        let act = NameFlags::ACTIVE;
        let grp = NameFlags::ACTIVE | NameFlags::GROUP;
        assert_eq!(
            got,
            [
                (NetbiosName::new("FILES", 0), act),
                (NetbiosName::new("FILES", 0x20), act),
                (NetbiosName::new("WORKGROUP", 0), grp),
                (NetbiosName::new("WORKGROUP", 0x1E), grp),
            ]
        );
        assert_eq!(s.statistics.unit_id, [0, 1, 2, 3, 4, 5]);
    }
    // Not for another name.
    assert!(
        ask(
            &mut r,
            PEER,
            &Packet::node_status_request(6, NetbiosName::new("OTHER", 0))
        )
        .is_empty()
    );
}

fn claim(name: NetbiosName, group: bool, ip: [u8; 4]) -> Packet {
    let entry = NbAddress {
        flags: NbFlags::new(group, NodeType::B),
        ip,
    };
    Packet::registration_request(0x7777, name, entry, 300, true)
}

#[test]
fn defends_held_names() {
    let mut r = registered();
    let ours = |group| NbAddress {
        flags: NbFlags::new(group, NodeType::B),
        ip: US,
    };
    // A unique name of ours, claimed as unique and as group; a group name of ours
    // claimed as unique: each defended with ACT_ERR, to the claimant, with our entry.
    for (name, group, our_group) in [
        (NetbiosName::new("FILES", 0x20), false, false),
        (NetbiosName::new("FILES", 0x00), true, false),
        (NetbiosName::new("WORKGROUP", 0x1E), false, true),
    ] {
        let out = ask(&mut r, PEER, &claim(name.clone(), group, PEER.ip));
        assert_eq!(out.len(), 1, "{name:?}");
        let (d, p) = &out[0];
        assert_eq!(d.dest, PEER);
        assert_eq!(p.kind(), Kind::NegativeNameRegistrationResponse);
        assert_eq!((p.header.trn_id, p.header.rcode), (0x7777, Rcode::ACT_ERR));
        assert_eq!(p.answer().unwrap().name, name);
        assert_eq!(p.answer().unwrap().addresses(), [ours(our_group)]);
        assert_eq!(
            events(&mut r),
            [ResponderEvent::Defended {
                name,
                against: PEER
            }]
        );
    }
    // An overwrite demand and a refresh are defended too, answered in their own opcode.
    let entry = NbAddress::default();
    for p in [
        Packet::overwrite_demand(1, NetbiosName::new("FILES", 0x20), entry, 0, true),
        Packet::refresh_request(2, NetbiosName::new("FILES", 0x20), entry, 0, false),
    ] {
        let out = ask(&mut r, PEER, &p);
        assert_eq!(out[0].1.header.opcode, p.header.opcode);
        assert_eq!(out[0].1.header.rcode, Rcode::ACT_ERR);
    }
    events(&mut r);
    // Not defended: a group claim on our group name, our own broadcast heard back, a
    // name that is not ours.
    assert!(
        ask(
            &mut r,
            PEER,
            &claim(NetbiosName::new("WORKGROUP", 0), true, PEER.ip)
        )
        .is_empty()
    );
    assert!(
        ask(
            &mut r,
            Addr::new(US, 137),
            &claim(NetbiosName::new("FILES", 0x20), false, US)
        )
        .is_empty()
    );
    assert!(
        ask(
            &mut r,
            PEER,
            &claim(NetbiosName::new("OTHER", 0x20), false, PEER.ip)
        )
        .is_empty()
    );
    assert!(events(&mut r).is_empty());
    assert!(r.names().all(|(_, s)| s == NameState::Registered));
}

#[test]
fn a_negative_response_to_our_registration_is_a_conflict() {
    let mut r = Responder::new(config(), [1; 32]).unwrap();
    r.start(ms(0));
    let sent = transmits(&mut r);
    let (_, ours) = &sent[1];
    let name = NetbiosName::new("FILES", 0x20);
    let holder = NbAddress {
        flags: NbFlags::new(false, NodeType::B),
        ip: PEER.ip,
    };
    // A wrong transaction id changes nothing.
    let wrong = Packet::registration_response(
        ours.header.trn_id ^ 1,
        name.clone(),
        Rcode::ACT_ERR,
        0,
        holder,
    );
    r.handle_datagram(ms(100), PEER, &wrong.encode()).unwrap();
    assert!(events(&mut r).is_empty());
    // The right one: conflict, no more tries for that name, never registered.
    let no =
        Packet::registration_response(ours.header.trn_id, name.clone(), Rcode::ACT_ERR, 0, holder);
    r.handle_datagram(ms(100), PEER, &no.encode()).unwrap();
    assert_eq!(
        events(&mut r),
        [ResponderEvent::Conflict {
            name: name.clone(),
            from: PEER,
            rcode: Rcode::ACT_ERR
        }]
    );
    assert_eq!(r.name_state(&name), Some(NameState::Conflict));
    for t in [250, 500, 750] {
        r.handle_timeout(ms(t));
    }
    let later = transmits(&mut r);
    assert_eq!(later.len(), 6, "two more tries for the three other names");
    assert!(
        later
            .iter()
            .all(|(_, p)| p.question().unwrap().name != name)
    );
    assert_eq!(events(&mut r).len(), 3);
    // Not answered for; listed as in conflict.
    assert!(
        ask(
            &mut r,
            PEER,
            &Packet::name_query(1, name.clone(), true, true)
        )
        .is_empty()
    );
    let out = ask(
        &mut r,
        PEER,
        &Packet::node_status_request(2, NetbiosName::new("*", 0)),
    );
    let RData::NodeStatus(s) = &out[0].1.answer().unwrap().rdata else {
        panic!()
    };
    let entry = s.names.iter().find(|n| n.name == name).unwrap();
    assert!(entry.flags.has(NameFlags::CONFLICT | NameFlags::ACTIVE));
    // A held name is lost to a conflict demand.
    let demand = Packet::registration_response(
        0x9999,
        NetbiosName::new("FILES", 0),
        Rcode::CFT_ERR,
        0,
        holder,
    );
    r.handle_datagram(ms(900), PEER, &demand.encode()).unwrap();
    assert_eq!(
        r.name_state(&NetbiosName::new("FILES", 0)),
        Some(NameState::Conflict)
    );
}

#[test]
fn stop_releases_held_names_by_broadcast() {
    let mut r = registered();
    let holder = NbAddress::default();
    let demand =
        Packet::registration_response(1, NetbiosName::new("FILES", 0), Rcode::CFT_ERR, 0, holder);
    r.handle_datagram(ms(900), PEER, &demand.encode()).unwrap();
    r.stop(ms(1000));
    let out = transmits(&mut r);
    let released: Vec<NetbiosName> = out
        .iter()
        .map(|(d, p)| {
            assert_eq!(d.dest, BCAST);
            assert_eq!(p.kind(), Kind::NameReleaseRequest);
            assert!(p.header.nm_flags.broadcast());
            let rr = p.additional_record().unwrap();
            assert_eq!((rr.ttl, rr.addresses()[0].ip), (0, US));
            p.question().unwrap().name.clone()
        })
        .collect();
    // The name in conflict is not ours to release.
    assert_eq!(
        released,
        [
            NetbiosName::new("FILES", 0x20),
            NetbiosName::new("WORKGROUP", 0),
            NetbiosName::new("WORKGROUP", 0x1E)
        ]
    );
    assert!(r.names().all(|(_, s)| s == NameState::Released));
    assert!(
        ask(
            &mut r,
            PEER,
            &Packet::name_query(1, NetbiosName::new("FILES", 0x20), false, false)
        )
        .len()
            == 1
    );
    assert_eq!(r.poll_timeout(), None);
    // Started again, it registers again.
    r.start(ms(2000));
    assert_eq!(transmits(&mut r).len(), 4);
}

#[test]
fn queues_are_bounded() {
    let mut r = registered();
    let q = Packet::name_query(1, NetbiosName::new("FILES", 0x20), false, false).encode();
    for _ in 0..10 * MAX_QUEUED {
        r.handle_datagram(ms(1000), PEER, &q).unwrap();
    }
    assert_eq!(transmits(&mut r).len(), MAX_QUEUED);
    assert_eq!(events(&mut r).len(), MAX_QUEUED);
    // Registration events are never dropped.
    for _ in 0..10 * MAX_QUEUED {
        r.handle_datagram(ms(1000), PEER, &q).unwrap();
    }
    r.stop(ms(1001));
    r.start(ms(1002));
    for t in [1252, 1502, 1752] {
        r.handle_timeout(ms(t));
    }
    let ev = events(&mut r);
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, ResponderEvent::Registered { .. }))
            .count(),
        4
    );
}

#[test]
fn refuses_bad_configurations() {
    let mut c = config();
    c.addresses.clear();
    assert_eq!(
        Responder::new(c, [0; 32]).unwrap_err(),
        ConfigError::Addresses
    );
    let mut c = config();
    c.names.push(OwnedName::unique("files", 0x20));
    assert_eq!(
        Responder::new(c, [0; 32]).unwrap_err(),
        ConfigError::Duplicate
    );
    let mut c = config();
    c.names.push(OwnedName::unique("*", 0));
    assert_eq!(
        Responder::new(c, [0; 32]).unwrap_err(),
        ConfigError::Wildcard
    );
    let mut c = config();
    c.names = (0..33)
        .map(|i| OwnedName::unique(&format!("N{i}"), 0))
        .collect();
    assert_eq!(Responder::new(c, [0; 32]).unwrap_err(), ConfigError::Names);
}

fn resolver() -> Resolver {
    Resolver::new(
        ResolverConfig {
            broadcast: BCAST,
            ..Default::default()
        },
        [4; 32],
    )
}

fn sent(q: &mut Resolver) -> Vec<(Datagram, Packet)> {
    drain(|| q.poll_transmit())
}

#[test]
fn resolver_retries_then_times_out() {
    let mut q = resolver();
    let name = NetbiosName::new("FILES", 0x20);
    let b = q.query(ms(0), name.clone(), Target::Broadcast);
    let server = Addr::new([10, 1, 1, 1], 137);
    let u = q.query(ms(0), name.clone(), Target::Server(server));
    let first = sent(&mut q);
    assert_eq!(first.len(), 2);
    assert_eq!(
        (first[0].0.dest, first[0].1.header.flags_word()),
        (BCAST, 0x0110)
    );
    assert_eq!(
        (first[1].0.dest, first[1].1.header.flags_word()),
        (server, 0x0100)
    );
    // Broadcast: 3 tries 250 ms apart, then a timeout at 750 ms.
    for t in [250, 500] {
        q.handle_timeout(ms(t));
        let again = sent(&mut q);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].1, first[0].1, "the same request, same id");
    }
    q.handle_timeout(ms(750));
    assert!(sent(&mut q).is_empty());
    assert_eq!(
        q.poll_event(),
        Some(ResolverEvent::Failed {
            id: b,
            error: ResolveError::Timeout
        })
    );
    // Unicast: 3 tries 1.5 s apart.
    assert_eq!(q.poll_timeout(), Some(ms(1500)));
    for t in [1500, 3000] {
        q.handle_timeout(ms(t));
        assert_eq!(sent(&mut q).len(), 1);
    }
    q.handle_timeout(ms(4500));
    assert_eq!(
        q.poll_event(),
        Some(ResolverEvent::Failed {
            id: u,
            error: ResolveError::Timeout
        })
    );
    assert_eq!((q.pending(), q.poll_timeout()), (0, None));
}

#[test]
fn resolver_matches_id_name_and_source() {
    let mut q = resolver();
    let name = NetbiosName::new("FILES", 0x20);
    let server = Addr::new([10, 1, 1, 1], 137);
    let id = q.query(ms(0), name.clone(), Target::Server(server));
    let (_, req) = sent(&mut q).remove(0);
    let trn = req.header.trn_id;
    let entry = NbAddress {
        flags: NbFlags::new(false, NodeType::H),
        ip: [10, 1, 1, 50],
    };
    let answer = |trn, name: NetbiosName| {
        Packet::positive_query_response(trn, name, 60, vec![entry], true).encode()
    };
    let h = |q: &mut Resolver, from, bytes: &[u8]| {
        q.handle_datagram(ms(10), from, bytes).unwrap();
        q.poll_event()
    };
    assert_eq!(
        h(&mut q, server, &answer(trn ^ 1, name.clone())),
        None,
        "other id"
    );
    assert_eq!(
        h(
            &mut q,
            server,
            &answer(trn, NetbiosName::new("OTHER", 0x20))
        ),
        None,
        "other name"
    );
    assert_eq!(
        h(
            &mut q,
            Addr::new([10, 9, 9, 9], 137),
            &answer(trn, name.clone())
        ),
        None,
        "other source"
    );
    assert_eq!(
        h(&mut q, server, &req.encode()),
        None,
        "a request is no answer"
    );
    assert_eq!(
        h(
            &mut q,
            Addr::new(server.ip, 5000),
            &answer(trn, NetbiosName::new("files", 0x20))
        ),
        Some(ResolverEvent::Resolved {
            id,
            name: name.clone(),
            addresses: vec![entry],
            from: Addr::new(server.ip, 5000)
        })
    );
    assert_eq!(q.pending(), 0);
    // A second answer to the same id is ignored.
    assert_eq!(h(&mut q, server, &answer(trn, name.clone())), None);

    // Negative answers end a unicast query, not a broadcast one.
    let u = q.query(ms(0), name.clone(), Target::Node(server));
    let bq = q.query(ms(0), name.clone(), Target::Broadcast);
    let reqs = sent(&mut q);
    assert!(
        !reqs[0].1.header.nm_flags.has(NmFlags::RD),
        "a node is asked without RD"
    );
    let neg =
        |trn| Packet::negative_query_response(trn, name.clone(), Rcode::NAM_ERR, false).encode();
    assert_eq!(
        h(&mut q, server, &neg(reqs[0].1.header.trn_id)),
        Some(ResolverEvent::Failed {
            id: u,
            error: ResolveError::NotFound {
                rcode: Rcode::NAM_ERR
            }
        })
    );
    assert_eq!(h(&mut q, server, &neg(reqs[1].1.header.trn_id)), None);
    // Any node may answer a broadcast.
    let any = Addr::new([192, 168, 1, 99], 137);
    assert!(matches!(
        h(&mut q, any, &answer(reqs[1].1.header.trn_id, name.clone())),
        Some(ResolverEvent::Resolved { id, from, .. }) if id == bq && from == any
    ));
    // Cancelled: forgotten.
    let c = q.query(ms(0), name.clone(), Target::Broadcast);
    assert!(q.cancel(c));
    assert!(!q.cancel(c));
    assert!(!q.cancel(QueryId(999)));
    assert_eq!(q.pending(), 0);
}

#[test]
fn resolver_against_responder_on_virtual_time() {
    let mut r = registered();
    let mut q = resolver();
    let server = Addr::new(US, 137);
    let me = Addr::new([192, 168, 1, 20], 40000);
    let id = q.node_status(ms(0), server);
    let (d, _) = sent(&mut q).remove(0);
    r.handle_datagram(ms(1), me, &d.payload).unwrap();
    let reply = r.poll_transmit().unwrap();
    assert_eq!(reply.dest, me);
    q.handle_datagram(ms(2), server, &reply.payload).unwrap();
    match q.poll_event() {
        Some(ResolverEvent::Status {
            id: got,
            status,
            from,
        }) => {
            assert_eq!((got, from), (id, server));
            assert_eq!(status.names.len(), 4);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn node_status_fits_in_576_bytes() {
    let mut c = config();
    c.names = (0..32)
        .map(|i| OwnedName::unique(&format!("NAME{i}"), 0))
        .collect();
    let mut r = Responder::new(c, [1; 32]).unwrap();
    r.start(ms(0));
    for t in [250, 500, 750] {
        r.handle_timeout(ms(t));
    }
    transmits(&mut r);
    let out = ask(
        &mut r,
        PEER,
        &Packet::node_status_request(1, NetbiosName::new("*", 0)),
    );
    let (d, p) = &out[0];
    assert!(d.payload.len() <= 576, "{}", d.payload.len());
    let RData::NodeStatus(s) = &p.answer().unwrap().rdata else {
        panic!()
    };
    // 12 + 34 + 10 + 1 + 46 bytes around the table leave room for 26 names of 18 bytes.
    assert_eq!(s.names.len(), 26);
    assert_eq!(d.payload.len(), 12 + 34 + 10 + 1 + 26 * 18 + 46);
}
