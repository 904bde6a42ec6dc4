//! The name service against peers over real UDP sockets: Samba's `nmblookup` asking our
//! responder (names, a name not ours, node status), smbtorture's `nbt.register` tests
//! trying to take its name (the responder must defend it), and our resolver asking it.
//!
//! `nmblookup` always sends to port 137 (Samba's NMB_PORT is a constant: neither `-U
//! addr:port` nor `--option='nbt port=N'` changes it), so the responder must own
//! 127.0.0.1:137. To get that port without fighting anything else on the machine, the test
//! re-runs itself inside a private network namespace (`unshare --map-root-user --net`: no
//! privilege needed where user namespaces are allowed, and port 137 is always free there).
//! Where namespaces are not allowed it binds 137 in place, and skips with a message when
//! that fails too (a failure when `SMB_PEERS=required`). smbtorture runs in the namespace
//! only: it finds the name by broadcast, and the namespace keeps those on its own loopback.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use smb_proto::nbns::resolver::{ResolveError, Resolver, ResolverConfig, ResolverEvent, Target};
use smb_proto::nbns::responder::{
    NameState, QueryKind, Responder, ResponderConfig, ResponderEvent,
};
use smb_proto::nbns::{Addr, Datagram};
use smb_proto::time::Instant;
use smb_proto::wire::NetbiosName;

fn to_std(a: Addr) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(a.ip), a.port))
}

fn from_std(a: SocketAddr) -> Addr {
    match a {
        SocketAddr::V4(v4) => Addr::new(v4.ip().octets(), v4.port()),
        SocketAddr::V6(_) => Addr::default(),
    }
}

/// The host loop of a sans-IO machine on one UDP socket, as the adapters will run it.
trait Machine: Send + 'static {
    type Event: Send + 'static;
    fn handle(&mut self, now: Instant, from: Addr, bytes: &[u8]);
    fn timeout(&mut self, now: Instant);
    fn next_timeout(&self) -> Option<Instant>;
    fn transmit(&mut self) -> Option<Datagram>;
    fn event(&mut self) -> Option<Self::Event>;
    fn stop(&mut self, now: Instant);
}

/// Both machines have the same host-facing methods; only `stop` differs.
macro_rules! machine {
    ($t:ty, $event:ty, |$m:ident, $now:ident| $stop:expr) => {
        impl Machine for $t {
            type Event = $event;
            fn handle(&mut self, now: Instant, from: Addr, bytes: &[u8]) {
                // A datagram that does not decode is the sender's problem.
                let _ = self.handle_datagram(now, from, bytes);
            }
            fn timeout(&mut self, now: Instant) {
                self.handle_timeout(now)
            }
            fn next_timeout(&self) -> Option<Instant> {
                self.poll_timeout()
            }
            fn transmit(&mut self) -> Option<Datagram> {
                self.poll_transmit()
            }
            fn event(&mut self) -> Option<$event> {
                self.poll_event()
            }
            fn stop(&mut self, now: Instant) {
                let ($m, $now) = (self, now);
                $stop
            }
        }
    };
}

machine!(Responder, ResponderEvent, |r, now| Responder::stop(r, now));
machine!(Resolver, ResolverEvent, |_r, _now| ());

/// A thread running a machine on a socket until told to stop; events go to a channel.
struct Host<M: Machine> {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<M>>,
    events: std::sync::mpsc::Receiver<M::Event>,
}

fn clock(origin: std::time::Instant) -> Instant {
    Instant::from_nanos(origin.elapsed().as_nanos() as u64)
}

impl<M: Machine> Host<M> {
    /// Runs `machine` on `socket`; `start` is called once, with the current time, first.
    fn spawn(
        mut machine: M,
        socket: UdpSocket,
        start: impl FnOnce(&mut M, Instant) + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, events) = std::sync::mpsc::channel();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            socket.set_broadcast(true).unwrap();
            let origin = std::time::Instant::now();
            start(&mut machine, clock(origin));
            let mut buf = [0u8; 1500];
            let flush = |m: &mut M, s: &UdpSocket| {
                while let Some(d) = m.transmit() {
                    // A broadcast nobody listens to may fail; the machine does not care.
                    let _ = s.send_to(&d.payload, to_std(d.dest));
                }
                while let Some(e) = m.event() {
                    let _ = tx.send(e);
                }
            };
            loop {
                let now = clock(origin);
                if machine.next_timeout().is_some_and(|t| t <= now) {
                    machine.timeout(now);
                }
                flush(&mut machine, &socket);
                if flag.load(Ordering::SeqCst) {
                    machine.stop(clock(origin));
                    flush(&mut machine, &socket);
                    return machine;
                }
                let wait = machine
                    .next_timeout()
                    .map_or(Duration::from_millis(20), |t| {
                        Duration::from_nanos(t.as_nanos().saturating_sub(now.as_nanos()))
                    })
                    .clamp(Duration::from_millis(1), Duration::from_millis(20));
                socket.set_read_timeout(Some(wait)).unwrap();
                if let Ok((n, from)) = socket.recv_from(&mut buf) {
                    machine.handle(clock(origin), from_std(from), &buf[..n]);
                }
            }
        });
        Self {
            stop,
            thread: Some(thread),
            events,
        }
    }

    /// The next event, waiting up to `limit`.
    fn wait_event(&self, limit: Duration) -> Option<M::Event> {
        self.events.recv_timeout(limit).ok()
    }

    /// Stops the loop (the machine's `stop` runs and its last datagrams go out); returns
    /// the machine and the events not taken yet.
    fn finish(mut self) -> (M, Vec<M::Event>) {
        self.stop.store(true, Ordering::SeqCst);
        let machine = self.thread.take().unwrap().join().unwrap();
        (machine, self.events.try_iter().collect())
    }
}

const NAME: &str = "NBNSTEST";
const GROUP: &str = "TESTGROUP";
/// The address our names resolve to: not the loopback address nmblookup asks, so that
/// seeing it in nmblookup's output proves it came from our answer.
const OUR_IP: [u8; 4] = [10, 9, 8, 7];
const MAC: [u8; 6] = [0x02, 0x00, 0x5E, 0x10, 0x20, 0x30];

fn responder_config(broadcast: Addr) -> ResponderConfig {
    let mut c = ResponderConfig::server(NAME, GROUP, OUR_IP, [127, 255, 255, 255]);
    c.broadcast = broadcast;
    c.unit_id = MAC;
    c
}

/// Starts a responder on `socket` and waits until its four names are registered.
fn registered_responder(socket: UdpSocket, broadcast: Addr) -> Host<Responder> {
    let responder = Responder::new(responder_config(broadcast), [0x5A; 32]).unwrap();
    let host = Host::spawn(responder, socket, |r, now| r.start(now));
    for _ in 0..4 {
        match host.wait_event(Duration::from_secs(5)) {
            Some(ResponderEvent::Registered { .. }) => {}
            other => panic!("expected a registration, got {other:?}"),
        }
    }
    host
}

fn nmblookup(args: &[&str]) -> String {
    let out = Command::new("nmblookup")
        .args(["--configfile=/dev/null"])
        .args(args)
        .output()
        .expect("run nmblookup");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("$ nmblookup {}\n{text}", args.join(" "));
    text
}

/// The checks with nmblookup, once our responder owns 127.0.0.1:137.
fn nmblookup_checks(socket: UdpSocket, broadcast: Addr, smbtorture: bool) {
    let host = registered_responder(socket, broadcast);

    let out = nmblookup(&["-U", "127.0.0.1", NAME]);
    assert!(out.contains("10.9.8.7 NBNSTEST<00>"), "{out}");
    let out = nmblookup(&["-U", "127.0.0.1", "nbnstest#20"]);
    assert!(out.contains("10.9.8.7 nbnstest<20>"), "{out}");
    let out = nmblookup(&["-U", "127.0.0.1", &format!("{GROUP}#1e")]);
    assert!(out.contains("10.9.8.7 TESTGROUP<1e>"), "{out}");
    // A name that is not ours: a negative answer, so nmblookup reports it at once.
    let t = std::time::Instant::now();
    let out = nmblookup(&["-U", "127.0.0.1", "NOTOURS"]);
    assert!(
        out.contains("name_query failed to find name NOTOURS"),
        "{out}"
    );
    assert!(!out.contains("10.9.8.7"), "{out}");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "no negative answer? {:?}",
        t.elapsed()
    );

    let out = nmblookup(&["-A", "127.0.0.1"]);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.starts_with('\t') && l.contains('<'))
        .map(|l| l.split_whitespace().collect())
        .collect();
    let want: [&[&str]; 4] = [
        &["NBNSTEST", "<00>", "-", "B", "<ACTIVE>"],
        &["NBNSTEST", "<20>", "-", "B", "<ACTIVE>"],
        &["TESTGROUP", "<00>", "-", "<GROUP>", "B", "<ACTIVE>"],
        &["TESTGROUP", "<1e>", "-", "<GROUP>", "B", "<ACTIVE>"],
    ];
    assert_eq!(rows, want, "{out}");
    assert!(out.contains("MAC Address = 02-00-5E-10-20-30"), "{out}");

    if smbtorture {
        smbtorture_checks();
    }

    // Every request reached the responder and was logged: the queries answered (NOTOURS
    // negatively), smbtorture's two broadcast lookups, its three defended attempts.
    let (responder, events) = host.finish();
    let mut log = Vec::new();
    let mut defended = Vec::new();
    for e in events {
        match e {
            ResponderEvent::Query {
                name,
                kind,
                broadcast,
                found,
                answered,
                ..
            } => log.push((format!("{name:?}"), kind, broadcast, found, answered)),
            ResponderEvent::Defended { name, against } => {
                assert_eq!(against.ip, [127, 0, 0, 1]);
                defended.push(format!("{name:?}"));
            }
            other => panic!("{other:?}"),
        }
    }
    let row = |n: &str, k, broadcast, found| (n.to_string(), k, broadcast, found, true);
    let mut want = vec![
        row("NBNSTEST<00>", QueryKind::Name, false, true),
        row("NBNSTEST<20>", QueryKind::Name, false, true),
        row("TESTGROUP<1e>", QueryKind::Name, false, true),
        row("NOTOURS<00>", QueryKind::Name, false, false),
        row("*<00>", QueryKind::Status, false, true),
    ];
    if smbtorture {
        want.extend(vec![row("NBNSTEST<20>", QueryKind::Name, true, true); 2]);
        assert_eq!(defended, ["NBNSTEST<20>"; 3]);
    }
    assert_eq!(log, want);
    assert_eq!(
        responder.name_state(&NetbiosName::new(NAME, 0)),
        Some(NameState::Released)
    );
}

/// smbtorture's NBT-REGISTER tests: they find the server's name `NBNSTEST<20>` by
/// broadcast, then try to register it (a registration and an overwrite demand, both
/// broadcast-flagged) and refresh it (unicast) from their own address, and expect ACT_ERR.
fn smbtorture_checks() {
    let out = Command::new("smbtorture")
        .args([
            &format!("//{NAME}/x"),
            "--configfile=/dev/null",
            "--option=name resolve order=bcast",
            "--option=interfaces=127.0.0.1/8",
            "-U%",
            "nbt.register.register_own",
            "nbt.register.refresh_own",
        ])
        .output()
        .expect("run smbtorture");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("$ smbtorture //{NAME}/x nbt.register.register_own nbt.register.refresh_own\n{text}");
    assert!(out.status.success(), "{text}");
}

fn peers_required() -> bool {
    std::env::var("SMB_PEERS").is_ok_and(|v| v == "required")
}

const NETNS_ENV: &str = "NBNS_PEER_IN_NETNS";

#[test]
fn samba_peers_against_responder() {
    if !smb_testkit::peers_available(&["nmblookup"]) {
        return;
    }
    if std::env::var_os(NETNS_ENV).is_some() {
        // Inside the private namespace: 137 is ours; broadcasts stay in the namespace.
        // The wildcard address, to hear broadcasts too (smbtorture finds us by broadcast).
        let socket = UdpSocket::bind("0.0.0.0:137").expect("port 137 in a fresh namespace");
        let smbtorture = smb_testkit::peers_available(&["smbtorture"]);
        nmblookup_checks(socket, Addr::new([127, 255, 255, 255], 137), smbtorture);
        return;
    }
    let netns = |cmd: &str| {
        let mut c = Command::new("unshare");
        // OUR_IP on loopback too, so that a peer that found it can send to it.
        let setup = "ip link set lo up && ip addr add 10.9.8.7/32 dev lo";
        c.args([
            "--map-root-user",
            "--net",
            "sh",
            "-c",
            &format!("{setup} && {cmd}"),
        ]);
        c
    };
    // NBNS_PEER_NO_NETNS=1 tries the fallback below even where namespaces work.
    let try_netns = std::env::var_os("NBNS_PEER_NO_NETNS").is_none();
    if try_netns && netns("true").output().is_ok_and(|o| o.status.success()) {
        let exe = std::env::current_exe().unwrap();
        let out = netns("exec \"$0\" \"$@\"")
            .arg(exe)
            .args([
                "--exact",
                "samba_peers_against_responder",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(NETNS_ENV, "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        println!("{text}");
        assert!(
            out.status.success(),
            "nmblookup test in a network namespace failed:\n{text}"
        );
        assert!(
            text.contains("1 passed"),
            "the inner test did not run:\n{text}"
        );
        return;
    }
    // No namespaces here: take 137 on loopback if nobody has it. Registration broadcasts
    // then go to a loopback port nobody listens on rather than to the machine's neighbours.
    match UdpSocket::bind("127.0.0.1:137") {
        Ok(socket) => {
            let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
            nmblookup_checks(socket, from_std(sink.local_addr().unwrap()), false);
        }
        Err(e) => {
            let msg =
                format!("nmblookup test skipped: no network namespace, and 127.0.0.1:137: {e}");
            assert!(!peers_required(), "{msg}, and SMB_PEERS=required");
            eprintln!("{msg}");
        }
    }
}

/// Our resolver asks our responder through real sockets on loopback (ports chosen by the
/// system): a name, the node status, a name that is not there, and a target that is silent.
#[test]
fn resolver_against_responder_over_udp() {
    let server_socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = from_std(server_socket.local_addr().unwrap());
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let responder = registered_responder(server_socket, from_std(sink.local_addr().unwrap()));

    let config = ResolverConfig {
        unicast_interval: Duration::from_millis(300),
        ..Default::default()
    };
    let client_socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Nobody answers on the sink: three tries, then a timeout.
    let silent = from_std(sink.local_addr().unwrap());
    let resolver = Host::spawn(
        Resolver::new(config, [0xA5; 32]),
        client_socket,
        move |r, now| {
            r.query(
                now,
                NetbiosName::new("nbnstest", 0x20),
                Target::Node(server),
            );
            r.node_status(now, server);
            r.query(now, NetbiosName::new("NOTOURS", 0x20), Target::Node(server));
            r.query(
                now,
                NetbiosName::new("NBNSTEST", 0x20),
                Target::Server(silent),
            );
        },
    );
    let mut got = Vec::new();
    while got.len() < 4 {
        got.push(
            resolver
                .wait_event(Duration::from_secs(5))
                .expect("resolver event"),
        );
    }
    got.sort_by_key(|e| match e {
        ResolverEvent::Resolved { id, .. }
        | ResolverEvent::Status { id, .. }
        | ResolverEvent::Failed { id, .. } => *id,
    });
    match &got[0] {
        ResolverEvent::Resolved {
            addresses, from, ..
        } => {
            assert_eq!(addresses.len(), 1);
            assert_eq!(addresses[0].ip, OUR_IP);
            assert!(!addresses[0].flags.group());
            assert_eq!(*from, server);
        }
        other => panic!("{other:?}"),
    }
    match &got[1] {
        ResolverEvent::Status { status, .. } => {
            let names: Vec<String> = status
                .names
                .iter()
                .map(|n| format!("{:?}", n.name))
                .collect();
            assert_eq!(
                names,
                [
                    "NBNSTEST<00>",
                    "NBNSTEST<20>",
                    "TESTGROUP<00>",
                    "TESTGROUP<1e>"
                ]
            );
            assert_eq!(status.statistics.unit_id, MAC);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&got[2], ResolverEvent::Failed { error: ResolveError::NotFound { rcode }, .. } if rcode.0 == 3),
        "{:?}",
        got[2]
    );
    assert!(
        matches!(
            &got[3],
            ResolverEvent::Failed {
                error: ResolveError::Timeout,
                ..
            }
        ),
        "{:?}",
        got[3]
    );
    let (resolver, _) = resolver.finish();
    assert_eq!(resolver.pending(), 0);
    drop(sink);

    // The responder logged the three requests that reached it, from the resolver's socket.
    let (_, events) = responder.finish();
    let froms: Vec<Addr> = events
        .iter()
        .filter_map(|e| match e {
            ResponderEvent::Query { from, .. } => Some(*from),
            _ => None,
        })
        .collect();
    assert_eq!(froms.len(), 3, "{events:?}");
    assert!(froms.iter().all(|f| f.ip == [127, 0, 0, 1]));
}
