//! The name service packet (RFC 1002 4.2.1): a 12-byte header, questions and resource
//! records, every integer big-endian.
//!
//! [`Packet::decode`] checks every count against the bytes left before it allocates (a
//! question takes at least 6 bytes, a resource record at least 12) and every RDLENGTH
//! against the packet; errors are [`DecodeError`]s naming the field. A decoded packet
//! re-encodes byte for byte: names keep their compression pointers ([`NamePointer`]) and
//! bytes after the last record are kept in [`Packet::trailing`].
//!
//! The typed RDATA ([`RData`]) depends on the record type and the opcode: NB records carry
//! address entries (or, in a WACK, the two flag bytes of the request), NBSTAT records the
//! node status ([`NodeStatus`]); other types keep their bytes.

use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

use super::name::{self, NamePointer};
use super::status::NodeStatus;
use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::netbios::NetbiosName;

/// Length of the header.
pub const HEADER_LEN: usize = 12;

/// Question and record types (RFC 1002 4.2.1.2, 4.2.1.3).
pub mod rr_type {
    /// IP address (redirect responses).
    pub const A: u16 = 0x0001;
    /// Name server (redirect responses).
    pub const NS: u16 = 0x0002;
    /// NULL (negative query responses, WACK in some senders).
    pub const NULL: u16 = 0x000A;
    /// NetBIOS general name service resource record.
    pub const NB: u16 = 0x0020;
    /// NetBIOS node status.
    pub const NBSTAT: u16 = 0x0021;
}

/// The internet class, the only one in use.
pub const CLASS_IN: u16 = 0x0001;

/// The 4-bit operation code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Opcode(pub u8);

impl Opcode {
    /// Name query (and node status).
    pub const QUERY: Opcode = Opcode(0);
    /// Name registration.
    pub const REGISTRATION: Opcode = Opcode(5);
    /// Name release.
    pub const RELEASE: Opcode = Opcode(6);
    /// Wait for acknowledgement.
    pub const WACK: Opcode = Opcode(7);
    /// Name refresh.
    pub const REFRESH: Opcode = Opcode(8);
    /// Name refresh as some senders write it (RFC 1002 errata; Samba accepts both).
    pub const REFRESH_ALT: Opcode = Opcode(9);
    /// Multi-homed name registration (Windows).
    pub const MULTIHOMED_REGISTRATION: Opcode = Opcode(15);
}

/// The 7 NM_FLAGS bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NmFlags(pub u8);

impl NmFlags {
    /// Authoritative answer.
    pub const AA: u8 = 0x40;
    /// Truncation.
    pub const TC: u8 = 0x20;
    /// Recursion desired.
    pub const RD: u8 = 0x10;
    /// Recursion available.
    pub const RA: u8 = 0x08;
    /// Broadcast.
    pub const B: u8 = 0x01;

    /// Whether all bits of `mask` are set.
    pub fn has(self, mask: u8) -> bool {
        self.0 & mask == mask
    }

    /// The broadcast bit.
    pub fn broadcast(self) -> bool {
        self.has(Self::B)
    }
}

impl fmt::Debug for NmFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NmFlags({:#04x})", self.0)
    }
}

/// The 4-bit result code of a response.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Rcode(pub u8);

impl Rcode {
    /// No error.
    pub const OK: Rcode = Rcode(0);
    /// Format error: the request was malformed.
    pub const FMT_ERR: Rcode = Rcode(1);
    /// Server failure.
    pub const SRV_ERR: Rcode = Rcode(2);
    /// Name error: the name does not exist.
    pub const NAM_ERR: Rcode = Rcode(3);
    /// Unsupported request.
    pub const IMP_ERR: Rcode = Rcode(4);
    /// Refused.
    pub const RFS_ERR: Rcode = Rcode(5);
    /// Active error: the name is owned by another node.
    pub const ACT_ERR: Rcode = Rcode(6);
    /// Name in conflict (a name conflict demand).
    pub const CFT_ERR: Rcode = Rcode(7);
}

/// The header (RFC 1002 4.2.1.1) without the four counts, which the sections' lengths give.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Header {
    /// NAME_TRN_ID: chosen by the requester, copied into the response.
    pub trn_id: u16,
    /// The R bit: a response.
    pub response: bool,
    /// OPCODE.
    pub opcode: Opcode,
    /// NM_FLAGS.
    pub nm_flags: NmFlags,
    /// RCODE.
    pub rcode: Rcode,
}

impl Default for Opcode {
    fn default() -> Self {
        Opcode::QUERY
    }
}

impl Header {
    /// The 16 bits after NAME_TRN_ID: R, OPCODE, NM_FLAGS, RCODE.
    pub fn flags_word(&self) -> u16 {
        (u16::from(self.response) << 15)
            | (u16::from(self.opcode.0 & 0x0F) << 11)
            | (u16::from(self.nm_flags.0 & 0x7F) << 4)
            | u16::from(self.rcode.0 & 0x0F)
    }

    /// A header from NAME_TRN_ID and the flags word.
    pub fn from_words(trn_id: u16, flags: u16) -> Self {
        Self {
            trn_id,
            response: flags & 0x8000 != 0,
            opcode: Opcode(((flags >> 11) & 0x0F) as u8),
            nm_flags: NmFlags(((flags >> 4) & 0x7F) as u8),
            rcode: Rcode((flags & 0x0F) as u8),
        }
    }
}

/// NB_FLAGS of an address entry: the group bit and the owner node type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NbFlags(pub u16);

/// The owner node type (ONT) of a name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum NodeType {
    /// Broadcast node.
    B,
    /// Point-to-point node (asks a name server).
    P,
    /// Mixed node (broadcast first).
    M,
    /// Hybrid node (Microsoft; name server first).
    H,
}

impl NbFlags {
    /// G: a group name.
    pub const GROUP: u16 = 0x8000;
    /// Mask of the owner node type bits.
    pub const ONT_MASK: u16 = 0x6000;

    /// Flags for a name of this kind held by a node of this type.
    pub fn new(group: bool, ont: NodeType) -> Self {
        let ont = match ont {
            NodeType::B => 0,
            NodeType::P => 0x2000,
            NodeType::M => 0x4000,
            NodeType::H => 0x6000,
        };
        NbFlags(if group { Self::GROUP } else { 0 } | ont)
    }

    /// Whether the name is a group name.
    pub fn group(self) -> bool {
        self.0 & Self::GROUP != 0
    }

    /// The owner node type.
    pub fn node_type(self) -> NodeType {
        match self.0 & Self::ONT_MASK {
            0 => NodeType::B,
            0x2000 => NodeType::P,
            0x4000 => NodeType::M,
            _ => NodeType::H,
        }
    }
}

impl fmt::Debug for NbFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NbFlags({:#06x})", self.0)
    }
}

/// One ADDR_ENTRY of an NB record: flags and an IPv4 address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct NbAddress {
    /// NB_FLAGS.
    pub flags: NbFlags,
    /// NB_ADDRESS.
    pub ip: [u8; 4],
}

/// A question entry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Question {
    /// QUESTION_NAME.
    pub name: NetbiosName,
    /// Where the name on the wire used a compression pointer.
    pub pointer: Option<NamePointer>,
    /// QUESTION_TYPE ([`rr_type::NB`] or [`rr_type::NBSTAT`]).
    pub qtype: u16,
    /// QUESTION_CLASS ([`CLASS_IN`]).
    pub qclass: u16,
}

impl Question {
    /// A question of class IN, name written in full.
    pub fn new(name: NetbiosName, qtype: u16) -> Self {
        Self {
            name,
            pointer: None,
            qtype,
            qclass: CLASS_IN,
        }
    }
}

/// The RDATA of a resource record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RData {
    /// NB: address entries (RDLENGTH a multiple of 6).
    Nb(Vec<NbAddress>),
    /// NB in a WACK: the flags word of the request being acknowledged.
    Wack(u16),
    /// NBSTAT: the node status.
    NodeStatus(NodeStatus),
    /// Any other type, bytes as received.
    Raw(Bytes),
}

/// A resource record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResourceRecord {
    /// RR_NAME.
    pub name: NetbiosName,
    /// Where the name on the wire used a compression pointer.
    pub pointer: Option<NamePointer>,
    /// RR_TYPE.
    pub rr_type: u16,
    /// RR_CLASS.
    pub rr_class: u16,
    /// TTL in seconds (0: infinite).
    pub ttl: u32,
    /// RDATA; must suit `rr_type` (and, for a WACK, the opcode).
    pub rdata: RData,
}

impl ResourceRecord {
    /// A record of class IN, name written in full.
    pub fn new(name: NetbiosName, rr_type: u16, ttl: u32, rdata: RData) -> Self {
        Self {
            name,
            pointer: None,
            rr_type,
            rr_class: CLASS_IN,
            ttl,
            rdata,
        }
    }

    /// The address entries of an NB record (empty for other RDATA).
    pub fn addresses(&self) -> &[NbAddress] {
        match &self.rdata {
            RData::Nb(a) => a,
            _ => &[],
        }
    }
}

/// A name service packet.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Packet {
    /// The header.
    pub header: Header,
    /// The question section.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<ResourceRecord>,
    /// The authority section.
    pub authority: Vec<ResourceRecord>,
    /// The additional section.
    pub additional: Vec<ResourceRecord>,
    /// Bytes after the last record, kept for exact re-encoding.
    pub trailing: Bytes,
}

/// The fewest bytes a question takes (a name pointer, type, class).
const MIN_QUESTION: usize = 6;
/// The fewest bytes a resource record takes (a name pointer, type, class, TTL, RDLENGTH).
const MIN_RECORD: usize = 12;

impl Packet {
    /// Decodes a packet.
    pub fn decode(buf: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(buf);
        let trn_id = r.u16_be("NAME_TRN_ID")?;
        let header = Header::from_words(trn_id, r.u16_be("Flags")?);
        let qd = r.u16_be("QDCOUNT")? as usize;
        let an = r.u16_be("ANCOUNT")? as usize;
        let ns = r.u16_be("NSCOUNT")? as usize;
        let ar = r.u16_be("ARCOUNT")? as usize;
        if qd * MIN_QUESTION > r.remaining() {
            return Err(DecodeError::truncated("QDCOUNT", 4));
        }
        let mut questions = Vec::with_capacity(qd);
        for _ in 0..qd {
            let (name, pointer) = name::decode(&mut r, "QUESTION_NAME")?;
            questions.push(Question {
                name,
                pointer,
                qtype: r.u16_be("QUESTION_TYPE")?,
                qclass: r.u16_be("QUESTION_CLASS")?,
            });
        }
        let answers = decode_records(&mut r, an, header.opcode, ("ANCOUNT", 6))?;
        let authority = decode_records(&mut r, ns, header.opcode, ("NSCOUNT", 8))?;
        let additional = decode_records(&mut r, ar, header.opcode, ("ARCOUNT", 10))?;
        Ok(Packet {
            header,
            questions,
            answers,
            authority,
            additional,
            trailing: r.rest(),
        })
    }

    /// Encodes the packet.
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::with_capacity(128);
        self.encode_into(&mut w);
        w.freeze()
    }

    /// Encodes the packet into `w`, whose position 0 must be the packet's first byte
    /// (compression pointers count from there).
    pub fn encode_into(&self, w: &mut Writer) {
        w.u16_be(self.header.trn_id);
        w.u16_be(self.header.flags_word());
        for n in [
            self.questions.len(),
            self.answers.len(),
            self.authority.len(),
            self.additional.len(),
        ] {
            w.u16_be(n as u16);
        }
        for q in &self.questions {
            name::encode(w, &q.name, q.pointer);
            w.u16_be(q.qtype);
            w.u16_be(q.qclass);
        }
        for rr in self
            .answers
            .iter()
            .chain(&self.authority)
            .chain(&self.additional)
        {
            encode_record(w, rr);
        }
        w.bytes(&self.trailing);
    }

    /// The first question, if any.
    pub fn question(&self) -> Option<&Question> {
        self.questions.first()
    }

    /// The first answer record, if any.
    pub fn answer(&self) -> Option<&ResourceRecord> {
        self.answers.first()
    }

    /// The first additional record, if any.
    pub fn additional_record(&self) -> Option<&ResourceRecord> {
        self.additional.first()
    }
}

fn decode_records(
    r: &mut Reader<'_>,
    count: usize,
    opcode: Opcode,
    (count_field, count_at): (&'static str, usize),
) -> Result<Vec<ResourceRecord>, DecodeError> {
    if count * MIN_RECORD > r.remaining() {
        return Err(DecodeError::truncated(count_field, count_at));
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let (name, pointer) = name::decode(r, "RR_NAME")?;
        let rr_type = r.u16_be("RR_TYPE")?;
        let rr_class = r.u16_be("RR_CLASS")?;
        let ttl = r.u32_be("TTL")?;
        let rdlength = r.u16_be("RDLENGTH")? as usize;
        let at = r.pos();
        let raw = r.bytes(rdlength, "RDATA")?;
        let rdata = decode_rdata(rr_type, opcode, raw, at)?;
        out.push(ResourceRecord {
            name,
            pointer,
            rr_type,
            rr_class,
            ttl,
            rdata,
        });
    }
    Ok(out)
}

fn decode_rdata(rr_type: u16, opcode: Opcode, raw: Bytes, at: usize) -> Result<RData, DecodeError> {
    Ok(match rr_type {
        rr_type::NB if opcode == Opcode::WACK && raw.len() == 2 => {
            RData::Wack(u16::from_be_bytes([raw[0], raw[1]]))
        }
        rr_type::NB => {
            if raw.len() % 6 != 0 {
                return Err(DecodeError::invalid("RDLENGTH", at - 2));
            }
            RData::Nb(
                raw.chunks_exact(6)
                    .map(|e| NbAddress {
                        flags: NbFlags(u16::from_be_bytes([e[0], e[1]])),
                        ip: [e[2], e[3], e[4], e[5]],
                    })
                    .collect(),
            )
        }
        rr_type::NBSTAT => RData::NodeStatus(NodeStatus::decode(&raw, at)?),
        _ => RData::Raw(raw),
    })
}

fn encode_record(w: &mut Writer, rr: &ResourceRecord) {
    name::encode(w, &rr.name, rr.pointer);
    w.u16_be(rr.rr_type);
    w.u16_be(rr.rr_class);
    w.u32_be(rr.ttl);
    let len_at = w.pos();
    w.u16_be(0);
    match &rr.rdata {
        RData::Nb(entries) => {
            for e in entries {
                w.u16_be(e.flags.0);
                w.bytes(&e.ip);
            }
        }
        RData::Wack(flags) => w.u16_be(*flags),
        RData::NodeStatus(s) => s.encode(w),
        RData::Raw(b) => w.bytes(b),
    }
    let len = w.pos() - len_at - 2;
    debug_assert!(
        len <= u16::MAX as usize,
        "RDATA longer than RDLENGTH can say"
    );
    w.patch_bytes(len_at, &(len as u16).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_decode;
    use crate::wire::DecodeErrorKind;

    /// nmblookup -U 127.0.0.1 FOO (Samba 4.17), captured with strace: a unicast name query
    /// without RD.
    const NMBLOOKUP_QUERY: &str = "7632 0000 0001 0000 0000 0000 20 4547455045504341434143414341434143414341434143414341434143414141 00 0020 0001";

    #[test]
    fn decodes_a_query_from_nmblookup() {
        let b = Bytes::from(hex_decode(NMBLOOKUP_QUERY).unwrap());
        let p = Packet::decode(&b).unwrap();
        assert_eq!(p.header.trn_id, 0x7632);
        assert!(!p.header.response);
        assert_eq!(p.header.opcode, Opcode::QUERY);
        assert_eq!(p.header.nm_flags, NmFlags(0));
        let q = p.question().unwrap();
        assert_eq!(q.name, NetbiosName::new("FOO", 0));
        assert_eq!((q.qtype, q.qclass), (rr_type::NB, CLASS_IN));
        assert_eq!(p.encode(), b);
    }

    #[test]
    fn flags_word_round_trips() {
        for w in [
            0x0110u16, 0x8500, 0xAD86, 0xAD87, 0x2910, 0x3010, 0xBC00, 0xFFFF,
        ] {
            assert_eq!(Header::from_words(1, w).flags_word(), w);
        }
        let h = Header::from_words(0, 0xAD86);
        assert_eq!(h.opcode, Opcode::REGISTRATION);
        assert_eq!(h.rcode, Rcode::ACT_ERR);
        assert!(h.nm_flags.has(NmFlags::AA | NmFlags::RD | NmFlags::RA));
    }

    #[test]
    fn counts_are_checked_before_allocating() {
        // 65535 questions announced in a 12-byte packet.
        let b = Bytes::from(hex_decode("0001 0000 ffff 0000 0000 0000").unwrap());
        let e = Packet::decode(&b).unwrap_err();
        assert_eq!((e.field, e.kind), ("QDCOUNT", DecodeErrorKind::Truncated));
        let b = Bytes::from(hex_decode("0001 0000 0000 0000 0000 ffff").unwrap());
        assert_eq!(Packet::decode(&b).unwrap_err().field, "ARCOUNT");
    }

    #[test]
    fn nb_rdata_must_be_whole_entries() {
        let mut w = Writer::new();
        Packet {
            header: Header::from_words(9, 0x8500),
            answers: alloc::vec![ResourceRecord::new(
                NetbiosName::new("A", 0),
                rr_type::NB,
                0,
                RData::Raw(Bytes::from_static(&[0, 0, 1, 2, 3]))
            )],
            ..Default::default()
        }
        .encode_into(&mut w);
        let e = Packet::decode(&w.freeze()).unwrap_err();
        assert_eq!(e.field, "RDLENGTH");
    }
}
