//! `SMB_COM_SET_INFORMATION2` (0x22): set the times of an open file, with DOS dates and
//! times (zero leaves a time unchanged).

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::query_information2::{read_dos_times, write_dos_times};

/// SET_INFORMATION2 request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetInformation2Request {
    /// The file.
    pub fid: u16,
    /// Creation (date, time); a zero date leaves it unchanged.
    pub creation: (u16, u16),
    /// Last access (date, time); a zero date leaves it unchanged.
    pub last_access: (u16, u16),
    /// Last write (date, time); a zero date leaves it unchanged.
    pub last_write: (u16, u16),
}

impl Body for SetInformation2Request {
    const COMMAND: Command = Command::SET_INFORMATION2;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[7])?;
        let fid = b.params.u16("FID")?;
        let [creation, last_access, last_write] = read_dos_times(b)?;
        Ok(Self {
            fid,
            creation,
            last_access,
            last_write,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        write_dos_times(b, [self.creation, self.last_access, self.last_write]);
        b.start_data();
    }
}

crate::empty_body!(
    /// SET_INFORMATION2 response (no parameters).
    SetInformation2Response,
    SET_INFORMATION2
);
