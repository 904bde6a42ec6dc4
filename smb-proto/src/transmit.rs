//! Bytes for the host to write: a framed message, maybe with a zero-copy payload tail and
//! file bytes the host sends itself.

use alloc::vec::Vec;
use bytes::Bytes;

/// File bytes that the host writes itself, right after the message that announces them:
/// a zero-copy read (`sendfile` on Linux), which the core never sees.
///
/// A file system offers one in answer to a read the core allows it for (unsigned
/// READ_ANDX responses); the core carries it unchanged into the [`Transmit`] of the
/// response, whose lengths already count `len`. `L` is the file system's own type for
/// where the bytes come from ([`FileSystem::Later`](crate::server::fs::FileSystem::Later)),
/// so the host that sends them never has to guess it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterRead<L> {
    /// How many bytes the host writes.
    pub len: u32,
    /// Where they come from (for example a file and an offset).
    pub source: L,
}

/// The later-bytes type of a file system (and of a client) that never offers any: it has
/// no values, so a `LaterRead<NoLater>` cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoLater {}

impl NoLater {
    /// Turns an impossible value into any type (for exhaustive matches).
    pub fn unreachable<T>(self) -> T {
        match self {}
    }
}

/// One framed message (4-byte session header included) to write to the socket: `head`,
/// then `tail` if any, then the `later` file bytes if any. Writing head and tail with one
/// vectored write avoids copying a large read or write payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit<L = NoLater> {
    /// The transport header and the SMB message (or all of it when there is no tail).
    pub head: Bytes,
    /// A payload that follows `head` on the wire.
    pub tail: Option<Bytes>,
    /// File bytes the host writes after `head` and `tail` (counted in the frame's length
    /// already); only a server whose file system offers [`LaterRead`]s sees them.
    pub later: Option<LaterRead<L>>,
}

impl<L> Transmit<L> {
    /// A message with neither tail nor later bytes.
    pub fn whole(head: Bytes) -> Self {
        Self {
            head,
            tail: None,
            later: None,
        }
    }

    /// Total length in bytes on the wire (later file bytes included).
    pub fn len(&self) -> usize {
        self.head.len()
            + self.tail.as_ref().map_or(0, Bytes::len)
            + self.later.as_ref().map_or(0, |l| l.len as usize)
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The in-memory parts to write, in order (later file bytes are the host's).
    pub fn parts(&self) -> impl Iterator<Item = &Bytes> {
        core::iter::once(&self.head).chain(self.tail.as_ref())
    }

    /// The in-memory bytes in one buffer (copies the tail; later file bytes, which only
    /// the host has, are not included).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len());
        for p in self.parts() {
            v.extend_from_slice(p);
        }
        v
    }
}
