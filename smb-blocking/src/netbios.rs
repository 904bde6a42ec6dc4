//! NetBIOS name resolution (RFC 1002 name queries) for blocking programs: smb-proto's
//! [`Resolver`] over a `std::net::UdpSocket`, asking a name server (WINS, or any node
//! running a name service, such as `smb serve`) or the local subnet by broadcast.
//!
//! ```no_run
//! use std::time::Duration;
//! use smb_blocking::netbios::{resolve, NameServer};
//! // FILES<20>, the file server name, asked of 192.168.1.10's name service.
//! let server = NameServer::Unicast("192.168.1.10:137".parse().unwrap());
//! let addrs = resolve("files", server, Duration::from_secs(3))?;
//! println!("{addrs:?}");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant as StdInstant};

use smb_proto::nbns::Addr;
use smb_proto::nbns::resolver::{ResolveError, Resolver, ResolverConfig, ResolverEvent, Target};
use smb_proto::time::Instant;
use smb_proto::wire::NetbiosName;

/// Whom to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameServer {
    /// A name server (WINS) or a node's name service at this IPv4 address and port.
    Unicast(SocketAddr),
    /// Every node of the subnet, at this broadcast address (port 137).
    Broadcast(Ipv4Addr),
}

/// Whether `host` can be a NetBIOS name: 1 to 15 bytes, no dot, colon or slash (so not a
/// DNS name or an address).
pub fn is_netbios_name(host: &str) -> bool {
    !host.is_empty() && host.len() <= 15 && !host.contains(['.', ':', '/', '\\', ' '])
}

fn addr(a: SocketAddr) -> io::Result<Addr> {
    match a {
        SocketAddr::V4(v) => Ok(Addr::new(v.ip().octets(), v.port())),
        SocketAddr::V6(_) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "NetBIOS name service is IPv4 only",
        )),
    }
}

/// The IPv4 addresses of `name`'s file server (`NAME<20>`), asked of `server`; fails with
/// `NotFound` when the name is unknown or nobody answers within `limit` (the resolver
/// tries three times).
pub fn resolve(name: &str, server: NameServer, limit: Duration) -> io::Result<Vec<Ipv4Addr>> {
    if !is_netbios_name(name) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a NetBIOS name"),
        ));
    }
    let socket = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))?;
    socket.set_broadcast(true)?;
    let mut config = ResolverConfig::default();
    let target = match server {
        NameServer::Unicast(a) => Target::Server(addr(a)?),
        NameServer::Broadcast(b) => {
            config.broadcast = Addr::new(b.octets(), smb_proto::nbns::NAME_SERVICE_PORT);
            Target::Broadcast
        }
    };
    let tries = u32::from(config.unicast_tries.max(1));
    config.unicast_interval = (limit / tries).max(Duration::from_millis(100));
    let origin = StdInstant::now();
    let clock = || Instant::from_nanos(origin.elapsed().as_nanos() as u64);
    let mut resolver = Resolver::new(config, crate::clock::seed());
    resolver.query(clock(), NetbiosName::new(name, NetbiosName::SERVER), target);
    let mut buf = [0u8; 1500];
    loop {
        while let Some(d) = resolver.poll_transmit() {
            let to = SocketAddrV4::new(Ipv4Addr::from(d.dest.ip), d.dest.port);
            // A broadcast nobody routes fails here; the resolver's tries go on.
            let _ = socket.send_to(&d.payload, to);
        }
        if let Some(ev) = resolver.poll_event() {
            let not_found = |why: String| io::Error::new(io::ErrorKind::NotFound, why);
            return match ev {
                ResolverEvent::Resolved { addresses, .. } => {
                    Ok(addresses.iter().map(|a| Ipv4Addr::from(a.ip)).collect())
                }
                ResolverEvent::Failed {
                    error: e @ ResolveError::NotFound { .. },
                    ..
                } => Err(not_found(format!("{name}: {e}"))),
                ResolverEvent::Failed { error, .. } => {
                    Err(not_found(format!("{name}: no NetBIOS answer ({error})")))
                }
                ResolverEvent::Status { .. } => Err(not_found(format!("{name}: no answer"))),
            };
        }
        let now = clock();
        let wait = resolver
            .poll_timeout()
            .map_or(Duration::from_millis(50), |t| {
                Duration::from_nanos(t.as_nanos().saturating_sub(now.as_nanos()))
            })
            .clamp(Duration::from_millis(1), Duration::from_millis(200));
        socket.set_read_timeout(Some(wait))?;
        match socket.recv_from(&mut buf) {
            Ok((n, SocketAddr::V4(from))) => {
                let from = Addr::new(from.ip().octets(), from.port());
                let _ = resolver.handle_datagram(clock(), from, &buf[..n]);
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                resolver.handle_timeout(clock());
            }
            Err(e) => return Err(e),
        }
    }
}
