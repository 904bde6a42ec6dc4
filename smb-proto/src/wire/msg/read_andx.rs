//! `SMB_COM_READ_ANDX` (0x2E): read from a file or pipe, with 64-bit offsets and large
//! reads (CAP_LARGE_READX).

use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Pad, Reader};
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// READ_ANDX request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadAndXRequest {
    /// The file.
    pub fid: u16,
    /// Byte offset (64-bit when `large_offset`).
    pub offset: u64,
    /// Low 16 bits of the byte count.
    pub max_count_low: u16,
    /// Minimum count (pipes).
    pub min_count: u16,
    /// Pipes: timeout in ms. Files: low 16 bits are MaxCountHigh (ignored when 0xFFFF).
    pub timeout_or_max_count_high: u32,
    /// Remaining (obsolete).
    pub remaining: u16,
    /// WordCount 12 form with OffsetHigh.
    pub large_offset: bool,
}

impl ReadAndXRequest {
    /// A request for `count` bytes at `offset` (count above 0xFFFF needs CAP_LARGE_READX).
    pub fn new(fid: u16, offset: u64, count: u32) -> Self {
        Self {
            fid,
            offset,
            max_count_low: count as u16,
            min_count: count.min(0xFFFF) as u16,
            timeout_or_max_count_high: count >> 16,
            remaining: 0,
            large_offset: true,
        }
    }

    /// The byte count asked for: MaxCountHigh (unless 0xFFFF) and MaxCountOfBytesToReturn.
    pub fn max_count(&self) -> u32 {
        let high = self.timeout_or_max_count_high & 0xFFFF;
        if high == 0xFFFF {
            self.max_count_low as u32
        } else {
            (high << 16) | self.max_count_low as u32
        }
    }
}

impl Body for ReadAndXRequest {
    const COMMAND: Command = Command::READ_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[10, 12])?;
        let p = &mut b.params;
        let fid = p.u16("FID")?;
        let low = p.u32("Offset")?;
        let mut r = Self {
            fid,
            offset: low as u64,
            max_count_low: p.u16("MaxCountOfBytesToReturn")?,
            min_count: p.u16("MinCountOfBytesToReturn")?,
            timeout_or_max_count_high: p.u32("Timeout_or_MaxCountHigh")?,
            remaining: p.u16("Remaining")?,
            large_offset: b.word_count == 12,
        };
        if r.large_offset {
            r.offset |= (p.u32("OffsetHigh")? as u64) << 32;
        }
        Ok(r)
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u32(self.offset as u32);
        b.w.u16(self.max_count_low);
        b.w.u16(self.min_count);
        b.w.u32(self.timeout_or_max_count_high);
        b.w.u16(self.remaining);
        if self.large_offset || self.offset > u32::MAX as u64 {
            b.w.u32((self.offset >> 32) as u32);
        }
        b.start_data();
    }
}

/// READ_ANDX response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadAndXResponse {
    /// Bytes available (pipes; 0xFFFF from Samba for files).
    pub available: u16,
    /// Data compaction mode (0).
    pub data_compaction_mode: u16,
    /// Reserved.
    pub reserved1: u16,
    /// Reserved (8 bytes).
    pub reserved2: [u8; 8],
    /// Padding between ByteCount and the data (canonical: 1 byte, DataOffset 60).
    pub pad: Pad,
    /// The data: a zero-copy slice of the received frame.
    pub data: Bytes,
    /// Data the host writes itself right after the encoded message (a zero-copy file
    /// read, e.g. with `sendfile`): counted in DataLength and the message length, absent
    /// from `data`, which must then be empty. Always 0 when decoding.
    pub host_data: u32,
}

impl Body for ReadAndXResponse {
    const COMMAND: Command = Command::READ_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[12])?;
        let p = &mut b.params;
        let available = p.u16("Available")?;
        let data_compaction_mode = p.u16("DataCompactionMode")?;
        let reserved1 = p.u16("Reserved1")?;
        let len_low = p.u16("DataLength")? as usize;
        let data_offset = p.u16("DataOffset")? as usize;
        let len_high = p.u16("DataLengthHigh")? as usize;
        let reserved2 = p.array("Reserved2")?;
        let len = (len_high << 16) | len_low;
        let data_start = b.data.pos();
        if data_offset < data_start {
            return Err(DecodeError::new(
                DecodeErrorKind::Invalid,
                "DataOffset",
                data_start,
            ));
        }
        let msg = b.message();
        let mut r = Reader::range(msg, data_start, msg.len() - data_start, "Bytes")?;
        let pad = Pad::read_to(&mut r, data_offset, "DataOffset")?;
        let data = r.bytes(len, "Data")?;
        let stop = data_offset + len;
        if stop > b.data.end() {
            b.data.seek(b.data.end(), "Data")?;
            b.end = Some(stop);
        } else {
            b.data.seek(stop, "Data")?;
        }
        Ok(Self {
            available,
            data_compaction_mode,
            reserved1,
            reserved2,
            pad,
            data,
            host_data: 0,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let len = self.data.len() + self.host_data as usize;
        b.w.u16(self.available);
        b.w.u16(self.data_compaction_mode);
        b.w.u16(self.reserved1);
        b.w.u16(len as u16);
        let off_at = b.w.placeholder_u16();
        b.w.u16((len >> 16) as u16);
        b.w.bytes(&self.reserved2);
        b.start_data();
        self.pad.write(b.w, 1);
        let off = b.w.pos();
        b.w.patch_u16(off_at, off as u16);
        if self.host_data > 0 {
            b.w.bytes(&self.data);
            b.w.host_tail(self.host_data as usize);
        } else {
            b.w.tail(self.data.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::netbios::Transport;
    use crate::wire::{Header, Message, Response};
    use alloc::vec;

    /// A response whose data the host writes itself encodes to exactly the bytes that
    /// precede the data of the same response built with the data: same lengths, same
    /// offsets, and the data follows.
    #[test]
    fn host_data_announces_exactly_what_in_memory_data_would() {
        for len in [1usize, 4096, 65_535, 65_536, 1 << 20, (1 << 20) + 3] {
            let data = Bytes::from(vec![0xA5u8; len]);
            let with = Message::new(
                Header::default(),
                Response::from(ReadAndXResponse {
                    available: 0xFFFF,
                    data: data.clone(),
                    ..Default::default()
                }),
            );
            let later = Message::new(
                Header::default(),
                Response::from(ReadAndXResponse {
                    available: 0xFFFF,
                    host_data: len as u32,
                    ..Default::default()
                }),
            );
            let (head_w, tail_w) = with.encode_framed(Transport::Direct);
            let (head_l, tail_l) = later.encode_framed(Transport::Direct);
            assert!(tail_l.is_none(), "{len}: no in-memory tail");
            let mut full = head_w.to_vec();
            full.extend_from_slice(tail_w.as_deref().unwrap_or(&[]));
            assert_eq!(full.len(), head_l.len() + len, "{len}: total length");
            assert_eq!(&full[..head_l.len()], &head_l[..], "{len}: same head");
            assert_eq!(&full[head_l.len()..], &data[..], "{len}: data follows");
        }
    }
}
