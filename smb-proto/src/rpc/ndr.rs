//! NDR 2.0 marshalling (C706 chapter 14, MS-RPCE 2.2.5): a bounded reader and a writer.
//!
//! Every primitive is aligned to its own size, counted from the start of the buffer (the
//! start of the PDU for PDU fields, the start of the stub for call parameters). Integers
//! follow the sender's byte order ([`Endian`]); this implementation writes little endian.
//!
//! Pointers: a `[ref]` pointer that is a top-level parameter has no representation; an
//! embedded one, like a `[unique]` or `[ptr]` (full) pointer, is a 4-byte referent ID
//! (0 for null). The referent of an embedded pointer is *deferred*: it follows the whole
//! construct (the top-level parameter, structure or array) that holds the pointer, in the
//! order the pointers appeared. Code built on this module writes a structure's fixed part
//! first and its referents afterwards; for an array of structures, every element's fixed
//! part, then every element's referents. A full pointer that repeats an earlier referent ID
//! points at the same referent, which is not sent again.
//!
//! Arrays: a conformant array carries its `max_count` (hoisted in front of the structure
//! that ends with it), a varying array its `offset` and `actual_count`, a conformant varying
//! array all three. A `[string] wchar_t*` is a conformant varying array of UTF-16 code units
//! that includes the terminating NUL.
//!
//! Unions: a non-encapsulated union is its discriminant (here always a `u32`, aligned)
//! followed by the selected arm.
//!
//! The reader never allocates more than the remaining bytes could hold: a count is
//! checked against them (times the smallest size of one element) before anything is
//! reserved.

use alloc::string::String;
use alloc::vec::Vec;

use crate::wire::codec::{DecodeError, DecodeErrorKind};

/// Byte order of integers (the integer representation of the PDU's data representation
/// label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Endian {
    /// Little endian (`drep[0] = 0x10`), what everyone sends.
    #[default]
    Little,
    /// Big endian (`drep[0] = 0x00`).
    Big,
}

/// The first referent ID a writer hands out (what Windows and Samba use).
pub const FIRST_REFERENT_ID: u32 = 0x0002_0000;

/// A full (`[ptr]`) pointer as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullPointer {
    /// Null.
    Null,
    /// A referent ID seen for the first time: its referent follows (deferred).
    New(u32),
    /// A referent ID seen before: it points at that referent, which is not sent again.
    Repeat(u32),
}

/// A bounds-checked NDR reader over one buffer.
#[derive(Debug, Clone)]
pub struct NdrReader<'a> {
    buf: &'a [u8],
    pos: usize,
    endian: Endian,
    full_pointers: Vec<u32>,
}

impl<'a> NdrReader<'a> {
    /// A little-endian reader; alignment counts from the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_endian(buf, Endian::Little)
    }

    /// A reader in the given byte order.
    pub fn with_endian(buf: &'a [u8], endian: Endian) -> Self {
        Self {
            buf,
            pos: 0,
            endian,
            full_pointers: Vec::new(),
        }
    }

    /// The byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// Offset of the next byte.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Skips the padding up to the next multiple of `n` (a power of two).
    pub fn align(&mut self, n: usize, field: &'static str) -> Result<(), DecodeError> {
        let pad = self.pos.wrapping_neg() & (n - 1);
        self.take(pad, field).map(|_| ())
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(DecodeError::truncated(field, self.pos));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, field)?);
        Ok(a)
    }

    /// A byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, field)?[0])
    }

    /// A 16-bit integer, 2-aligned.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        self.align(2, field)?;
        let a = self.array::<2>(field)?;
        Ok(match self.endian {
            Endian::Little => u16::from_le_bytes(a),
            Endian::Big => u16::from_be_bytes(a),
        })
    }

    /// A 32-bit integer, 4-aligned.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.align(4, field)?;
        let a = self.array::<4>(field)?;
        Ok(match self.endian {
            Endian::Little => u32::from_le_bytes(a),
            Endian::Big => u32::from_be_bytes(a),
        })
    }

    /// A signed 32-bit integer, 4-aligned.
    pub fn i32(&mut self, field: &'static str) -> Result<i32, DecodeError> {
        self.u32(field).map(|v| v as i32)
    }

    /// A 64-bit integer, 8-aligned.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        self.align(8, field)?;
        let a = self.array::<8>(field)?;
        Ok(match self.endian {
            Endian::Little => u64::from_le_bytes(a),
            Endian::Big => u64::from_be_bytes(a),
        })
    }

    /// A union discriminant (`u32`).
    pub fn discriminant(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.u32(field)
    }

    /// A `[unique]` pointer: `None` for null, else its referent ID (the referent is read
    /// later, where NDR defers it).
    pub fn unique_ptr(&mut self, field: &'static str) -> Result<Option<u32>, DecodeError> {
        Ok(Some(self.u32(field)?).filter(|&id| id != 0))
    }

    /// An embedded `[ref]` pointer: its referent ID, which must not be null.
    pub fn ref_ptr(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let at = self.pos;
        self.unique_ptr(field)?
            .ok_or(DecodeError::invalid(field, at))
    }

    /// A full (`[ptr]`) pointer.
    pub fn full_ptr(&mut self, field: &'static str) -> Result<FullPointer, DecodeError> {
        Ok(match self.u32(field)? {
            0 => FullPointer::Null,
            id if self.full_pointers.contains(&id) => FullPointer::Repeat(id),
            id => {
                // Each ID took four bytes of input, so this list is bounded by the input.
                self.full_pointers.push(id);
                FullPointer::New(id)
            }
        })
    }

    /// Checks that `count` elements of at least `min_size` bytes each can still follow.
    pub fn check_count(
        &self,
        count: u32,
        min_size: usize,
        field: &'static str,
    ) -> Result<usize, DecodeError> {
        let n = count as usize;
        match n.checked_mul(min_size.max(1)) {
            Some(bytes) if bytes <= self.remaining() => Ok(n),
            _ => Err(DecodeError::new(DecodeErrorKind::TooLarge, field, self.pos)),
        }
    }

    /// A conformance (`max_count`).
    pub fn conformance(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.u32(field)
    }

    /// A variance (`offset`, `actual_count`) for an array of at most `max` elements.
    pub fn variance(&mut self, max: u32, field: &'static str) -> Result<(u32, u32), DecodeError> {
        let at = self.pos;
        let offset = self.u32(field)?;
        let actual = self.u32(field)?;
        if offset.checked_add(actual).is_none_or(|end| end > max) {
            return Err(DecodeError::invalid(field, at));
        }
        Ok((offset, actual))
    }

    /// A conformant array: its `max_count`, then that many elements read by `elem`,
    /// each at least `min_size` bytes long.
    pub fn conformant_array<T>(
        &mut self,
        min_size: usize,
        field: &'static str,
        mut elem: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let count = self.conformance(field)?;
        self.elements(count, min_size, field, &mut elem)
    }

    /// `count` elements read by `elem`, each at least `min_size` bytes long (the count
    /// is checked against the remaining bytes before anything is reserved).
    pub fn elements<T>(
        &mut self,
        count: u32,
        min_size: usize,
        field: &'static str,
        mut elem: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let n = self.check_count(count, min_size, field)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(elem(self)?);
        }
        Ok(v)
    }

    /// A conformant varying `[string] wchar_t` array (the referent of a string pointer,
    /// or an inline `wchar_t name[]` parameter). The terminating NUL, when present, is
    /// not part of the result.
    pub fn string(&mut self, field: &'static str) -> Result<String, DecodeError> {
        let max = self.conformance(field)?;
        let at = self.pos;
        let (offset, actual) = self.variance(max, field)?;
        if offset != 0 {
            return Err(DecodeError::invalid(field, at));
        }
        self.utf16(actual, field)
    }

    /// `count` UTF-16 code units, a trailing NUL dropped.
    pub fn utf16(&mut self, count: u32, field: &'static str) -> Result<String, DecodeError> {
        let n = self.check_count(count, 2, field)?;
        let at = self.pos;
        let raw = self.take(n * 2, field)?;
        let endian = self.endian;
        let mut units = raw.chunks_exact(2).map(|c| match endian {
            Endian::Little => u16::from_le_bytes([c[0], c[1]]),
            Endian::Big => u16::from_be_bytes([c[0], c[1]]),
        });
        let len = if n > 0 && units.clone().nth(n - 1) == Some(0) {
            n - 1
        } else {
            n
        };
        let mut s = String::with_capacity(len);
        for c in char::decode_utf16(units.by_ref().take(len)) {
            s.push(c.map_err(|_| DecodeError::new(DecodeErrorKind::BadString, field, at))?);
        }
        Ok(s)
    }

    /// A `[unique] [string] wchar_t*` whose pointer was read as `ptr`: reads the referent
    /// when the pointer is not null.
    pub fn deferred_string(
        &mut self,
        ptr: Option<u32>,
        field: &'static str,
    ) -> Result<Option<String>, DecodeError> {
        ptr.map(|_| self.string(field)).transpose()
    }
}

/// An NDR writer.
#[derive(Debug, Clone)]
pub struct NdrWriter {
    buf: Vec<u8>,
    endian: Endian,
    next_referent: u32,
    full_pointers: Vec<(u64, u32)>,
}

impl Default for NdrWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl NdrWriter {
    /// A little-endian writer.
    pub fn new() -> Self {
        Self::with_endian(Endian::Little)
    }

    /// A writer in the given byte order.
    pub fn with_endian(endian: Endian) -> Self {
        Self {
            buf: Vec::new(),
            endian,
            next_referent: FIRST_REFERENT_ID,
            full_pointers: Vec::new(),
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes.
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// The bytes so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    /// Overwrites a 16-bit integer written earlier at `at`.
    pub fn patch_u16(&mut self, at: usize, v: u16) {
        let b = match self.endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        self.buf[at..at + 2].copy_from_slice(&b);
    }

    /// Zero padding up to the next multiple of `n` (a power of two).
    pub fn align(&mut self, n: usize) {
        let pad = self.buf.len().wrapping_neg() & (n - 1);
        self.buf.resize(self.buf.len() + pad, 0);
    }

    /// Raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// A byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// A 16-bit integer, 2-aligned.
    pub fn u16(&mut self, v: u16) {
        self.align(2);
        match self.endian {
            Endian::Little => self.bytes(&v.to_le_bytes()),
            Endian::Big => self.bytes(&v.to_be_bytes()),
        }
    }

    /// A 32-bit integer, 4-aligned.
    pub fn u32(&mut self, v: u32) {
        self.align(4);
        match self.endian {
            Endian::Little => self.bytes(&v.to_le_bytes()),
            Endian::Big => self.bytes(&v.to_be_bytes()),
        }
    }

    /// A signed 32-bit integer, 4-aligned.
    pub fn i32(&mut self, v: i32) {
        self.u32(v as u32);
    }

    /// A 64-bit integer, 8-aligned.
    pub fn u64(&mut self, v: u64) {
        self.align(8);
        match self.endian {
            Endian::Little => self.bytes(&v.to_le_bytes()),
            Endian::Big => self.bytes(&v.to_be_bytes()),
        }
    }

    /// A union discriminant (`u32`).
    pub fn discriminant(&mut self, v: u32) {
        self.u32(v);
    }

    /// A `[unique]` pointer (or an embedded `[ref]` one when `present` is always true):
    /// a fresh referent ID, or 0. The caller writes the referent where NDR defers it.
    pub fn pointer(&mut self, present: bool) -> bool {
        if present {
            let id = self.next_referent;
            self.next_referent = self.next_referent.wrapping_add(4);
            self.u32(id);
        } else {
            self.u32(0);
        }
        present
    }

    /// A full (`[ptr]`) pointer to the object the caller identifies by `key` (`None` for
    /// null). Returns whether the referent must be written (the first time this key is
    /// seen).
    pub fn full_pointer(&mut self, key: Option<u64>) -> bool {
        let Some(key) = key else {
            self.u32(0);
            return false;
        };
        if let Some(&(_, id)) = self.full_pointers.iter().find(|(k, _)| *k == key) {
            self.u32(id);
            return false;
        }
        let id = self.next_referent;
        self.next_referent = self.next_referent.wrapping_add(4);
        self.full_pointers.push((key, id));
        self.u32(id);
        true
    }

    /// A conformance (`max_count`).
    pub fn conformance(&mut self, n: u32) {
        self.u32(n);
    }

    /// A conformant varying `[string] wchar_t` array with its terminating NUL.
    pub fn string(&mut self, s: &str) {
        let n = s.encode_utf16().count() as u32 + 1;
        self.u32(n);
        self.u32(0);
        self.u32(n);
        self.utf16(s);
        self.u16(0);
    }

    /// UTF-16 code units, no terminator.
    pub fn utf16(&mut self, s: &str) {
        for u in s.encode_utf16() {
            self.u16(u);
        }
    }

    /// A `[unique] [string] wchar_t*` pointer; the string itself goes later through
    /// [`NdrWriter::deferred_string`].
    pub fn string_ptr(&mut self, s: Option<&str>) {
        self.pointer(s.is_some());
    }

    /// The deferred referent of a [`NdrWriter::string_ptr`].
    pub fn deferred_string(&mut self, s: Option<&str>) {
        if let Some(s) = s {
            self.string(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_encode;

    #[test]
    fn string_layout() {
        let mut w = NdrWriter::new();
        w.u8(1);
        w.string("ab");
        assert_eq!(
            hex_encode(w.as_slice()),
            "01000000030000000000000003000000610062000000"
        );
        let bytes = w.into_vec();
        let mut r = NdrReader::new(&bytes);
        assert_eq!(r.u8("x").unwrap(), 1);
        assert_eq!(r.string("s").unwrap(), "ab");
        assert!(r.is_empty());
    }

    #[test]
    fn counts_cannot_outgrow_the_input() {
        // max_count 0x40000000 of 4-byte elements, with 8 bytes left.
        let b = [0, 0, 0, 0x40, 1, 2, 3, 4, 5, 6, 7, 8];
        let e = NdrReader::new(&b)
            .conformant_array(4, "a", |r| r.u32("e"))
            .unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TooLarge);
        // A string whose actual count exceeds its max count.
        let b = [2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x61, 0, 0x62, 0, 0, 0];
        assert_eq!(
            NdrReader::new(&b).string("s").unwrap_err(),
            DecodeError::invalid("s", 4)
        );
        // An unpaired surrogate.
        let b = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x00, 0xd8];
        assert_eq!(
            NdrReader::new(&b).string("s").unwrap_err().kind,
            DecodeErrorKind::BadString
        );
    }

    #[test]
    fn pointers() {
        let mut w = NdrWriter::new();
        assert!(w.pointer(true));
        assert!(!w.pointer(false));
        assert!(w.full_pointer(Some(7)));
        assert!(!w.full_pointer(Some(7)));
        assert!(!w.full_pointer(None));
        let b = w.into_vec();
        assert_eq!(hex_encode(&b), "0000020000000000040002000400020000000000");
        let mut r = NdrReader::new(&b);
        assert_eq!(r.unique_ptr("p").unwrap(), Some(FIRST_REFERENT_ID));
        assert_eq!(r.unique_ptr("p").unwrap(), None);
        assert_eq!(r.full_ptr("f").unwrap(), FullPointer::New(0x20004));
        assert_eq!(r.full_ptr("f").unwrap(), FullPointer::Repeat(0x20004));
        assert_eq!(r.full_ptr("f").unwrap(), FullPointer::Null);
        assert!(r.is_empty());
        assert!(NdrReader::new(&[0, 0, 0, 0]).ref_ptr("r").is_err());
    }

    #[test]
    fn big_endian_and_alignment() {
        let mut w = NdrWriter::with_endian(Endian::Big);
        w.u8(9);
        w.u64(0x0102_0304_0506_0708);
        let b = w.into_vec();
        assert_eq!(hex_encode(&b), "09000000000000000102030405060708");
        let mut r = NdrReader::with_endian(&b, Endian::Big);
        r.u8("a").unwrap();
        assert_eq!(r.u64("b").unwrap(), 0x0102_0304_0506_0708);
        // Padding that runs past the end is a truncation.
        assert!(NdrReader::new(&[1, 2]).u32("x").is_err());
    }
}
