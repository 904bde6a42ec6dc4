//! Random bytes from a seed the host passes in once.
//!
//! The core needs unpredictable bytes (server challenges, NTLMv2 client challenges,
//! exported session keys) but has no access to the OS. The host gives each connection a
//! 32-byte seed from its own secure source; [`Rng`] expands it with the ChaCha20 stream
//! cipher (RustCrypto), so a seed replayed in a test reproduces the exchange exactly.

use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher};
use core::fmt;

/// A ChaCha20 keystream used as a deterministic random generator.
pub struct Rng {
    cipher: ChaCha20,
}

impl fmt::Debug for Rng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rng(<redacted>)")
    }
}

impl Rng {
    /// A generator seeded with 32 bytes from the host's secure random source.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            cipher: ChaCha20::new(&seed.into(), &[0u8; 12].into()),
        }
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        buf.fill(0);
        self.cipher.apply_keystream(buf);
    }

    /// Returns `N` random bytes.
    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut b = [0u8; N];
        self.fill(&mut b);
        b
    }

    /// A random u64.
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.bytes())
    }

    /// A random u32.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.bytes())
    }

    /// Derives an independent seed (e.g. for a child object).
    pub fn fork_seed(&mut self) -> [u8; 32] {
        self.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_distinct() {
        let mut a = Rng::from_seed([1; 32]);
        let mut b = Rng::from_seed([1; 32]);
        let mut c = Rng::from_seed([2; 32]);
        let x: [u8; 8] = a.bytes();
        assert_eq!(x, b.bytes::<8>());
        assert_ne!(x, c.bytes::<8>());
        assert_ne!(x, a.bytes::<8>());
    }
}
