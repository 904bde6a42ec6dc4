//! SMB1 message signing (MS-SMB §3.1.5.1, MS-CIFS §3.1.4.1): the first 8 bytes of
//! MD5(MAC key ‖ message), computed with the sequence number in the signature field.
//!
//! Sequence numbers: signing starts with the session setup that completes authentication;
//! that request is number 0 and its response number 1. From then on each request takes the
//! next even number and its response that number plus one (a request without a response,
//! NT_CANCEL, takes one number). Responses can arrive out of order, so each side records
//! the number for each outstanding request.

use alloc::vec::Vec;
use core::fmt;
use md5::{Digest, Md5};
use zeroize::Zeroizing;

use crate::auth::crypto::ct_eq;

/// Offset of the signature field in the SMB header.
pub const SIGNATURE_OFFSET: usize = 14;

/// A signing key and the sequence counter of a connection.
pub struct SigningState {
    key: Zeroizing<Vec<u8>>,
    next: u32,
}

impl fmt::Debug for SigningState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningState")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// Computes the signature of a message given as head and tail parts (the head starts at
/// the SMB header and holds at least 22 bytes).
pub fn compute(key: &[u8], head: &[u8], tail: &[u8], seq: u32) -> [u8; 8] {
    let mut h = Md5::new();
    h.update(key);
    h.update(&head[..SIGNATURE_OFFSET]);
    h.update(seq.to_le_bytes());
    h.update([0u8; 4]);
    h.update(&head[SIGNATURE_OFFSET + 8..]);
    h.update(tail);
    let d: [u8; 16] = h.finalize().into();
    let mut s = [0u8; 8];
    s.copy_from_slice(&d[..8]);
    s
}

/// Signs a message in place (head starts at the SMB header).
pub fn sign(key: &[u8], head: &mut [u8], tail: &[u8], seq: u32) {
    let s = compute(key, head, tail, seq);
    head[SIGNATURE_OFFSET..SIGNATURE_OFFSET + 8].copy_from_slice(&s);
}

/// Checks a message's signature in constant time.
pub fn verify(key: &[u8], msg: &[u8], seq: u32) -> bool {
    if msg.len() < 32 {
        return false;
    }
    let want = compute(key, msg, &[], seq);
    ct_eq(&want, &msg[SIGNATURE_OFFSET..SIGNATURE_OFFSET + 8])
}

impl SigningState {
    /// Signing with `key`, starting after the authenticating session setup (whose request
    /// was number 0 and response number 1): the next request takes number 2.
    pub fn new(key: &[u8]) -> Self {
        Self {
            key: Zeroizing::new(key.to_vec()),
            next: 2,
        }
    }

    /// The MAC key.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// Takes the sequence number for a new request (its response uses the number + 1).
    pub fn next_request(&mut self) -> u32 {
        let n = self.next;
        self.next = self.next.wrapping_add(2);
        n
    }

    /// Takes one number for a request that gets no response (NT_CANCEL).
    pub fn next_unanswered(&mut self) -> u32 {
        let n = self.next;
        self.next = self.next.wrapping_add(1);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_decode;

    #[test]
    fn fact_sheet_vector() {
        let key = hex_decode(
            "d87262b0cde4b1cb7499becccdf1078467c43011f30298a2ad35ece64f16331c44bdbed927841f94",
        )
        .unwrap();
        let mut req = hex_decode(
            "ff534d422b000000001805c8000000000000000000000000ffff341200080200010100050068656c6c6f",
        )
        .unwrap();
        sign(&key, &mut req, &[], 2);
        assert_eq!(req, hex_decode("ff534d422b000000001805c80000bed7e7dacb6eb9340000ffff341200080200010100050068656c6c6f").unwrap());
        assert!(verify(&key, &req, 2));
        assert!(!verify(&key, &req, 4));
        let mut resp = hex_decode(
            "ff534d422b000000009805c8000000000000000000000000ffff341200080200010100050068656c6c6f",
        )
        .unwrap();
        sign(&key, &mut resp, &[], 3);
        assert_eq!(resp[14..22], hex_decode("317d76e3feb3b899").unwrap()[..]);
        // split head/tail gives the same result
        let mut head = hex_decode(
            "ff534d422b000000001805c8000000000000000000000000ffff341200080200010100050068656c",
        )
        .unwrap();
        sign(&key, &mut head, b"lo", 2);
        assert_eq!(head[14..22], hex_decode("bed7e7dacb6eb934").unwrap()[..]);
    }
}
