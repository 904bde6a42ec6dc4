//! Keys and names: a file is the object `PREFIX/a/b.txt`, a folder the prefix
//! `PREFIX/a/` with a marker object of that name (so that empty folders exist); which
//! object names a client can be shown; the metadata of an object as a [`FileInfo`].

use std::time::{SystemTime, UNIX_EPOCH};

use smb_proto::server::fs::{FileInfo, SharePath};
use smb_proto::util::unix_to_filetime;
use smb_proto::wire::consts::ext_attr;

/// The key of a share path, relative to the share's prefix: components joined with `/`
/// (empty for the share root).
pub(crate) fn key_of(path: &SharePath) -> String {
    path.components().collect::<Vec<_>>().join("/")
}

/// The folder key of `key`: `key/` (empty for the root).
pub(crate) fn dir_key(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}/")
    }
}

/// `parent/name` (just `name` under the root).
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

/// The parent folder's key and the last component of `key`.
pub(crate) fn split(key: &str) -> (&str, &str) {
    key.rsplit_once('/').unwrap_or(("", key))
}

/// Whether an SMB client can be shown (and can name) an object called `name`: not
/// empty, not `.` or `..`, none of the characters Windows forbids in names
/// (`\ / : * ? " < > |` and control characters), at most 255 UTF-16 units.
pub(crate) fn showable(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| (c as u32) < 0x20 || "\\/:*?\"<>|".contains(c))
        && name.encode_utf16().count() <= 255
}

/// A FILETIME from a system time (0 before 1970).
pub(crate) fn filetime(t: SystemTime) -> u64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => unix_to_filetime(d.as_secs() as i64, d.subsec_nanos()),
        Err(_) => 0,
    }
}

/// The FILETIME of now.
pub(crate) fn now() -> u64 {
    filetime(SystemTime::now())
}

/// A stable identity of `key` in share `share` (FNV-1a of the case-folded key), for the
/// core's sharing checks.
pub(crate) fn file_id(share: u32, key: &str) -> u64 {
    let folded = smb_proto::server::path::fold_case(key);
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ u64::from(share);
    for b in folded.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// What the backend knows about a file or folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    /// Key as stored, relative to the share prefix (no trailing `/`; empty: the root).
    pub(crate) key: String,
    pub(crate) is_dir: bool,
    pub(crate) size: u64,
    /// The object's ETag (files in the store only).
    pub(crate) etag: Option<String>,
    /// Last modification (FILETIME; 0 when unknown).
    pub(crate) modified: u64,
}

impl Node {
    /// The share root.
    pub(crate) fn root(modified: u64) -> Self {
        Self {
            key: String::new(),
            is_dir: true,
            size: 0,
            etag: None,
            modified,
        }
    }

    /// The information a client sees.
    pub(crate) fn info(&self, share: u32) -> FileInfo {
        let t = self.modified;
        FileInfo {
            name: split(&self.key).1.to_string(),
            is_dir: self.is_dir,
            size: if self.is_dir { 0 } else { self.size },
            allocation_size: if self.is_dir {
                0
            } else {
                self.size.div_ceil(4096) * 4096
            },
            created: t,
            accessed: t,
            written: t,
            changed: t,
            attributes: if self.is_dir {
                ext_attr::DIRECTORY
            } else {
                ext_attr::ARCHIVE
            },
            file_id: file_id(share, &self.key),
            links: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_join_and_split() {
        let p = SharePath::parse("\\Scans\\2024\\page 1.pdf").unwrap();
        assert_eq!(key_of(&p), "Scans/2024/page 1.pdf");
        assert_eq!(key_of(&SharePath::parse("").unwrap()), "");
        assert_eq!(dir_key("a/b"), "a/b/");
        assert_eq!(dir_key(""), "");
        assert_eq!(join("", "x"), "x");
        assert_eq!(join("a/b", "x"), "a/b/x");
        assert_eq!(split("a/b/x"), ("a/b", "x"));
        assert_eq!(split("x"), ("", "x"));
    }

    #[test]
    fn names_windows_cannot_show_are_recognised() {
        for ok in [
            "a.txt",
            "Ünïcode ✓",
            "with space",
            ".hidden",
            &"x".repeat(255),
        ] {
            assert!(showable(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a:b",
            "q?",
            "star*",
            "pipe|",
            "lt<",
            "gt>",
            "quote\"",
            "back\\slash",
            "tab\there",
            "nul\0",
            &"x".repeat(256),
        ] {
            assert!(!showable(bad), "{bad:?}");
        }
    }

    #[test]
    fn file_ids_ignore_case_and_differ_between_names_and_shares() {
        assert_eq!(file_id(0, "Dir/File.TXT"), file_id(0, "dir/file.txt"));
        assert_ne!(file_id(0, "dir/a"), file_id(0, "dir/b"));
        assert_ne!(file_id(0, "dir/a"), file_id(1, "dir/a"));
    }

    #[test]
    fn nodes_map_to_file_info() {
        let n = Node {
            key: "a/b.bin".into(),
            is_dir: false,
            size: 5000,
            etag: Some("\"e\"".into()),
            modified: 133_485_408_000_000_000,
        };
        let i = n.info(0);
        assert_eq!(
            (i.name.as_str(), i.size, i.allocation_size),
            ("b.bin", 5000, 8192)
        );
        assert_eq!(i.attributes, ext_attr::ARCHIVE);
        assert_eq!(i.written, 133_485_408_000_000_000);
        let d = Node::root(7).info(3);
        assert_eq!((d.name.as_str(), d.is_dir, d.size), ("", true, 0));
        assert_eq!(d.attributes, ext_attr::DIRECTORY);
    }
}
