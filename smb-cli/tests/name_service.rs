//! The name service task (smb-async over tokio) answering our blocking resolver, on
//! loopback ports the system picks (no privilege needed), and stopping cleanly.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use smb_blocking::netbios::{NameServer, resolve};
use smb_tokio::{NameService, NameServiceConfig, NameServiceEvent, Tokio};

#[test]
fn resolver_asks_the_name_service() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = NameServiceConfig::new("FILESRV", "WORKGROUP", Ipv4Addr::new(10, 9, 8, 7));
    config.bind = Ipv4Addr::LOCALHOST;
    config.name_port = 0;
    config.datagram_port = None;
    let ns = rt
        .block_on(async { NameService::bind(Tokio, config) })
        .unwrap();
    let addr = ns.local_addr().unwrap();
    let stop = ns.stop_handle();
    let (tx, rx) = std::sync::mpsc::channel();
    let task = rt.spawn(ns.run(move |e| {
        let _ = tx.send(e);
    }));
    let t0 = Instant::now();
    // The names are answered for once registered (750 ms after start).
    let got = resolve("filesrv", NameServer::Unicast(addr), Duration::from_secs(3)).unwrap();
    assert_eq!(got, [Ipv4Addr::new(10, 9, 8, 7)]);
    assert!(t0.elapsed() < Duration::from_secs(3));
    // A name it does not hold is not answered (our responder is no WINS server).
    assert!(
        resolve(
            "other",
            NameServer::Unicast(addr),
            Duration::from_millis(600)
        )
        .is_err()
    );
    stop.stop();
    rt.block_on(task).unwrap();
    let events: Vec<NameServiceEvent> = rx.try_iter().collect();
    assert!(
        events.iter().any(|e| matches!(
            e,
            NameServiceEvent::Responder(
                smb_proto::nbns::responder::ResponderEvent::Registered { .. }
            )
        )),
        "{events:?}"
    );
}
