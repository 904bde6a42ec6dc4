//! `SMB_COM_QUERY_INFORMATION_DISK` (0x80): size of the share's file system in 16-bit units.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

crate::empty_body!(
    /// QUERY_INFORMATION_DISK request (no parameters).
    QueryInformationDiskRequest,
    QUERY_INFORMATION_DISK
);

/// QUERY_INFORMATION_DISK response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryInformationDiskResponse {
    /// Total allocation units.
    pub total_units: u16,
    /// Blocks per unit.
    pub blocks_per_unit: u16,
    /// Bytes per block.
    pub block_size: u16,
    /// Free allocation units.
    pub free_units: u16,
    /// Reserved.
    pub reserved: u16,
}

impl QueryInformationDiskResponse {
    /// Scales byte totals into the 16-bit fields (capping what does not fit).
    pub fn from_sizes(total_bytes: u64, free_bytes: u64) -> Self {
        let block_size: u64 = 512;
        let mut blocks_per_unit: u64 = 1;
        while total_bytes / (block_size * blocks_per_unit) > 0xFFFF && blocks_per_unit < 0x8000 {
            blocks_per_unit *= 2;
        }
        let unit = block_size * blocks_per_unit;
        Self {
            total_units: (total_bytes / unit).min(0xFFFF) as u16,
            blocks_per_unit: blocks_per_unit as u16,
            block_size: block_size as u16,
            free_units: (free_bytes / unit).min(0xFFFF) as u16,
            reserved: 0,
        }
    }
}

impl Body for QueryInformationDiskResponse {
    const COMMAND: Command = Command::QUERY_INFORMATION_DISK;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[5])?;
        let p = &mut b.params;
        Ok(Self {
            total_units: p.u16("TotalUnits")?,
            blocks_per_unit: p.u16("BlocksPerUnit")?,
            block_size: p.u16("BlockSize")?,
            free_units: p.u16("FreeUnits")?,
            reserved: p.u16("Reserved")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.total_units);
        b.w.u16(self.blocks_per_unit);
        b.w.u16(self.block_size);
        b.w.u16(self.free_units);
        b.w.u16(self.reserved);
        b.start_data();
    }
}
