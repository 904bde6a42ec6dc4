//! Bounds-checked reading and back-patching writing of little-endian wire data.
//!
//! [`Reader`] walks a range of one received SMB message (a [`Bytes`]) and knows every
//! position as an offset from the start of the SMB header, which is what AndX offsets,
//! data offsets and Unicode alignment are counted from. Slices it hands out for payloads
//! are [`Bytes`] views of the received frame: nothing is copied.
//!
//! [`Writer`] appends to a growable buffer and likewise counts positions from the start of
//! the SMB header (a transport header in front of it is not counted).

use alloc::vec::Vec;
use bytes::{BufMut, Bytes, BytesMut};
use core::fmt;

use super::status::NtStatus;

/// What was wrong with the bytes being decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The field runs past the end of its enclosing block or message.
    Truncated,
    /// The field holds a value that is not allowed here.
    Invalid,
    /// A length or count is larger than this implementation accepts.
    TooLarge,
    /// A string is not valid in its encoding (for example an unpaired UTF-16 surrogate).
    BadString,
}

/// A decode error: which field, at which offset, and what was wrong.
///
/// The offset counts from the start of the structure being decoded (the SMB header for SMB
/// messages, the token for NTLMSSP/SPNEGO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// The field being parsed.
    pub field: &'static str,
    /// Offset of the field.
    pub offset: usize,
}

impl DecodeError {
    /// Creates an error.
    pub const fn new(kind: DecodeErrorKind, field: &'static str, offset: usize) -> Self {
        Self {
            kind,
            field,
            offset,
        }
    }

    /// A field that runs past the end of the data.
    pub const fn truncated(field: &'static str, offset: usize) -> Self {
        Self::new(DecodeErrorKind::Truncated, field, offset)
    }

    /// A field with a value that is not allowed.
    pub const fn invalid(field: &'static str, offset: usize) -> Self {
        Self::new(DecodeErrorKind::Invalid, field, offset)
    }

    /// The NT status a server should answer a request with when it failed to decode.
    pub fn status(&self) -> NtStatus {
        match self.kind {
            DecodeErrorKind::BadString => NtStatus::OBJECT_NAME_INVALID,
            DecodeErrorKind::TooLarge => NtStatus::INVALID_PARAMETER,
            DecodeErrorKind::Truncated | DecodeErrorKind::Invalid => NtStatus::INVALID_PARAMETER,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DecodeErrorKind::Truncated => "truncated",
            DecodeErrorKind::Invalid => "invalid",
            DecodeErrorKind::TooLarge => "too large",
            DecodeErrorKind::BadString => "bad string",
        };
        write!(f, "{what} field `{}` at offset {}", self.field, self.offset)
    }
}

impl core::error::Error for DecodeError {}

/// A bounds-checked cursor over a range of a received message.
///
/// Positions ([`Reader::pos`]) are absolute offsets into the underlying buffer, which for
/// SMB messages starts at the SMB header. Every read checks the range end first.
#[derive(Clone)]
pub struct Reader<'a> {
    buf: &'a Bytes,
    pos: usize,
    end: usize,
}

impl fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("pos", &self.pos)
            .field("end", &self.end)
            .finish()
    }
}

impl<'a> Reader<'a> {
    /// A reader over the whole buffer.
    pub fn new(buf: &'a Bytes) -> Self {
        Self {
            buf,
            pos: 0,
            end: buf.len(),
        }
    }

    /// A reader over `buf[start..start+len]`, positions still absolute.
    pub fn range(
        buf: &'a Bytes,
        start: usize,
        len: usize,
        field: &'static str,
    ) -> Result<Self, DecodeError> {
        let end = start
            .checked_add(len)
            .filter(|&e| e <= buf.len())
            .ok_or(DecodeError::truncated(field, start))?;
        Ok(Self {
            buf,
            pos: start,
            end,
        })
    }

    /// The whole underlying buffer.
    pub fn buffer(&self) -> &'a Bytes {
        self.buf
    }

    /// Current absolute position.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Absolute end of the readable range.
    pub fn end(&self) -> usize {
        self.end
    }

    /// Bytes left before the end of the range.
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// Whether the range is exhausted.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    fn need(&self, n: usize, field: &'static str) -> Result<usize, DecodeError> {
        if n <= self.remaining() {
            Ok(self.pos)
        } else {
            Err(DecodeError::truncated(field, self.pos))
        }
    }

    /// Reads `n` bytes as a borrowed slice.
    pub fn slice(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let at = self.need(n, field)?;
        self.pos += n;
        Ok(&self.buf[at..at + n])
    }

    /// Reads `n` bytes as a zero-copy [`Bytes`] view of the buffer.
    pub fn bytes(&mut self, n: usize, field: &'static str) -> Result<Bytes, DecodeError> {
        let at = self.need(n, field)?;
        self.pos += n;
        Ok(self.buf.slice(at..at + n))
    }

    /// Reads everything up to the end of the range.
    pub fn rest(&mut self) -> Bytes {
        let at = self.pos;
        self.pos = self.end;
        self.buf.slice(at..self.end)
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let s = self.slice(N, field)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize, field: &'static str) -> Result<(), DecodeError> {
        self.need(n, field)?;
        self.pos += n;
        Ok(())
    }

    /// Moves to an absolute position inside the range (forwards or backwards).
    pub fn seek(&mut self, pos: usize, field: &'static str) -> Result<(), DecodeError> {
        if pos > self.end {
            return Err(DecodeError::truncated(field, pos));
        }
        self.pos = pos;
        Ok(())
    }

    /// Reads one byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.slice(1, field)?[0])
    }

    /// Reads a little-endian u16.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    /// Reads a little-endian u32.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    /// Reads a little-endian u64.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    /// Reads a big-endian u16.
    pub fn u16_be(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian u32.
    pub fn u32_be(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    /// Peeks at the next byte without consuming it.
    pub fn peek_u8(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.buf[self.pos])
    }
}

/// A growable output buffer with back-patching.
///
/// Positions ([`Writer::pos`]) count from `base`, the index in the buffer where the SMB
/// header (or other structure) starts, so that alignment and offsets can be computed while
/// a transport header sits in front.
#[derive(Debug, Default)]
pub struct Writer {
    buf: BytesMut,
    base: usize,
    tail: Option<Bytes>,
    /// Bytes the host writes after everything else (see [`Writer::host_tail`]).
    host: usize,
}

impl Writer {
    /// An empty writer whose positions count from the first byte written.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `cap` bytes.
    pub fn with_capacity(cap: usize) -> Self {
        Self {
            buf: BytesMut::with_capacity(cap),
            base: 0,
            tail: None,
            host: 0,
        }
    }

    /// Makes the current end of the buffer position zero (e.g. after a transport header).
    pub fn set_base_here(&mut self) {
        self.base = self.buf.len();
    }

    /// Current position relative to the base (a tail payload counts).
    pub fn pos(&self) -> usize {
        self.buf.len() - self.base + self.tail.as_ref().map_or(0, Bytes::len) + self.host
    }

    /// Appends a payload without copying it: it is kept aside and logically follows
    /// everything written so far; see [`Writer::into_parts`]. Writing more after it copies
    /// the tail into the buffer first.
    pub fn tail(&mut self, payload: Bytes) {
        self.flatten();
        self.tail = Some(payload);
    }

    /// Announces `len` bytes that the host itself writes after this message (a zero-copy
    /// file read): they count in [`Writer::pos`], so in every length computed from it,
    /// but are not in the buffer. Nothing may be written after them; a later write puts
    /// zeros in their place so that the lengths stay true.
    pub fn host_tail(&mut self, len: usize) {
        self.flatten();
        self.host = len;
    }

    /// The length announced with [`Writer::host_tail`] (0 when none).
    pub fn host_tail_len(&self) -> usize {
        self.host
    }

    /// Whether a tail payload has been set.
    pub fn has_tail(&self) -> bool {
        self.tail.is_some()
    }

    /// The buffer and the tail payload (if any), for vectored writes.
    pub fn into_parts(self) -> (BytesMut, Option<Bytes>) {
        (self.buf, self.tail)
    }

    /// Copies a pending tail payload into the buffer so that more bytes can follow it.
    fn flatten(&mut self) {
        if let Some(t) = self.tail.take() {
            self.buf.extend_from_slice(&t);
        }
        if self.host > 0 {
            // Only an encoder that wrote after a host tail gets here (a bug): keep the
            // announced lengths true with zeros rather than a corrupt frame.
            self.buf.put_bytes(0, core::mem::take(&mut self.host));
        }
    }

    /// Appends one byte.
    pub fn u8(&mut self, v: u8) {
        self.flatten();
        self.buf.put_u8(v);
    }

    /// Appends a little-endian u16.
    pub fn u16(&mut self, v: u16) {
        self.flatten();
        self.buf.put_u16_le(v);
    }

    /// Appends a little-endian u32.
    pub fn u32(&mut self, v: u32) {
        self.flatten();
        self.buf.put_u32_le(v);
    }

    /// Appends a little-endian u64.
    pub fn u64(&mut self, v: u64) {
        self.flatten();
        self.buf.put_u64_le(v);
    }

    /// Appends a big-endian u16.
    pub fn u16_be(&mut self, v: u16) {
        self.flatten();
        self.buf.put_u16(v);
    }

    /// Appends a big-endian u32.
    pub fn u32_be(&mut self, v: u32) {
        self.flatten();
        self.buf.put_u32(v);
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        if v.is_empty() {
            return;
        }
        self.flatten();
        self.buf.put_slice(v);
    }

    /// Appends `n` zero bytes.
    pub fn zeros(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        self.flatten();
        self.buf.put_bytes(0, n);
    }

    /// Appends a u16 placeholder and returns its position for [`Writer::patch_u16`].
    pub fn placeholder_u16(&mut self) -> usize {
        let at = self.pos();
        self.u16(0);
        at
    }

    /// Appends a u32 placeholder and returns its position for [`Writer::patch_u32`].
    pub fn placeholder_u32(&mut self) -> usize {
        let at = self.pos();
        self.u32(0);
        at
    }

    /// Overwrites one byte at a position.
    pub fn patch_u8(&mut self, at: usize, v: u8) {
        self.buf[self.base + at] = v;
    }

    /// Overwrites a little-endian u16 at a position.
    pub fn patch_u16(&mut self, at: usize, v: u16) {
        let i = self.base + at;
        self.buf[i..i + 2].copy_from_slice(&v.to_le_bytes());
    }

    /// Overwrites a little-endian u32 at a position.
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        let i = self.base + at;
        self.buf[i..i + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Overwrites bytes at a position.
    pub fn patch_bytes(&mut self, at: usize, v: &[u8]) {
        let i = self.base + at;
        self.buf[i..i + v.len()].copy_from_slice(v);
    }

    /// The bytes written since the base (without a tail payload).
    pub fn written(&self) -> &[u8] {
        &self.buf[self.base..]
    }

    /// Mutable access to the bytes written since the base.
    pub fn written_mut(&mut self) -> &mut [u8] {
        let base = self.base;
        &mut self.buf[base..]
    }

    /// The whole buffer, transport header included, with a tail payload copied in.
    pub fn into_bytes_mut(mut self) -> BytesMut {
        self.flatten();
        self.buf
    }

    /// The whole buffer as frozen [`Bytes`] (a tail payload copied in).
    pub fn freeze(self) -> Bytes {
        self.into_bytes_mut().freeze()
    }

    /// The whole buffer as a vector (a tail payload copied in).
    pub fn into_vec(self) -> Vec<u8> {
        self.into_bytes_mut().to_vec()
    }
}

/// Padding bytes as they were on the wire.
///
/// Senders sometimes leave garbage in alignment padding. A decoded message keeps the bytes
/// it saw so that it re-encodes byte for byte; a message built by hand leaves this at
/// `None` and the encoder writes the canonical number of zero bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pad(pub Option<Bytes>);

impl Pad {
    /// Writes the stored bytes, or `canonical` zero bytes when none were stored.
    pub fn write(&self, w: &mut Writer, canonical: usize) {
        match &self.0 {
            Some(b) => w.bytes(b),
            None => w.zeros(canonical),
        }
    }

    /// The number of bytes this pad writes when the canonical length is `canonical`.
    pub fn len_or(&self, canonical: usize) -> usize {
        self.0.as_ref().map_or(canonical, Bytes::len)
    }

    /// Reads the bytes between the reader's position and `to` as padding.
    pub fn read_to(
        r: &mut Reader<'_>,
        to: usize,
        field: &'static str,
    ) -> Result<Self, DecodeError> {
        if to < r.pos() {
            return Err(DecodeError::invalid(field, r.pos()));
        }
        Ok(Pad(Some(r.bytes(to - r.pos(), field)?)))
    }

    /// Reads `n` bytes of padding.
    pub fn read(r: &mut Reader<'_>, n: usize, field: &'static str) -> Result<Self, DecodeError> {
        Ok(Pad(Some(r.bytes(n, field)?)))
    }
}

/// Number of bytes needed to bring `pos` up to a multiple of `align` (a power of two).
pub const fn pad_to(pos: usize, align: usize) -> usize {
    (align - (pos % align)) % align
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_checks_bounds() {
        let b = Bytes::from_static(&[1, 2, 3, 4, 5]);
        let mut r = Reader::range(&b, 1, 3, "t").unwrap();
        assert_eq!(r.u16("a").unwrap(), 0x0302);
        assert_eq!(r.pos(), 3);
        let e = r.u16("b").unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::Truncated);
        assert_eq!(e.field, "b");
        assert_eq!(e.offset, 3);
        assert_eq!(r.u8("c").unwrap(), 4);
        assert!(Reader::range(&b, 3, 3, "x").is_err());
        assert!(Reader::range(&b, usize::MAX, 3, "x").is_err());
    }

    #[test]
    fn writer_patches_relative_to_base() {
        let mut w = Writer::new();
        w.u32(0xdead_beef);
        w.set_base_here();
        let at = w.placeholder_u16();
        w.u8(7);
        w.patch_u16(at, 0x1234);
        assert_eq!(w.pos(), 3);
        assert_eq!(w.written(), &[0x34, 0x12, 7]);
        assert_eq!(pad_to(5, 4), 3);
        assert_eq!(pad_to(8, 4), 0);
    }
}
