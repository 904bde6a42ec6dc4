//! Reassembly of each direction of each TCP stream by sequence numbers: duplicates and
//! retransmissions are dropped, out-of-order segments wait (bounded) until the gap fills.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use crate::pcap::TcpSegment;

/// Most out-of-order bytes kept per direction.
const MAX_PENDING: usize = 64 << 20;

/// One endpoint.
pub type Endpoint = (IpAddr, u16);

/// A direction of a connection: from `src` to `dst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flow {
    /// Sender.
    pub src: Endpoint,
    /// Receiver.
    pub dst: Endpoint,
}

impl Flow {
    /// The connection this direction belongs to (endpoints in a fixed order).
    pub fn connection(&self) -> (Endpoint, Endpoint) {
        if self.src <= self.dst {
            (self.src, self.dst)
        } else {
            (self.dst, self.src)
        }
    }
}

#[derive(Debug, Default)]
struct Direction {
    /// Next expected sequence number, once known.
    next: Option<u32>,
    /// Out-of-order segments by sequence number.
    pending: BTreeMap<u32, Vec<u8>>,
    pending_bytes: usize,
}

/// Signed distance from `b` to `a` in sequence space.
fn seq_diff(a: u32, b: u32) -> i64 {
    a.wrapping_sub(b) as i32 as i64
}

impl Direction {
    /// Feeds one segment; returns the bytes that became contiguous.
    fn feed(&mut self, seg: &TcpSegment<'_>) -> Vec<u8> {
        let mut seq = seg.seq;
        if seg.syn {
            self.next = Some(seg.seq.wrapping_add(1));
            seq = seg.seq.wrapping_add(1);
        }
        if seg.payload.is_empty() {
            return Vec::new();
        }
        let next = *self.next.get_or_insert(seq);
        let mut out = Vec::new();
        let d = seq_diff(seq, next);
        if d <= 0 {
            // Starts at or before what we have: trim what was already delivered.
            let skip = (-d) as usize;
            if skip < seg.payload.len() {
                out.extend_from_slice(&seg.payload[skip..]);
            }
        } else if self.pending_bytes + seg.payload.len() <= MAX_PENDING {
            let e = self.pending.entry(seq).or_default();
            if e.len() < seg.payload.len() {
                self.pending_bytes += seg.payload.len() - e.len();
                *e = seg.payload.to_vec();
            }
        }
        let mut next = next.wrapping_add(out.len() as u32);
        // Drain pending segments that now connect.
        while let Some((&s, _)) = self.pending.iter().find(|(s, _)| seq_diff(**s, next) <= 0) {
            let data = self.pending.remove(&s).unwrap_or_default();
            self.pending_bytes -= data.len();
            let skip = (-seq_diff(s, next)) as usize;
            if skip < data.len() {
                out.extend_from_slice(&data[skip..]);
                next = next.wrapping_add((data.len() - skip) as u32);
            }
        }
        self.next = Some(next);
        out
    }
}

/// Reassembles all directions seen in a capture.
#[derive(Debug, Default)]
pub struct Reassembler {
    dirs: HashMap<Flow, Direction>,
}

impl Reassembler {
    /// A reassembler with no state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a segment; returns its direction and the bytes that became contiguous (in
    /// order) for it.
    pub fn feed(&mut self, seg: &TcpSegment<'_>) -> (Flow, Vec<u8>) {
        let flow = Flow {
            src: (seg.src, seg.sport),
            dst: (seg.dst, seg.dport),
        };
        let bytes = self.dirs.entry(flow).or_default().feed(seg);
        (flow, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn seg(seq: u32, payload: &[u8], syn: bool) -> TcpSegment<'_> {
        TcpSegment {
            src: IpAddr::V4(Ipv4Addr::LOCALHOST),
            dst: IpAddr::V4(Ipv4Addr::LOCALHOST),
            sport: 1,
            dport: 445,
            seq,
            syn,
            fin: false,
            rst: false,
            payload,
        }
    }

    #[test]
    fn in_order_out_of_order_retransmit_overlap() {
        let mut r = Reassembler::new();
        assert!(r.feed(&seg(u32::MAX - 1, b"", true)).1.is_empty());
        // next = u32::MAX: wraps around during the stream
        assert_eq!(r.feed(&seg(u32::MAX, b"ab", false)).1, b"ab");
        assert!(r.feed(&seg(3, b"ef", false)).1.is_empty()); // gap: "cd" missing at 1
        assert_eq!(r.feed(&seg(u32::MAX, b"ab", false)).1, b""); // retransmission
        assert_eq!(r.feed(&seg(0, b"bcd", false)).1, b"cdef"); // overlaps 1 byte, fills the gap
        assert_eq!(r.feed(&seg(4, b"fgh", false)).1, b"gh");
    }
}
