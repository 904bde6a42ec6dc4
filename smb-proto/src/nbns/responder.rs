//! A sans-IO name service responder: a B-node (RFC 1001 15, RFC 1002 5.1.1) holding a
//! few names, typically a file server's.
//!
//! The host binds UDP port 137 (with `SO_BROADCAST`), calls [`Responder::start`], feeds
//! every datagram it receives to [`Responder::handle_datagram`], calls
//! [`Responder::handle_timeout`] when [`Responder::poll_timeout`] says, sends what
//! [`Responder::poll_transmit`] gives from that same socket, and calls
//! [`Responder::stop`] (then sends once more) before closing.
//!
//! What it does:
//! - **Registration**: `start` broadcasts a name registration request for each name,
//!   three times 250 ms apart (BCAST_REQ_RETRY_COUNT, BCAST_REQ_RETRY_TIMEOUT); a name
//!   nobody objected to 250 ms after the third is ours ([`ResponderEvent::Registered`]).
//!   Like Samba, no overwrite demand follows.
//! - **Conflict**: a negative registration response to our request (same transaction
//!   id and name), or a name conflict demand for a name we hold, puts the name in
//!   conflict ([`ResponderEvent::Conflict`]): it is no longer answered for.
//! - **Queries**: a name query for a name we hold gets a positive response listing every
//!   configured address. A query for another name gets nothing if it was broadcast, or
//!   if it asks for recursion (Samba's observation of Windows), else a negative response
//!   (NAM_ERR).
//! - **Node status**: a node status request for `*` or one of our names lists our names
//!   (held ones ACTIVE, ones in conflict with CONFLICT; as many as fit in 576 bytes) and
//!   the unit id.
//! - **Defence**: a registration request, overwrite demand or refresh request from another
//!   node for a name we hold gets a negative response (same opcode) with ACT_ERR, unless
//!   both its name and ours are group names. The response's record carries our entry for
//!   the name (flags and first address) and TTL, as Samba 4's NBT server answers and
//!   smbtorture's `nbt.register` tests expect (Samba 3's nmbd echoes the requester's
//!   entry, and answers a unicast registration with FMT_ERR instead).
//! - **Release**: `stop` broadcasts one name release request per name held.
//!
//! Queues are bounded: beyond [`MAX_QUEUED`] datagrams or events, answers and query log
//! events are dropped (UDP is lossy anyway); registration events never are.

use alloc::vec::Vec;
use bytes::Bytes;

use super::name;
use super::packet::{HEADER_LEN, NbAddress, NbFlags, NodeType, Opcode, Packet, Rcode, rr_type};
use super::status::{NameFlags, NodeName, NodeStatus, STATISTICS_LEN, Statistics};
use super::{
    Addr, BCAST_REQ_RETRY_COUNT, BCAST_REQ_RETRY_TIMEOUT, Datagram, MAX_DATAGRAM_LENGTH,
    NAME_SERVICE_PORT, Outbox,
};
use crate::nbns::message::Kind;
use crate::rng::Rng;
use crate::time::Instant;
use crate::wire::codec::DecodeError;
use crate::wire::netbios::NetbiosName;

/// Most datagrams (and events) waiting to be taken before new answers are dropped.
pub const MAX_QUEUED: usize = Outbox::<()>::LIMIT;
/// Most names a responder holds.
pub const MAX_NAMES: usize = 32;
/// Most addresses a responder answers with (a positive response then still fits in
/// [`MAX_DATAGRAM_LENGTH`]).
pub const MAX_ADDRESSES: usize = 16;
/// The TTL Windows registers names with (about 3.5 days), the default here.
pub const DEFAULT_TTL: u32 = 300_000;

/// A name to hold, unique or group.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OwnedName {
    /// The name.
    pub name: NetbiosName,
    /// Whether it is a group name (many nodes may hold it; never defended against another
    /// group registration).
    pub group: bool,
}

impl OwnedName {
    /// A unique name.
    pub fn unique(name: &str, suffix: u8) -> Self {
        Self {
            name: NetbiosName::new(name, suffix),
            group: false,
        }
    }

    /// A group name.
    pub fn group(name: &str, suffix: u8) -> Self {
        Self {
            name: NetbiosName::new(name, suffix),
            group: true,
        }
    }
}

/// What the responder holds and answers with.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResponderConfig {
    /// The names (at most [`MAX_NAMES`]).
    pub names: Vec<OwnedName>,
    /// Our IPv4 addresses (1 to [`MAX_ADDRESSES`]); the first goes into registrations and
    /// releases, all of them into query responses.
    pub addresses: Vec<[u8; 4]>,
    /// The TTL of our names in seconds, in registrations and query responses.
    pub ttl: u32,
    /// Where registrations and releases are broadcast (the subnet's broadcast address,
    /// port 137).
    pub broadcast: Addr,
    /// The unit id (MAC address) reported in node status responses.
    pub unit_id: [u8; 6],
}

impl ResponderConfig {
    /// The names of an SMB file server: `NAME<00>` and `NAME<20>` (unique),
    /// `WORKGROUP<00>` and `WORKGROUP<1E>` (group; `<1E>` is the browser election name),
    /// at one address, broadcasting to `broadcast` port 137.
    pub fn server(name: &str, workgroup: &str, address: [u8; 4], broadcast: [u8; 4]) -> Self {
        Self {
            names: alloc::vec![
                OwnedName::unique(name, NetbiosName::WORKSTATION),
                OwnedName::unique(name, NetbiosName::SERVER),
                OwnedName::group(workgroup, 0x00),
                OwnedName::group(workgroup, 0x1E),
            ],
            addresses: alloc::vec![address],
            ttl: DEFAULT_TTL,
            broadcast: Addr::new(broadcast, NAME_SERVICE_PORT),
            unit_id: [0; 6],
        }
    }
}

/// Why a configuration was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ConfigError {
    /// No address, or more than [`MAX_ADDRESSES`].
    #[error("a responder needs 1 to {MAX_ADDRESSES} addresses")]
    Addresses,
    /// No name, or more than [`MAX_NAMES`].
    #[error("a responder holds 1 to {MAX_NAMES} names")]
    Names,
    /// The same name twice.
    #[error("a name is configured twice")]
    Duplicate,
    /// The wildcard name `*` (it stands for any node, nobody holds it).
    #[error("the wildcard name cannot be held")]
    Wildcard,
}

/// Where a name stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NameState {
    /// Not started yet.
    Idle,
    /// Registration broadcasts under way (`tries` sent so far).
    Registering {
        /// Requests sent so far.
        tries: u8,
    },
    /// Ours: answered for and defended.
    Registered,
    /// Another node holds it: no longer answered for.
    Conflict,
    /// Released by [`Responder::stop`].
    Released,
}

/// Whether a query was for addresses or for the node status.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QueryKind {
    /// A name query (NB).
    Name,
    /// A node status request (NBSTAT).
    Status,
}

/// What happened, for the host to log or act on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ResponderEvent {
    /// Nobody objected: the name is ours.
    Registered {
        /// The name.
        name: NetbiosName,
    },
    /// Another node holds the name (a negative registration response or a conflict
    /// demand); it is no longer answered for.
    Conflict {
        /// The name.
        name: NetbiosName,
        /// Who said so.
        from: Addr,
        /// The RCODE it said it with.
        rcode: Rcode,
    },
    /// Another node tried to register a name we hold and was told no.
    Defended {
        /// The name.
        name: NetbiosName,
        /// The node that tried.
        against: Addr,
    },
    /// A query arrived (a log line; dropped when the event queue is full).
    Query {
        /// Who asked.
        from: Addr,
        /// For which name.
        name: NetbiosName,
        /// Name query or node status.
        kind: QueryKind,
        /// Whether it was broadcast.
        broadcast: bool,
        /// Whether the name is one we hold (for node status: `*` or one we hold).
        found: bool,
        /// Whether an answer (positive or negative) was queued.
        answered: bool,
    },
}

#[derive(Debug)]
struct Entry {
    owned: OwnedName,
    trn_id: u16,
    state: NameState,
    deadline: Option<Instant>,
}

/// The responder. See the [module documentation](self).
#[derive(Debug)]
pub struct Responder {
    config: ResponderConfig,
    entries: Vec<Entry>,
    rng: Rng,
    out: Outbox<ResponderEvent>,
}

impl Responder {
    /// A responder for `config`, with transaction ids drawn from `seed` (32 bytes from the
    /// host's secure random source).
    pub fn new(config: ResponderConfig, seed: [u8; 32]) -> Result<Self, ConfigError> {
        if config.addresses.is_empty() || config.addresses.len() > MAX_ADDRESSES {
            return Err(ConfigError::Addresses);
        }
        if config.names.is_empty() || config.names.len() > MAX_NAMES {
            return Err(ConfigError::Names);
        }
        for (i, n) in config.names.iter().enumerate() {
            if n.name.is_wildcard() {
                return Err(ConfigError::Wildcard);
            }
            if config.names[..i].iter().any(|m| m.name.same_as(&n.name)) {
                return Err(ConfigError::Duplicate);
            }
        }
        let entries = config
            .names
            .iter()
            .map(|owned| Entry {
                owned: owned.clone(),
                trn_id: 0,
                state: NameState::Idle,
                deadline: None,
            })
            .collect();
        Ok(Self {
            config,
            entries,
            rng: Rng::from_seed(seed),
            out: Outbox::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ResponderConfig {
        &self.config
    }

    /// Where each configured name stands, in configuration order.
    pub fn names(&self) -> impl Iterator<Item = (&OwnedName, NameState)> {
        self.entries.iter().map(|e| (&e.owned, e.state))
    }

    /// Where one name stands (`None` if it is not configured).
    pub fn name_state(&self, name: &NetbiosName) -> Option<NameState> {
        self.entries
            .iter()
            .find(|e| e.owned.name.same_as(name))
            .map(|e| e.state)
    }

    /// Starts registering every name not yet held (the first broadcasts are queued now).
    pub fn start(&mut self, now: Instant) {
        for i in 0..self.entries.len() {
            if matches!(self.entries[i].state, NameState::Idle | NameState::Released) {
                let trn_id = self.fresh_trn_id();
                let e = &mut self.entries[i];
                e.trn_id = trn_id;
                e.state = NameState::Registering { tries: 0 };
                self.send_registration(i, now);
            }
        }
    }

    /// Releases every name held (one broadcast each) and stops answering.
    pub fn stop(&mut self, _now: Instant) {
        for i in 0..self.entries.len() {
            let e = &mut self.entries[i];
            let held = e.state == NameState::Registered;
            e.state = NameState::Released;
            e.deadline = None;
            if held {
                let trn_id = self.fresh_trn_id();
                let p = Packet::release_request(
                    trn_id,
                    self.entries[i].owned.name.clone(),
                    self.entry_of(i),
                    true,
                );
                self.push_transmit(self.config.broadcast, &p, true);
            }
        }
    }

    /// The next time [`handle_timeout`](Self::handle_timeout) has work, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.entries.iter().filter_map(|e| e.deadline).min()
    }

    /// Runs the timers due at `now`: registration retransmissions and completions.
    pub fn handle_timeout(&mut self, now: Instant) {
        for i in 0..self.entries.len() {
            let e = &self.entries[i];
            let (NameState::Registering { tries }, Some(deadline)) = (e.state, e.deadline) else {
                continue;
            };
            if deadline > now {
                continue;
            }
            if tries < BCAST_REQ_RETRY_COUNT {
                self.send_registration(i, now);
            } else {
                let e = &mut self.entries[i];
                e.state = NameState::Registered;
                e.deadline = None;
                let name = e.owned.name.clone();
                self.out.event(ResponderEvent::Registered { name });
            }
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Datagram> {
        self.out.poll_transmit()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ResponderEvent> {
        self.out.poll_event()
    }

    /// Handles a datagram received on port 137 from `from`. A datagram that does not
    /// decode changes nothing and returns the error (for the host to log, if it likes).
    pub fn handle_datagram(
        &mut self,
        _now: Instant,
        from: Addr,
        datagram: &[u8],
    ) -> Result<(), DecodeError> {
        let packet = Packet::decode(&Bytes::copy_from_slice(datagram))?;
        match packet.kind() {
            Kind::NameQueryRequest => self.on_query(from, &packet),
            Kind::NodeStatusRequest => self.on_status(from, &packet),
            Kind::NameRegistrationRequest
            | Kind::NameOverwriteDemand
            | Kind::MultihomedRegistrationRequest
            | Kind::NameRefreshRequest => self.on_registration(from, &packet),
            Kind::NegativeNameRegistrationResponse | Kind::NameConflictDemand => {
                self.on_negative(from, &packet)
            }
            _ => {}
        }
        Ok(())
    }

    fn fresh_trn_id(&mut self) -> u16 {
        loop {
            let id = self.rng.u32() as u16;
            if !self.entries.iter().any(|e| e.trn_id == id) {
                return id;
            }
        }
    }

    /// Our address entry for name `i` (the first configured address).
    fn entry_of(&self, i: usize) -> NbAddress {
        NbAddress {
            flags: NbFlags::new(self.entries[i].owned.group, NodeType::B),
            ip: self.config.addresses[0],
        }
    }

    fn send_registration(&mut self, i: usize, now: Instant) {
        let e = &self.entries[i];
        let p = Packet::registration_request(
            e.trn_id,
            e.owned.name.clone(),
            self.entry_of(i),
            self.config.ttl,
            true,
        );
        self.push_transmit(self.config.broadcast, &p, true);
        let e = &mut self.entries[i];
        if let NameState::Registering { tries } = &mut e.state {
            *tries += 1;
        }
        e.deadline = Some(now + BCAST_REQ_RETRY_TIMEOUT);
    }

    /// Queues a datagram; one that is not `essential` is dropped when the queue is full.
    fn push_transmit(&mut self, dest: Addr, p: &Packet, essential: bool) -> bool {
        if essential {
            self.out.send(dest, p.encode());
            true
        } else {
            self.out.send_optional(dest, p.encode())
        }
    }

    fn log(&mut self, ev: ResponderEvent) {
        self.out.event_optional(ev);
    }

    /// The held entry for a name, if any.
    fn held(&self, name: &NetbiosName) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.state == NameState::Registered && e.owned.name.same_as(name))
    }

    fn on_query(&mut self, from: Addr, p: &Packet) {
        let Some(q) = p.question() else { return };
        let broadcast = p.header.nm_flags.broadcast();
        let rd = p.header.nm_flags.has(super::packet::NmFlags::RD);
        let held = self.held(&q.name);
        let reply = match held {
            Some(i) => {
                let flags = NbFlags::new(self.entries[i].owned.group, NodeType::B);
                let addresses = self
                    .config
                    .addresses
                    .iter()
                    .map(|&ip| NbAddress { flags, ip })
                    .collect();
                Some(Packet::positive_query_response(
                    p.header.trn_id,
                    q.name.clone(),
                    self.config.ttl,
                    addresses,
                    rd,
                ))
            }
            None if broadcast || rd => None,
            None => Some(Packet::negative_query_response(
                p.header.trn_id,
                q.name.clone(),
                Rcode::NAM_ERR,
                rd,
            )),
        };
        let answered = reply.is_some_and(|r| self.push_transmit(from, &r, false));
        self.log(ResponderEvent::Query {
            from,
            name: q.name.clone(),
            kind: QueryKind::Name,
            broadcast,
            found: held.is_some(),
            answered,
        });
    }

    fn on_status(&mut self, from: Addr, p: &Packet) {
        let Some(q) = p.question() else { return };
        let ours = q.name.is_wildcard() || self.held(&q.name).is_some();
        // As many names as fit in MAX_DATAGRAM_LENGTH next to the header, the record's
        // name and fixed fields, the count and the statistics.
        let fixed = HEADER_LEN + name::encoded_len(&q.name, None) + 10 + 1 + STATISTICS_LEN;
        let room = MAX_DATAGRAM_LENGTH.saturating_sub(fixed) / 18;
        let names: Vec<NodeName> = self
            .entries
            .iter()
            .filter_map(|e| {
                let state = match e.state {
                    NameState::Registered => NameFlags::ACTIVE,
                    NameState::Conflict => NameFlags::ACTIVE | NameFlags::CONFLICT,
                    _ => return None,
                };
                let group = if e.owned.group { NameFlags::GROUP } else { 0 };
                Some(NodeName {
                    name: NetbiosName::from_raw(e.owned.name.raw),
                    flags: NameFlags(state | group),
                })
            })
            .take(room)
            .collect();
        let mut answered = false;
        if ours
            && self
                .entries
                .iter()
                .any(|e| e.state == NameState::Registered)
        {
            let status = NodeStatus {
                names,
                statistics: Statistics::new(self.config.unit_id),
            };
            let r = Packet::node_status_response(p.header.trn_id, q.name.clone(), status);
            answered = self.push_transmit(from, &r, false);
        }
        self.log(ResponderEvent::Query {
            from,
            name: q.name.clone(),
            kind: QueryKind::Status,
            broadcast: p.header.nm_flags.broadcast(),
            found: ours,
            answered,
        });
    }

    fn on_registration(&mut self, from: Addr, p: &Packet) {
        let Some(q) = p.question() else { return };
        let Some(i) = self.held(&q.name) else { return };
        let Some(theirs) = p
            .additional_record()
            .and_then(|rr| rr.addresses().first().copied())
        else {
            return;
        };
        // Our own broadcast heard back, or someone registering the name with our address.
        if self.config.addresses.contains(&theirs.ip) {
            return;
        }
        if self.entries[i].owned.group && theirs.flags.group() {
            return;
        }
        let mut r = Packet::registration_response(
            p.header.trn_id,
            q.name.clone(),
            Rcode::ACT_ERR,
            self.config.ttl,
            self.entry_of(i),
        );
        // A refresh is answered as a refresh.
        r.header.opcode = p.header.opcode;
        self.push_transmit(from, &r, false);
        let name = self.entries[i].owned.name.clone();
        self.log(ResponderEvent::Defended {
            name,
            against: from,
        });
    }

    fn on_negative(&mut self, from: Addr, p: &Packet) {
        let Some(rr) = p.answer() else { return };
        if rr.rr_type != rr_type::NB || p.header.opcode == Opcode::WACK {
            return;
        }
        let rcode = p.header.rcode;
        let hit = self.entries.iter().position(|e| {
            e.owned.name.same_as(&rr.name)
                && match e.state {
                    NameState::Registering { .. } => e.trn_id == p.header.trn_id,
                    NameState::Registered => rcode == Rcode::CFT_ERR,
                    _ => false,
                }
        });
        if let Some(i) = hit {
            let e = &mut self.entries[i];
            e.state = NameState::Conflict;
            e.deadline = None;
            let name = e.owned.name.clone();
            self.out
                .event(ResponderEvent::Conflict { name, from, rcode });
        }
    }
}
