//! `SMB_COM_QUERY_INFORMATION2` (0x23): an open file's DOS times, size, allocation and
//! attributes.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

crate::fid_body!(
    /// QUERY_INFORMATION2 request.
    QueryInformation2Request,
    QUERY_INFORMATION2
);

/// QUERY_INFORMATION2 response: times as SMB_DATE and SMB_TIME pairs (local time).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryInformation2Response {
    /// Creation (date, time).
    pub creation: (u16, u16),
    /// Last access (date, time).
    pub last_access: (u16, u16),
    /// Last write (date, time).
    pub last_write: (u16, u16),
    /// File size.
    pub file_data_size: u32,
    /// Allocation size.
    pub file_allocation_size: u32,
    /// DOS attributes.
    pub file_attributes: u16,
}

impl Body for QueryInformation2Response {
    const COMMAND: Command = Command::QUERY_INFORMATION2;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[11])?;
        let p = &mut b.params;
        Ok(Self {
            creation: (p.u16("CreateDate")?, p.u16("CreationTime")?),
            last_access: (p.u16("LastAccessDate")?, p.u16("LastAccessTime")?),
            last_write: (p.u16("LastWriteDate")?, p.u16("LastWriteTime")?),
            file_data_size: p.u32("FileDataSize")?,
            file_allocation_size: p.u32("FileAllocationSize")?,
            file_attributes: p.u16("FileAttributes")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        for (d, t) in [self.creation, self.last_access, self.last_write] {
            b.w.u16(d);
            b.w.u16(t);
        }
        b.w.u32(self.file_data_size);
        b.w.u32(self.file_allocation_size);
        b.w.u16(self.file_attributes);
    }
}
