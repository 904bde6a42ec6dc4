//! Test support for the real-peer tests: a private Samba `smbd` on loopback, `smb serve`
//! started as a child process, and runners for `smbclient` and `smbtorture`.
//!
//! Everything lives under one temporary folder per peer and is stopped by PID when the
//! handle drops. When Samba is not installed the tests skip with a message, unless the
//! environment says `SMB_PEERS=required` (CI does), in which case they fail.
#![forbid(unsafe_code)]

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

mod weed;
pub use weed::{S3_KEY, S3_SECRET, Weed, weed_available, weed_binary};

/// The account every peer knows.
pub const USER: &str = "smbtest";
/// Its password.
pub const PASS: &str = "smbpass";

/// True when `prog` is on the PATH.
pub fn have(prog: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
}

/// Whether the real-peer tests can run; prints why not. Panics when they cannot run but
/// `SMB_PEERS=required` is set.
pub fn peers_available(progs: &[&str]) -> bool {
    let missing: Vec<_> = progs.iter().filter(|p| !have(p)).collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!("real-peer test skipped: {missing:?} not installed (run scripts/setup.sh)");
    if std::env::var("SMB_PEERS").is_ok_and(|v| v == "required") {
        panic!("{msg}, and SMB_PEERS=required");
    }
    eprintln!("{msg}");
    false
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    static LOCK: Mutex<()> = Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A temporary folder, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh folder under the system temporary folder.
    pub fn new(tag: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "smb-testkit-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Waits until something accepts TCP connections on the port.
pub fn wait_for_port(port: u16, limit: Duration) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn ensure_unix_user() {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    for _ in 0..20 {
        let exists = Command::new("id")
            .arg(USER)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if exists {
            *done = true;
            return;
        }
        // Several test binaries may race here; useradd holds a lock on /etc/passwd.
        let _ = Command::new("useradd")
            .args(["-M", "-s", "/usr/sbin/nologin", USER])
            .stderr(Stdio::null())
            .status();
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("cannot create the Unix account {USER} that smbd needs (run as root)");
}

/// Options for a private smbd.
#[derive(Debug, Default, Clone)]
pub struct SmbdOptions {
    /// Extra `[global]` lines, e.g. `server signing = mandatory`.
    pub extra_global: Vec<String>,
    /// `server min protocol` (default `NT1`; `LANMAN1` serves the pre-NT dialects).
    pub min_protocol: Option<String>,
    /// `server max protocol` (default: Samba's, SMB3; `LANMAN2` makes a LANMAN-only smbd).
    pub max_protocol: Option<String>,
}

/// A private Samba smbd on 127.0.0.1, SMB1 enabled, with one writable share `share`
/// (guest allowed) and the account [`USER`]/[`PASS`].
#[derive(Debug)]
pub struct Smbd {
    dir: TempDir,
    /// Its port.
    pub port: u16,
}

impl Smbd {
    /// Writes the configuration, adds the account and starts smbd; waits until it answers.
    pub fn start(opts: &SmbdOptions) -> Self {
        Self::start_with(None, opts)
    }

    /// [`start`](Self::start) on a given port (445 in a private network namespace, say).
    pub fn start_on(port: u16, opts: &SmbdOptions) -> Self {
        Self::start_with(Some(port), opts)
    }

    fn start_with(fixed_port: Option<u16>, opts: &SmbdOptions) -> Self {
        ensure_unix_user();
        let dir = TempDir::new("smbd");
        let d = dir.path();
        for s in [
            "private", "lock", "state", "cache", "pid", "log", "ncalrpc", "share",
        ] {
            fs::create_dir_all(d.join(s)).unwrap();
        }
        let mut last = String::new();
        for _attempt in 0..3 {
            let port = fixed_port.unwrap_or_else(free_port);
            let conf = format!(
                "[global]\nserver role = standalone server\ninterfaces = 127.0.0.1\nbind interfaces only = yes\n\
                 smb ports = {port}\ndisable netbios = yes\nserver min protocol = {min}\n{max}ntlm auth = yes\n\
                 lanman auth = yes\nraw NTLMv2 auth = yes\nhost msdfs = no\nmap to guest = Bad User\n\
                 passdb backend = tdbsam:{d}/private/passdb.tdb\nprivate dir = {d}/private\n\
                 lock directory = {d}/lock\nstate directory = {d}/state\ncache directory = {d}/cache\n\
                 pid directory = {d}/pid\nncalrpc dir = {d}/ncalrpc\nlog file = {d}/log/smbd.log\n\
                 load printers = no\nprintcap name = /dev/null\ndisable spoolss = yes\n{extra}\n\
                 [share]\npath = {d}/share\nread only = no\nguest ok = yes\nforce user = root\n",
                d = d.display(),
                min = opts.min_protocol.as_deref().unwrap_or("NT1"),
                max = opts
                    .max_protocol
                    .as_ref()
                    .map_or(String::new(), |m| format!("server max protocol = {m}\n")),
                extra = opts.extra_global.join("\n"),
            );
            fs::write(d.join("smb.conf"), conf).unwrap();
            let mut p = Command::new("smbpasswd")
                .args([
                    "-c",
                    &d.join("smb.conf").to_string_lossy(),
                    "-a",
                    "-s",
                    USER,
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("smbpasswd");
            p.stdin
                .take()
                .unwrap()
                .write_all(format!("{PASS}\n{PASS}\n").as_bytes())
                .unwrap();
            let out = p.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "smbpasswd: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let st = Command::new("smbd")
                .args(["-D", "-s", &d.join("smb.conf").to_string_lossy()])
                .status()
                .expect("smbd");
            assert!(st.success(), "smbd did not start");
            if wait_for_port(port, Duration::from_secs(10)) {
                return Self { dir, port };
            }
            last = fs::read_to_string(d.join("log/smbd.log")).unwrap_or_default();
            Self::kill_pids(d);
        }
        panic!("smbd did not come up: {last}");
    }

    fn kill_pids(d: &Path) {
        for f in ["smbd.pid", "samba-dcerpcd.pid"] {
            if let Ok(pid) = fs::read_to_string(d.join("pid").join(f)) {
                let pid = pid.trim();
                if !pid.is_empty() {
                    let _ = Command::new("kill").arg(pid).status();
                }
            }
        }
    }

    /// The folder behind `\\127.0.0.1\share`.
    pub fn share_dir(&self) -> PathBuf {
        self.dir.path().join("share")
    }

    /// smbd's log.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("log/smbd.log")).unwrap_or_default()
    }
}

impl Drop for Smbd {
    fn drop(&mut self) {
        Self::kill_pids(self.dir.path());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `smb serve` (or any server binary) run as a child process, killed on drop.
#[derive(Debug)]
pub struct ChildServer {
    child: Child,
    /// Its port.
    pub port: u16,
    /// The share folder (`share`).
    pub dir: TempDir,
    /// Where its standard error goes, when kept.
    log: Option<TempDir>,
}

impl ChildServer {
    /// Starts `bin serve --listen 127.0.0.1:PORT --share share=DIR --user smbtest:smbpass ARGS`.
    pub fn start_smb_serve(bin: &Path, args: &[&str]) -> Self {
        Self::start(bin, args, None, false)
    }

    /// [`start_smb_serve`](Self::start_smb_serve), with the server's standard error (its
    /// log) appended to `log` when given.
    pub fn start_smb_serve_logging(bin: &Path, args: &[&str], log: Option<&Path>) -> Self {
        Self::start(bin, args, log, false)
    }

    /// [`start_smb_serve`](Self::start_smb_serve) keeping its standard error (with
    /// `-v` in `args`, its log) for [`log`](Self::log).
    pub fn start_smb_serve_logged(bin: &Path, args: &[&str]) -> Self {
        Self::start(bin, args, None, true)
    }

    fn start(bin: &Path, args: &[&str], append: Option<&Path>, logged: bool) -> Self {
        let dir = TempDir::new("serve");
        let log = logged.then(|| TempDir::new("serve-log"));
        for _attempt in 0..3 {
            let port = free_port();
            let stderr = match (&log, append) {
                (Some(l), _) => Stdio::from(fs::File::create(l.path().join("stderr.txt")).unwrap()),
                (None, Some(p)) => Stdio::from(
                    fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(p)
                        .expect("log file"),
                ),
                (None, None) => Stdio::null(),
            };
            let mut child = Command::new(bin)
                .arg("serve")
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .args(["--share", &format!("share={}", dir.path().display())])
                .args(["--user", &format!("{USER}:{PASS}")])
                .args(args)
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .expect("smb serve");
            if wait_for_port(port, Duration::from_secs(10)) {
                return Self {
                    child,
                    port,
                    dir,
                    log,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("smb serve did not come up");
    }

    /// Starts `bin serve --listen 127.0.0.1:PORT --user smbtest:smbpass ARGS` with the
    /// extra environment `env` and no share of its own; its standard error goes to the
    /// file [`ChildServer::log`] reads.
    pub fn start_with(bin: &Path, args: &[String], env: &[(&str, String)]) -> Self {
        let dir = TempDir::new("serve");
        let log = TempDir::new("serve-log");
        let log_path = log.path().join("stderr.txt");
        for _attempt in 0..3 {
            let port = free_port();
            let stderr = fs::File::create(&log_path).unwrap();
            let mut child = Command::new(bin)
                .arg("serve")
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .args(["--user", &format!("{USER}:{PASS}")])
                .args(args)
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .expect("smb serve");
            if wait_for_port(port, Duration::from_secs(20)) {
                return Self {
                    child,
                    port,
                    dir,
                    log: Some(log),
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "smb serve did not come up: {}",
            fs::read_to_string(&log_path).unwrap_or_default()
        );
    }

    /// Kills the server at once (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The share folder.
    pub fn share_dir(&self) -> &Path {
        self.dir.path()
    }

    /// What the server wrote to standard error so far (started with
    /// [`start_smb_serve_logged`](Self::start_smb_serve_logged) or
    /// [`start_with`](Self::start_with); else empty).
    pub fn log(&self) -> String {
        self.log
            .as_ref()
            .and_then(|l| fs::read_to_string(l.path().join("stderr.txt")).ok())
            .unwrap_or_default()
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the child to exit by itself, up to `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The smbclient options for each authentication variant of the peers README.
pub fn smbclient_variant(name: &str) -> &'static [&'static str] {
    match name {
        "ntlmssp" => &[],
        "ntlmv2" => &["--option=client use spnego=no"],
        "ntlmssp-v1" => &["--option=client ntlmv2 auth=no"],
        "ntlm" => &[
            "--option=client ntlmv2 auth=no",
            "--option=client use spnego=no",
        ],
        "lm" => &[
            "--option=client ntlmv2 auth=no",
            "--option=client lanman auth=yes",
            "--option=client plaintext auth=no",
            "--option=client use spnego=no",
        ],
        _ => &[],
    }
}

/// `smbclient //127.0.0.1/SHARE -p PORT -m NT1 --option='client min protocol=NT1' -U CREDS`,
/// to add to (an interactive session reads its commands from standard input).
pub fn smbclient_command(port: u16, share: &str, creds: &str) -> Command {
    let mut c = Command::new("smbclient");
    c.arg(format!("//127.0.0.1/{share}")).args([
        "-p",
        &port.to_string(),
        "-m",
        "NT1",
        "--option=client min protocol=NT1",
        "-U",
        creds,
    ]);
    c
}

/// Runs `smbclient //127.0.0.1/SHARE -p PORT -m NT1 ... -U CREDS EXTRA -c CMDS` in `cwd`.
pub fn smbclient(
    port: u16,
    share: &str,
    creds: &str,
    extra: &[&str],
    cmds: &str,
    cwd: &Path,
) -> Output {
    smbclient_command(port, share, creds)
        .args(extra)
        .args(["-c", cmds])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("smbclient")
}

/// The smbclient (and smbtorture) options that make it speak a pre-NT dialect up to
/// `max_protocol` (`LANMAN1` or `LANMAN2`), with an LM logon, or a plaintext one.
pub fn lanman_options(max_protocol: &str, plaintext: bool) -> Vec<String> {
    vec![
        "--option=client min protocol=CORE".into(),
        format!("--option=client max protocol={max_protocol}"),
        "--option=client lanman auth=yes".into(),
        "--option=client ntlmv2 auth=no".into(),
        "--option=client use spnego=no".into(),
        format!(
            "--option=client plaintext auth={}",
            if plaintext { "yes" } else { "no" }
        ),
    ]
}

/// Runs `smbclient //127.0.0.1/SHARE -p PORT -U CREDS` in a pre-NT dialect (see
/// [`lanman_options`]) with `-c CMDS` in `cwd`.
pub fn smbclient_lanman(
    port: u16,
    share: &str,
    creds: &str,
    max_protocol: &str,
    plaintext: bool,
    cmds: &str,
    cwd: &Path,
) -> Output {
    Command::new("smbclient")
        .arg(format!("//127.0.0.1/{share}"))
        .args(["-p", &port.to_string(), "-U", creds])
        .args(lanman_options(max_protocol, plaintext))
        .args(["-c", cmds])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("smbclient")
}

/// Deterministic pseudo-random content of `len` bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

/// A 64-bit FNV-1a checksum.
pub fn checksum(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Output as text, for assertions and failure messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
