//! Fixtures of the unit tests: a [`LocalFs`] on a temporary folder, driven through the
//! [`FileSystem`] trait, and a socket pair to send file ranges over.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use smb_proto::server::fs::{
    CreateAction, Disposition, FileInfo, FileSystem, Handle, Kind, LaterRead, OpenCall, ShareId,
    SharePath, Target,
};
use smb_proto::wire::NtStatus;
use smb_testkit::TempDir;

use crate::LocalFs;

/// `n` bytes that differ from their neighbours and do not repeat with a short period.
pub(crate) fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// A share path as a client would send it.
pub(crate) fn sp(raw: &str) -> SharePath {
    SharePath::parse(raw).unwrap()
}

/// A writable share on a temporary folder `share/`, beside a folder `outside/` that is not
/// part of it (for links that lead out).
pub(crate) struct TestShare {
    tmp: TempDir,
    pub(crate) fs: LocalFs,
}

/// The only share of a [`TestShare`].
pub(crate) const SHARE: ShareId = ShareId(0);

impl TestShare {
    pub(crate) fn new(tag: &str) -> Self {
        let tmp = TempDir::new(&format!("localfs-{tag}"));
        std::fs::create_dir(tmp.path().join("share")).unwrap();
        std::fs::create_dir(tmp.path().join("outside")).unwrap();
        let fs = LocalFs::new(&[(tmp.path().join("share"), false)]).unwrap();
        Self { tmp, fs }
    }

    /// Where `rel` is on the local disk, inside the share.
    pub(crate) fn local(&self, rel: &str) -> PathBuf {
        self.tmp.path().join("share").join(rel)
    }

    /// The folder beside the share.
    pub(crate) fn outside(&self) -> PathBuf {
        self.tmp.path().join("outside")
    }

    /// Creates the file `rel` (and its folders) on the local disk, holding `data`.
    pub(crate) fn put(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.local(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, data).unwrap();
        p
    }

    /// Opens `path` as a file through the trait.
    pub(crate) fn open(
        &self,
        path: &str,
        disposition: Disposition,
        write: bool,
    ) -> Result<(Handle, FileInfo, CreateAction), NtStatus> {
        self.open_kind(path, disposition, write, Kind::Any)
    }

    /// Opens `path` through the trait, asking for a file, a folder or either.
    pub(crate) fn open_kind(
        &self,
        path: &str,
        disposition: Disposition,
        write: bool,
        kind: Kind,
    ) -> Result<(Handle, FileInfo, CreateAction), NtStatus> {
        let call = OpenCall {
            path: sp(path),
            disposition,
            kind,
            read: true,
            write,
            create_attributes: 0,
            allocation_size: 0,
        };
        self.fs.open(SHARE, &call)
    }

    /// Opens an existing `path` to read and returns its handle.
    pub(crate) fn open_read(&self, path: &str) -> Handle {
        self.open(path, Disposition::Open, false).unwrap().0
    }

    /// Information about `path`, through the trait.
    pub(crate) fn stat(&self, path: &str) -> Result<FileInfo, NtStatus> {
        self.fs.stat(SHARE, &Target::Path(sp(path)))
    }

    /// The whole content of the file `path`, opened, read and closed through the trait.
    pub(crate) fn read_all(&self, path: &str) -> Result<Vec<u8>, NtStatus> {
        let (h, info, _) = self.open(path, Disposition::Open, false)?;
        let data = self.fs.read(h, 0, info.size as u32);
        self.fs.close(h, None)?;
        Ok(data?.to_vec())
    }
}

/// Creates a symbolic link at `link` pointing to `to`.
pub(crate) fn symlink(to: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(to, link).unwrap();
}

/// A connected pair over loopback: (sending side, receiving side).
pub(crate) fn socket_pair() -> (TcpStream, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let rx = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (tx, _) = l.accept().unwrap();
    (tx, rx)
}

/// Reads exactly `len` bytes from `rx` on a thread of its own.
pub(crate) fn receive(mut rx: TcpStream, len: u32) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut got = vec![0u8; len as usize];
        rx.read_exact(&mut got).unwrap();
        got
    })
}

/// What arrives at the other end of a socket when [`write_later`](crate::later::write_later)
/// sends `later` (over a blocking or a non-blocking socket).
pub(crate) fn send_later(later: LaterRead<crate::FileRange>, nonblocking: bool) -> Vec<u8> {
    let (tx, rx) = socket_pair();
    tx.set_nonblocking(nonblocking).unwrap();
    let reader = receive(rx, later.len);
    crate::later::write_later(tx.as_fd(), later).unwrap();
    reader.join().unwrap()
}
