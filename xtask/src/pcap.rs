//! A small libpcap reader: classic pcap files in either byte order, micro- or nanosecond
//! timestamps, and the link, network and transport headers needed to find TCP payloads.

use std::fmt;
use std::net::IpAddr;

/// Largest record accepted (a sane bound; snap lengths are at most 256 KiB in practice).
const MAX_RECORD: usize = 1 << 20;

/// Link-layer types understood.
pub mod linktype {
    /// BSD loopback (4-byte address family).
    pub const NULL: u32 = 0;
    /// Ethernet.
    pub const ETHERNET: u32 = 1;
    /// Raw IP.
    pub const RAW: u32 = 101;
    /// Raw IP (OpenBSD value).
    pub const RAW_ALT: u32 = 12;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: u32 = 113;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: u32 = 276;
}

/// Errors reading a capture.
#[derive(Debug)]
pub enum PcapError {
    /// Not a classic pcap file.
    BadMagic(u32),
    /// The file ends inside a header or record.
    Truncated(&'static str),
    /// A record larger than accepted.
    RecordTooLarge(usize),
    /// A link type this reader does not understand.
    UnsupportedLinkType(u32),
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PcapError::BadMagic(m) => write!(
                f,
                "not a pcap file (magic {m:#010x}; pcapng is not supported)"
            ),
            PcapError::Truncated(w) => write!(f, "capture truncated in {w}"),
            PcapError::RecordTooLarge(n) => write!(f, "record of {n} bytes is too large"),
            PcapError::UnsupportedLinkType(t) => write!(f, "unsupported link type {t}"),
        }
    }
}

impl std::error::Error for PcapError {}

/// One captured packet.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// Index of the record in the file (1-based, like Wireshark's frame numbers).
    pub frame: usize,
    /// Seconds.
    pub ts_sec: u32,
    /// Sub-second part (micro- or nanoseconds).
    pub ts_frac: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// A parsed capture.
#[derive(Debug)]
pub struct Pcap<'a> {
    /// The link type of every record.
    pub linktype: u32,
    /// Whether timestamps are in nanoseconds.
    pub nanos: bool,
    /// The records.
    pub records: Vec<Record<'a>>,
}

fn rd32(b: &[u8], le: bool) -> u32 {
    let a = [b[0], b[1], b[2], b[3]];
    if le {
        u32::from_le_bytes(a)
    } else {
        u32::from_be_bytes(a)
    }
}

/// Parses a whole pcap file.
pub fn parse(file: &[u8]) -> Result<Pcap<'_>, PcapError> {
    if file.len() < 24 {
        return Err(PcapError::Truncated("file header"));
    }
    let magic = u32::from_le_bytes([file[0], file[1], file[2], file[3]]);
    let (le, nanos) = match magic {
        0xa1b2_c3d4 => (true, false),
        0xa1b2_3c4d => (true, true),
        0xd4c3_b2a1 => (false, false),
        0x4d3c_b2a1 => (false, true),
        m => return Err(PcapError::BadMagic(m)),
    };
    let linktype = rd32(&file[20..24], le) & 0x0FFF_FFFF;
    let mut records = Vec::new();
    let mut at = 24;
    while at < file.len() {
        if file.len() - at < 16 {
            return Err(PcapError::Truncated("record header"));
        }
        let h = &file[at..at + 16];
        let incl = rd32(&h[8..12], le) as usize;
        if incl > MAX_RECORD {
            return Err(PcapError::RecordTooLarge(incl));
        }
        at += 16;
        if file.len() - at < incl {
            return Err(PcapError::Truncated("record data"));
        }
        records.push(Record {
            frame: records.len() + 1,
            ts_sec: rd32(&h[0..4], le),
            ts_frac: rd32(&h[4..8], le),
            data: &file[at..at + incl],
        });
        at += incl;
    }
    Ok(Pcap {
        linktype,
        nanos,
        records,
    })
}

/// A TCP segment found in a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// Payload bytes.
    pub payload: &'a [u8],
}

/// Extracts the TCP segment of a packet, if it carries one (non-TCP, fragments and
/// malformed packets give `None`).
pub fn tcp_segment(linktype: u32, data: &[u8]) -> Option<TcpSegment<'_>> {
    let (ethertype, ip) = match linktype {
        linktype::ETHERNET => {
            let mut off = 12;
            let mut et = u16::from_be_bytes([*data.get(off)?, *data.get(off + 1)?]);
            while et == 0x8100 || et == 0x88a8 {
                off += 4;
                et = u16::from_be_bytes([*data.get(off)?, *data.get(off + 1)?]);
            }
            (et, data.get(off + 2..)?)
        }
        linktype::LINUX_SLL => (
            u16::from_be_bytes([*data.get(14)?, *data.get(15)?]),
            data.get(16..)?,
        ),
        linktype::LINUX_SLL2 => (
            u16::from_be_bytes([*data.first()?, *data.get(1)?]),
            data.get(20..)?,
        ),
        linktype::RAW | linktype::RAW_ALT => {
            let v = data.first()? >> 4;
            (if v == 6 { 0x86dd } else { 0x0800 }, data)
        }
        linktype::NULL => {
            let fam = u32::from_le_bytes(data.get(..4)?.try_into().ok()?);
            let fam = if fam > 0xFFFF { fam.swap_bytes() } else { fam };
            (if fam == 2 { 0x0800 } else { 0x86dd }, data.get(4..)?)
        }
        _ => return None,
    };
    let (src, dst, tcp) = match ethertype {
        0x0800 => {
            let ihl = ((*ip.first()? & 0x0F) as usize) * 4;
            if ip.first()? >> 4 != 4 || ihl < 20 || *ip.get(9)? != 6 {
                return None;
            }
            let total = u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]) as usize;
            let frag = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]);
            if frag & 0x3FFF != 0 {
                return None; // fragment (MF set or offset nonzero)
            }
            let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            let end = total.min(ip.len());
            (IpAddr::from(src), IpAddr::from(dst), ip.get(ihl..end)?)
        }
        0x86dd => {
            if ip.first()? >> 4 != 6 {
                return None;
            }
            let plen = u16::from_be_bytes([*ip.get(4)?, *ip.get(5)?]) as usize;
            let mut next = *ip.get(6)?;
            let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let body = ip.get(40..(40 + plen).min(ip.len()))?;
            let mut off = 0;
            loop {
                match next {
                    6 => break,
                    0 | 43 | 60 => {
                        next = *body.get(off)?;
                        off += (*body.get(off + 1)? as usize + 1) * 8;
                    }
                    _ => return None, // fragment (44) or another protocol
                }
            }
            (IpAddr::from(src), IpAddr::from(dst), body.get(off..)?)
        }
        _ => return None,
    };
    let doff = ((*tcp.get(12)? >> 4) as usize) * 4;
    if doff < 20 {
        return None;
    }
    let flags = *tcp.get(13)?;
    Some(TcpSegment {
        src,
        dst,
        sport: u16::from_be_bytes([tcp[0], tcp[1]]),
        dport: u16::from_be_bytes([tcp[2], tcp[3]]),
        seq: u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]),
        syn: flags & 0x02 != 0,
        fin: flags & 0x01 != 0,
        rst: flags & 0x04 != 0,
        payload: tcp.get(doff..)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_header(sport: u16, dport: u16, seq: u32, flags: u8) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(&sport.to_be_bytes());
        t.extend_from_slice(&dport.to_be_bytes());
        t.extend_from_slice(&seq.to_be_bytes());
        t.extend_from_slice(&[0; 4]);
        t.push(5 << 4);
        t.push(flags);
        t.extend_from_slice(&[0; 6]);
        t
    }

    fn ipv4(payload: &[u8]) -> Vec<u8> {
        let mut ip = vec![
            0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let total = (20 + payload.len()) as u16;
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        ip.extend_from_slice(payload);
        ip
    }

    fn file(le: bool, nanos: bool, linktype: u32, packets: &[Vec<u8>]) -> Vec<u8> {
        let w32 = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        let w16 = |v: u16| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut f = Vec::new();
        f.extend_from_slice(&w32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }));
        f.extend_from_slice(&w16(2));
        f.extend_from_slice(&w16(4));
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&w32(65535));
        f.extend_from_slice(&w32(linktype));
        for p in packets {
            f.extend_from_slice(&w32(1));
            f.extend_from_slice(&w32(2));
            f.extend_from_slice(&w32(p.len() as u32));
            f.extend_from_slice(&w32(p.len() as u32));
            f.extend_from_slice(p);
        }
        f
    }

    #[test]
    fn both_byte_orders_and_link_types() {
        let mut tcp = tcp_header(1234, 445, 77, 0x18);
        tcp.extend_from_slice(b"hi");
        let ip = ipv4(&tcp);
        let mut eth = vec![0; 12];
        eth.extend_from_slice(&[0x81, 0x00, 0, 5, 0x08, 0x00]);
        eth.extend_from_slice(&ip);
        let mut sll = vec![0; 14];
        sll.extend_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(&ip);
        let mut sll2 = vec![0x08, 0x00];
        sll2.extend_from_slice(&[0; 18]);
        sll2.extend_from_slice(&ip);
        for (lt, pkt) in [(1, eth), (113, sll), (276, sll2), (101, ip.clone())] {
            for le in [true, false] {
                let f = file(le, !le, lt, std::slice::from_ref(&pkt));
                let p = parse(&f).unwrap();
                assert_eq!(p.linktype, lt);
                assert_eq!(p.records.len(), 1);
                let s = tcp_segment(p.linktype, p.records[0].data).unwrap();
                assert_eq!(
                    (s.sport, s.dport, s.seq, s.payload),
                    (1234, 445, 77, &b"hi"[..])
                );
            }
        }
    }

    #[test]
    fn ipv6_with_extension_header() {
        let mut tcp = tcp_header(445, 50000, 9, 0x10);
        tcp.extend_from_slice(b"xyz");
        let mut ext = vec![6, 0, 0, 0, 0, 0, 0, 0]; // hop-by-hop, next = TCP
        ext.extend_from_slice(&tcp);
        let mut ip = vec![0x60, 0, 0, 0];
        ip.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        ip.extend_from_slice(&[0, 64]);
        ip.extend_from_slice(&[0; 32]);
        ip.extend_from_slice(&ext);
        let s = tcp_segment(linktype::RAW, &ip).unwrap();
        assert_eq!(s.payload, b"xyz");
        assert!(s.src.is_ipv6());
    }

    #[test]
    fn truncation_is_an_error() {
        let f = file(true, false, 1, &[vec![1, 2, 3]]);
        assert!(parse(&f[..f.len() - 1]).is_err());
        assert!(parse(b"not a capture at all....").is_err());
    }
}
