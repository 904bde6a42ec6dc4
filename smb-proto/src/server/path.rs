//! Share-relative paths, normalised and checked before any file-system request is made.
//!
//! A client names files with `\` or `/` separators, maybe with a leading separator, `.`
//! and `..` components. [`SharePath::parse`] turns that into a list of plain components
//! that can never leave the share: `..` is resolved lexically and may not climb above the
//! share root, and names with NUL, control characters, stream separators (`:`) or
//! wildcards are refused. What reaches the host is a relative path of ordinary names; the
//! host still refuses to follow symbolic links out of the share.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::wire::NtStatus;

/// Longest component accepted, in UTF-8 bytes (the usual file-system limit).
pub const MAX_COMPONENT_BYTES: usize = 255;
/// Longest path accepted, in UTF-8 bytes.
pub const MAX_PATH_BYTES: usize = 4096;
/// Most components accepted.
pub const MAX_COMPONENTS: usize = 256;

/// A checked path relative to a share root: plain names joined by `/`; empty for the root.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SharePath(String);

impl fmt::Debug for SharePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharePath({:?})", self.0)
    }
}

impl fmt::Display for SharePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}", self.0)
    }
}

/// Whether a character may appear in a file name.
fn name_char_ok(c: char, allow_wildcards: bool) -> bool {
    match c {
        '\0'..='\x1f' | '\x7f' => false,
        ':' | '|' => false,
        '*' | '?' | '<' | '>' | '"' => allow_wildcards,
        _ => true,
    }
}

impl SharePath {
    /// The share root.
    pub fn root() -> Self {
        SharePath(String::new())
    }

    /// Parses and checks a path as a client sends it. Wildcards are refused.
    pub fn parse(raw: &str) -> Result<Self, NtStatus> {
        Self::parse_inner(raw, false)
    }

    /// Parses a search pattern: wildcards allowed, but only in the last component.
    /// Returns the directory and the pattern (`*` when the path ends with a separator).
    pub fn parse_pattern(raw: &str) -> Result<(Self, String), NtStatus> {
        let p = Self::parse_inner(raw, true)?;
        let (dir, last) = match p.0.rfind('/') {
            Some(i) => (SharePath(p.0[..i].into()), String::from(&p.0[i + 1..])),
            None => (SharePath::root(), p.0.clone()),
        };
        if dir
            .0
            .chars()
            .any(|c| matches!(c, '*' | '?' | '<' | '>' | '"'))
        {
            return Err(NtStatus::OBJECT_NAME_INVALID);
        }
        let last = if last.is_empty() {
            String::from("*")
        } else {
            last
        };
        Ok((dir, last))
    }

    fn parse_inner(raw: &str, allow_wildcards: bool) -> Result<Self, NtStatus> {
        if raw.len() > MAX_PATH_BYTES {
            return Err(NtStatus::OBJECT_NAME_INVALID);
        }
        let mut parts: Vec<&str> = Vec::new();
        for comp in raw.split(['\\', '/']) {
            match comp {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(NtStatus::OBJECT_PATH_SYNTAX_BAD);
                    }
                }
                name => {
                    if name.len() > MAX_COMPONENT_BYTES {
                        return Err(NtStatus::OBJECT_NAME_INVALID);
                    }
                    if !name.chars().all(|c| name_char_ok(c, allow_wildcards)) {
                        return Err(NtStatus::OBJECT_NAME_INVALID);
                    }
                    parts.push(name);
                    if parts.len() > MAX_COMPONENTS {
                        return Err(NtStatus::OBJECT_NAME_INVALID);
                    }
                }
            }
        }
        Ok(SharePath(parts.join("/")))
    }

    /// Whether this is the share root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path as `a/b/c` (empty for the root).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The components.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }

    /// The last component (empty for the root).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    /// The parent directory (the root's parent is the root).
    pub fn parent(&self) -> SharePath {
        match self.0.rfind('/') {
            Some(i) => SharePath(self.0[..i].into()),
            None => SharePath::root(),
        }
    }

    /// This path with one more component. `name` must be a plain name (it is checked).
    pub fn join(&self, name: &str) -> Result<SharePath, NtStatus> {
        let child = SharePath::parse(name)?;
        if child.0.contains('/') || child.is_root() {
            return Err(NtStatus::OBJECT_NAME_INVALID);
        }
        Ok(if self.is_root() {
            child
        } else {
            let mut s = self.0.clone();
            s.push('/');
            s.push_str(&child.0);
            SharePath(s)
        })
    }

    /// A key for case-insensitive comparison (simple Unicode lowercase).
    pub fn fold(&self) -> String {
        fold_case(&self.0)
    }
}

/// Case folding used for case-insensitive name matching.
pub fn fold_case(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(
            SharePath::parse(r"\a\b\c.txt").unwrap().as_str(),
            "a/b/c.txt"
        );
        assert_eq!(SharePath::parse("a//b/./c").unwrap().as_str(), "a/b/c");
        assert_eq!(SharePath::parse(r"a\x\..\b").unwrap().as_str(), "a/b");
        assert!(SharePath::parse(r"\").unwrap().is_root());
        assert!(SharePath::parse("").unwrap().is_root());
    }

    #[test]
    fn refuses_escapes_and_bad_names() {
        for bad in [r"..", r"\..\etc\passwd", "a/../../b", r"..\..\x", "/../x"] {
            assert_eq!(
                SharePath::parse(bad),
                Err(NtStatus::OBJECT_PATH_SYNTAX_BAD),
                "{bad}"
            );
        }
        for bad in [
            "a\0b",
            "file:stream",
            "a:$DATA",
            "x*",
            "x?y",
            "a|b",
            "a\x01",
        ] {
            assert_eq!(
                SharePath::parse(bad),
                Err(NtStatus::OBJECT_NAME_INVALID),
                "{bad:?}"
            );
        }
        let long = "x".repeat(256);
        assert!(SharePath::parse(&long).is_err());
    }

    #[test]
    fn patterns() {
        let (d, p) = SharePath::parse_pattern(r"\dir\*.txt").unwrap();
        assert_eq!((d.as_str(), p.as_str()), ("dir", "*.txt"));
        let (d, p) = SharePath::parse_pattern(r"\*").unwrap();
        assert_eq!((d.as_str(), p.as_str()), ("", "*"));
        assert!(SharePath::parse_pattern(r"\d*r\x").is_err());
    }

    #[test]
    fn join_and_parent() {
        let p = SharePath::parse("a/b").unwrap();
        assert_eq!(p.join("c").unwrap().as_str(), "a/b/c");
        assert!(p.join("..").is_err());
        assert!(p.join("x/y").is_err());
        assert_eq!(p.parent().as_str(), "a");
        assert_eq!(p.file_name(), "b");
    }
}
