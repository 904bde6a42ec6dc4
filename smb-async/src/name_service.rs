//! The NetBIOS name service of a server (RFC 1001/1002) and its browse announcements, as a
//! task over the runtime's UDP sockets: smb-proto's [`Responder`] on port 137 (answers
//! name queries for the server's name and workgroup, node status requests, registers and
//! defends the names at start, releases them at stop) and its [`Announcer`] on port 138
//! (host announcements, so the server shows up in its workgroup's browse list).
//!
//! The sockets are bound to the wildcard address (so that broadcasts arrive as well as
//! unicast datagrams) with `SO_BROADCAST`; everything the responder sends leaves from port
//! 137, as RFC 1002 wants. Port 137 and 138 need privileges on most systems:
//! [`NameService::bind`] fails with the system's error then, and the server can run
//! without a name service.
//!
//! ```no_run
//! # async fn f<R: smb_async::Runtime + Default>() -> std::io::Result<()> {
//! use smb_async::name_service::{NameService, NameServiceConfig};
//! let config = NameServiceConfig::new("FILES", "WORKGROUP", [192, 168, 1, 10].into());
//! let ns = NameService::<R>::bind(R::default(), config)?;
//! let stop = ns.stop_handle();
//! // ... stop.stop() at shutdown: the names are released, the server leaves the list.
//! ns.run(|event| println!("{event:?}")).await;
//! # Ok(())
//! # }
//! ```

use std::future::poll_fn;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::task::Poll;

use futures_lite::StreamExt;
use smb_localfs::clock::{Clock, seed};
use smb_proto::nbns::announcer::{Announcer, AnnouncerConfig};
use smb_proto::nbns::responder::{Responder, ResponderConfig, ResponderEvent};
use smb_proto::nbns::{Addr, DATAGRAM_PORT, Datagram, NAME_SERVICE_PORT};
use smb_proto::rpc::info::SV_TYPE_DEFAULT;

use crate::deadline::Deadline;
use crate::runtime::{AsyncUdp, Runtime};
use crate::server::StopHandle;

/// What the name service holds and announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameServiceConfig {
    /// The server's NetBIOS name (at most 15 bytes; upper-cased on the wire).
    pub netbios_name: String,
    /// Its workgroup.
    pub workgroup: String,
    /// The comment in browse announcements.
    pub comment: String,
    /// The address answered with (the interface the server is reached at).
    pub address: Ipv4Addr,
    /// Where registrations, releases and announcements are broadcast.
    pub broadcast: Ipv4Addr,
    /// The address the sockets are bound to: the wildcard address by default, so that
    /// broadcasts are received.
    pub bind: Ipv4Addr,
    /// The name service port (137).
    pub name_port: u16,
    /// The datagram port for announcements (138); `None`: no announcements.
    pub datagram_port: Option<u16>,
}

impl NameServiceConfig {
    /// Names `netbios_name` in `workgroup` at `address`, broadcasting to the address's
    /// /24 subnet (`127.255.255.255` for a loopback address), on the standard ports.
    pub fn new(netbios_name: &str, workgroup: &str, address: Ipv4Addr) -> Self {
        let [a, b, c, _] = address.octets();
        let broadcast = if address.is_loopback() {
            Ipv4Addr::new(127, 255, 255, 255)
        } else {
            Ipv4Addr::new(a, b, c, 255)
        };
        Self {
            netbios_name: netbios_name.into(),
            workgroup: workgroup.into(),
            comment: String::new(),
            address,
            broadcast,
            bind: Ipv4Addr::UNSPECIFIED,
            name_port: NAME_SERVICE_PORT,
            datagram_port: Some(DATAGRAM_PORT),
        }
    }
}

/// What the name service reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameServiceEvent {
    /// The responder's news (registered, conflict, defended, queries).
    Responder(ResponderEvent),
    /// A datagram could not be sent (to a broadcast address nobody routes, say).
    SendFailed {
        /// Where it was going.
        to: SocketAddr,
        /// The system's error, as text.
        error: String,
    },
}

/// The name service of one server. See the [module documentation](self).
pub struct NameService<R: Runtime> {
    rt: R,
    names: R::Udp,
    datagrams: Option<R::Udp>,
    responder: Responder,
    announcer: Announcer,
    stop_tx: async_channel::Sender<()>,
    stop_rx: async_channel::Receiver<()>,
}

fn udp(bind: Ipv4Addr, port: u16) -> io::Result<UdpSocket> {
    let s = UdpSocket::bind(SocketAddrV4::new(bind, port))?;
    s.set_broadcast(true)?;
    Ok(s)
}

fn to_std(a: Addr) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(a.ip), a.port))
}

fn from_std(a: SocketAddr) -> Option<Addr> {
    match a {
        SocketAddr::V4(v4) => Some(Addr::new(v4.ip().octets(), v4.port())),
        SocketAddr::V6(v6) => v6
            .ip()
            .to_ipv4_mapped()
            .map(|ip| Addr::new(ip.octets(), v6.port())),
    }
}

enum Wake {
    Again,
    Name(usize, SocketAddr),
    Datagram(usize, SocketAddr),
    Timer,
    Stop,
}

impl<R: Runtime> NameService<R> {
    /// Binds the sockets (port 137, and 138 unless announcements are off).
    pub fn bind(rt: R, config: NameServiceConfig) -> io::Result<Self> {
        let invalid =
            |e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidInput, e.to_string());
        let address = config.address.octets();
        let broadcast = config.broadcast.octets();
        let mut rc =
            ResponderConfig::server(&config.netbios_name, &config.workgroup, address, broadcast);
        rc.broadcast.port = config.name_port;
        let responder = Responder::new(rc, seed()).map_err(|e| invalid(&e))?;
        let announcer = Announcer::new(
            AnnouncerConfig {
                server_name: config.netbios_name.to_uppercase(),
                workgroup: config.workgroup.to_uppercase(),
                comment: config.comment.clone(),
                server_type: SV_TYPE_DEFAULT,
                address,
                broadcast,
            },
            seed(),
        );
        let names = rt.udp(udp(config.bind, config.name_port)?)?;
        let datagrams = match config.datagram_port {
            Some(p) => Some(rt.udp(udp(config.bind, p)?)?),
            None => None,
        };
        let (stop_tx, stop_rx) = async_channel::bounded(1);
        Ok(Self {
            rt,
            names,
            datagrams,
            responder,
            announcer,
            stop_tx,
            stop_rx,
        })
    }

    /// The name service socket's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.names.local_addr()
    }

    /// A handle to stop the service (the names are released on the way out).
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle::new(self.stop_tx.clone())
    }

    async fn send(socket: &R::Udp, d: Datagram, on_event: &mut impl FnMut(NameServiceEvent)) {
        let to = to_std(d.dest);
        if let Err(e) = poll_fn(|cx| socket.poll_send_to(cx, &d.payload, to)).await {
            on_event(NameServiceEvent::SendFailed {
                to,
                error: e.to_string(),
            });
        }
    }

    async fn flush(&mut self, on_event: &mut impl FnMut(NameServiceEvent)) {
        while let Some(d) = self.responder.poll_transmit() {
            Self::send(&self.names, d, on_event).await;
        }
        while let Some(d) = self.announcer.poll_transmit() {
            if let Some(s) = &self.datagrams {
                Self::send(s, d, on_event).await;
            }
        }
        while let Some(e) = self.responder.poll_event() {
            on_event(NameServiceEvent::Responder(e));
        }
    }

    /// Registers the names, answers and announces until stopped, then releases the names
    /// and announces the server's departure. `on_event` hears what happens.
    pub async fn run(mut self, mut on_event: impl FnMut(NameServiceEvent)) {
        let clock = Clock::new();
        self.responder.start(clock.now().instant);
        if self.datagrams.is_some() {
            self.announcer.start(clock.now().instant);
        }
        let mut stop = Box::pin(self.stop_rx.clone());
        let mut timer = Deadline::default();
        let mut nbuf = vec![0u8; 1500];
        let mut dbuf = vec![0u8; 1500];
        loop {
            self.flush(&mut on_event).await;
            let next = [self.responder.poll_timeout(), self.announcer.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            timer.set(&self.rt, next.map(|t| clock.to_std(t)));
            let wake = poll_fn(|cx| {
                // A receive error (an ICMP error reported late, say) is passed over, and
                // the socket polled again on the next round.
                match self.names.poll_recv_from(cx, &mut nbuf) {
                    Poll::Ready(Ok((n, from))) => return Poll::Ready(Wake::Name(n, from)),
                    Poll::Ready(Err(_)) => return Poll::Ready(Wake::Again),
                    Poll::Pending => {}
                }
                if let Some(d) = &self.datagrams {
                    match d.poll_recv_from(cx, &mut dbuf) {
                        Poll::Ready(Ok((n, from))) => return Poll::Ready(Wake::Datagram(n, from)),
                        Poll::Ready(Err(_)) => return Poll::Ready(Wake::Again),
                        Poll::Pending => {}
                    }
                }
                if timer.poll(cx).is_ready() {
                    return Poll::Ready(Wake::Timer);
                }
                if stop.as_mut().poll_next(cx).is_ready() {
                    return Poll::Ready(Wake::Stop);
                }
                Poll::Pending
            })
            .await;
            let now = clock.now().instant;
            match wake {
                Wake::Again => {}
                // What does not decode, or comes from an IPv6 peer, is not for us.
                Wake::Name(n, from) => {
                    if let Some(from) = from_std(from) {
                        let _ = self.responder.handle_datagram(now, from, &nbuf[..n]);
                    }
                }
                Wake::Datagram(n, from) => {
                    if let Some(from) = from_std(from) {
                        let _ = self.announcer.handle_datagram(now, from, &dbuf[..n]);
                    }
                }
                Wake::Timer => {
                    self.responder.handle_timeout(now);
                    self.announcer.handle_timeout(now);
                }
                Wake::Stop => {
                    self.responder.stop(now);
                    if self.datagrams.is_some() {
                        self.announcer.stop(now);
                    }
                    self.flush(&mut on_event).await;
                    return;
                }
            }
        }
    }
}
