//! Small helpers: hex encoding. The FILETIME conversions live in [`crate::time`] and are
//! re-exported here under their old paths.

use alloc::string::String;
use alloc::vec::Vec;

/// Lower-case hex of bytes.
pub fn hex_encode(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(H[(x >> 4) as usize] as char);
        s.push(H[(x & 15) as usize] as char);
    }
    s
}

/// Parses hex (whitespace ignored); `None` on odd length or a non-hex character.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|p| {
            let v = |c: u8| (c as char).to_digit(16);
            Some((v(p[0])? * 16 + v(p[1])?) as u8)
        })
        .collect()
}

#[doc(inline)]
pub use crate::time::{FILETIME_UNIX_OFFSET_SECS, filetime_to_unix, unix_to_filetime};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        assert_eq!(hex_encode(&[0, 0xab]), "00ab");
        assert_eq!(hex_decode("00 AB").unwrap(), [0, 0xab]);
        assert!(hex_decode("0").is_none());
    }
}
