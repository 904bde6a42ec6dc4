//! The RFC 1002 4.2 messages: builders that fill in the flags, counts and records each
//! one has, and [`Packet::kind`], which names the message a decoded packet is.
//!
//! Where RFC 1002 and the implementations differ this follows the implementations: a
//! negative name query response carries its NULL record with ANCOUNT 1 (the RFC's diagram
//! says 0; Windows and Samba send 1), and registration and release requests point their
//! additional record's name at the question name (`0xC00C`) as RFC 1002 asks and Samba and
//! Windows do.
//!
//! ```
//! use smb_proto::nbns::message::Kind;
//! use smb_proto::nbns::packet::{NbAddress, NbFlags, NodeType, Packet};
//! use smb_proto::wire::NetbiosName;
//!
//! let me = NbAddress { flags: NbFlags::new(false, NodeType::B), ip: [10, 0, 0, 5] };
//! let p = Packet::registration_request(0x1234, NetbiosName::new("FILES", 0x20), me, 300_000, true);
//! let wire = p.encode();
//! assert_eq!(&wire[..4], &[0x12, 0x34, 0x29, 0x10]);
//! let back = Packet::decode(&wire).unwrap();
//! assert_eq!(back.kind(), Kind::NameRegistrationRequest);
//! assert_eq!(back, p);
//! ```

use alloc::vec;
use alloc::vec::Vec;

use super::name::{NamePointer, QUESTION_NAME_OFFSET};
use super::packet::{
    Header, NbAddress, NmFlags, Opcode, Packet, Question, RData, Rcode, ResourceRecord, rr_type,
};
use super::status::NodeStatus;
use crate::wire::netbios::NetbiosName;

/// Which RFC 1002 message a packet is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    /// 4.2.12: name query request.
    NameQueryRequest,
    /// 4.2.17: node status request.
    NodeStatusRequest,
    /// 4.2.13: positive name query response.
    PositiveNameQueryResponse,
    /// 4.2.14: negative name query response.
    NegativeNameQueryResponse,
    /// 4.2.15: redirect name query response (no answer, NS and A records).
    RedirectNameQueryResponse,
    /// 4.2.18: node status response.
    NodeStatusResponse,
    /// 4.2.2: name registration request (RD set).
    NameRegistrationRequest,
    /// 4.2.3: name overwrite request and demand (RD clear).
    NameOverwriteDemand,
    /// Multi-homed name registration request (opcode 15, Windows).
    MultihomedRegistrationRequest,
    /// 4.2.4: name refresh request.
    NameRefreshRequest,
    /// 4.2.5: positive name registration response.
    PositiveNameRegistrationResponse,
    /// 4.2.6: negative name registration response.
    NegativeNameRegistrationResponse,
    /// 4.2.7: end-node challenge registration response (RA clear, no error).
    EndNodeChallengeRegistrationResponse,
    /// 4.2.8: name conflict demand (RCODE CFT_ERR).
    NameConflictDemand,
    /// 4.2.9: name release request and demand.
    NameReleaseRequest,
    /// 4.2.10: positive name release response.
    PositiveNameReleaseResponse,
    /// 4.2.11: negative name release response.
    NegativeNameReleaseResponse,
    /// 4.2.16: wait for acknowledgement (WACK) response.
    Wack,
    /// Anything else.
    Unknown,
}

impl Packet {
    /// Which message this packet is, from its opcode, flags, rcode and first records.
    pub fn kind(&self) -> Kind {
        let h = &self.header;
        let qtype = self.question().map(|q| q.qtype);
        match (h.response, h.opcode) {
            (false, Opcode::QUERY) => match qtype {
                Some(rr_type::NB) => Kind::NameQueryRequest,
                Some(rr_type::NBSTAT) => Kind::NodeStatusRequest,
                _ => Kind::Unknown,
            },
            (true, Opcode::QUERY) => match self.answer().map(|a| a.rr_type) {
                Some(rr_type::NBSTAT) if h.rcode == Rcode::OK => Kind::NodeStatusResponse,
                Some(rr_type::NB) if h.rcode == Rcode::OK => Kind::PositiveNameQueryResponse,
                None if h.rcode == Rcode::OK && !self.authority.is_empty() => {
                    Kind::RedirectNameQueryResponse
                }
                _ if h.rcode != Rcode::OK => Kind::NegativeNameQueryResponse,
                _ => Kind::Unknown,
            },
            (false, Opcode::REGISTRATION) if h.nm_flags.has(NmFlags::RD) => {
                Kind::NameRegistrationRequest
            }
            (false, Opcode::REGISTRATION) => Kind::NameOverwriteDemand,
            (false, Opcode::MULTIHOMED_REGISTRATION) => Kind::MultihomedRegistrationRequest,
            (false, Opcode::REFRESH | Opcode::REFRESH_ALT) => Kind::NameRefreshRequest,
            (true, Opcode::REGISTRATION | Opcode::MULTIHOMED_REGISTRATION) => match h.rcode {
                Rcode::OK if !h.nm_flags.has(NmFlags::RA) => {
                    Kind::EndNodeChallengeRegistrationResponse
                }
                Rcode::OK => Kind::PositiveNameRegistrationResponse,
                Rcode::CFT_ERR => Kind::NameConflictDemand,
                _ => Kind::NegativeNameRegistrationResponse,
            },
            (false, Opcode::RELEASE) => Kind::NameReleaseRequest,
            (true, Opcode::RELEASE) if h.rcode == Rcode::OK => Kind::PositiveNameReleaseResponse,
            (true, Opcode::RELEASE) => Kind::NegativeNameReleaseResponse,
            (true, Opcode::WACK) => Kind::Wack,
            _ => Kind::Unknown,
        }
    }

    /// A packet with one question and nothing else.
    fn request(trn_id: u16, opcode: Opcode, nm_flags: u8, question: Question) -> Self {
        Packet {
            header: Header {
                trn_id,
                response: false,
                opcode,
                nm_flags: NmFlags(nm_flags),
                rcode: Rcode::OK,
            },
            questions: vec![question],
            ..Default::default()
        }
    }

    /// A response with one answer record.
    fn response(
        trn_id: u16,
        opcode: Opcode,
        nm_flags: u8,
        rcode: Rcode,
        answer: ResourceRecord,
    ) -> Self {
        Packet {
            header: Header {
                trn_id,
                response: true,
                opcode,
                nm_flags: NmFlags(nm_flags),
                rcode,
            },
            answers: vec![answer],
            ..Default::default()
        }
    }

    /// A request with a question and an additional NB record for the same name (written as
    /// a pointer to the question name).
    fn name_request(
        trn_id: u16,
        opcode: Opcode,
        nm_flags: u8,
        name: NetbiosName,
        entry: NbAddress,
        ttl: u32,
    ) -> Self {
        let mut p = Self::request(
            trn_id,
            opcode,
            nm_flags,
            Question::new(name.clone(), rr_type::NB),
        );
        p.additional.push(ResourceRecord {
            pointer: Some(NamePointer::whole(QUESTION_NAME_OFFSET)),
            ..ResourceRecord::new(name, rr_type::NB, ttl, RData::Nb(vec![entry]))
        });
        p
    }

    /// 4.2.12: a name query request (B when broadcast). RFC 1002 sets RD; Samba clears
    /// it when asking a node rather than a name server, and nodes answer a unicast query
    /// for a name they do not have negatively only when RD is clear.
    pub fn name_query(
        trn_id: u16,
        name: NetbiosName,
        broadcast: bool,
        recursion_desired: bool,
    ) -> Self {
        let b = flag(broadcast, NmFlags::B);
        let rd = flag(recursion_desired, NmFlags::RD);
        Self::request(
            trn_id,
            Opcode::QUERY,
            rd | b,
            Question::new(name, rr_type::NB),
        )
    }

    /// 4.2.17: a node status request (for the wildcard name `*` to ask any node).
    pub fn node_status_request(trn_id: u16, name: NetbiosName) -> Self {
        Self::request(
            trn_id,
            Opcode::QUERY,
            0,
            Question::new(name, rr_type::NBSTAT),
        )
    }

    /// 4.2.13: a positive name query response (AA; RD as in the request).
    pub fn positive_query_response(
        trn_id: u16,
        name: NetbiosName,
        ttl: u32,
        addresses: Vec<NbAddress>,
        recursion_desired: bool,
    ) -> Self {
        let rd = flag(recursion_desired, NmFlags::RD);
        let rr = ResourceRecord::new(name, rr_type::NB, ttl, RData::Nb(addresses));
        Self::response(trn_id, Opcode::QUERY, NmFlags::AA | rd, Rcode::OK, rr)
    }

    /// 4.2.14: a negative name query response: a NULL record, TTL 0, no RDATA.
    pub fn negative_query_response(
        trn_id: u16,
        name: NetbiosName,
        rcode: Rcode,
        recursion_desired: bool,
    ) -> Self {
        let rd = flag(recursion_desired, NmFlags::RD);
        let rr = ResourceRecord::new(name, rr_type::NULL, 0, RData::Raw(bytes::Bytes::new()));
        Self::response(trn_id, Opcode::QUERY, NmFlags::AA | rd, rcode, rr)
    }

    /// 4.2.18: a node status response (AA, TTL 0).
    pub fn node_status_response(trn_id: u16, name: NetbiosName, status: NodeStatus) -> Self {
        let rr = ResourceRecord::new(name, rr_type::NBSTAT, 0, RData::NodeStatus(status));
        Self::response(trn_id, Opcode::QUERY, NmFlags::AA, Rcode::OK, rr)
    }

    /// 4.2.2: a name registration request (RD; B when broadcast). With `broadcast` false
    /// this is what a P-node sends its name server.
    pub fn registration_request(
        trn_id: u16,
        name: NetbiosName,
        entry: NbAddress,
        ttl: u32,
        broadcast: bool,
    ) -> Self {
        let b = flag(broadcast, NmFlags::B);
        Self::name_request(
            trn_id,
            Opcode::REGISTRATION,
            NmFlags::RD | b,
            name,
            entry,
            ttl,
        )
    }

    /// 4.2.3: a name overwrite request and demand (a registration without RD).
    pub fn overwrite_demand(
        trn_id: u16,
        name: NetbiosName,
        entry: NbAddress,
        ttl: u32,
        broadcast: bool,
    ) -> Self {
        let b = flag(broadcast, NmFlags::B);
        Self::name_request(trn_id, Opcode::REGISTRATION, b, name, entry, ttl)
    }

    /// 4.2.4: a name refresh request.
    pub fn refresh_request(
        trn_id: u16,
        name: NetbiosName,
        entry: NbAddress,
        ttl: u32,
        broadcast: bool,
    ) -> Self {
        let b = flag(broadcast, NmFlags::B);
        Self::name_request(trn_id, Opcode::REFRESH, b, name, entry, ttl)
    }

    /// 4.2.5, 4.2.6, 4.2.8: a name registration response (AA, RD, RA): positive with
    /// [`Rcode::OK`], negative with an error ([`Rcode::ACT_ERR`] when the name is taken),
    /// a name conflict demand with [`Rcode::CFT_ERR`].
    pub fn registration_response(
        trn_id: u16,
        name: NetbiosName,
        rcode: Rcode,
        ttl: u32,
        entry: NbAddress,
    ) -> Self {
        let rr = ResourceRecord::new(name, rr_type::NB, ttl, RData::Nb(vec![entry]));
        let flags = NmFlags::AA | NmFlags::RD | NmFlags::RA;
        Self::response(trn_id, Opcode::REGISTRATION, flags, rcode, rr)
    }

    /// 4.2.9: a name release request and demand (TTL 0; B when broadcast).
    pub fn release_request(
        trn_id: u16,
        name: NetbiosName,
        entry: NbAddress,
        broadcast: bool,
    ) -> Self {
        let b = flag(broadcast, NmFlags::B);
        Self::name_request(trn_id, Opcode::RELEASE, b, name, entry, 0)
    }

    /// 4.2.10, 4.2.11: a name release response (AA), positive with [`Rcode::OK`].
    pub fn release_response(
        trn_id: u16,
        name: NetbiosName,
        rcode: Rcode,
        entry: NbAddress,
    ) -> Self {
        let rr = ResourceRecord::new(name, rr_type::NB, 0, RData::Nb(vec![entry]));
        Self::response(trn_id, Opcode::RELEASE, NmFlags::AA, rcode, rr)
    }

    /// 4.2.16: a WACK: wait `ttl` seconds for the answer to the request whose flags word
    /// was `request_flags`.
    pub fn wack(trn_id: u16, name: NetbiosName, ttl: u32, request_flags: u16) -> Self {
        let rr = ResourceRecord::new(name, rr_type::NB, ttl, RData::Wack(request_flags));
        Self::response(trn_id, Opcode::WACK, NmFlags::AA, Rcode::OK, rr)
    }
}

/// `bit` when `on`, else nothing.
fn flag(on: bool, bit: u8) -> u8 {
    if on { bit } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nbns::packet::{NbFlags, NodeType};
    use crate::nbns::status::{NameFlags, NodeName, Statistics};
    use crate::util::hex_encode;

    fn entry() -> NbAddress {
        NbAddress {
            flags: NbFlags::new(false, NodeType::B),
            ip: [192, 168, 1, 10],
        }
    }

    /// Every builder produces the flags word of its RFC 1002 diagram and classifies as
    /// the message it builds.
    #[test]
    fn builders_match_the_rfc_diagrams() {
        let n = || NetbiosName::new("FILES", 0x20);
        let status = NodeStatus {
            names: vec![NodeName {
                name: n(),
                flags: NameFlags(NameFlags::ACTIVE),
            }],
            statistics: Statistics::new([0; 6]),
        };
        let cases: Vec<(Packet, u16, Kind)> = vec![
            (
                Packet::name_query(1, n(), true, true),
                0x0110,
                Kind::NameQueryRequest,
            ),
            (
                Packet::name_query(1, n(), false, true),
                0x0100,
                Kind::NameQueryRequest,
            ),
            (
                Packet::name_query(1, n(), false, false),
                0x0000,
                Kind::NameQueryRequest,
            ),
            (
                Packet::node_status_request(1, NetbiosName::new("*", 0)),
                0x0000,
                Kind::NodeStatusRequest,
            ),
            (
                Packet::positive_query_response(1, n(), 60, vec![entry()], true),
                0x8500,
                Kind::PositiveNameQueryResponse,
            ),
            (
                Packet::negative_query_response(1, n(), Rcode::NAM_ERR, true),
                0x8503,
                Kind::NegativeNameQueryResponse,
            ),
            (
                Packet::node_status_response(1, n(), status),
                0x8400,
                Kind::NodeStatusResponse,
            ),
            (
                Packet::registration_request(1, n(), entry(), 60, true),
                0x2910,
                Kind::NameRegistrationRequest,
            ),
            (
                Packet::overwrite_demand(1, n(), entry(), 60, true),
                0x2810,
                Kind::NameOverwriteDemand,
            ),
            (
                Packet::refresh_request(1, n(), entry(), 60, false),
                0x4000,
                Kind::NameRefreshRequest,
            ),
            (
                Packet::registration_response(1, n(), Rcode::OK, 60, entry()),
                0xAD80,
                Kind::PositiveNameRegistrationResponse,
            ),
            (
                Packet::registration_response(1, n(), Rcode::ACT_ERR, 0, entry()),
                0xAD86,
                Kind::NegativeNameRegistrationResponse,
            ),
            (
                Packet::registration_response(1, n(), Rcode::CFT_ERR, 0, entry()),
                0xAD87,
                Kind::NameConflictDemand,
            ),
            (
                Packet::release_request(1, n(), entry(), true),
                0x3010,
                Kind::NameReleaseRequest,
            ),
            (
                Packet::release_response(1, n(), Rcode::OK, entry()),
                0xB400,
                Kind::PositiveNameReleaseResponse,
            ),
            (
                Packet::release_response(1, n(), Rcode::ACT_ERR, entry()),
                0xB406,
                Kind::NegativeNameReleaseResponse,
            ),
            (Packet::wack(1, n(), 10, 0x2910), 0xBC00, Kind::Wack),
        ];
        for (p, flags, kind) in cases {
            assert_eq!(p.header.flags_word(), flags, "{kind:?}");
            let wire = p.encode();
            let back = Packet::decode(&wire).unwrap();
            assert_eq!(back.kind(), kind);
            assert_eq!(back, p, "{kind:?}");
            assert_eq!(back.encode(), wire);
        }
    }

    #[test]
    fn registration_request_bytes() {
        let p = Packet::registration_request(
            0x0102,
            NetbiosName::new("AB", 0x00),
            entry(),
            300_000,
            true,
        );
        let mut letters = b"EBEC".to_vec();
        letters.extend_from_slice(&[b'C', b'A'].repeat(13));
        letters.extend_from_slice(b"AA");
        let want = [
            // Header: id, flags (RD, B), one question, one additional record.
            "0102 2910 0001 0000 0000 0001",
            "20",
            &hex_encode(&letters),
            "00 0020 0001",
            // Additional record: pointer to the question name, NB, IN, TTL, 6 bytes.
            "c00c 0020 0001 000493e0 0006 0000 c0a8010a",
        ]
        .concat()
        .replace(' ', "");
        assert_eq!(hex_encode(&p.encode()), want);
    }
}
