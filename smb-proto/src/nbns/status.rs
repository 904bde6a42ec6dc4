//! The RDATA of a node status response (RFC 1002 4.2.18): the node's name table and a
//! statistics block that starts with the unit id (the MAC address).
//!
//! ```text
//! NUM_NAMES (1 byte) | NUM_NAMES x (16-byte name, NAME_FLAGS u16) | STATISTICS
//! ```
//!
//! RFC 1002 gives the statistics 46 bytes: the 6-byte unit id, then counters nobody reads
//! (Samba sends zeros "as they could be used to attack the protocol"; so does
//! [`Statistics::new`]). [`Statistics`] keeps the unit id and the rest as received.

use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

use crate::wire::codec::{DecodeError, Writer};
use crate::wire::netbios::NetbiosName;

/// Length of the statistics block RFC 1002 defines.
pub const STATISTICS_LEN: usize = 46;

/// Length of the unit id at the start of the statistics.
pub const UNIT_ID_LEN: usize = 6;

/// NAME_FLAGS of a node status entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NameFlags(pub u16);

impl NameFlags {
    /// G: a group name.
    pub const GROUP: u16 = 0x8000;
    /// Owner node type mask (as in NB_FLAGS).
    pub const ONT_MASK: u16 = 0x6000;
    /// DRG: being deregistered.
    pub const DEREGISTERING: u16 = 0x1000;
    /// CNF: in conflict.
    pub const CONFLICT: u16 = 0x0800;
    /// ACT: active (always set in a response).
    pub const ACTIVE: u16 = 0x0400;
    /// PRM: the permanent node name.
    pub const PERMANENT: u16 = 0x0200;

    /// Whether all bits of `mask` are set.
    pub fn has(self, mask: u16) -> bool {
        self.0 & mask == mask
    }
}

impl fmt::Debug for NameFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NameFlags({:#06x})", self.0)
    }
}

/// One entry of the name table.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NodeName {
    /// The 16-byte name (no scope: the table holds the bare names).
    pub name: NetbiosName,
    /// Its flags.
    pub flags: NameFlags,
}

/// The statistics block.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Statistics {
    /// UNIT_ID: the adapter's MAC address.
    pub unit_id: [u8; UNIT_ID_LEN],
    /// The bytes after the unit id, as received (40 bytes of counters in RFC 1002).
    pub rest: Bytes,
}

impl Statistics {
    /// A 46-byte block with this unit id and zero counters.
    pub fn new(unit_id: [u8; UNIT_ID_LEN]) -> Self {
        static ZEROS: [u8; STATISTICS_LEN - UNIT_ID_LEN] = [0; STATISTICS_LEN - UNIT_ID_LEN];
        Self {
            unit_id,
            rest: Bytes::from_static(&ZEROS),
        }
    }
}

/// A node status: the name table and the statistics.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NodeStatus {
    /// The names (at most 255: the count is one byte).
    pub names: Vec<NodeName>,
    /// The statistics.
    pub statistics: Statistics,
}

impl NodeStatus {
    /// Decodes the RDATA; `at` is its offset in the packet, for errors.
    pub fn decode(rdata: &[u8], at: usize) -> Result<Self, DecodeError> {
        let (&count, rest) = rdata
            .split_first()
            .ok_or(DecodeError::truncated("NUM_NAMES", at))?;
        let table_len = count as usize * 18;
        if rest.len() < table_len + UNIT_ID_LEN {
            return Err(DecodeError::truncated(
                if rest.len() < table_len {
                    "NODE_NAME"
                } else {
                    "STATISTICS"
                },
                at + 1,
            ));
        }
        let (table, stats) = rest.split_at(table_len);
        let names = table
            .chunks_exact(18)
            .map(|e| {
                let mut raw = [0u8; 16];
                raw.copy_from_slice(&e[..16]);
                NodeName {
                    name: NetbiosName::from_raw(raw),
                    flags: NameFlags(u16::from_be_bytes([e[16], e[17]])),
                }
            })
            .collect();
        let mut unit_id = [0u8; UNIT_ID_LEN];
        unit_id.copy_from_slice(&stats[..UNIT_ID_LEN]);
        Ok(Self {
            names,
            statistics: Statistics {
                unit_id,
                rest: Bytes::copy_from_slice(&stats[UNIT_ID_LEN..]),
            },
        })
    }

    /// Writes the RDATA (only the first 255 names: the count is one byte).
    pub fn encode(&self, w: &mut Writer) {
        let n = self.names.len().min(255);
        w.u8(n as u8);
        for e in &self.names[..n] {
            w.bytes(&e.name.raw);
            w.u16_be(e.flags.0);
        }
        w.bytes(&self.statistics.unit_id);
        w.bytes(&self.statistics.rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_statistics() {
        let s = NodeStatus {
            names: alloc::vec![
                NodeName {
                    name: NetbiosName::new("FILES", 0x20),
                    flags: NameFlags(NameFlags::ACTIVE),
                },
                NodeName {
                    name: NetbiosName::new("WORKGROUP", 0x00),
                    flags: NameFlags(NameFlags::ACTIVE | NameFlags::GROUP),
                },
            ],
            statistics: Statistics::new([0, 0x11, 0x22, 0x33, 0x44, 0x55]),
        };
        let mut w = Writer::new();
        s.encode(&mut w);
        let b = w.into_vec();
        assert_eq!(b.len(), 1 + 2 * 18 + STATISTICS_LEN);
        assert_eq!(&b[..17], b"\x02FILES          \x20");
        assert_eq!(&b[17..19], &[0x04, 0x00]);
        assert_eq!(&b[35..37], &[0x84, 0x00]);
        assert_eq!(&b[37..43], &[0, 0x11, 0x22, 0x33, 0x44, 0x55]);
        assert_eq!(NodeStatus::decode(&b, 0).unwrap(), s);
        // A table that runs past the RDATA, and one with no room for the unit id.
        assert_eq!(
            NodeStatus::decode(&b[..30], 0).unwrap_err().field,
            "NODE_NAME"
        );
        assert_eq!(
            NodeStatus::decode(&b[..40], 0).unwrap_err().field,
            "STATISTICS"
        );
        assert_eq!(NodeStatus::decode(&[], 0).unwrap_err().field, "NUM_NAMES");
    }
}
