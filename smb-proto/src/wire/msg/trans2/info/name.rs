//! Names inside information levels: a length the data must hold, then UTF-16LE or OEM
//! bytes without a terminator.

use alloc::string::String;

use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::strings::{read_oem_len, read_utf16_len, write_oem_raw, write_utf16_raw};

/// Reads a u32 name length and checks that the data holds that many bytes.
pub(super) fn utf16_len_checked(
    r: &mut Reader<'_>,
    field: &'static str,
) -> Result<usize, DecodeError> {
    let at = r.pos();
    let n = r.u32(field)? as usize;
    if n > r.remaining() {
        return Err(DecodeError::truncated(field, at));
    }
    Ok(n)
}

/// Reads a name of `len` bytes, UTF-16LE or OEM.
pub(super) fn read_name(
    r: &mut Reader<'_>,
    len: usize,
    unicode: bool,
    field: &'static str,
) -> Result<String, DecodeError> {
    if unicode {
        read_utf16_len(r, len, field)
    } else {
        read_oem_len(r, len, field)
    }
}

/// Writes a name, UTF-16LE or OEM, without a terminator.
pub(super) fn write_name(w: &mut Writer, s: &str, unicode: bool) {
    if unicode {
        write_utf16_raw(w, s)
    } else {
        write_oem_raw(w, s)
    }
}
