//! 8.3 names for clients that cannot take long names (the core SEARCH and FIND of every
//! dialect, TRANS2 searches of clients without `FLAGS2_LONG_NAMES`).
//!
//! A name that is 8.3 already (up to 8 characters, a dot and up to 3 more, all of them
//! characters DOS allows and the OEM code page has) keeps its characters. Any other name
//! gets a *mangled* name: up to 4 characters of its stem, a `~`, 3 characters (`0-9A-Z`)
//! of a hash of the whole name, and up to 3 characters of its extension, all in upper
//! case: `Annual Report 2024.xlsx` becomes `ANNU~XXX.XLS`. The hash makes the mangled
//! name the same on every listing and every server start, so a client can open a file by
//! it: the server maps a mangled component back by listing its directory
//! ([`matches_short`]).
//!
//! ```
//! use smb_proto::server::mangle::{is_8dot3, matches_short, short_name};
//! use smb_proto::wire::codepage::CodePage;
//! let cp = CodePage::Cp850;
//! assert!(is_8dot3("hello.txt", cp));
//! assert_eq!(short_name("hello.txt", cp), "HELLO.TXT");
//! let s = short_name("Annual Report 2024.xlsx", cp);
//! assert!(s.starts_with("ANNU~") && s.ends_with(".XLS") && s.len() == 12);
//! assert!(matches_short("Annual Report 2024.xlsx", &s.to_lowercase(), cp));
//! ```

use alloc::string::String;

use crate::wire::codepage::CodePage;

/// Characters DOS refuses in a name part (besides control characters and space).
const ILLEGAL: &str = "\"*+,./:;<=>?[\\]|";

fn legal(c: char, cp: CodePage) -> bool {
    !c.is_control() && c != ' ' && !ILLEGAL.contains(c) && cp.encode_char(c).is_some()
}

/// The upper case of a character as DOS has it: the single upper-case character when
/// the code page has it, else the character itself.
fn dos_upper(c: char, cp: CodePage) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) if cp.encode_char(u).is_some() => u,
        _ => c,
    }
}

fn split(name: &str) -> (&str, Option<&str>) {
    match name.rfind('.') {
        Some(0) | None => (name, None),
        Some(i) => (&name[..i], Some(&name[i + 1..])),
    }
}

/// Whether a name is an 8.3 name already (in any case).
pub fn is_8dot3(name: &str, cp: CodePage) -> bool {
    if name == "." || name == ".." {
        return true;
    }
    let (base, ext) = split(name);
    let part = |s: &str, max: usize| {
        let n = s.chars().count();
        n >= 1 && n <= max && s.chars().all(|c| legal(c, cp))
    };
    part(base, 8) && ext.is_none_or(|e| part(e, 3))
}

/// A 32-bit FNV-1a hash of the name folded to lower case, so that every case of a name
/// mangles the same way.
fn hash(name: &str) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for c in name.chars().flat_map(char::to_lowercase) {
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The 8.3 name of a file, in upper case: the name itself when it is 8.3, else its
/// mangled name (see the module documentation).
pub fn short_name(name: &str, cp: CodePage) -> String {
    if is_8dot3(name, cp) {
        return name.chars().map(|c| dos_upper(c, cp)).collect();
    }
    let (base, ext) = split(name);
    let keep = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|&c| legal(c, cp) && c != '~')
            .map(|c| dos_upper(c, cp))
            .take(n)
            .collect()
    };
    let mut out = keep(base, 4);
    if out.is_empty() {
        out.push('_');
    }
    out.push('~');
    let mut h = hash(name) % (36 * 36 * 36);
    let mut tail = [0u8; 3];
    for t in tail.iter_mut().rev() {
        *t = DIGITS[(h % 36) as usize];
        h /= 36;
    }
    out.extend(tail.iter().map(|&b| char::from(b)));
    if let Some(e) = ext.map(|e| keep(e, 3)).filter(|e| !e.is_empty()) {
        out.push('.');
        out.push_str(&e);
    }
    out
}

/// Whether a name has the shape of a mangled name (a `~` within its first 8 characters):
/// only such names are looked up by their 8.3 form.
pub fn looks_mangled(name: &str) -> bool {
    name.chars().take(8).any(|c| c == '~')
}

/// Whether `short` (any case) is the 8.3 name of `long`.
pub fn matches_short(long: &str, short: &str, cp: CodePage) -> bool {
    let s = short_name(long, cp);
    s.chars()
        .flat_map(char::to_lowercase)
        .eq(short.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CP: CodePage = CodePage::Cp850;

    #[test]
    fn eight_dot_three() {
        for ok in [
            "A",
            "hello.txt",
            "README",
            "12345678.123",
            "café.doc",
            ".",
            "..",
            "A~1",
        ] {
            assert!(is_8dot3(ok, CP), "{ok}");
        }
        for bad in [
            "123456789",
            "a.long",
            "two.dots.x",
            "sp ace",
            ".bashrc",
            "trail.",
            "x+y",
            "日本",
            "",
        ] {
            assert!(!is_8dot3(bad, CP), "{bad}");
        }
    }

    #[test]
    fn mangled_names_are_stable_8dot3_and_distinct() {
        let names = [
            "Annual Report 2024.xlsx",
            "Annual Report 2025.xlsx",
            ".bashrc",
            "日本語のファイル.txt",
            "a.b.c.d",
            "~~~~~~~~~~",
        ];
        let mut seen = alloc::collections::BTreeSet::new();
        for n in names {
            let s = short_name(n, CP);
            assert!(is_8dot3(&s, CP), "{n} -> {s}");
            assert!(looks_mangled(&s), "{s}");
            assert_eq!(s, short_name(&n.to_uppercase(), CP), "case-independent");
            assert!(matches_short(n, &s.to_lowercase(), CP));
            assert!(seen.insert(s));
        }
        assert!(short_name("日本語のファイル.txt", CP).starts_with("_~"));
        assert!(short_name(".bashrc", CP).starts_with("BASH~"));
        assert_eq!(short_name("café.doc", CP), "CAFÉ.DOC");
        // A character the code page lacks makes the name long.
        assert!(short_name("€.txt", CodePage::Cp850).starts_with("_~"));
        assert_eq!(short_name("€.txt", CodePage::Cp858), "€.TXT");
    }
}
