//! `SMB_COM_QUERY_INFORMATION2` (0x23): times, size and attributes of an open file, with
//! DOS dates and times.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::wrap::fid_body;

/// A DOS date and time pair (SMB_DATE, SMB_TIME); zero for "not set".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DosDateTime {
    /// SMB_DATE.
    pub date: u16,
    /// SMB_TIME.
    pub time: u16,
}

impl DosDateTime {
    /// From a FILETIME (zero stays zero).
    pub fn from_filetime(ft: u64) -> Self {
        if ft == 0 {
            return Self::default();
        }
        let (date, time) = crate::time::filetime_to_dos(ft);
        Self { date, time }
    }

    /// To a FILETIME (zero for "not set").
    pub fn to_filetime(self) -> u64 {
        if self.date == 0 && self.time == 0 {
            0
        } else {
            crate::time::dos_to_filetime(self.date, self.time)
        }
    }
}

fid_body!(
    /// QUERY_INFORMATION2 request.
    QueryInformation2Request,
    QUERY_INFORMATION2,
    "The file."
);

/// QUERY_INFORMATION2 response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryInformation2Response {
    /// Creation date and time.
    pub created: DosDateTime,
    /// Last access date and time.
    pub accessed: DosDateTime,
    /// Last write date and time.
    pub written: DosDateTime,
    /// File size (low 32 bits).
    pub file_data_size: u32,
    /// Allocation size (low 32 bits).
    pub file_allocation_size: u32,
    /// `SMB_FILE_ATTRIBUTES`.
    pub file_attributes: u16,
}

/// Reads three date/time pairs (creation, access, write), each date first.
pub(super) fn read_dos_times(b: &mut BlockDecoder<'_>) -> Result<[DosDateTime; 3], DecodeError> {
    let mut t = [DosDateTime::default(); 3];
    for (x, (d, tm)) in t.iter_mut().zip([
        ("CreateDate", "CreationTime"),
        ("LastAccessDate", "LastAccessTime"),
        ("LastWriteDate", "LastWriteTime"),
    ]) {
        x.date = b.params.u16(d)?;
        x.time = b.params.u16(tm)?;
    }
    Ok(t)
}

/// Writes three date/time pairs, each date first.
pub(super) fn write_dos_times(b: &mut BlockEncoder<'_>, t: [DosDateTime; 3]) {
    for x in t {
        b.w.u16(x.date);
        b.w.u16(x.time);
    }
}

impl Body for QueryInformation2Response {
    const COMMAND: Command = Command::QUERY_INFORMATION2;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[11])?;
        let [created, accessed, written] = read_dos_times(b)?;
        let p = &mut b.params;
        Ok(Self {
            created,
            accessed,
            written,
            file_data_size: p.u32("FileDataSize")?,
            file_allocation_size: p.u32("FileAllocationSize")?,
            file_attributes: p.u16("FileAttributes")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        write_dos_times(b, [self.created, self.accessed, self.written]);
        b.w.u32(self.file_data_size);
        b.w.u32(self.file_allocation_size);
        b.w.u16(self.file_attributes);
        b.start_data();
    }
}
