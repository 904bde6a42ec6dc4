//! What a Unix file cannot hold by itself: the ARCHIVE bit a client cleared (or set on a
//! directory), the DOS attributes of a directory, and a creation time a client set. They
//! live in one extended attribute of the file, [`XATTR`], which the EA calls neither
//! list nor let a client write (as Samba keeps its `user.DOSATTRIB`).
//!
//! Without the attribute a file has ARCHIVE and a directory has not, and the creation time
//! is the file system's birth time; READONLY, HIDDEN and SYSTEM of files stay in the
//! permission bits ([`super::meta`]).

use std::fs::File;

use smb_proto::server::fs::FileInfo;
use smb_proto::wire::NtStatus;
use smb_proto::wire::consts::ext_attr;

/// The extended attribute's name.
pub(super) const XATTR: &str = "user.smb-rs.dos";

/// The attribute bits kept here for files (the others live in the mode).
const FILE_BITS: u32 = ext_attr::ARCHIVE;
/// The attribute bits kept here for directories.
const DIR_BITS: u32 = ext_attr::ARCHIVE | ext_attr::READONLY | ext_attr::HIDDEN | ext_attr::SYSTEM;

/// The stored values: version 1, then the attributes (when set) and the creation time
/// (0 when none was set), little-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Stored {
    /// DOS attributes a client set, if any.
    pub attributes: Option<u32>,
    /// Creation time (FILETIME) a client set, or 0.
    pub created: u64,
}

impl Stored {
    fn encode(&self) -> [u8; 14] {
        let mut b = [0u8; 14];
        b[0] = 1;
        b[1] = u8::from(self.attributes.is_some());
        b[2..6].copy_from_slice(&self.attributes.unwrap_or(0).to_le_bytes());
        b[6..14].copy_from_slice(&self.created.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Option<Self> {
        if b.len() != 14 || b[0] != 1 {
            return None;
        }
        let a = u32::from_le_bytes(b[2..6].try_into().ok()?);
        Some(Self {
            attributes: (b[1] & 1 != 0).then_some(a),
            created: u64::from_le_bytes(b[6..14].try_into().ok()?),
        })
    }
}

/// The stored values of an open file or directory (default when none are stored, or the
/// file system keeps no extended attributes).
pub(super) fn read(fd: &File) -> Stored {
    let mut buf = [0u8; 32];
    match rustix::fs::fgetxattr(fd, XATTR, &mut buf) {
        Ok(n) => Stored::decode(&buf[..n]).unwrap_or_default(),
        Err(_) => Stored::default(),
    }
}

/// The stored values of the entry `name` of an open directory, without opening it: one
/// `lgetxattr` through the directory's `/proc/self/fd` link (`name` is one component, so
/// nothing outside the directory is reached). `None` when that is not possible (no
/// `/proc`): the caller then opens the entry.
pub(super) fn read_entry(dir: &impl std::os::fd::AsFd, name: &str) -> Option<Stored> {
    use std::os::fd::AsRawFd;
    if name.contains('/') {
        return None;
    }
    let path = format!("/proc/self/fd/{}/{name}", dir.as_fd().as_raw_fd());
    let mut buf = [0u8; 32];
    match rustix::fs::lgetxattr(path.as_str(), XATTR, &mut buf) {
        Ok(n) => Some(Stored::decode(&buf[..n]).unwrap_or_default()),
        Err(rustix::io::Errno::NODATA | rustix::io::Errno::OPNOTSUPP) => Some(Stored::default()),
        Err(_) => None,
    }
}

/// Stores the values on an open file or directory.
pub(super) fn write(fd: &File, s: &Stored) -> Result<(), NtStatus> {
    rustix::fs::fsetxattr(fd, XATTR, &s.encode(), rustix::fs::XattrFlags::empty()).map_err(|e| {
        match e {
            rustix::io::Errno::OPNOTSUPP => NtStatus::NOT_SUPPORTED,
            e => super::status::st(std::io::Error::from(e)),
        }
    })
}

/// Applies stored values to what the metadata said.
pub(super) fn apply(fi: &mut FileInfo, s: &Stored) {
    if let Some(a) = s.attributes {
        let kept = if fi.is_dir { DIR_BITS } else { FILE_BITS };
        fi.attributes = (fi.attributes & !kept) | (a & kept);
    }
    if s.created != 0 {
        fi.created = s.created;
    }
}

/// The stored values after a client sets `attributes` (0 = unchanged) and `created`.
pub(super) fn updated(old: Stored, attributes: Option<u32>, created: Option<u64>) -> Stored {
    Stored {
        attributes: attributes.map_or(old.attributes, |a| Some(a & !ext_attr::NORMAL)),
        created: created.unwrap_or(old.created),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_round_trip_and_bad_blobs_are_ignored() {
        for s in [
            Stored::default(),
            Stored {
                attributes: Some(ext_attr::ARCHIVE | ext_attr::HIDDEN),
                created: 133_000_000_000_000_000,
            },
            Stored {
                attributes: Some(0),
                created: 0,
            },
        ] {
            assert_eq!(Stored::decode(&s.encode()), Some(s));
        }
        assert_eq!(Stored::decode(&[2; 14]), None);
        assert_eq!(Stored::decode(&[1; 3]), None);
    }

    #[test]
    fn files_keep_only_archive_here_directories_all_four() {
        let s = Stored {
            attributes: Some(ext_attr::HIDDEN),
            created: 5,
        };
        let mut f = FileInfo {
            attributes: ext_attr::ARCHIVE | ext_attr::READONLY,
            ..Default::default()
        };
        apply(&mut f, &s);
        assert_eq!(f.attributes, ext_attr::READONLY);
        assert_eq!(f.created, 5);
        let mut d = FileInfo {
            is_dir: true,
            attributes: ext_attr::DIRECTORY,
            ..Default::default()
        };
        apply(&mut d, &s);
        assert_eq!(d.attributes, ext_attr::DIRECTORY | ext_attr::HIDDEN);
    }

    #[test]
    fn a_share_keeps_archive_directory_attributes_and_creation_time() {
        use crate::testing::{SHARE, TestShare, sp};
        use smb_proto::server::fs::{
            Disposition, Ea, FileSystem, Kind, OpenCall, SetInfo, SetTimes, Target,
        };
        let t = TestShare::new("dosattr");
        t.put("d/f.txt", b"x");
        let dir = Target::Path(sp("d"));
        let set = |target: &Target, attributes: Option<u32>, created: Option<u64>| {
            let info = SetInfo {
                attributes,
                times: SetTimes {
                    created,
                    ..Default::default()
                },
                ..Default::default()
            };
            t.fs.set_info(SHARE, target, &info).unwrap();
        };
        assert_eq!(t.stat("d").unwrap().attributes, ext_attr::DIRECTORY);
        set(
            &dir,
            Some(ext_attr::DIRECTORY | ext_attr::ARCHIVE | ext_attr::HIDDEN),
            None,
        );
        let want = ext_attr::DIRECTORY | ext_attr::ARCHIVE | ext_attr::HIDDEN;
        assert_eq!(t.stat("D").unwrap().attributes, want);
        let file = Target::Path(sp("d\\f.txt"));
        set(&file, Some(ext_attr::NORMAL), Some(130_000_000_000_000_000));
        let f = t.stat("d\\F.TXT").unwrap();
        assert_eq!((f.attributes, f.created), (0, 130_000_000_000_000_000));
        // An open says the same (file and folder), as does the listing; the attribute
        // is no EA a client sees or sets.
        for (path, kind) in [("d\\f.txt", Kind::File), ("d", Kind::Directory)] {
            let call = OpenCall {
                path: sp(path),
                disposition: Disposition::Open,
                kind,
                read: true,
                write: false,
                create_attributes: 0,
                allocation_size: 0,
            };
            let (h, opened, _) = t.fs.open(SHARE, &call).unwrap();
            assert_eq!(opened, t.stat(path).unwrap(), "{path}");
            t.fs.close(h, None).unwrap();
        }
        assert_eq!(t.fs.read_dir(SHARE, &sp("d")).unwrap(), [f]);
        assert_eq!(t.fs.read_dir(SHARE, &sp("")).unwrap()[0].attributes, want);
        assert!(t.fs.get_eas(SHARE, &file).unwrap().is_empty());
        let private = Ea {
            name: XATTR.trim_start_matches("user.").to_uppercase(),
            value: bytes::Bytes::from_static(b"x"),
        };
        assert_eq!(
            t.fs.set_eas(SHARE, &file, &[private]),
            Err(NtStatus::ACCESS_DENIED)
        );
    }
}
