//! Metadata of local files as the [`FileInfo`] a client sees, and DOS attributes as
//! permission bits.
//!
//! The attribute mapping is described in the [module documentation](super); times are
//! FILETIMEs, and the file id combines the device and inode numbers.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smb_proto::server::fs::FileInfo;
use smb_proto::util::{filetime_to_unix, unix_to_filetime};
use smb_proto::wire::consts::ext_attr;

/// A time as a FILETIME (0 when the file system does not keep it).
fn ft(t: io::Result<SystemTime>) -> u64 {
    match t {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => unix_to_filetime(d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => unix_to_filetime(-(e.duration().as_secs() as i64), 0),
        },
        Err(_) => 0,
    }
}

/// A FILETIME as a system time.
pub(super) fn systime(filetime: u64) -> SystemTime {
    let (secs, nanos) = filetime_to_unix(filetime);
    if secs >= 0 {
        UNIX_EPOCH + Duration::new(secs as u64, nanos)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// FileInfo from std metadata.
pub(super) fn info(name: &str, m: &std::fs::Metadata) -> FileInfo {
    info_of(
        name,
        &Meta {
            is_dir: m.is_dir(),
            len: m.len(),
            mode: m.mode(),
            blocks: m.blocks(),
            ctime: (m.ctime(), m.ctime_nsec()),
            created: m.created().ok(),
            accessed: m.accessed().ok(),
            modified: m.modified().ok(),
            dev: m.dev(),
            ino: m.ino(),
            nlink: m.nlink(),
        },
    )
}

/// [`info`] from cap-std's metadata (a `stat` through a directory handle).
pub(super) fn cap_info(name: &str, m: &cap_std::fs::Metadata) -> FileInfo {
    use cap_std::fs::MetadataExt as _;
    let std_time = |t: io::Result<cap_std::time::SystemTime>| t.ok().map(|t| t.into_std());
    info_of(
        name,
        &Meta {
            is_dir: m.is_dir(),
            len: m.len(),
            mode: m.mode(),
            blocks: m.blocks(),
            ctime: (m.ctime(), m.ctime_nsec()),
            created: std_time(m.created()),
            accessed: std_time(m.accessed()),
            modified: std_time(m.modified()),
            dev: m.dev(),
            ino: m.ino(),
            nlink: m.nlink(),
        },
    )
}

/// What [`info_of`] needs from a file's metadata, whichever API it came from.
struct Meta {
    is_dir: bool,
    len: u64,
    mode: u32,
    blocks: u64,
    ctime: (i64, i64),
    created: Option<SystemTime>,
    accessed: Option<SystemTime>,
    modified: Option<SystemTime>,
    dev: u64,
    ino: u64,
    nlink: u64,
}

fn info_of(name: &str, m: &Meta) -> FileInfo {
    let is_dir = m.is_dir;
    let mut attributes = if is_dir {
        ext_attr::DIRECTORY
    } else {
        ext_attr::ARCHIVE
    };
    if !is_dir {
        if m.mode & 0o200 == 0 {
            attributes |= ext_attr::READONLY;
        }
        attributes |= mode_to_hidden_system(m.mode);
    }
    let ctime = unix_to_filetime(m.ctime.0, m.ctime.1.clamp(0, 999_999_999) as u32);
    let time = |t: Option<SystemTime>| ft(t.ok_or(io::ErrorKind::Unsupported.into()));
    let modified = time(m.modified);
    FileInfo {
        name: name.into(),
        is_dir,
        size: if is_dir { 0 } else { m.len },
        allocation_size: m.blocks * 512,
        created: m.created.map_or(ctime.min(modified), |t| time(Some(t))),
        accessed: time(m.accessed),
        written: modified,
        changed: ctime,
        attributes,
        file_id: (m.dev << 40) ^ m.ino,
        links: m.nlink as u32,
    }
}

/// HIDDEN and SYSTEM live in execute bits, as Samba's `map hidden` and `map system` do,
/// but only in combinations that ordinary files do not have: HIDDEN is "others may
/// execute, the owner may not" and SYSTEM is "the group may execute, the owner may not".
fn mode_to_hidden_system(mode: u32) -> u32 {
    let mut a = 0;
    if mode & 0o100 == 0 {
        if mode & 0o001 != 0 {
            a |= ext_attr::HIDDEN;
        }
        if mode & 0o010 != 0 {
            a |= ext_attr::SYSTEM;
        }
    }
    a
}

/// The mode after setting the DOS attributes `a` (READONLY, HIDDEN, SYSTEM) on a file.
pub(super) fn mode_with_attributes(mode: u32, a: u32) -> u32 {
    let mut mode = mode;
    if a & ext_attr::READONLY != 0 {
        mode &= !0o222;
    } else {
        mode |= 0o200;
    }
    if a & (ext_attr::HIDDEN | ext_attr::SYSTEM) != 0 {
        mode &= !0o100;
    }
    mode = if a & ext_attr::HIDDEN != 0 {
        mode | 0o001
    } else {
        mode & !0o001
    };
    mode = if a & ext_attr::SYSTEM != 0 {
        mode | 0o010
    } else {
        mode & !0o010
    };
    mode
}

/// The last component of a share-relative path (empty for the root).
pub(super) fn name_of(rel: &Path) -> String {
    rel.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{SHARE, TestShare, sp};
    use smb_proto::server::fs::{FileSystem, SetInfo, Target};
    use std::fs::{FileTimes, Permissions};
    use std::os::unix::fs::PermissionsExt;

    /// A FILETIME computed here, independently of the code under test: 100 ns units
    /// since 1601-01-01 (11,644,473,600 s before the Unix epoch).
    fn filetime(secs: u64, nanos: u64) -> u64 {
        (secs + 11_644_473_600) * 10_000_000 + nanos / 100
    }

    #[test]
    fn file_metadata_maps_to_file_info() {
        let t = TestShare::new("meta");
        let p = t.put("dir/data.bin", &[7u8; 1234]);
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        let at = |secs, nanos| UNIX_EPOCH + Duration::new(secs, nanos);
        f.set_times(
            FileTimes::new()
                .set_accessed(at(1_500_000_000, 250_000_000))
                .set_modified(at(1_600_000_000, 123_456_700)),
        )
        .unwrap();
        std::fs::set_permissions(&p, Permissions::from_mode(0o644)).unwrap();
        let m = std::fs::metadata(&p).unwrap();

        let i = t.stat("DIR\\Data.bin").unwrap();
        assert_eq!(i.name, "data.bin");
        assert!(!i.is_dir);
        assert_eq!(i.size, 1234);
        assert_eq!(i.allocation_size, m.blocks() * 512);
        assert_eq!(i.attributes, ext_attr::ARCHIVE);
        assert_eq!(i.written, filetime(1_600_000_000, 123_456_700));
        assert_eq!(i.accessed, filetime(1_500_000_000, 250_000_000));
        assert_eq!(i.changed, filetime(m.ctime() as u64, m.ctime_nsec() as u64));
        assert_eq!(i.file_id, (m.dev() << 40) ^ m.ino());
        assert_eq!(i.links, 1);
        // The same through a handle, and in a listing (a stat through the folder handle).
        let h = t.open_read("dir\\data.bin");
        assert_eq!(t.fs.stat(SHARE, &Target::Handle(h)).unwrap(), i);
        t.fs.close(h, None).unwrap();
        assert_eq!(t.fs.read_dir(SHARE, &sp("dir")).unwrap(), [i]);

        // No owner-write bit: read-only.
        std::fs::set_permissions(&p, Permissions::from_mode(0o444)).unwrap();
        let i = t.stat("dir\\data.bin").unwrap();
        assert_eq!(i.attributes, ext_attr::ARCHIVE | ext_attr::READONLY);
        std::fs::set_permissions(&p, Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            t.stat("dir\\data.bin").unwrap().attributes,
            ext_attr::ARCHIVE
        );
    }

    #[test]
    fn a_folder_is_a_directory_of_size_zero() {
        let t = TestShare::new("meta-dir");
        t.put("Folder/a.txt", b"abc");
        let m = std::fs::metadata(t.local("Folder")).unwrap();
        let i = t.stat("folder").unwrap();
        assert_eq!((i.name.as_str(), i.is_dir, i.size), ("Folder", true, 0));
        assert_eq!(i.attributes, ext_attr::DIRECTORY);
        assert_eq!(i.file_id, (m.dev() << 40) ^ m.ino());
        let modified = m.modified().unwrap().duration_since(UNIX_EPOCH).unwrap();
        let want = filetime(modified.as_secs(), modified.subsec_nanos() as u64);
        assert_eq!(i.written, want);
        // The share root itself: a directory with an empty name.
        let root = t.stat("").unwrap();
        assert_eq!((root.name.as_str(), root.is_dir), ("", true));
    }

    #[test]
    fn dos_attributes_set_by_a_client_come_back() {
        let t = TestShare::new("meta-attr");
        let p = t.put("f.txt", b"x");
        std::fs::set_permissions(&p, Permissions::from_mode(0o644)).unwrap();
        let target = Target::Path(sp("F.TXT"));
        for a in [
            ext_attr::READONLY,
            ext_attr::HIDDEN,
            ext_attr::SYSTEM,
            ext_attr::READONLY | ext_attr::HIDDEN | ext_attr::SYSTEM,
            0,
        ] {
            let set = SetInfo {
                attributes: Some(a | ext_attr::ARCHIVE),
                ..Default::default()
            };
            t.fs.set_info(SHARE, &target, &set).unwrap();
            let i = t.stat("f.txt").unwrap();
            assert_eq!(i.attributes, ext_attr::ARCHIVE | a, "attributes {a:#x}");
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o200 == 0,
                a & ext_attr::READONLY != 0,
                "mode {mode:o}"
            );
        }
        // Attributes without ARCHIVE clear it (kept beside the file, not in the mode).
        let set = SetInfo {
            attributes: Some(ext_attr::READONLY),
            ..Default::default()
        };
        t.fs.set_info(SHARE, &target, &set).unwrap();
        assert_eq!(t.stat("f.txt").unwrap().attributes, ext_attr::READONLY);
        let set = SetInfo {
            attributes: Some(ext_attr::ARCHIVE),
            ..Default::default()
        };
        t.fs.set_info(SHARE, &target, &set).unwrap();
        // An ordinary executable (owner-execute set) is neither hidden nor system.
        std::fs::set_permissions(&p, Permissions::from_mode(0o755)).unwrap();
        assert_eq!(t.stat("f.txt").unwrap().attributes, ext_attr::ARCHIVE);
    }
}
