//! 8.3 names: the alternate name a FAT-like volume gives each long name, as the core
//! SEARCH and the LANMAN FIND commands, the BOTH_DIRECTORY find levels,
//! FILE_ALT_NAME_INFORMATION and TRANS2 listings for clients without long names report it.
//!
//! A name that already fits 8.3 (in any case) is its own short name. Any other name gets a mangled
//! form computed from the name alone (no per-directory table): up to four legal
//! characters of the base, `~`, three characters of a hash of the whole name, and up to
//! three legal characters of the extension, all upper case (`torture_search.txt` becomes
//! `TORT~XYZ.TXT` for some `XYZ`). The same long name always gives the same short name, on
//! every listing and every server start, so a client can open a file by it: the server
//! maps a mangled component back by listing its directory ([`matches_short`]).
//!
//! The plain functions allow ASCII characters only (what NT clients are shown); the `_in`
//! forms also allow the other characters of an OEM code page, as pre-NT clients write names
//! in it (`café.doc` is 8.3 in CP850). Both mangle ASCII names the same way.
//!
//! ```
//! use smb_proto::server::shortname::{is_8_3, is_8_3_in, matches_short, short_name};
//! use smb_proto::wire::codepage::CodePage;
//! assert!(is_8_3("README.TXT"));
//! assert_eq!(short_name("README.TXT"), "README.TXT");
//! let s = short_name("a long file name.html");
//! assert!(is_8_3(&s) && s.starts_with("ALON~") && s.ends_with(".HTM"));
//! assert_eq!(s, short_name("a long file name.html"));
//! assert!(is_8_3_in("café.doc", CodePage::Cp850) && !is_8_3("café.doc"));
//! assert!(matches_short("a long file name.html", &s.to_lowercase(), CodePage::Cp850));
//! ```

use alloc::string::String;

use crate::wire::codepage::CodePage;

/// Characters a FAT 8.3 name may not contain (besides controls, space and `.`).
const ILLEGAL: &[u8] = b"\"*+,/:;<=>?[\\]|";

/// Whether `c` may stand in an 8.3 name part: a legal ASCII character, or (with a code
/// page) any other printable character the code page has.
fn legal(c: char, cp: Option<CodePage>) -> bool {
    if c.is_ascii() {
        c.is_ascii_graphic() && c != '.' && !ILLEGAL.contains(&(c as u8))
    } else {
        cp.is_some_and(|cp| !c.is_control() && cp.encode_char(c).is_some())
    }
}

fn fits(name: &str, cp: Option<CodePage>) -> bool {
    if name == "." || name == ".." {
        return true;
    }
    let ok = |s: &str, max: usize| {
        !s.is_empty() && s.chars().count() <= max && s.chars().all(|c| legal(c, cp))
    };
    match name.split_once('.') {
        Some((base, ext)) => ok(base, 8) && ok(ext, 3),
        None => ok(name, 8),
    }
}

/// Whether `name` is a valid 8.3 name as it stands: one to eight legal characters, then
/// optionally a dot and one to three more (in any case, as Samba keeps `t000-0.txt` as
/// its own short name). `.` and `..` count as 8.3.
pub fn is_8_3(name: &str) -> bool {
    fits(name, None)
}

/// [`is_8_3`] for a client that writes names in the OEM code page `cp`: characters
/// beyond ASCII that `cp` has are legal too.
pub fn is_8_3_in(name: &str, cp: CodePage) -> bool {
    fits(name, Some(cp))
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

/// The upper case of a character as DOS has it: the single upper-case character when
/// it is legal (and, with a code page, the code page has it), else the character itself.
fn dos_upper(c: char, cp: Option<CodePage>) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) if legal(u, cp) || !legal(c, cp) => u,
        _ => c,
    }
}

fn mangle(name: &str, cp: Option<CodePage>) -> String {
    if fits(name, cp) {
        return name.into();
    }
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let (base, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i + 1..]),
        _ => (name, ""),
    };
    let clean = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|&c| legal(c, cp))
            .map(|c| dos_upper(c, cp))
            .filter(|&c| legal(c, cp))
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

/// The 8.3 name of `name`: the name itself when [`is_8_3`], else its mangled form.
pub fn short_name(name: &str) -> String {
    mangle(name, None)
}

/// The 8.3 name of `name` for a client of code page `cp`: the name itself when
/// [`is_8_3_in`], else its mangled form (the same as [`short_name`]'s for ASCII names).
pub fn short_name_in(name: &str, cp: CodePage) -> String {
    mangle(name, Some(cp))
}

/// `name` in upper case as DOS writes it in code page `cp` (a character whose upper case
/// the code page lacks stays as it is): how a client without long names sees 8.3 names.
pub fn dos_upper_in(name: &str, cp: CodePage) -> String {
    name.chars().map(|c| dos_upper(c, Some(cp))).collect()
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

/// Whether a name has the shape of a mangled name (a `~` within its first 8 characters):
/// only such names are looked up by their 8.3 form.
pub fn looks_mangled(name: &str) -> bool {
    name.chars().take(8).any(|c| c == '~')
}

/// Whether `short` (any case) is the 8.3 name of `long`, as a client of code page `cp`
/// or an NT client (ASCII 8.3 names) was shown it.
pub fn matches_short(long: &str, short: &str, cp: CodePage) -> bool {
    let same = |s: String| {
        s.chars()
            .flat_map(char::to_lowercase)
            .eq(short.chars().flat_map(char::to_lowercase))
    };
    same(short_name_in(long, cp)) || same(short_name(long))
}

/// The 8.3 names a connection was shown for long names, so that a name made from one
/// maps back to its long name even when no file has it any more: a client that deleted a
/// file by its 8.3 name and creates it again by that name gets the long name back (as
/// Samba's mangling cache does; smbtorture base.mangle). Holds the newest
/// [`Issued::CAPACITY`] names.
#[derive(Debug, Default)]
pub struct Issued(alloc::collections::VecDeque<(String, String)>);

impl Issued {
    /// How many names are kept.
    pub const CAPACITY: usize = 256;

    /// Notes that `short` was shown for `long` (nothing for names that are their own).
    pub fn note(&mut self, long: &str, short: &str) {
        if short.is_empty() || short == long || !looks_mangled(short) {
            return;
        }
        let key = short.to_uppercase();
        self.0.retain(|(s, _)| *s != key);
        if self.0.len() >= Self::CAPACITY {
            self.0.pop_front();
        }
        self.0.push_back((key, long.into()));
    }

    /// The long name `short` (any case) was shown for.
    pub fn long_of(&self, short: &str) -> Option<&str> {
        let key = short.to_uppercase();
        self.0
            .iter()
            .rev()
            .find(|(s, _)| *s == key)
            .map(|(_, l)| l.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CP: CodePage = CodePage::Cp850;

    #[test]
    fn eight_dot_three_in_a_code_page() {
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
            assert!(is_8_3_in(ok, CP), "{ok}");
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
            assert!(!is_8_3_in(bad, CP), "{bad}");
        }
    }

    #[test]
    fn code_page_names_mangle_stably_and_distinctly() {
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
            let s = short_name_in(n, CP);
            assert!(is_8_3_in(&s, CP), "{n} -> {s}");
            assert!(looks_mangled(&s), "{s}");
            assert_eq!(s, short_name_in(&n.to_uppercase(), CP), "case-independent");
            assert!(matches_short(n, &s.to_lowercase(), CP));
            assert!(seen.insert(s));
        }
        assert!(short_name_in("日本語のファイル.txt", CP).starts_with("_~"));
        assert!(short_name_in(".bashrc", CP).starts_with("BASH~"));
        // ASCII names mangle as for NT clients.
        assert_eq!(short_name_in(".bashrc", CP), short_name(".bashrc"));
        assert_eq!(short_name_in("café.doc", CP), "café.doc");
        assert_eq!(dos_upper_in("café.doc", CP), "CAFÉ.DOC");
        assert!(short_name("café.doc").starts_with("CAF~"));
        // A character the code page lacks makes the name long.
        assert!(short_name_in("€.txt", CodePage::Cp850).starts_with("_~"));
        assert_eq!(short_name_in("€.txt", CodePage::Cp858), "€.txt");
    }

    #[test]
    fn issued_names_map_back_and_stay_bounded() {
        let mut v = Issued::default();
        let s = short_name("torture_search.txt");
        v.note("torture_search.txt", &s);
        v.note("abc.txt", "abc.txt");
        assert_eq!(v.long_of(&s.to_lowercase()), Some("torture_search.txt"));
        assert_eq!(v.long_of("ABC.TXT"), None);
        for i in 0..Issued::CAPACITY {
            let long = alloc::format!("long file name {i}.txt");
            v.note(&long, &short_name(&long));
        }
        assert_eq!(v.long_of(&s), None);
        assert_eq!(v.0.len(), Issued::CAPACITY);
    }

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
