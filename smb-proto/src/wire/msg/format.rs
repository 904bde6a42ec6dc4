//! BufferFormat-prefixed fields of the core-protocol commands: a string after 0x04 and a
//! data block (0x01, u16 length, bytes).

use alloc::string::String;
use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::message::{BlockDecoder, BlockEncoder};
use crate::wire::strings::{read_str, skip_align, write_align, write_str};

/// Reads a string `0x04, [pad], string` from the data block.
pub(super) fn read_format_string(
    b: &mut BlockDecoder<'_>,
    field: &'static str,
) -> Result<String, DecodeError> {
    let unicode = b.unicode();
    let at = b.data.pos();
    if b.data.u8("BufferFormat")? != 0x04 {
        return Err(DecodeError::invalid("BufferFormat", at));
    }
    skip_align(&mut b.data, unicode);
    read_str(&mut b.data, unicode, field)
}

/// Writes a string `0x04, [pad], string` into the data block.
pub(super) fn write_format_string(b: &mut BlockEncoder<'_>, s: &str) {
    let unicode = b.unicode();
    b.w.u8(0x04);
    write_align(b.w, unicode);
    write_str(b.w, s, unicode);
}

/// Reads a data block `0x01, u16 length, bytes`.
pub(super) fn read_data_block(b: &mut BlockDecoder<'_>) -> Result<Bytes, DecodeError> {
    let at = b.data.pos();
    if b.data.u8("BufferFormat")? != 0x01 {
        return Err(DecodeError::invalid("BufferFormat", at));
    }
    let n = b.data.u16("DataLength")? as usize;
    b.data.bytes(n, "Data")
}

/// Writes a data block `0x01, u16 length, bytes`.
pub(super) fn write_data_block(b: &mut BlockEncoder<'_>, data: &Bytes) {
    b.w.u8(0x01);
    b.w.u16(data.len() as u16);
    b.w.tail(data.clone());
}
