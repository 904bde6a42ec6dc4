//! Classic pcap files of IPv4/UDP over Ethernet, just enough for the name service tests:
//! reading Samba's capture, and writing our own datagrams for tshark to dissect.
// Each test crate that includes this uses one half of it.
#![allow(dead_code)]

use smb_proto::nbns::Addr;

/// One UDP datagram.
#[derive(Clone, Debug)]
pub struct Udp {
    pub src: Addr,
    pub dst: Addr,
    pub payload: Vec<u8>,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// The IPv4/UDP datagrams of a little-endian classic pcap file with Ethernet framing
/// (others are skipped). Panics on a malformed file: these are our test data.
pub fn read(file: &[u8]) -> Vec<Udp> {
    let magic = u32::from_le_bytes(file[..4].try_into().unwrap());
    assert!(
        magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D,
        "not a little-endian pcap"
    );
    assert_eq!(
        u32::from_le_bytes(file[20..24].try_into().unwrap()),
        1,
        "not Ethernet"
    );
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= file.len() {
        let len = u32::from_le_bytes(file[at + 8..at + 12].try_into().unwrap()) as usize;
        let frame = &file[at + 16..at + 16 + len];
        at += 16 + len;
        if frame.len() < 14 + 20 || be16(frame, 12) != 0x0800 {
            continue;
        }
        let ip = &frame[14..];
        let ihl = (ip[0] & 0x0F) as usize * 4;
        if ip[9] != 17 {
            continue;
        }
        let udp = &ip[ihl..];
        let udp_len = be16(udp, 4) as usize;
        out.push(Udp {
            src: Addr::new(ip[12..16].try_into().unwrap(), be16(udp, 0)),
            dst: Addr::new(ip[16..20].try_into().unwrap(), be16(udp, 2)),
            payload: udp[8..udp_len].to_vec(),
        });
    }
    out
}

/// A pcap file holding these datagrams (Ethernet broadcast framing, IPv4 header checksum
/// filled in, UDP checksum 0 as IPv4 allows), one per millisecond.
pub fn write(packets: &[Udp]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&1u32.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        let udp_len = 8 + p.payload.len();
        let ip_len = 20 + udp_len;
        let mut frame = vec![0xFF; 6];
        frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&(ip_len as u16).to_be_bytes());
        ip.extend_from_slice(&[0, 0, 0, 0, 64, 17, 0, 0]);
        ip.extend_from_slice(&p.src.ip);
        ip.extend_from_slice(&p.dst.ip);
        let sum: u32 = ip.chunks(2).map(|c| be16(c, 0) as u32).sum();
        let sum = (sum & 0xFFFF) + (sum >> 16);
        let sum = !((sum & 0xFFFF) + (sum >> 16)) as u16;
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        frame.extend_from_slice(&ip);
        frame.extend_from_slice(&p.src.port.to_be_bytes());
        frame.extend_from_slice(&p.dst.port.to_be_bytes());
        frame.extend_from_slice(&(udp_len as u16).to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(&p.payload);
        f.extend_from_slice(&(i as u32).to_le_bytes());
        f.extend_from_slice(&(1000 * i as u32).to_le_bytes());
        f.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        f.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        f.extend_from_slice(&frame);
    }
    f
}
