//! Bytes for the host to write: a framed message, maybe with a zero-copy payload tail.

use alloc::vec::Vec;
use bytes::Bytes;

/// One framed message (4-byte session header included) to write to the socket: `head`,
/// then `tail` if any. Writing both with one vectored write avoids copying a large read or
/// write payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The transport header and the SMB message (or all of it when there is no tail).
    pub head: Bytes,
    /// A payload that follows `head` on the wire.
    pub tail: Option<Bytes>,
}

impl Transmit {
    /// Total length in bytes.
    pub fn len(&self) -> usize {
        self.head.len() + self.tail.as_ref().map_or(0, Bytes::len)
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The parts to write, in order.
    pub fn parts(&self) -> impl Iterator<Item = &Bytes> {
        core::iter::once(&self.head).chain(self.tail.as_ref())
    }

    /// All bytes in one buffer (copies the tail).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len());
        for p in self.parts() {
            v.extend_from_slice(p);
        }
        v
    }
}
