//! Reaching names inside a share: case-insensitive resolution, and the rule that no
//! symbolic link leads out of the share.
//!
//! Every access goes through the [`Dir`] opened on the share root, which cap-std never
//! lets a path or a link leave (see the [module documentation](super)).
//!
//! Names are looked up case-insensitively, as SMB clients expect: when a component does
//! not exist with the exact case, a unique match differing only in case is used, and the
//! path as stored is what the rest of the backend works with.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use cap_std::fs::{Dir, OpenOptions};
use smb_proto::server::fs::SharePath;
use smb_proto::server::path::fold_case;
use smb_proto::wire::NtStatus;

use super::status::st;

/// One shared folder.
#[derive(Debug)]
pub(super) struct Share {
    pub(super) root: PathBuf,
    /// The root, opened: every look-up goes through it.
    pub(super) dir: Dir,
    pub(super) read_only: bool,
    /// When written data must be on the disk.
    pub(super) durability: super::Durability,
}

/// `rel` as a path under a share's directory handle (`.` for the root itself).
pub(super) fn here(rel: &Path) -> &Path {
    if rel.as_os_str().is_empty() {
        Path::new(".")
    } else {
        rel
    }
}

/// Opens `p` under `dir` for reading: a file, or else (a directory, or a file we may not
/// read) as a directory handle; `true` with a file. Follows links that stay inside `dir`
/// and refuses the others. Fails with the error of the open as a file.
pub(super) fn open_either(dir: &Dir, p: &Path) -> io::Result<(File, bool)> {
    match dir.open_with(p, OpenOptions::new().read(true)) {
        Ok(f) => Ok((f.into_std(), true)),
        Err(e) => match dir.open_dir(p) {
            Ok(d) => Ok((d.into_std_file(), false)),
            Err(_) => Err(e),
        },
    }
}

impl Share {
    /// Opens the folder `root`.
    pub(super) fn open(root: &Path, read_only: bool) -> io::Result<Self> {
        Ok(Self {
            root: root.to_path_buf(),
            dir: Dir::open_ambient_dir(root, cap_std::ambient_authority())?,
            read_only,
            durability: super::Durability::default(),
        })
    }

    /// Resolves a share path case-insensitively. Every component but the last must exist
    /// (else OBJECT_PATH_NOT_FOUND); returns the path and whether the last exists.
    pub(super) fn resolve(&self, path: &SharePath) -> Result<(PathBuf, bool), NtStatus> {
        let comps: Vec<&str> = path.components().collect();
        // The usual case first: the name exists as spelled (one lookup, not one per
        // component).
        if comps.len() > 1 {
            let exact: PathBuf = comps.iter().collect();
            match self.dir.symlink_metadata(&exact) {
                Ok(_) => return Ok((exact, true)),
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(st(e)),
                Err(_) => {}
            }
        }
        let mut rel = PathBuf::new();
        for (i, c) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let exact = rel.join(c);
            match self.dir.symlink_metadata(&exact) {
                Ok(_) => {
                    rel = exact;
                    continue;
                }
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(st(e)),
                Err(_) => {}
            }
            let want = fold_case(c);
            let mut found = None;
            if let Ok(rd) = self.dir.read_dir(here(&rel)) {
                for e in rd.flatten() {
                    let n = e.file_name();
                    if let Some(n) = n.to_str()
                        && fold_case(n) == want
                    {
                        found = Some(n.to_string());
                        break;
                    }
                }
            }
            match found {
                Some(n) => rel.push(n),
                None if last => return Ok((exact, false)),
                None => return Err(NtStatus::OBJECT_PATH_NOT_FOUND),
            }
        }
        Ok((rel, true))
    }

    /// [`Share::resolve`] for a path that must exist (else OBJECT_NAME_NOT_FOUND).
    pub(super) fn existing(&self, path: &SharePath) -> Result<PathBuf, NtStatus> {
        match self.resolve(path)? {
            (rel, true) => Ok(rel),
            (_, false) => Err(NtStatus::OBJECT_NAME_NOT_FOUND),
        }
    }

    /// The metadata of an existing path (links followed while they stay inside).
    pub(super) fn meta(&self, rel: &Path) -> Result<std::fs::Metadata, NtStatus> {
        self.meta_open(rel).map(|(m, _)| m)
    }

    /// The metadata of an existing path, and the file opened for reading when it is a
    /// file we may read (an open for reading can use it instead of opening again).
    pub(super) fn meta_open(
        &self,
        rel: &Path,
    ) -> Result<(std::fs::Metadata, Option<File>), NtStatus> {
        if rel.as_os_str().is_empty() {
            return std::fs::metadata(&self.root).map(|m| (m, None)).map_err(st);
        }
        // Follows links that stay in the share; refuses the others. Directories (and
        // files we may not read) are reached as directory handles.
        let (f, is_file) = open_either(&self.dir, rel).map_err(st)?;
        let m = f.metadata().map_err(st)?;
        Ok((m, is_file.then_some(f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{SHARE, TestShare, sp, symlink};
    use smb_proto::server::fs::{CreateAction, Disposition, FileSystem, Kind, Target};

    fn resolved(t: &TestShare, path: &str) -> Result<(PathBuf, bool), NtStatus> {
        t.fs.share(SHARE)?.resolve(&sp(path))
    }

    #[test]
    fn names_resolve_exactly_or_under_another_case_to_the_stored_name() {
        let t = TestShare::new("case");
        t.put("Dir/Sub/File.txt", b"stored as File.txt");
        t.put("Top.TXT", b"top");
        let stored = (PathBuf::from("Dir/Sub/File.txt"), true);
        // The exact name, several components.
        assert_eq!(resolved(&t, "Dir\\Sub\\File.txt"), Ok(stored.clone()));
        // Another case in every component, and in one only.
        assert_eq!(resolved(&t, "\\DIR\\sub\\fILE.TXT"), Ok(stored.clone()));
        assert_eq!(resolved(&t, "Dir/Sub/file.txt"), Ok(stored.clone()));
        // One component.
        assert_eq!(
            resolved(&t, "top.txt"),
            Ok((PathBuf::from("Top.TXT"), true))
        );
        // A new last component keeps its spelling under the folders as stored.
        assert_eq!(
            resolved(&t, "dir\\SUB\\New.txt"),
            Ok((PathBuf::from("Dir/Sub/New.txt"), false))
        );
        // A missing folder on the way.
        assert_eq!(
            resolved(&t, "dir\\nope\\File.txt"),
            Err(NtStatus::OBJECT_PATH_NOT_FOUND)
        );
        assert_eq!(resolved(&t, ""), Ok((PathBuf::new(), true)));
    }

    #[test]
    fn the_trait_reports_and_opens_the_name_as_stored() {
        let t = TestShare::new("case-trait");
        t.put("Dir/Sub/File.txt", b"the bytes of File.txt");
        let info = t.stat("dir\\SUB\\FILE.txt").unwrap();
        assert_eq!((info.name.as_str(), info.size), ("File.txt", 21));
        assert_eq!(
            t.read_all("DIR/sub/file.TXT").unwrap(),
            b"the bytes of File.txt"
        );
        let (h, info, action) = t
            .open("dir\\sub\\file.txt", Disposition::OpenIf, true)
            .unwrap();
        assert_eq!(
            (info.name.as_str(), action),
            ("File.txt", CreateAction::Opened)
        );
        t.fs.close(h, None).unwrap();
        // Creating it under another case finds the one that is there.
        assert_eq!(
            t.open("DIR\\SUB\\FILE.TXT", Disposition::Create, true)
                .err(),
            Some(NtStatus::OBJECT_NAME_COLLISION)
        );
        let names: Vec<String> =
            t.fs.read_dir(SHARE, &sp("dIr\\sUb"))
                .unwrap()
                .into_iter()
                .map(|i| i.name)
                .collect();
        assert_eq!(names, ["File.txt"]);
        assert_eq!(
            t.stat("Dir\\Sub\\Gone.txt").err(),
            Some(NtStatus::OBJECT_NAME_NOT_FOUND)
        );
        assert_eq!(
            t.stat("Dir\\Gone\\File.txt").err(),
            Some(NtStatus::OBJECT_PATH_NOT_FOUND)
        );
        // Only the case changes: the file is renamed to the new spelling.
        t.fs.rename(
            SHARE,
            &sp("dir\\sub\\file.txt"),
            &sp("Dir\\Sub\\FILE.txt"),
            false,
        )
        .unwrap();
        assert_eq!(t.stat("dir\\sub\\file.txt").unwrap().name, "FILE.txt");
    }

    /// The statuses the [`FileSystem`] contract allows for a link that leads out.
    fn refused(r: Result<impl std::fmt::Debug, NtStatus>) -> bool {
        matches!(
            r,
            Err(NtStatus::ACCESS_DENIED) | Err(NtStatus::OBJECT_NAME_NOT_FOUND)
        )
    }

    #[test]
    fn links_out_of_the_share_are_refused_and_links_inside_work() {
        let t = TestShare::new("links");
        let secret = t.outside().join("secret.txt");
        std::fs::write(&secret, b"not for clients").unwrap();
        t.put("inside.txt", b"inside");
        t.put("sub/deep.txt", b"deep");
        symlink("inside.txt", t.local("in_file"));
        symlink("sub", t.local("in_dir"));
        symlink("../outside/secret.txt", t.local("out_file"));
        symlink("../outside", t.local("out_dir"));
        symlink(&secret, t.local("abs_file"));
        symlink(t.outside(), t.local("abs_dir"));

        for name in ["out_file", "abs_file"] {
            assert!(refused(t.stat(name)), "{name}: {:?}", t.stat(name));
            assert!(refused(t.open(name, Disposition::Open, false)), "{name}");
            assert!(
                refused(t.open(name, Disposition::OverwriteIf, true)),
                "{name}"
            );
            let target = Target::Path(sp(name));
            let size = smb_proto::server::fs::SetInfo {
                size: Some(0),
                ..Default::default()
            };
            assert!(refused(t.fs.set_info(SHARE, &target, &size)), "{name}");
        }
        for name in ["out_dir", "abs_dir"] {
            let inner = format!("{name}\\secret.txt");
            assert!(refused(t.stat(name)), "{name}: {:?}", t.stat(name));
            assert!(refused(t.stat(&inner)), "{inner}: {:?}", t.stat(&inner));
            assert!(refused(t.open(&inner, Disposition::Open, false)), "{inner}");
            assert!(refused(t.open(
                &format!("{name}\\new.txt"),
                Disposition::Create,
                true
            )));
            assert!(refused(t.fs.read_dir(SHARE, &sp(name))), "{name}");
            assert!(refused(t.open_kind(
                name,
                Disposition::Open,
                false,
                Kind::Directory
            )));
        }
        assert_eq!(std::fs::read(&secret).unwrap(), b"not for clients");
        assert_eq!(std::fs::read_dir(t.outside()).unwrap().count(), 1);

        // Links that stay inside work, under the link's own name.
        let info = t.stat("in_file").unwrap();
        assert_eq!(
            (info.name.as_str(), info.size, info.is_dir),
            ("in_file", 6, false)
        );
        assert_eq!(t.read_all("IN_FILE").unwrap(), b"inside");
        assert!(t.stat("in_dir").unwrap().is_dir);
        assert_eq!(t.read_all("in_dir\\deep.txt").unwrap(), b"deep");
        // A listing shows the links inside and leaves out those that lead out.
        let mut names: Vec<String> =
            t.fs.read_dir(SHARE, &sp(""))
                .unwrap()
                .into_iter()
                .map(|i| i.name)
                .collect();
        names.sort();
        assert_eq!(names, ["in_dir", "in_file", "inside.txt", "sub"]);
    }
}
