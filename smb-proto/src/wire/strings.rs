//! SMB strings: OEM and UTF-16LE, NUL-terminated, with the alignment rules.
//!
//! A Unicode string inside an SMB data block starts at an even offset from the start of the
//! SMB header; the sender inserts one pad byte when needed. OEM strings are treated as
//! ISO-8859-1 (Latin-1): every byte maps to one character and back, so any OEM string
//! survives a decode and re-encode unchanged.

use alloc::string::String;
use alloc::vec::Vec;

use super::codec::{DecodeError, DecodeErrorKind, Reader, Writer};

/// Longest string accepted from the wire, in bytes (a path is far shorter in practice).
pub const MAX_STRING_BYTES: usize = 64 * 1024;

/// Reads an OEM string up to a NUL (consumed) or the end of the range.
pub fn read_oem(r: &mut Reader<'_>, field: &'static str) -> Result<String, DecodeError> {
    let start = r.pos();
    let avail = r.remaining();
    let rest = r.slice(avail, field)?;
    let n = rest.iter().position(|&b| b == 0);
    let body = &rest[..n.unwrap_or(rest.len())];
    if body.len() > MAX_STRING_BYTES {
        return Err(DecodeError::new(DecodeErrorKind::TooLarge, field, start));
    }
    r.seek(start + body.len() + usize::from(n.is_some()), field)?;
    Ok(body.iter().map(|&b| b as char).collect())
}

/// Reads a UTF-16LE string up to a NUL code unit (consumed) or the end of the range.
/// An odd trailing byte before the end of the range is left unread.
pub fn read_utf16(r: &mut Reader<'_>, field: &'static str) -> Result<String, DecodeError> {
    let start = r.pos();
    let mut units = Vec::new();
    while r.remaining() >= 2 {
        let u = r.u16(field)?;
        if u == 0 {
            break;
        }
        units.push(u);
        if units.len() * 2 > MAX_STRING_BYTES {
            return Err(DecodeError::new(DecodeErrorKind::TooLarge, field, start));
        }
    }
    utf16_to_string(&units).ok_or(DecodeError::new(DecodeErrorKind::BadString, field, start))
}

/// Reads exactly `len` bytes as a UTF-16LE string without terminator (trailing NULs in the
/// given length are kept out of the result).
pub fn read_utf16_len(
    r: &mut Reader<'_>,
    len: usize,
    field: &'static str,
) -> Result<String, DecodeError> {
    let start = r.pos();
    if len > MAX_STRING_BYTES {
        return Err(DecodeError::new(DecodeErrorKind::TooLarge, field, start));
    }
    let raw = r.slice(len, field)?;
    let mut units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    while units.last() == Some(&0) {
        units.pop();
    }
    utf16_to_string(&units).ok_or(DecodeError::new(DecodeErrorKind::BadString, field, start))
}

/// Reads exactly `len` bytes as an OEM string (trailing NULs dropped).
pub fn read_oem_len(
    r: &mut Reader<'_>,
    len: usize,
    field: &'static str,
) -> Result<String, DecodeError> {
    let raw = r.slice(len, field)?;
    let end = raw.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    Ok(raw[..end].iter().map(|&b| b as char).collect())
}

fn utf16_to_string(units: &[u16]) -> Option<String> {
    char::decode_utf16(units.iter().copied())
        .collect::<Result<String, _>>()
        .ok()
}

/// Reads a NUL-terminated string in the given encoding.
pub fn read_str(
    r: &mut Reader<'_>,
    unicode: bool,
    field: &'static str,
) -> Result<String, DecodeError> {
    if unicode {
        read_utf16(r, field)
    } else {
        read_oem(r, field)
    }
}

/// Skips the one alignment pad byte in front of a Unicode string if the reader stands on an
/// odd offset (and there is a byte to skip).
pub fn skip_align(r: &mut Reader<'_>, unicode: bool) {
    if unicode && r.pos() % 2 == 1 && !r.is_empty() {
        let _ = r.skip(1, "Pad");
    }
}

/// Reads a string, skipping the Unicode alignment pad first when needed.
pub fn read_aligned_str(
    r: &mut Reader<'_>,
    unicode: bool,
    field: &'static str,
) -> Result<String, DecodeError> {
    skip_align(r, unicode);
    read_str(r, unicode, field)
}

/// Reads an optional trailing string (the native OS and LAN manager names and the like):
/// `None` when the range is already exhausted (some peers leave out trailing strings).
/// Tolerant, as nothing rests on these strings: a UTF-16 string on an odd offset skips
/// its alignment pad only when that byte is zero (some servers send no pad), a string
/// may end with the data instead of a terminator, and a lone byte left for a UTF-16
/// string is no string.
pub fn read_opt_aligned_str(
    r: &mut Reader<'_>,
    unicode: bool,
    field: &'static str,
) -> Result<Option<String>, DecodeError> {
    let pad = usize::from(unicode && r.pos() % 2 == 1 && r.peek_u8() == Some(0));
    // A UTF-16 string needs a whole code unit after its pad: a lone trailing byte is no
    // string (read as one, it would grow a terminator on re-encoding).
    if r.is_empty() || (unicode && r.remaining() < pad + 2) {
        return Ok(None);
    }
    r.skip(pad, "Pad")?;
    read_str(r, unicode, field).map(Some)
}

/// Writes an OEM string (chars above U+00FF become `?`), without terminator.
pub fn write_oem_raw(w: &mut Writer, s: &str) {
    for c in s.chars() {
        w.u8(if (c as u32) < 0x100 { c as u8 } else { b'?' });
    }
}

/// Writes a UTF-16LE string without terminator.
pub fn write_utf16_raw(w: &mut Writer, s: &str) {
    for u in s.encode_utf16() {
        w.u16(u);
    }
}

/// Writes a NUL-terminated string in the given encoding (no alignment).
pub fn write_str(w: &mut Writer, s: &str, unicode: bool) {
    if unicode {
        write_utf16_raw(w, s);
        w.u16(0);
    } else {
        write_oem_raw(w, s);
        w.u8(0);
    }
}

/// Writes the Unicode alignment pad when the writer stands on an odd offset.
pub fn write_align(w: &mut Writer, unicode: bool) {
    if unicode && w.pos() % 2 == 1 {
        w.u8(0);
    }
}

/// Writes a NUL-terminated string, preceded by the Unicode alignment pad when needed.
pub fn write_aligned_str(w: &mut Writer, s: &str, unicode: bool) {
    write_align(w, unicode);
    write_str(w, s, unicode);
}

/// Byte length of a string in the given encoding, without terminator.
pub fn str_len(s: &str, unicode: bool) -> usize {
    if unicode {
        s.encode_utf16().count() * 2
    } else {
        s.chars().count()
    }
}

/// UTF-16LE bytes of a string (no terminator).
pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Decodes UTF-16LE bytes (an odd trailing byte is an error).
pub fn from_utf16le(b: &[u8]) -> Option<String> {
    if b.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    utf16_to_string(&units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn unicode_alignment() {
        // offset 0: odd-position string needs pad
        let mut w = Writer::new();
        w.u8(0xAA);
        write_aligned_str(&mut w, "ab", true);
        assert_eq!(w.written(), &[0xAA, 0, b'a', 0, b'b', 0, 0, 0]);
        let b = Bytes::from(w.into_vec());
        let mut r = Reader::new(&b);
        r.skip(1, "x").unwrap();
        assert_eq!(read_aligned_str(&mut r, true, "s").unwrap(), "ab");
        assert!(r.is_empty());
    }

    #[test]
    fn oem_is_latin1_lossless() {
        let b = Bytes::from_static(&[0xE9, b'x', 0]);
        let mut r = Reader::new(&b);
        let s = read_oem(&mut r, "s").unwrap();
        let mut w = Writer::new();
        write_str(&mut w, &s, false);
        assert_eq!(w.written(), &b[..]);
    }

    #[test]
    fn unterminated_and_bad_surrogate() {
        let b = Bytes::from_static(&[b'a', 0, b'b', 0]);
        let mut r = Reader::new(&b);
        assert_eq!(read_utf16(&mut r, "s").unwrap(), "ab");
        let b = Bytes::from_static(&[0x00, 0xD8, 0, 0]);
        let mut r = Reader::new(&b);
        assert_eq!(
            read_utf16(&mut r, "s").unwrap_err().kind,
            DecodeErrorKind::BadString
        );
    }
}
