//! Bytes for the host to write: a framed message, maybe with a zero-copy payload tail.

use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::any::Any;

/// File bytes that the host writes itself, right after the message that announces them:
/// a zero-copy read (`sendfile` on Linux), which the core never sees.
///
/// A file system offers one in answer to a read the core allows it for (unsigned
/// READ_ANDX responses); the core carries it unchanged into the [`Transmit`] of the
/// response, whose lengths already count `len`.
#[derive(Clone)]
pub struct LaterRead {
    /// How many bytes the host writes.
    pub len: u32,
    /// The host's own description of where they come from (for example a file and an
    /// offset); hosts downcast it to their type.
    pub source: Arc<dyn Any + Send + Sync>,
}

impl core::fmt::Debug for LaterRead {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LaterRead")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl PartialEq for LaterRead {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && Arc::ptr_eq(&self.source, &other.source)
    }
}

impl Eq for LaterRead {}

/// One framed message (4-byte session header included) to write to the socket: `head`,
/// then `tail` if any, then the `later` file bytes if any. Writing head and tail with one
/// vectored write avoids copying a large read or write payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The transport header and the SMB message (or all of it when there is no tail).
    pub head: Bytes,
    /// A payload that follows `head` on the wire.
    pub tail: Option<Bytes>,
    /// File bytes the host writes after `head` and `tail` (counted in the frame's length
    /// already); only a server whose file system offers [`LaterRead`]s sees them.
    pub later: Option<LaterRead>,
}

impl Transmit {
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
