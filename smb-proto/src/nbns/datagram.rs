//! The NetBIOS datagram service packet (RFC 1002 4.4, UDP port 138).
//!
//! ```text
//! MSG_TYPE | FLAGS | DGM_ID (u16) | SOURCE_IP (4) | SOURCE_PORT (u16) | then by type:
//!   0x10-0x12 (direct unique, direct group, broadcast):
//!       DGM_LENGTH (u16) | PACKET_OFFSET (u16) | SOURCE_NAME | DESTINATION_NAME | USER_DATA
//!   0x13 (error): ERROR_CODE (1 byte)
//!   0x14-0x16 (query request, positive / negative query response): DESTINATION_NAME
//! ```
//!
//! All integers are big-endian. DGM_LENGTH counts the bytes after PACKET_OFFSET (the two
//! names and the user data), as Samba and Windows write it; [`DatagramPacket::decode`]
//! checks it against the datagram before reading the names, and keeps any bytes after
//! the counted ones in [`DatagramPacket::trailing`] so that a packet re-encodes exactly.

use bytes::Bytes;

use super::Addr;
use super::name::{self, NamePointer};
use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::netbios::NetbiosName;

/// Message types.
pub mod msg_type {
    /// Direct unique datagram.
    pub const DIRECT_UNIQUE: u8 = 0x10;
    /// Direct group datagram (what browse announcements are).
    pub const DIRECT_GROUP: u8 = 0x11;
    /// Broadcast datagram.
    pub const BROADCAST: u8 = 0x12;
    /// Datagram error.
    pub const ERROR: u8 = 0x13;
    /// Datagram query request.
    pub const QUERY_REQUEST: u8 = 0x14;
    /// Datagram positive query response.
    pub const POSITIVE_QUERY_RESPONSE: u8 = 0x15;
    /// Datagram negative query response.
    pub const NEGATIVE_QUERY_RESPONSE: u8 = 0x16;
}

/// FLAGS bits.
pub mod flags {
    /// M: more fragments follow.
    pub const MORE: u8 = 0x01;
    /// F: first fragment.
    pub const FIRST: u8 = 0x02;
    /// SNT: source node type B.
    pub const B_NODE: u8 = 0x00;
    /// SNT: source node type P.
    pub const P_NODE: u8 = 0x04;
    /// SNT: source node type M.
    pub const M_NODE: u8 = 0x08;
    /// SNT: the NetBIOS datagram distribution server.
    pub const NBDD: u8 = 0x0C;
}

/// Length of the fixed header of a data datagram, up to and including PACKET_OFFSET.
pub const DATA_HEADER_LEN: usize = 14;

/// A name as it was written (with its compression pointer, if any).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WireName {
    /// The name.
    pub name: NetbiosName,
    /// Where it used a compression pointer (datagram senders do not, but may).
    pub pointer: Option<NamePointer>,
}

impl From<NetbiosName> for WireName {
    fn from(name: NetbiosName) -> Self {
        Self {
            name,
            pointer: None,
        }
    }
}

/// What follows the common header.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DatagramBody {
    /// Types 0x10 to 0x12: a datagram carrying user data.
    Data {
        /// PACKET_OFFSET: where this fragment's data starts in the whole datagram.
        packet_offset: u16,
        /// SOURCE_NAME.
        source: WireName,
        /// DESTINATION_NAME.
        destination: WireName,
        /// USER_DATA (for browsing: an SMB TRANSACTION writing to a mailslot).
        user_data: Bytes,
    },
    /// Type 0x13: an error (0x82 destination name not present, 0x83 invalid source name
    /// format, 0x84 invalid destination name format).
    Error {
        /// ERROR_CODE.
        code: u8,
    },
    /// Types 0x14 to 0x16: a datagram query and its answers.
    Query {
        /// DESTINATION_NAME.
        destination: WireName,
    },
    /// Any other type: the bytes after the common header.
    Unknown(Bytes),
}

/// A datagram service packet.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DatagramPacket {
    /// MSG_TYPE (see [`msg_type`]).
    pub msg_type: u8,
    /// FLAGS (see [`flags`]).
    pub flags: u8,
    /// DGM_ID: chosen by the sender, the same for every fragment of one datagram.
    pub dgm_id: u16,
    /// SOURCE_IP and SOURCE_PORT: the sending node's address.
    pub source: Addr,
    /// The rest.
    pub body: DatagramBody,
    /// Bytes after what the header counts.
    pub trailing: Bytes,
}

impl DatagramPacket {
    /// A direct group datagram (type 0x11) from a B-node, first and only fragment.
    pub fn direct_group(
        dgm_id: u16,
        source: Addr,
        source_name: NetbiosName,
        destination: NetbiosName,
        user_data: Bytes,
    ) -> Self {
        Self {
            msg_type: msg_type::DIRECT_GROUP,
            flags: flags::FIRST | flags::B_NODE,
            dgm_id,
            source,
            body: DatagramBody::Data {
                packet_offset: 0,
                source: source_name.into(),
                destination: destination.into(),
                user_data,
            },
            trailing: Bytes::new(),
        }
    }

    /// Decodes a datagram.
    pub fn decode(buf: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(buf);
        let msg_type = r.u8("MSG_TYPE")?;
        let flags = r.u8("FLAGS")?;
        let dgm_id = r.u16_be("DGM_ID")?;
        let source = Addr::new(r.array("SOURCE_IP")?, r.u16_be("SOURCE_PORT")?);
        let body = match msg_type {
            msg_type::DIRECT_UNIQUE | msg_type::DIRECT_GROUP | msg_type::BROADCAST => {
                let len = r.u16_be("DGM_LENGTH")? as usize;
                let packet_offset = r.u16_be("PACKET_OFFSET")?;
                let mut d = Reader::range(buf, DATA_HEADER_LEN, len, "DGM_LENGTH")?;
                let (name, pointer) = name::decode(&mut d, "SOURCE_NAME")?;
                let source = WireName { name, pointer };
                let (name, pointer) = name::decode(&mut d, "DESTINATION_NAME")?;
                let destination = WireName { name, pointer };
                let user_data = d.rest();
                r.seek(d.pos(), "USER_DATA")?;
                DatagramBody::Data {
                    packet_offset,
                    source,
                    destination,
                    user_data,
                }
            }
            msg_type::ERROR => DatagramBody::Error {
                code: r.u8("ERROR_CODE")?,
            },
            msg_type::QUERY_REQUEST
            | msg_type::POSITIVE_QUERY_RESPONSE
            | msg_type::NEGATIVE_QUERY_RESPONSE => {
                let (name, pointer) = name::decode(&mut r, "DESTINATION_NAME")?;
                DatagramBody::Query {
                    destination: WireName { name, pointer },
                }
            }
            _ => DatagramBody::Unknown(r.rest()),
        };
        Ok(Self {
            msg_type,
            flags,
            dgm_id,
            source,
            body,
            trailing: r.rest(),
        })
    }

    /// Encodes the datagram (DGM_LENGTH computed).
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::with_capacity(256);
        w.u8(self.msg_type);
        w.u8(self.flags);
        w.u16_be(self.dgm_id);
        w.bytes(&self.source.ip);
        w.u16_be(self.source.port);
        match &self.body {
            DatagramBody::Data {
                packet_offset,
                source,
                destination,
                user_data,
            } => {
                let len = name::encoded_len(&source.name, source.pointer)
                    + name::encoded_len(&destination.name, destination.pointer)
                    + user_data.len();
                debug_assert!(
                    len <= u16::MAX as usize,
                    "datagram longer than DGM_LENGTH can say"
                );
                w.u16_be(len as u16);
                w.u16_be(*packet_offset);
                name::encode(&mut w, &source.name, source.pointer);
                name::encode(&mut w, &destination.name, destination.pointer);
                w.bytes(user_data);
            }
            DatagramBody::Error { code } => w.u8(*code),
            DatagramBody::Query { destination } => {
                name::encode(&mut w, &destination.name, destination.pointer)
            }
            DatagramBody::Unknown(b) => w.bytes(b),
        }
        w.bytes(&self.trailing);
        w.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::DecodeErrorKind;

    #[test]
    fn data_datagram_round_trip_and_length() {
        let d = DatagramPacket::direct_group(
            0x4242,
            Addr::new([10, 0, 0, 5], 138),
            NetbiosName::new("FILES", 0),
            NetbiosName::new("WORKGROUP", 0x1D),
            Bytes::from_static(b"\xffSMB..."),
        );
        let b = d.encode();
        assert_eq!(&b[..10], &[0x11, 0x02, 0x42, 0x42, 10, 0, 0, 5, 0, 138]);
        assert_eq!(
            u16::from_be_bytes([b[10], b[11]]) as usize,
            b.len() - DATA_HEADER_LEN
        );
        assert_eq!(DatagramPacket::decode(&b).unwrap(), d);
        // DGM_LENGTH larger than the datagram.
        let mut bad = b.to_vec();
        bad[11] = bad[11].wrapping_add(1);
        let e = DatagramPacket::decode(&Bytes::from(bad)).unwrap_err();
        assert_eq!(
            (e.field, e.kind),
            ("DGM_LENGTH", DecodeErrorKind::Truncated)
        );
        // Extra bytes after the counted ones are kept.
        let mut extra = b.to_vec();
        extra.push(7);
        let e = DatagramPacket::decode(&Bytes::from(extra.clone())).unwrap();
        assert_eq!(e.trailing.as_ref(), &[7]);
        assert_eq!(e.encode().as_ref(), &extra[..]);
    }

    #[test]
    fn error_and_query_datagrams() {
        for d in [
            DatagramPacket {
                msg_type: msg_type::ERROR,
                flags: flags::FIRST,
                dgm_id: 1,
                source: Addr::new([1, 2, 3, 4], 138),
                body: DatagramBody::Error { code: 0x82 },
                trailing: Bytes::new(),
            },
            DatagramPacket {
                msg_type: msg_type::QUERY_REQUEST,
                flags: flags::FIRST,
                dgm_id: 2,
                source: Addr::new([1, 2, 3, 4], 138),
                body: DatagramBody::Query {
                    destination: NetbiosName::new("X", 0x20).into(),
                },
                trailing: Bytes::new(),
            },
        ] {
            assert_eq!(DatagramPacket::decode(&d.encode()).unwrap(), d);
        }
    }
}
