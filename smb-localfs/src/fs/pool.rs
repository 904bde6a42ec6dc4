//! The read-buffer pool: reads land in buffers that come back here when the reply that
//! carried them has been sent, so a long read reuses the same memory instead of
//! allocating (and faulting in) fresh pages for every READ_ANDX.
//!
//! Bounded in bytes: what the pool keeps after a busy spell is at most [`POOL_BYTES`], in
//! at most [`POOL_MAX`] buffers (each use and return scans it), none larger than
//! [`BUFFER_MAX`].

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::sync::Mutex;

use bytes::Bytes;

/// The pool every [`LocalFs`](super::LocalFs) reads into.
pub(super) static READ_POOL: Mutex<ReadPool> = Mutex::new(ReadPool::new());

/// Most bytes the pool keeps.
const POOL_BYTES: usize = 32 << 20;
/// Most buffers the pool keeps.
const POOL_MAX: usize = 256;
/// Larger buffers are not kept.
const BUFFER_MAX: usize = 1 << 20;

/// Read buffers waiting for reuse.
#[derive(Debug)]
pub(super) struct ReadPool {
    /// Oldest first.
    buffers: VecDeque<Vec<u8>>,
    /// The sum of the buffers' capacities.
    bytes: usize,
}

impl ReadPool {
    /// An empty pool.
    pub(super) const fn new() -> Self {
        Self {
            buffers: VecDeque::new(),
            bytes: 0,
        }
    }

    /// A kept buffer of capacity `len` (emptied), if there is one. Exactly the size asked
    /// for: pread fills the whole spare capacity, and a larger buffer would read (and
    /// copy) past what the client wants.
    fn take(&mut self, len: usize) -> Option<Vec<u8>> {
        let i = self.buffers.iter().rposition(|b| b.capacity() == len)?;
        let mut b = self.buffers.remove(i)?;
        self.bytes -= b.capacity();
        b.clear();
        Some(b)
    }

    /// Keeps `b` for reuse. Full: the oldest go, so the pool follows the sizes in use.
    fn keep(&mut self, b: Vec<u8>) {
        if b.capacity() > BUFFER_MAX {
            return;
        }
        while self.bytes + b.capacity() > POOL_BYTES || self.buffers.len() >= POOL_MAX {
            let Some(old) = self.buffers.pop_front() else {
                break;
            };
            self.bytes -= old.capacity();
        }
        self.bytes += b.capacity();
        self.buffers.push_back(b);
    }
}

/// An empty buffer of capacity `len`: from `pool` when it holds one, else fresh.
fn buffer(pool: &Mutex<ReadPool>, len: usize) -> Vec<u8> {
    if len <= BUFFER_MAX
        && let Ok(mut pool) = pool.lock()
        && let Some(b) = pool.take(len)
    {
        return b;
    }
    Vec::with_capacity(len)
}

/// The owner of a read buffer inside the `Bytes` of a reply; returns it to its pool.
struct Pooled(Vec<u8>, &'static Mutex<ReadPool>);

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let b = std::mem::take(&mut self.0);
        if b.capacity() <= BUFFER_MAX
            && let Ok(mut pool) = self.1.lock()
        {
            pool.keep(b);
        }
    }
}

/// Up to `len` bytes of `f` from `offset` (fewer at end of file), read straight into the
/// spare capacity of a buffer from `pool`: no zeroing, no copy (the buffer becomes the
/// reply's payload, and goes back to `pool` when the payload is dropped).
pub(super) fn read_at(
    pool: &'static Mutex<ReadPool>,
    f: &File,
    offset: u64,
    len: u32,
) -> io::Result<Bytes> {
    let len = len as usize;
    let mut buf = buffer(pool, len);
    while buf.len() < len {
        let at = offset + buf.len() as u64;
        match rustix::io::pread(f, rustix::buffer::spare_capacity(&mut buf), at) {
            Ok(0) => break,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(io::Error::from(e)),
        }
    }
    buf.truncate(len);
    Ok(Bytes::from_owner(Pooled(buf, pool)))
}
