//! Classic pcap files of one IPv4/TCP connection over Ethernet, just enough for the golden
//! tests of captured SMB sessions: the session messages of both directions, in the order
//! the capture has them (retransmitted segments dropped).
#![allow(dead_code)]

use bytes::Bytes;
use smb_proto::wire::{Deframer, NbssPacket, Transport};

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One SMB message and its direction.
#[derive(Clone, Debug)]
pub struct Msg {
    /// Sent by the client (towards `server_port`).
    pub from_client: bool,
    /// The message, from `\xFFSMB`.
    pub smb: Bytes,
}

/// The session messages of a capture whose server listens on `server_port`. Panics on a
/// malformed file: these are our test data.
pub fn messages(file: &[u8], server_port: u16) -> Vec<Msg> {
    let magic = u32::from_le_bytes(file[..4].try_into().unwrap());
    assert!(magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D, "not a pcap");
    assert_eq!(
        u32::from_le_bytes(file[20..24].try_into().unwrap()),
        1,
        "not Ethernet"
    );
    let mut deframers = [
        Deframer::new(Transport::Direct, 1 << 24),
        Deframer::new(Transport::Direct, 1 << 24),
    ];
    let mut next_seq: [Option<u32>; 2] = [None, None];
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
        let total = be16(ip, 2) as usize;
        if ip[9] != 6 {
            continue;
        }
        let tcp = &ip[ihl..total];
        let off = (tcp[12] >> 4) as usize * 4;
        let payload = &tcp[off..];
        let dir = usize::from(be16(tcp, 2) != server_port);
        let seq = be32(tcp, 4);
        if payload.is_empty() {
            continue;
        }
        if let Some(n) = next_seq[dir]
            && seq != n
        {
            continue;
        }
        next_seq[dir] = Some(seq.wrapping_add(payload.len() as u32));
        deframers[dir].push(payload);
        while let Some(p) = deframers[dir].next_packet().unwrap() {
            if let NbssPacket::Message(smb) = p {
                out.push(Msg {
                    from_client: dir == 0,
                    smb,
                });
            }
        }
    }
    out
}
