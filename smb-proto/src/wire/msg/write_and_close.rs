//! `SMB_COM_WRITE_AND_CLOSE` (0x2C): write to a file, set its last write time and close it.

use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Pad};
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::write::count_response;

count_response!(
    /// WRITE_AND_CLOSE response.
    WriteAndCloseResponse,
    WRITE_AND_CLOSE
);

/// WRITE_AND_CLOSE request (WordCount 6, or 12 with three reserved dwords).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteAndCloseRequest {
    /// The file.
    pub fid: u16,
    /// Byte offset.
    pub offset: u32,
    /// Last write time to set (UTIME).
    pub last_write_time: u32,
    /// Reserved dwords of the WordCount 12 form.
    pub reserved: Option<[u32; 3]>,
    /// `CountOfBytesToWrite` when it differs from the data length.
    pub count: Option<u16>,
    /// The pad byte before the data.
    pub pad: Pad,
    /// The data.
    pub data: Bytes,
}

impl Body for WriteAndCloseRequest {
    const COMMAND: Command = Command::WRITE_AND_CLOSE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[6, 12])?;
        let p = &mut b.params;
        let fid = p.u16("FID")?;
        let count = p.u16("CountOfBytesToWrite")?;
        let offset = p.u32("WriteOffsetInBytes")?;
        let last_write_time = p.u32("LastWriteTime")?;
        let reserved = if b.word_count == 12 {
            Some([p.u32("Reserved")?, p.u32("Reserved")?, p.u32("Reserved")?])
        } else {
            None
        };
        let pad = Pad::read(&mut b.data, 1, "Pad")?;
        let avail = b.data.remaining();
        if count as usize > avail {
            return Err(DecodeError::new(
                DecodeErrorKind::Truncated,
                "Data",
                b.data.pos(),
            ));
        }
        let data = b.data.bytes(count as usize, "Data")?;
        Ok(Self {
            fid,
            offset,
            last_write_time,
            reserved,
            count: None,
            pad,
            data,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u16(self.count.unwrap_or(self.data.len() as u16));
        b.w.u32(self.offset);
        b.w.u32(self.last_write_time);
        if let Some(r) = self.reserved {
            for x in r {
                b.w.u32(x);
            }
        }
        b.start_data();
        self.pad.write(b.w, 1);
        b.w.tail(self.data.clone());
    }
}
