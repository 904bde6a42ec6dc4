//! A sans-IO host announcer: a nonbrowser server's side of MS-BRWS (3.2).
//!
//! [`Announcer::start`] sends a HostAnnouncement at once; the HostAnnouncement timer then
//! fires after 1, 1, 2, 4, 8 and from then on 12 minutes (MS-BRWS 3.2.6), each
//! announcement's Periodicity saying when the next one comes. An AnnouncementRequest for
//! our workgroup (to `WORKGROUP<00>` or `WORKGROUP<1D>` as MS-BRWS says, or
//! `WORKGROUP<1E>` where Samba's nmbd sends it) is answered with a HostAnnouncement
//! after a random delay of up to 30 seconds (so a whole subnet does not answer at once).
//! [`Announcer::stop`] sends a last announcement with server type 0 and periodicity 0,
//! which takes the server off the browse list (what Samba's nmbd sends when it stops).
//!
//! The host binds UDP port 138 with `SO_BROADCAST`, feeds received datagrams to
//! [`Announcer::handle_datagram`] and sends what [`Announcer::poll_transmit`] gives.

use alloc::string::String;
use core::time::Duration;

use super::browse::{self, Announcement, BrowseFrame};
use super::datagram::DatagramBody;
use super::{Addr, DATAGRAM_PORT, Datagram, Outbox};
use crate::rng::Rng;
use crate::time::Instant;
use crate::wire::codec::DecodeError;

/// The longest random delay before answering an AnnouncementRequest.
pub const ANNOUNCEMENT_REQUEST_DELAY: Duration = Duration::from_secs(30);

/// What to announce.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AnnouncerConfig {
    /// Our NetBIOS name.
    pub server_name: String,
    /// Our workgroup.
    pub workgroup: String,
    /// The comment shown next to the name (at most 43 bytes).
    pub comment: String,
    /// Server type bits ([`browse::sv_type`]).
    pub server_type: u32,
    /// Our IPv4 address (the datagram's SOURCE_IP; SOURCE_PORT is 138).
    pub address: [u8; 4],
    /// The subnet's broadcast address (announcements go to port 138 there).
    pub broadcast: [u8; 4],
}

/// The HostAnnouncement timer after `count` announcements (MS-BRWS 3.2.6).
pub fn announcement_interval(count: u32) -> Duration {
    let minutes = match count {
        0 | 1 => 1,
        2 => 2,
        3 => 4,
        4 => 8,
        _ => 12,
    };
    Duration::from_secs(60 * minutes)
}

/// The announcer. See the [module documentation](self).
#[derive(Debug)]
pub struct Announcer {
    config: AnnouncerConfig,
    rng: Rng,
    count: u32,
    next: Option<Instant>,
    requested: Option<Instant>,
    out: Outbox<()>,
}

impl Announcer {
    /// An announcer; `seed` gives the datagram ids and the answer delays.
    pub fn new(config: AnnouncerConfig, seed: [u8; 32]) -> Self {
        Self {
            config,
            rng: Rng::from_seed(seed),
            count: 0,
            next: None,
            requested: None,
            out: Outbox::new(),
        }
    }

    /// Announces now and starts the timer.
    pub fn start(&mut self, now: Instant) {
        self.announce(now, self.config.server_type);
    }

    /// Announces server type 0, periodicity 0 (leaving the browse list) and stops the
    /// timers.
    pub fn stop(&mut self, _now: Instant) {
        self.next = None;
        self.requested = None;
        self.send(0, Duration::ZERO);
    }

    /// Number of announcements sent so far.
    pub fn announcements(&self) -> u32 {
        self.count
    }

    fn send(&mut self, server_type: u32, interval: Duration) {
        let c = &self.config;
        let periodicity = u32::try_from(interval.as_millis()).unwrap_or(u32::MAX);
        let ann = Announcement::new(&c.server_name, server_type, &c.comment, periodicity);
        let source = Addr::new(c.address, DATAGRAM_PORT);
        let dgm_id = self.rng.u32() as u16;
        let payload = browse::host_announcement(dgm_id, source, &c.workgroup, &ann);
        self.out
            .send(Addr::new(c.broadcast, DATAGRAM_PORT), payload);
    }

    fn announce(&mut self, now: Instant, server_type: u32) {
        let interval = announcement_interval(self.count);
        self.send(server_type, interval);
        self.count = self.count.saturating_add(1);
        self.next = Some(now + interval);
    }

    /// The next time [`handle_timeout`](Self::handle_timeout) has work, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.next, self.requested) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Sends the announcements due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        if due(self.next) || due(self.requested) {
            self.requested = None;
            self.announce(now, self.config.server_type);
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Datagram> {
        self.out.poll_transmit()
    }

    /// Handles a datagram received on port 138: an AnnouncementRequest for our workgroup
    /// schedules an answer (unless one is already scheduled or the announcer is stopped).
    /// Returns whether it was one; a datagram that does not decode as a browse frame
    /// returns the error.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        _from: Addr,
        datagram: &[u8],
    ) -> Result<bool, DecodeError> {
        let (packet, frame) = browse::decode_browse_datagram(datagram)?;
        let DatagramBody::Data { destination, .. } = &packet.body else {
            return Ok(false);
        };
        let to = &destination.name;
        let for_us = to.name().eq_ignore_ascii_case(&self.config.workgroup)
            && matches!(to.suffix(), 0x00 | 0x1D | 0x1E);
        if !matches!(frame, BrowseFrame::AnnouncementRequest { .. }) || !for_us {
            return Ok(false);
        }
        if self.next.is_some() && self.requested.is_none() {
            let max = ANNOUNCEMENT_REQUEST_DELAY.as_millis() as u64;
            let delay = Duration::from_millis(self.rng.u64() % (max + 1));
            self.requested = Some(now + delay);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nbns::browse::sv_type;
    use crate::wire::NetbiosName;
    use bytes::Bytes;

    fn config() -> AnnouncerConfig {
        AnnouncerConfig {
            server_name: "FILES".into(),
            workgroup: "WORKGROUP".into(),
            comment: "shares".into(),
            server_type: sv_type::SERVER_DEFAULT,
            address: [10, 0, 0, 5],
            broadcast: [10, 0, 0, 255],
        }
    }

    fn periodicity(d: &Datagram) -> (u32, u32) {
        let (_, frame) = browse::decode_browse_datagram(&d.payload).unwrap();
        let BrowseFrame::HostAnnouncement(a) = frame else {
            panic!("{frame:?}")
        };
        (a.periodicity, a.server_type)
    }

    #[test]
    fn schedule_doubles_to_twelve_minutes() {
        let mut a = Announcer::new(config(), [3; 32]);
        let t0 = Instant::ZERO;
        a.start(t0);
        let mut sent = alloc::vec::Vec::new();
        let mut now = t0;
        for _ in 0..7 {
            let d = a.poll_transmit().unwrap();
            assert_eq!(d.dest, Addr::new([10, 0, 0, 255], 138));
            sent.push((now.as_nanos() / 60_000_000_000, periodicity(&d).0 / 60_000));
            now = a.poll_timeout().unwrap();
            a.handle_timeout(now);
        }
        // (minute sent, periodicity in minutes)
        assert_eq!(
            sent,
            [(0, 1), (1, 1), (2, 2), (4, 4), (8, 8), (16, 12), (28, 12)]
        );
        assert_eq!(
            periodicity(&a.poll_transmit().unwrap()),
            (12 * 60_000, sv_type::SERVER_DEFAULT)
        );
        a.stop(now);
        let last = a.poll_transmit().unwrap();
        assert_eq!(periodicity(&last), (0, 0));
        assert_eq!(a.poll_timeout(), None);
    }

    #[test]
    fn answers_an_announcement_request_within_30_seconds() {
        let mut a = Announcer::new(config(), [4; 32]);
        a.start(Instant::ZERO);
        a.poll_transmit().unwrap();
        let req = BrowseFrame::AnnouncementRequest {
            unused: 0,
            response_name: Bytes::from_static(b"CLIENT"),
            trailing: Bytes::new(),
        };
        let from = Addr::new([10, 0, 0, 9], 138);
        let other = browse::browse_datagram(
            1,
            from,
            NetbiosName::new("CLIENT", 0),
            NetbiosName::new("OTHERGROUP", 0),
            &req,
        );
        assert!(!a.handle_datagram(Instant::ZERO, from, &other).unwrap());
        assert_eq!(
            a.poll_timeout(),
            Some(Instant::ZERO + Duration::from_secs(60))
        );
        let ours = browse::browse_datagram(
            1,
            from,
            NetbiosName::new("CLIENT", 0),
            NetbiosName::new("workgroup", 0),
            &req,
        );
        assert!(a.handle_datagram(Instant::ZERO, from, &ours).unwrap());
        let at = a.poll_timeout().unwrap();
        assert!(at <= Instant::ZERO + ANNOUNCEMENT_REQUEST_DELAY);
        a.handle_timeout(at);
        assert!(a.poll_transmit().is_some());
        assert!(a.handle_datagram(Instant::ZERO, from, b"junk").is_err());
    }
}
