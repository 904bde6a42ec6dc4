//! A sans-IO name resolver: name queries and node status requests, by broadcast, to a
//! name server (WINS), or to a node directly.
//!
//! [`Resolver::query`] and [`Resolver::node_status`] queue a request and return its
//! [`QueryId`]; the answer comes as a [`ResolverEvent`]. Retransmissions keep the
//! transaction id: by broadcast 3 tries 250 ms apart (RFC 1002's BCAST_REQ_RETRY_*), to a
//! unicast target 3 tries 1.5 s apart ([`UCAST_REQ_RETRY_TIMEOUT`]: RFC 1002 says 5 s;
//! both are in [`ResolverConfig`]). After the last try's interval the request fails with
//! [`ResolveError::Timeout`].
//!
//! An answer matches a request when it is a response with the request's transaction id,
//! its record names the name asked for (node status: any name), and, for a unicast
//! target, it comes from the target's address. A broadcast query completes with the first
//! positive answer (a group name may have more holders: ask again, or ask a name server).
//! A negative answer from a unicast target ends the query with
//! [`ResolveError::NotFound`]; negative answers to broadcasts are ignored (nodes must not
//! send them).
//!
//! The host sends from any UDP port (answers come back to it) with `SO_BROADCAST` for
//! broadcast queries.

use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;

use super::packet::{NbAddress, Opcode, Packet, RData, Rcode, rr_type};
use super::status::NodeStatus;
use super::{
    Addr, BCAST_REQ_RETRY_COUNT, BCAST_REQ_RETRY_TIMEOUT, Datagram, NAME_SERVICE_PORT, Outbox,
    UCAST_REQ_RETRY_COUNT, UCAST_REQ_RETRY_TIMEOUT,
};
use crate::rng::Rng;
use crate::time::Instant;
use crate::wire::codec::DecodeError;
use crate::wire::netbios::NetbiosName;

/// Most requests in flight; more fail at once with [`ResolveError::Busy`].
pub const MAX_PENDING: usize = 256;

/// Where a request goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    /// The configured broadcast address (query flags RD and B, as Windows sends them).
    Broadcast,
    /// A name server (WINS): the query asks for recursion (RD), and the server answers
    /// for names it knows of, negatively for others.
    Server(Addr),
    /// One node asked directly, like `nmblookup -U`: no RD, so that a node without the
    /// name answers negatively instead of staying silent.
    Node(Addr),
}

impl Target {
    /// The address of a unicast target.
    pub fn unicast(self) -> Option<Addr> {
        match self {
            Target::Broadcast => None,
            Target::Server(a) | Target::Node(a) => Some(a),
        }
    }
}

/// Retransmission schedule and broadcast address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ResolverConfig {
    /// Where broadcast queries go (the subnet's broadcast address, port 137).
    pub broadcast: Addr,
    /// Pause between broadcast tries.
    pub broadcast_interval: Duration,
    /// Broadcast tries.
    pub broadcast_tries: u8,
    /// Pause between unicast tries.
    pub unicast_interval: Duration,
    /// Unicast tries.
    pub unicast_tries: u8,
}

impl Default for ResolverConfig {
    /// Broadcasts to 255.255.255.255:137; RFC 1002's broadcast schedule, 1.5 s unicast.
    fn default() -> Self {
        Self {
            broadcast: Addr::new([255; 4], NAME_SERVICE_PORT),
            broadcast_interval: BCAST_REQ_RETRY_TIMEOUT,
            broadcast_tries: BCAST_REQ_RETRY_COUNT,
            unicast_interval: UCAST_REQ_RETRY_TIMEOUT,
            unicast_tries: UCAST_REQ_RETRY_COUNT,
        }
    }
}

/// Identifies a request.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct QueryId(pub u32);

/// Why a request failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ResolveError {
    /// The target answered that the name does not exist (or another error code).
    #[error("name not found (rcode {})", .rcode.0)]
    NotFound {
        /// The RCODE of the negative response.
        rcode: Rcode,
    },
    /// No answer after the last try.
    #[error("no answer")]
    Timeout,
    /// Too many requests in flight.
    #[error("too many requests in flight")]
    Busy,
}

/// The outcome of a request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ResolverEvent {
    /// A name query was answered.
    Resolved {
        /// The request.
        id: QueryId,
        /// The name asked for.
        name: NetbiosName,
        /// The address entries of the answer (flags and IPv4 address).
        addresses: Vec<NbAddress>,
        /// Who answered.
        from: Addr,
    },
    /// A node status request was answered.
    Status {
        /// The request.
        id: QueryId,
        /// The node's names and statistics.
        status: NodeStatus,
        /// Who answered.
        from: Addr,
    },
    /// The request failed.
    Failed {
        /// The request.
        id: QueryId,
        /// Why.
        error: ResolveError,
    },
}

#[derive(Debug)]
struct Pending {
    id: QueryId,
    trn_id: u16,
    /// The name asked for; `None` for a node status request.
    name: Option<NetbiosName>,
    target: Target,
    dest: Addr,
    payload: Bytes,
    tries: u8,
    deadline: Instant,
}

/// The resolver. See the [module documentation](self).
#[derive(Debug)]
pub struct Resolver {
    config: ResolverConfig,
    rng: Rng,
    next_id: u32,
    pending: Vec<Pending>,
    out: Outbox<ResolverEvent>,
}

impl Resolver {
    /// A resolver with transaction ids drawn from `seed`.
    pub fn new(config: ResolverConfig, seed: [u8; 32]) -> Self {
        Self {
            config,
            rng: Rng::from_seed(seed),
            next_id: 0,
            pending: Vec::new(),
            out: Outbox::new(),
        }
    }

    /// Asks for the addresses of `name` (an NB query; flags as [`Target`] says).
    pub fn query(&mut self, now: Instant, name: NetbiosName, target: Target) -> QueryId {
        let broadcast = target == Target::Broadcast;
        let rd = !matches!(target, Target::Node(_));
        self.start(now, Some(name.clone()), target, |trn| {
            Packet::name_query(trn, name, broadcast, rd)
        })
    }

    /// Asks `target` for its node status (its names and MAC address), with the wildcard
    /// name `*`.
    pub fn node_status(&mut self, now: Instant, target: Addr) -> QueryId {
        self.start(now, None, Target::Node(target), |trn| {
            Packet::node_status_request(trn, NetbiosName::new("*", 0))
        })
    }

    /// Forgets a request; no event will come for it. Returns whether it was pending.
    pub fn cancel(&mut self, id: QueryId) -> bool {
        let before = self.pending.len();
        self.pending.retain(|p| p.id != id);
        before != self.pending.len()
    }

    /// Number of requests in flight.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    fn start(
        &mut self,
        now: Instant,
        name: Option<NetbiosName>,
        target: Target,
        build: impl FnOnce(u16) -> Packet,
    ) -> QueryId {
        let id = QueryId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        if self.pending.len() >= MAX_PENDING {
            self.out.event(ResolverEvent::Failed {
                id,
                error: ResolveError::Busy,
            });
            return id;
        }
        let trn_id = loop {
            let t = self.rng.u32() as u16;
            if !self.pending.iter().any(|p| p.trn_id == t) {
                break t;
            }
        };
        let dest = target.unicast().unwrap_or(self.config.broadcast);
        let payload = build(trn_id).encode();
        self.out.send(dest, payload.clone());
        let interval = self.interval(target);
        self.pending.push(Pending {
            id,
            trn_id,
            name,
            target,
            dest,
            payload,
            tries: 1,
            deadline: now + interval,
        });
        id
    }

    fn interval(&self, target: Target) -> Duration {
        match target {
            Target::Broadcast => self.config.broadcast_interval,
            Target::Server(_) | Target::Node(_) => self.config.unicast_interval,
        }
    }

    fn max_tries(&self, target: Target) -> u8 {
        match target {
            Target::Broadcast => self.config.broadcast_tries,
            Target::Server(_) | Target::Node(_) => self.config.unicast_tries,
        }
    }

    /// The next time [`handle_timeout`](Self::handle_timeout) has work, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.deadline).min()
    }

    /// Retransmits or fails the requests due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.pending.len() {
            let p = &self.pending[i];
            if p.deadline > now {
                i += 1;
                continue;
            }
            if p.tries < self.max_tries(p.target) {
                let interval = self.interval(p.target);
                let p = &mut self.pending[i];
                p.tries += 1;
                p.deadline = now + interval;
                self.out.send(p.dest, p.payload.clone());
                i += 1;
            } else {
                let p = self.pending.remove(i);
                self.out.event(ResolverEvent::Failed {
                    id: p.id,
                    error: ResolveError::Timeout,
                });
            }
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Datagram> {
        self.out.poll_transmit()
    }

    /// The next outcome.
    pub fn poll_event(&mut self) -> Option<ResolverEvent> {
        self.out.poll_event()
    }

    /// Handles a datagram received from `from` on the resolver's socket. One that does not
    /// decode changes nothing and returns the error; one that answers nothing pending is
    /// ignored.
    pub fn handle_datagram(
        &mut self,
        _now: Instant,
        from: Addr,
        datagram: &[u8],
    ) -> Result<(), DecodeError> {
        let packet = Packet::decode(&Bytes::copy_from_slice(datagram))?;
        let h = packet.header;
        if !h.response || h.opcode != Opcode::QUERY {
            return Ok(());
        }
        let Some(i) = self.pending.iter().position(|p| {
            p.trn_id == h.trn_id && p.target.unicast().is_none_or(|a| a.ip == from.ip)
        }) else {
            return Ok(());
        };
        let Some(rr) = packet.answer() else {
            return Ok(());
        };
        let p = &self.pending[i];
        let event = match &p.name {
            Some(name) if rr.name.same_as(name) => match (&rr.rdata, h.rcode) {
                (RData::Nb(addresses), Rcode::OK)
                    if rr.rr_type == rr_type::NB && !addresses.is_empty() =>
                {
                    ResolverEvent::Resolved {
                        id: p.id,
                        name: name.clone(),
                        addresses: addresses.clone(),
                        from,
                    }
                }
                (_, rcode) if rcode != Rcode::OK && p.target != Target::Broadcast => {
                    ResolverEvent::Failed {
                        id: p.id,
                        error: ResolveError::NotFound { rcode },
                    }
                }
                _ => return Ok(()),
            },
            None => match &rr.rdata {
                RData::NodeStatus(status) if h.rcode == Rcode::OK => ResolverEvent::Status {
                    id: p.id,
                    status: status.clone(),
                    from,
                },
                _ => return Ok(()),
            },
            Some(_) => return Ok(()),
        };
        self.pending.remove(i);
        self.out.event(event);
        Ok(())
    }
}
