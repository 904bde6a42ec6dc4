//! Small helpers: hex encoding, FILETIME conversion.

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

/// Seconds between 1601-01-01 and 1970-01-01.
pub const FILETIME_UNIX_OFFSET_SECS: u64 = 11_644_473_600;

/// Converts Unix time (seconds and nanoseconds since 1970) to a FILETIME (100 ns since 1601).
pub fn unix_to_filetime(secs: i64, nanos: u32) -> u64 {
    let t = (secs as i128 + FILETIME_UNIX_OFFSET_SECS as i128) * 10_000_000 + (nanos / 100) as i128;
    t.clamp(0, u64::MAX as i128) as u64
}

/// Converts a FILETIME to Unix seconds and nanoseconds.
pub fn filetime_to_unix(ft: u64) -> (i64, u32) {
    let secs = (ft / 10_000_000) as i64 - FILETIME_UNIX_OFFSET_SECS as i64;
    let nanos = ((ft % 10_000_000) * 100) as u32;
    (secs, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_filetime() {
        assert_eq!(hex_encode(&[0, 0xab]), "00ab");
        assert_eq!(hex_decode("00 AB").unwrap(), [0, 0xab]);
        assert!(hex_decode("0").is_none());
        assert_eq!(unix_to_filetime(1_704_067_200, 0), 133_485_408_000_000_000);
        assert_eq!(
            filetime_to_unix(133_485_408_000_000_000),
            (1_704_067_200, 0)
        );
    }
}
