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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestShare, pattern};

    fn counts(pool: &Mutex<ReadPool>) -> (usize, usize) {
        let p = pool.lock().unwrap();
        let sum: usize = p.buffers.iter().map(|b| b.capacity()).sum();
        assert_eq!(p.bytes, sum, "the byte count follows the buffers");
        (p.buffers.len(), p.bytes)
    }

    /// Fresh buffers of capacity `len`, each returned to `pool` when its `Bytes` drops.
    fn payloads(pool: &'static Mutex<ReadPool>, n: usize, len: usize) -> Vec<Bytes> {
        (0..n)
            .map(|_| {
                let b = buffer(pool, len);
                assert_eq!(b.capacity(), len);
                Bytes::from_owner(Pooled(b, pool))
            })
            .collect()
    }

    #[test]
    fn the_pool_keeps_at_most_256_buffers() {
        static POOL: Mutex<ReadPool> = Mutex::new(ReadPool::new());
        drop(payloads(&POOL, 300, 4096));
        assert_eq!(counts(&POOL), (POOL_MAX, POOL_MAX * 4096));
    }

    #[test]
    fn the_pool_keeps_at_most_32_mib() {
        static POOL: Mutex<ReadPool> = Mutex::new(ReadPool::new());
        drop(payloads(&POOL, 40, BUFFER_MAX));
        assert_eq!(counts(&POOL), (32, POOL_BYTES));
        // Buffers over 1 MiB are not kept at all.
        drop(payloads(&POOL, 2, BUFFER_MAX + 1));
        assert_eq!(counts(&POOL), (32, POOL_BYTES));
    }

    #[test]
    fn returns_never_grow_the_pool_past_its_bounds() {
        static POOL: Mutex<ReadPool> = Mutex::new(ReadPool::new());
        let within_bounds = || {
            let (n, bytes) = counts(&POOL);
            assert!(n <= POOL_MAX, "{n} buffers");
            assert!(bytes <= POOL_BYTES, "{bytes} bytes");
            bytes
        };
        // A long mixed run of takes and returns of many sizes, from a fixed generator.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut held = Vec::new();
        let mut most_bytes = 0;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = [512, 4096, 61_440, 65_536, 1 << 20, (1 << 20) + 1][(x % 6) as usize];
            let n = (x >> 8) as usize % 60 + 1;
            if x & 0x4000 == 0 && held.len() < 400 {
                // A burst of reads of one size...
                held.extend(payloads(&POOL, n, len));
            } else {
                // ...or a burst of replies sent.
                held.truncate(held.len().saturating_sub(n));
            }
            most_bytes = most_bytes.max(within_bounds());
        }
        // The run did fill the pool: the bounds were pressed on, not just never reached.
        assert!(
            most_bytes > POOL_BYTES - BUFFER_MAX,
            "{most_bytes} bytes at most"
        );
        drop(held);
        within_bounds();
    }

    #[test]
    fn a_buffer_is_reused_only_for_its_own_size_and_holds_only_the_new_bytes() {
        static POOL: Mutex<ReadPool> = Mutex::new(ReadPool::new());
        let t = TestShare::new("pool");
        let data = pattern(100_000);
        t.put("f.bin", &data);
        let f = File::open(t.local("f.bin")).unwrap();

        let first = read_at(&POOL, &f, 0, 65_536).unwrap();
        assert_eq!(first, data[..65_536]);
        let at = first.as_ptr();
        drop(first);
        assert_eq!(counts(&POOL), (1, 65_536));
        // Another size does not take it.
        assert_eq!(read_at(&POOL, &f, 0, 4096).unwrap(), data[..4096]);
        assert_eq!(counts(&POOL), (2, 65_536 + 4096));
        // The same size does; a read cut short by the end of the file holds only the new
        // bytes, none of the old ones after them.
        let again = read_at(&POOL, &f, 50_000, 65_536).unwrap();
        assert_eq!(again.as_ptr(), at);
        assert_eq!(again, data[50_000..]);
        assert_eq!(counts(&POOL), (1, 4096));
    }
}
