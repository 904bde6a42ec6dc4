//! One synchronous face over the three adapters, so each scenario runs on all of them.
#![allow(dead_code)]

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use smb_proto::auth::{AuthMethod, Credentials};
use smb_proto::client::{
    ClientConfig, FileStat, OpenOptions, SessionInfo, SigningPolicy, SmbError, TreeId,
};

/// The adapters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    Blocking,
    Tokio,
    Smol,
}

pub const ADAPTERS: [Adapter; 3] = [Adapter::Blocking, Adapter::Tokio, Adapter::Smol];

/// Every `--auth` variant and anonymous (`None`).
pub const AUTHS: [(&str, Option<AuthMethod>); 6] = [
    ("ntlmssp", Some(AuthMethod::Ntlmssp)),
    ("ntlmssp-v1", Some(AuthMethod::NtlmsspV1)),
    ("ntlmv2", Some(AuthMethod::Ntlmv2)),
    ("ntlm", Some(AuthMethod::Ntlm)),
    ("lm", Some(AuthMethod::Lm)),
    ("anonymous", None),
];

pub fn config(auth: Option<AuthMethod>, password: &str, signing: bool) -> ClientConfig {
    ClientConfig {
        credentials: auth.map(|_| Credentials::new(smb_testkit::USER, "", password)),
        auth: auth.unwrap_or_default(),
        signing: if signing {
            SigningPolicy::Required
        } else {
            SigningPolicy::IfRequired
        },
        request_timeout: Duration::from_secs(60),
        ..Default::default()
    }
}

pub trait Session {
    fn info(&self) -> SessionInfo;
    fn tree(&mut self, share: &str) -> Result<TreeId, SmbError>;
    fn list(&mut self, t: TreeId, path: &str) -> Result<Vec<FileStat>, SmbError>;
    fn get(&mut self, t: TreeId, path: &str) -> Result<Vec<u8>, SmbError>;
    /// Downloads into a local file (the async adapters' `download_to_file`); returns the
    /// bytes copied.
    fn get_to_file(&mut self, t: TreeId, path: &str, f: std::fs::File) -> Result<u64, SmbError> {
        use std::io::Write;
        let v = self.get(t, path)?;
        (&f).write_all(&v)
            .map_err(|_| SmbError::Usage("local write"))?;
        Ok(v.len() as u64)
    }
    fn put(&mut self, t: TreeId, path: &str, data: &[u8]) -> Result<u64, SmbError>;
    /// Opens, seeks to `off` and reads `len` bytes through the adapter's file type.
    fn read_at(&mut self, t: TreeId, path: &str, off: u64, len: usize) -> Result<Vec<u8>, String>;
    fn mkdir(&mut self, t: TreeId, path: &str) -> Result<(), SmbError>;
    fn rename(&mut self, t: TreeId, from: &str, to: &str) -> Result<(), SmbError>;
    fn delete(&mut self, t: TreeId, path: &str) -> Result<(), SmbError>;
    fn rmdir(&mut self, t: TreeId, path: &str) -> Result<(), SmbError>;
    fn stat(&mut self, t: TreeId, path: &str) -> Result<FileStat, SmbError>;
    fn logoff(&mut self) -> Result<(), SmbError>;
}

pub fn connect(a: Adapter, port: u16, cfg: ClientConfig) -> Result<Box<dyn Session>, SmbError> {
    let addr = ("127.0.0.1", port);
    let t = Duration::from_secs(5);
    Ok(match a {
        Adapter::Blocking => Box::new(smb_blocking::client::Client::connect(
            addr,
            cfg,
            &smb_blocking::client::ConnectOptions { connect_timeout: t },
        )?),
        Adapter::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let c = rt.block_on(smb_tokio::Client::connect(addr, cfg, t))?;
            Box::new(TokioSession { rt, c })
        }
        Adapter::Smol => {
            // Driven by async-std's executor, to prove the adapter is executor-agnostic.
            let c = async_std::task::block_on(smb_smol::Client::connect(addr, cfg, t))?;
            Box::new(SmolSession { c })
        }
    })
}

impl Session for smb_blocking::client::Client {
    fn info(&self) -> SessionInfo {
        self.session.clone()
    }
    fn tree(&mut self, share: &str) -> Result<TreeId, SmbError> {
        self.tree_connect(share)
    }
    fn list(&mut self, t: TreeId, path: &str) -> Result<Vec<FileStat>, SmbError> {
        smb_blocking::client::Client::list(self, t, path)
    }
    fn get(&mut self, t: TreeId, path: &str) -> Result<Vec<u8>, SmbError> {
        let mut v = Vec::new();
        self.download(t, path, &mut v, &mut |_| {})?;
        Ok(v)
    }
    fn put(&mut self, t: TreeId, path: &str, data: &[u8]) -> Result<u64, SmbError> {
        self.upload(t, path, &mut &data[..], &mut |_| {})
    }
    fn read_at(&mut self, t: TreeId, path: &str, off: u64, len: usize) -> Result<Vec<u8>, String> {
        let mut f = self
            .open_file(t, path, OpenOptions::read())
            .map_err(|e| e.to_string())?;
        f.seek(SeekFrom::Start(off)).map_err(|e| e.to_string())?;
        let mut v = vec![0u8; len];
        f.read_exact(&mut v).map_err(|e| e.to_string())?;
        f.close().map_err(|e| e.to_string())?;
        Ok(v)
    }
    fn mkdir(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        smb_blocking::client::Client::mkdir(self, t, path)
    }
    fn rename(&mut self, t: TreeId, from: &str, to: &str) -> Result<(), SmbError> {
        smb_blocking::client::Client::rename(self, t, from, to)
    }
    fn delete(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        smb_blocking::client::Client::delete(self, t, path)
    }
    fn rmdir(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        smb_blocking::client::Client::rmdir(self, t, path)
    }
    fn stat(&mut self, t: TreeId, path: &str) -> Result<FileStat, SmbError> {
        smb_blocking::client::Client::stat(self, t, path)
    }
    fn logoff(&mut self) -> Result<(), SmbError> {
        smb_blocking::client::Client::logoff(self)
    }
}

struct TokioSession {
    rt: tokio::runtime::Runtime,
    c: smb_tokio::Client,
}

impl Session for TokioSession {
    fn info(&self) -> SessionInfo {
        self.c.session.clone()
    }
    fn tree(&mut self, share: &str) -> Result<TreeId, SmbError> {
        self.rt.block_on(self.c.tree_connect(share))
    }
    fn list(&mut self, t: TreeId, path: &str) -> Result<Vec<FileStat>, SmbError> {
        self.rt.block_on(self.c.list(t, path))
    }
    fn get(&mut self, t: TreeId, path: &str) -> Result<Vec<u8>, SmbError> {
        let mut v = Vec::new();
        self.rt.block_on(self.c.download(t, path, &mut v, |_| {}))?;
        Ok(v)
    }
    fn get_to_file(&mut self, t: TreeId, path: &str, f: std::fs::File) -> Result<u64, SmbError> {
        self.rt
            .block_on(self.c.download_to_file(t, path, f, |_| {}))
    }
    fn put(&mut self, t: TreeId, path: &str, data: &[u8]) -> Result<u64, SmbError> {
        self.rt
            .block_on(self.c.upload(t, path, &mut &data[..], |_| {}))
    }
    fn read_at(&mut self, t: TreeId, path: &str, off: u64, len: usize) -> Result<Vec<u8>, String> {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        self.rt.block_on(async {
            let mut f = self
                .c
                .open_file(t, path, OpenOptions::read())
                .await
                .map_err(|e| e.to_string())?;
            f.seek(SeekFrom::Start(off))
                .await
                .map_err(|e| e.to_string())?;
            let mut v = vec![0u8; len];
            f.read_exact(&mut v).await.map_err(|e| e.to_string())?;
            f.close().await.map_err(|e| e.to_string())?;
            Ok(v)
        })
    }
    fn mkdir(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        self.rt.block_on(self.c.mkdir(t, path))
    }
    fn rename(&mut self, t: TreeId, from: &str, to: &str) -> Result<(), SmbError> {
        self.rt.block_on(self.c.rename(t, from, to))
    }
    fn delete(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        self.rt.block_on(self.c.delete(t, path))
    }
    fn rmdir(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        self.rt.block_on(self.c.rmdir(t, path))
    }
    fn stat(&mut self, t: TreeId, path: &str) -> Result<FileStat, SmbError> {
        self.rt.block_on(self.c.stat(t, path))
    }
    fn logoff(&mut self) -> Result<(), SmbError> {
        self.rt.block_on(self.c.logoff())
    }
}

struct SmolSession {
    c: smb_smol::Client,
}

fn on<T>(f: impl std::future::Future<Output = T>) -> T {
    async_std::task::block_on(f)
}

impl Session for SmolSession {
    fn info(&self) -> SessionInfo {
        self.c.session.clone()
    }
    fn tree(&mut self, share: &str) -> Result<TreeId, SmbError> {
        on(self.c.tree_connect(share))
    }
    fn list(&mut self, t: TreeId, path: &str) -> Result<Vec<FileStat>, SmbError> {
        on(self.c.list(t, path))
    }
    fn get(&mut self, t: TreeId, path: &str) -> Result<Vec<u8>, SmbError> {
        let mut v = Vec::new();
        on(self.c.download(t, path, &mut v, |_| {}))?;
        Ok(v)
    }
    fn get_to_file(&mut self, t: TreeId, path: &str, f: std::fs::File) -> Result<u64, SmbError> {
        on(self.c.download_to_file(t, path, f, |_| {}))
    }
    fn put(&mut self, t: TreeId, path: &str, data: &[u8]) -> Result<u64, SmbError> {
        on(self.c.upload(t, path, &mut &data[..], |_| {}))
    }
    fn read_at(&mut self, t: TreeId, path: &str, off: u64, len: usize) -> Result<Vec<u8>, String> {
        use futures_lite::io::{AsyncReadExt, AsyncSeekExt};
        on(async {
            let mut f = self
                .c
                .open_file(t, path, OpenOptions::read())
                .await
                .map_err(|e| e.to_string())?;
            f.seek(SeekFrom::Start(off))
                .await
                .map_err(|e| e.to_string())?;
            let mut v = vec![0u8; len];
            f.read_exact(&mut v).await.map_err(|e| e.to_string())?;
            f.close().await.map_err(|e| e.to_string())?;
            Ok(v)
        })
    }
    fn mkdir(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        on(self.c.mkdir(t, path))
    }
    fn rename(&mut self, t: TreeId, from: &str, to: &str) -> Result<(), SmbError> {
        on(self.c.rename(t, from, to))
    }
    fn delete(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        on(self.c.delete(t, path))
    }
    fn rmdir(&mut self, t: TreeId, path: &str) -> Result<(), SmbError> {
        on(self.c.rmdir(t, path))
    }
    fn stat(&mut self, t: TreeId, path: &str) -> Result<FileStat, SmbError> {
        on(self.c.stat(t, path))
    }
    fn logoff(&mut self) -> Result<(), SmbError> {
        on(self.c.logoff())
    }
}

/// Names in a listing, without `.` and `..`.
pub fn names(v: &[FileStat]) -> Vec<String> {
    let mut n: Vec<String> = v
        .iter()
        .filter(|s| s.name != "." && s.name != "..")
        .map(|s| s.name.clone())
        .collect();
    n.sort();
    n
}

/// Fills `dir/many` with `n` small files and writes `dir/big.bin` of `big` bytes; returns
/// the big file's content.
pub fn populate(dir: &std::path::Path, n: usize, big: usize) -> Vec<u8> {
    std::fs::create_dir_all(dir.join("many")).unwrap();
    for i in 0..n {
        std::fs::write(
            dir.join("many").join(format!("file-{i:04}.txt")),
            format!("file {i}\n"),
        )
        .unwrap();
    }
    let data = smb_testkit::pattern(big, 7);
    std::fs::write(dir.join("big.bin"), &data).unwrap();
    data
}

/// The whole scenario of the client issue on one connection: list 300, get, put.
pub fn list_get_put(s: &mut dyn Session, share_dir: &std::path::Path, big: &[u8], tag: &str) {
    let t = s
        .tree("share")
        .unwrap_or_else(|e| panic!("{tag}: tree connect: {e}"));
    let l = s
        .list(t, "many")
        .unwrap_or_else(|e| panic!("{tag}: list: {e}"));
    let n = names(&l);
    assert_eq!(n.len(), 300, "{tag}: listing");
    assert_eq!(n[0], "file-0000.txt");
    assert_eq!(n[299], "file-0299.txt");
    let got = s
        .get(t, "big.bin")
        .unwrap_or_else(|e| panic!("{tag}: get: {e}"));
    assert_eq!(got.len(), big.len(), "{tag}: size");
    assert_eq!(
        smb_testkit::checksum(&got),
        smb_testkit::checksum(big),
        "{tag}: checksum"
    );
    let local = smb_testkit::TempDir::new("get-to-file");
    let path = local.path().join("big.bin");
    let n = s
        .get_to_file(t, "big.bin", std::fs::File::create(&path).unwrap())
        .unwrap_or_else(|e| panic!("{tag}: get to file: {e}"));
    assert_eq!(n, big.len() as u64, "{tag}: size to file");
    assert!(
        std::fs::read(&path).unwrap() == big,
        "{tag}: the file written by get_to_file differs"
    );
    let up = smb_testkit::pattern(3 * 1024 * 1024 + 17, tag.len() as u64);
    let name = format!("up-{tag}.bin");
    assert_eq!(
        s.put(t, &name, &up)
            .unwrap_or_else(|e| panic!("{tag}: put: {e}")),
        up.len() as u64
    );
    let on_disk = std::fs::read(share_dir.join(&name)).unwrap();
    assert!(
        on_disk == up,
        "{tag}: the uploaded file differs on the server's disk"
    );
    s.logoff().unwrap_or_else(|e| panic!("{tag}: logoff: {e}"));
}

/// Every file and folder under `root`: relative path (folders end in `/`), size and
/// checksum, sorted.
pub fn tree_of(root: &std::path::Path) -> Vec<(String, u64, u64)> {
    let mut v = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                v.push((rel + "/", 0, 0));
                stack.push(p);
            } else {
                let d = std::fs::read(&p).unwrap();
                v.push((rel, d.len() as u64, smb_testkit::checksum(&d)));
            }
        }
    }
    v.sort();
    v
}

/// A tree of many small files (more than are fetched at once), empty ones, files at the
/// small-file limit and just over it, a large one and an empty folder, under `root`.
pub fn small_file_tree(root: &std::path::Path) {
    let sizes = [0usize, 1, 4095, 4096, 262_144, 262_145, 70_000];
    for (d, n) in [("", 45usize), ("sub", 20), ("sub/deeper", 3)] {
        let dir = root.join(d);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..n {
            let len = sizes.get(i).copied().unwrap_or(100 + 37 * i);
            std::fs::write(
                dir.join(format!("f{i:03}.bin")),
                smb_testkit::pattern(len, (i + n) as u64),
            )
            .unwrap();
        }
    }
    std::fs::create_dir_all(root.join("sub/empty")).unwrap();
    std::fs::write(root.join("sub/large.bin"), smb_testkit::pattern(3 << 20, 3)).unwrap();
}
