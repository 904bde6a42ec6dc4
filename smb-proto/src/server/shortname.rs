//! 8.3 names: the alternate name a FAT-like volume gives each long name, as the core
//! SEARCH, the BOTH_DIRECTORY find levels and FILE_ALT_NAME_INFORMATION report it.
//!
//! A name that already fits 8.3 (in any case) is its own short name. Any other name gets a mangled
//! form computed from the name alone (no per-directory table): up to four legal
//! characters of the base, `~`, three characters of a hash of the whole name, and up to
//! three legal characters of the extension, all upper case (`torture_search.txt` becomes
//! `TORT~XYZ.TXT` for some `XYZ`). The same long name always gives the same short name.
//!
//! ```
//! use smb_proto::server::shortname::{is_8_3, short_name};
//! assert!(is_8_3("README.TXT"));
//! assert_eq!(short_name("README.TXT"), "README.TXT");
//! let s = short_name("a long file name.html");
//! assert!(is_8_3(&s) && s.starts_with("ALON~") && s.ends_with(".HTM"));
//! assert_eq!(s, short_name("a long file name.html"));
//! ```

use alloc::string::String;

/// Characters a FAT 8.3 name may not contain (besides controls, space and `.`).
const ILLEGAL: &[u8] = b"\"*+,/:;<=>?[\\]|";

fn legal(c: char) -> bool {
    c.is_ascii_graphic() && c != '.' && !ILLEGAL.contains(&(c as u8))
}

/// Whether `name` is a valid 8.3 name as it stands: one to eight legal characters, then
/// optionally a dot and one to three more (in any case, as Samba keeps `t000-0.txt` as
/// its own short name). `.` and `..` count as 8.3.
pub fn is_8_3(name: &str) -> bool {
    if name == "." || name == ".." {
        return true;
    }
    let ok = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.chars().all(legal);
    match name.split_once('.') {
        Some((base, ext)) => ok(base, 8) && ok(ext, 3),
        None => ok(name, 8),
    }
}

/// A 32-bit hash (FNV-1a, then mixed) of the upper-cased name (short names must not depend on case).
fn hash(name: &str) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for c in name.chars().flat_map(char::to_uppercase) {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    // Mix the bits (the final step of MurmurHash3) so that names differing only in
    // their last characters spread over the whole range.
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

/// The 8.3 name of `name`: the name itself when [`is_8_3`], else its mangled form.
pub fn short_name(name: &str) -> String {
    if is_8_3(name) {
        return name.into();
    }
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let (base, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i + 1..]),
        _ => (name, ""),
    };
    let clean = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|&c| legal(c))
            .flat_map(char::to_uppercase)
            .filter(|&c| legal(c))
            .take(n)
            .collect()
    };
    let mut out = clean(base, 4);
    if out.is_empty() {
        out.push('_');
    }
    let h = hash(name) % (36 * 36 * 36);
    out.push('~');
    out.push(DIGITS[(h / (36 * 36)) as usize] as char);
    out.push(DIGITS[(h / 36 % 36) as usize] as char);
    out.push(DIGITS[(h % 36) as usize] as char);
    let e = clean(ext, 3);
    if !e.is_empty() {
        out.push('.');
        out.push_str(&e);
    }
    out
}

/// The short name to report where a level has room for one, empty when the name is 8.3
/// already (as Windows leaves ShortName empty in BOTH_DIRECTORY entries then).
pub fn alt_name_if_needed(name: &str) -> String {
    if is_8_3(name) {
        String::new()
    } else {
        short_name(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_fit_stay() {
        for n in [
            "A",
            "ABCDEFGH.TXT",
            "X.Y",
            "1234~1.C",
            ".",
            "..",
            "t000-0.txt",
            "abc.txt",
        ] {
            assert!(is_8_3(n), "{n}");
            assert_eq!(short_name(n), n);
            assert_eq!(alt_name_if_needed(n), "");
        }
    }

    #[test]
    fn long_or_lower_case_names_are_mangled_to_valid_8_3() {
        for n in [
            "torture_search.txt",
            "abc.tx_t",
            "a b c",
            "ABCDEFGHI",
            "x.tar.gz",
            ".hidden",
            "émoji😀.doc",
            "....",
            "t000-00000.txt",
        ] {
            let s = short_name(n);
            assert!(is_8_3(&s), "{n} -> {s}");
            assert!(s.contains('~'), "{n} -> {s}");
            assert_eq!(s, short_name(n));
            assert_eq!(alt_name_if_needed(n), s);
        }
        assert!(short_name("torture_search.txt").starts_with("TORT~"));
        assert!(short_name("torture_search.txt").ends_with(".TXT"));
        assert_eq!(short_name("x.tar.gz").rsplit('.').next(), Some("GZ"));
        // Case does not change the short name.
        assert_eq!(short_name("Long Name.txt"), short_name("LONG NAME.TXT"));
    }

    #[test]
    fn different_long_names_mostly_get_different_short_names() {
        let mut seen = alloc::collections::BTreeSet::new();
        for i in 0..200 {
            seen.insert(short_name(&alloc::format!("file number {i}.txt")));
        }
        assert!(seen.len() > 195, "{}", seen.len());
    }
}
