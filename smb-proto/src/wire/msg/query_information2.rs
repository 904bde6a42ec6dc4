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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
        let [creation, last_access, last_write] = read_dos_times(b)?;
        let p = &mut b.params;
        Ok(Self {
            creation,
            last_access,
            last_write,
            file_data_size: p.u32("FileDataSize")?,
            file_allocation_size: p.u32("FileAllocationSize")?,
            file_attributes: p.u16("FileAttributes")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        write_dos_times(b, [self.creation, self.last_access, self.last_write]);
        b.w.u32(self.file_data_size);
        b.w.u32(self.file_allocation_size);
        b.w.u16(self.file_attributes);
    }
}

/// Reads the three (date, time) pairs of QUERY_INFORMATION2 and SET_INFORMATION2:
/// creation, last access, last write, each date first.
pub(super) fn read_dos_times(b: &mut BlockDecoder<'_>) -> Result<[(u16, u16); 3], DecodeError> {
    let mut t = [(0, 0); 3];
    for (x, (d, tm)) in t.iter_mut().zip([
        ("CreateDate", "CreationTime"),
        ("LastAccessDate", "LastAccessTime"),
        ("LastWriteDate", "LastWriteTime"),
    ]) {
        *x = (b.params.u16(d)?, b.params.u16(tm)?);
    }
    Ok(t)
}

/// Writes three (date, time) pairs, each date first.
pub(super) fn write_dos_times(b: &mut BlockEncoder<'_>, t: [(u16, u16); 3]) {
    for (d, tm) in t {
        b.w.u16(d);
        b.w.u16(tm);
    }
}
