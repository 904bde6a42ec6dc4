//! Thin wrappers over the RustCrypto primitives NTLM needs (no primitive is written here).

use des::Des;
use des::cipher::{BlockCipherEncrypt, KeyInit};
use hmac::{Hmac, Mac};
use md4::{Digest, Md4};
use md5::Md5;
use rc4::{Rc4, StreamCipher};
use subtle::ConstantTimeEq;

/// MD4 of `data`.
pub fn md4(data: &[u8]) -> [u8; 16] {
    Md4::digest(data).into()
}

/// MD5 of the concatenation of `parts`.
pub fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// HMAC-MD5 with `key` over the concatenation of `parts`.
pub fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC accepts keys of any length; this cannot fail.
    let mut m = <Hmac<Md5> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// Expands a 7-byte key to the 8-byte DES form (parity bits left clear; DES ignores them).
pub fn des_key(k: &[u8; 7]) -> [u8; 8] {
    [
        k[0] & 0xFE,
        (k[0] << 7 | k[1] >> 1) & 0xFE,
        (k[1] << 6 | k[2] >> 2) & 0xFE,
        (k[2] << 5 | k[3] >> 3) & 0xFE,
        (k[3] << 4 | k[4] >> 4) & 0xFE,
        (k[4] << 3 | k[5] >> 5) & 0xFE,
        (k[5] << 2 | k[6] >> 6) & 0xFE,
        (k[6] << 1) & 0xFE,
    ]
}

/// The first 7 bytes of `b` (zero-padded) as a DES key half.
pub fn key7(b: &[u8]) -> [u8; 7] {
    let mut k = [0u8; 7];
    let n = b.len().min(7);
    k[..n].copy_from_slice(&b[..n]);
    k
}

/// DES-ECB encryption of one block with a 7-byte key.
pub fn des7(key: &[u8; 7], data: &[u8; 8]) -> [u8; 8] {
    let cipher = Des::new_from_slice(&des_key(key)).unwrap_or_else(|_| unreachable!());
    let mut block = (*data).into();
    cipher.encrypt_block(&mut block);
    block.into()
}

/// DESL: three DES encryptions of `data` with the 16-byte key split in 7-byte parts
/// (the last padded with zeros), concatenated.
pub fn desl(key: &[u8; 16], data: &[u8; 8]) -> [u8; 24] {
    let mut k3 = [0u8; 7];
    k3[..2].copy_from_slice(&key[14..16]);
    let mut out = [0u8; 24];
    out[..8].copy_from_slice(&des7(&key7(&key[0..7]), data));
    out[8..16].copy_from_slice(&des7(&key7(&key[7..14]), data));
    out[16..].copy_from_slice(&des7(&k3, data));
    out
}

/// RC4 of `data` in place with `key` (1..=256 bytes).
pub fn rc4(key: &[u8], data: &mut [u8]) {
    if let Ok(mut c) = <Rc4 as rc4::KeyInit>::new_from_slice(key) {
        c.apply_keystream(data);
    }
}

/// Constant-time equality of two byte strings (lengths are not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_decode;

    #[test]
    fn primitive_vectors() {
        assert_eq!(
            md4(b"")[..],
            hex_decode("31d6cfe0d16ae931b73c59d7e0c089c0").unwrap()
        );
        assert_eq!(
            md4(b"message digest")[..],
            hex_decode("d9130a8164549fe818874806e1c7014b").unwrap()
        );
        assert_eq!(
            md5(&[b"a", b"bc"])[..],
            hex_decode("900150983cd24fb0d6963f7d28e17f72").unwrap()
        );
        assert_eq!(
            hmac_md5(&[0x0b; 16], &[b"Hi There"])[..],
            hex_decode("9294727a3638bb1c13f48ef8158bfc9d").unwrap()
        );
        assert_eq!(
            des_key(b"PASSWOR"),
            [0x50, 0x20, 0x54, 0x6a, 0x34, 0xba, 0x3c, 0xa4]
        );
        assert_eq!(
            des7(b"PASSWOR", b"KGS!@#$%")[..],
            hex_decode("e52cac67419a9a22").unwrap()
        );
        let mut d = *b"pedia";
        rc4(b"Wiki", &mut d);
        assert_eq!(d[..], hex_decode("1021bf0420").unwrap());
        assert!(ct_eq(b"ab", b"ab") && !ct_eq(b"ab", b"ac") && !ct_eq(b"a", b"ab"));
    }
}
