//! `SMB_COM_SET_INFORMATION2` (0x22): set the times of an open file, with DOS dates and
//! times (zero leaves a time unchanged).

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::query_information2::{DosDateTime, read_dos_times, write_dos_times};

/// SET_INFORMATION2 request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetInformation2Request {
    /// The file.
    pub fid: u16,
    /// Creation date and time.
    pub created: DosDateTime,
    /// Last access date and time.
    pub accessed: DosDateTime,
    /// Last write date and time.
    pub written: DosDateTime,
}

impl Body for SetInformation2Request {
    const COMMAND: Command = Command::SET_INFORMATION2;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[7])?;
        let fid = b.params.u16("FID")?;
        let [created, accessed, written] = read_dos_times(b)?;
        Ok(Self {
            fid,
            created,
            accessed,
            written,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        write_dos_times(b, [self.created, self.accessed, self.written]);
        b.start_data();
    }
}

crate::empty_body!(
    /// SET_INFORMATION2 response (no parameters).
    SetInformation2Response,
    SET_INFORMATION2
);
