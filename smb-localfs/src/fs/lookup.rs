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
