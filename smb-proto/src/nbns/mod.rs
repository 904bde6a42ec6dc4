//! NetBIOS over TCP/IP name service (RFC 1001/1002, UDP port 137) and browse
//! announcements (the datagram service on UDP port 138 carrying MS-BRWS frames), sans-IO.
//!
//! Like the rest of this crate nothing here touches a socket or a clock: datagrams go in
//! with the address they came from and the current [`Instant`](crate::time::Instant),
//! datagrams to send come out with their destination ([`Datagram`]), randomness (the
//! transaction ids) comes from a seed the host passes in once.
//!
//! - [`name`]: NetBIOS names on this wire (the second-level encoding, scopes, compression
//!   pointers), built on [`NetbiosName`](crate::wire::NetbiosName).
//! - [`packet`], [`status`], [`message`]: the name service packet, the node status
//!   (NBSTAT) answer, and builders and a classifier for every RFC 1002 message.
//! - [`responder`]: answers queries for our names, registers them by broadcast (B-node),
//!   defends them, releases them.
//! - [`resolver`]: name queries and node status requests, by broadcast or to a server.
//! - [`datagram`], [`mailslot`], [`browse`], [`announcer`]: the datagram service header,
//!   the SMB mailslot write it carries, the browser frames, and a host-announcement timer.
//!
//! # What the host loop does
//!
//! - **Responder** (UDP 137): one socket per IPv4 interface, bound so that it receives
//!   both unicast and broadcast datagrams (`0.0.0.0:137`, or the interface address and
//!   the subnet broadcast address), with `SO_BROADCAST` set; one [`Responder`] per
//!   interface, configured with that interface's address and broadcast address. Every
//!   datagram received goes to `handle_datagram` with its source address; everything
//!   from `poll_transmit` is sent from that same socket (answers must come from port 137,
//!   and answers to our registrations come back to it). Call `start` once the socket is
//!   bound (names are held 750 ms later), `handle_timeout` whenever `poll_timeout` is
//!   due, and `stop` at shutdown, then send what it queued before closing the socket.
//! - **Resolver**: any UDP socket (an ephemeral port is fine: answers come back to the
//!   source port), `SO_BROADCAST` for [`Target::Broadcast`](resolver::Target::Broadcast).
//!   It may share the responder's socket if the host hands responses (the R bit, byte 2
//!   bit 7) to the resolver and requests to the responder.
//! - **Announcer** (UDP 138): a socket bound to port 138 with `SO_BROADCAST` (the
//!   datagram header says port 138, and browsers answer there); `start` after binding,
//!   `stop` at shutdown, timers as above. Datagrams for other mailslots or of other types
//!   come back from `handle_datagram` as errors: ignore them.
//!
//! [`Responder`]: responder::Responder
//!
//! A whole exchange on virtual time, a resolver asking a responder:
//!
//! ```
//! use core::time::Duration;
//! use smb_proto::nbns::resolver::{Resolver, ResolverConfig, ResolverEvent, Target};
//! use smb_proto::nbns::responder::{Responder, ResponderConfig};
//! use smb_proto::nbns::{Addr, NAME_SERVICE_PORT};
//! use smb_proto::time::Instant;
//! use smb_proto::wire::NetbiosName;
//!
//! let server = Addr::new([192, 168, 1, 10], NAME_SERVICE_PORT);
//! let client = Addr::new([192, 168, 1, 20], NAME_SERVICE_PORT);
//! let config = ResponderConfig::server("FILES", "WORKGROUP", [192, 168, 1, 10], [192, 168, 1, 255]);
//! let mut responder = Responder::new(config, [7; 32]).unwrap();
//! let mut now = Instant::ZERO;
//! responder.start(now);
//! // Nobody objects to the registration broadcasts: after three tries the names are ours.
//! while let Some(at) = responder.poll_timeout() {
//!     while responder.poll_transmit().is_some() {}
//!     now = at;
//!     responder.handle_timeout(now);
//! }
//!
//! let mut resolver = Resolver::new(ResolverConfig::default(), [8; 32]);
//! let id = resolver.query(now, NetbiosName::new("files", 0x20), Target::Node(server));
//! let ask = resolver.poll_transmit().unwrap();
//! assert_eq!(ask.dest, server);
//! responder.handle_datagram(now, client, &ask.payload).unwrap();
//! let answer = responder.poll_transmit().unwrap();
//! assert_eq!(answer.dest, client);
//! resolver.handle_datagram(now + Duration::from_millis(1), server, &answer.payload).unwrap();
//! match resolver.poll_event() {
//!     Some(ResolverEvent::Resolved { id: got, addresses, .. }) => {
//!         assert_eq!(got, id);
//!         assert_eq!(addresses[0].ip, [192, 168, 1, 10]);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```

use alloc::collections::VecDeque;
use bytes::Bytes;
use core::fmt;
use core::time::Duration;

pub mod announcer;
pub mod browse;
pub mod datagram;
pub mod mailslot;
pub mod message;
pub mod name;
pub mod packet;
pub mod resolver;
pub mod responder;
pub mod status;

/// UDP port of the name service.
pub const NAME_SERVICE_PORT: u16 = 137;
/// UDP port of the datagram service (browse announcements).
pub const DATAGRAM_PORT: u16 = 138;

/// RFC 1002 BCAST_REQ_RETRY_TIMEOUT: the pause between broadcast retransmissions.
pub const BCAST_REQ_RETRY_TIMEOUT: Duration = Duration::from_millis(250);
/// RFC 1002 BCAST_REQ_RETRY_COUNT: how many times a broadcast request is sent.
pub const BCAST_REQ_RETRY_COUNT: u8 = 3;
/// The pause between unicast retransmissions this crate uses by default. RFC 1002 says
/// 5 s (UCAST_REQ_RETRY_TIMEOUT, "an adaptive timer may be used"); a name server on a LAN
/// answers in milliseconds, so 1.5 s keeps a failed lookup under 5 s in all.
pub const UCAST_REQ_RETRY_TIMEOUT: Duration = Duration::from_millis(1500);
/// RFC 1002 UCAST_REQ_RETRY_COUNT: how many times a unicast request is sent.
pub const UCAST_REQ_RETRY_COUNT: u8 = 3;
/// RFC 1002 MAX_DATAGRAM_LENGTH: what a name service packet should fit in.
pub const MAX_DATAGRAM_LENGTH: usize = 576;

/// An IPv4 address and a UDP port, as plain values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Addr {
    /// The IPv4 address, most significant byte first.
    pub ip: [u8; 4],
    /// The UDP port.
    pub port: u16,
}

impl Addr {
    /// An address from its parts.
    pub const fn new(ip: [u8; 4], port: u16) -> Self {
        Self { ip, port }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.ip;
        write!(f, "{a}.{b}.{c}.{d}:{}", self.port)
    }
}

impl fmt::Debug for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A datagram for the host to send.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Datagram {
    /// Where to send it (a broadcast address needs `SO_BROADCAST` on the socket).
    pub dest: Addr,
    /// The UDP payload.
    pub payload: Bytes,
}

/// Datagrams and events waiting for the host, as every machine here keeps them.
#[derive(Debug)]
pub(crate) struct Outbox<E> {
    transmits: VecDeque<Datagram>,
    events: VecDeque<E>,
}

impl<E> Outbox<E> {
    /// Most datagrams (and events) waiting before optional ones are dropped.
    pub(crate) const LIMIT: usize = 64;

    pub(crate) fn new() -> Self {
        Self {
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Queues a datagram.
    pub(crate) fn send(&mut self, dest: Addr, payload: Bytes) {
        self.transmits.push_back(Datagram { dest, payload });
    }

    /// Queues a datagram unless [`LIMIT`](Self::LIMIT) are waiting; returns whether it
    /// was queued.
    pub(crate) fn send_optional(&mut self, dest: Addr, payload: Bytes) -> bool {
        let room = self.transmits.len() < Self::LIMIT;
        if room {
            self.send(dest, payload);
        }
        room
    }

    /// Queues an event.
    pub(crate) fn event(&mut self, e: E) {
        self.events.push_back(e);
    }

    /// Queues an event unless [`LIMIT`](Self::LIMIT) are waiting.
    pub(crate) fn event_optional(&mut self, e: E) {
        if self.events.len() < Self::LIMIT {
            self.events.push_back(e);
        }
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Datagram> {
        self.transmits.pop_front()
    }

    pub(crate) fn poll_event(&mut self) -> Option<E> {
        self.events.pop_front()
    }
}
