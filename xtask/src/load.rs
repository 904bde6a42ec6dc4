//! `cargo xtask load`: many concurrent clients (ours) against `smb serve` on loopback,
//! each listing, writing, reading back its own file and reading shared ones, every byte
//! checked; then a fault run that aborts clients in the middle of writes and reads while
//! others keep working, and checks that every acknowledged write is on disk.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use smb_blocking::client::{Client, ConnectOptions};
use smb_proto::auth::{AuthMethod, Credentials};
use smb_proto::client::{ClientConfig, OpenOptions};
use smb_testkit::{ChildServer, checksum, pattern};

/// Settings of a load run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Concurrent clients in the main run.
    pub clients: usize,
    /// Clients aborted on purpose in the fault run.
    pub faults: usize,
    /// Size of each client's own file.
    pub file_size: usize,
}

/// Peak figures of a process, from /proc.
#[derive(Debug, Default, Clone, Copy)]
pub struct Peak {
    /// Resident set size, KiB.
    pub rss_kib: u64,
    /// Threads.
    pub threads: u64,
}

/// Reads VmRSS and Threads of a process.
pub fn proc_status(pid: u32) -> Option<Peak> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    Some(Peak {
        rss_kib: field("VmRSS:")?,
        threads: field("Threads:")?,
    })
}

/// Builds the release `smb` binary and returns its path.
pub fn build_smb(root: &Path) -> Result<PathBuf, String> {
    let st = std::process::Command::new("cargo")
        .args(["build", "--release", "--bin", "smb"])
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !st.success() {
        return Err("cargo build --release --bin smb failed".into());
    }
    Ok(root.join("target/release/smb"))
}

fn config() -> ClientConfig {
    ClientConfig {
        credentials: Some(Credentials::new(smb_testkit::USER, "", smb_testkit::PASS)),
        auth: AuthMethod::Ntlmssp,
        request_timeout: Duration::from_secs(120),
        ..Default::default()
    }
}

/// Connects and logs on as the test account, retrying a little.
pub(crate) fn connect(port: u16) -> Result<Client, String> {
    let opts = ConnectOptions {
        connect_timeout: Duration::from_secs(30),
    };
    let mut last = String::new();
    // The accept backlog may overflow when hundreds connect at once: retry a little.
    for _ in 0..5 {
        match Client::connect(("127.0.0.1", port), config(), &opts) {
            Ok(c) => return Ok(c),
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("connect: {last}"))
}

const SHARED: usize = 4;
const SHARED_SIZE: usize = 1 << 20;

fn one_client(port: u16, i: usize, size: usize) -> Result<(), String> {
    let mut c = connect(port)?;
    let t = c.tree_connect("share").map_err(|e| format!("tree: {e}"))?;
    let l = c.list(t, "").map_err(|e| format!("list: {e}"))?;
    for k in 0..SHARED {
        if !l.iter().any(|s| s.name == format!("shared-{k}.bin")) {
            return Err(format!("shared-{k}.bin missing from the listing"));
        }
    }
    let mine = pattern(size, 1000 + i as u64);
    let name = format!("client-{i}.bin");
    c.upload(t, &name, &mut &mine[..], &mut |_| {})
        .map_err(|e| format!("put: {e}"))?;
    let mut back = Vec::new();
    c.download(t, &name, &mut back, &mut |_| {})
        .map_err(|e| format!("get own: {e}"))?;
    if checksum(&back) != checksum(&mine) {
        return Err("own file read back differs".into());
    }
    let k = i % SHARED;
    let mut sh = Vec::new();
    c.download(t, &format!("shared-{k}.bin"), &mut sh, &mut |_| {})
        .map_err(|e| format!("get shared: {e}"))?;
    if checksum(&sh) != checksum(&pattern(SHARED_SIZE, k as u64)) {
        return Err(format!("shared-{k}.bin differs"));
    }
    c.logoff().map_err(|e| format!("logoff: {e}"))?;
    Ok(())
}

/// A writer that is aborted after `after`; returns the bytes acknowledged.
fn doomed_writer(port: u16, i: usize, after: Duration) -> Result<(String, u64), String> {
    let mut c = connect(port)?;
    let t = c.tree_connect("share").map_err(|e| e.to_string())?;
    let name = format!("fault-{i}.bin");
    let data = pattern(64 << 20, 5000 + i as u64);
    let o = c
        .open(t, &name, OpenOptions::create())
        .map_err(|e| e.to_string())?;
    let sock = c.try_clone_socket().map_err(|e| e.to_string())?;
    let acked = Arc::new(AtomicU64::new(0));
    let killer = std::thread::spawn(move || {
        std::thread::sleep(after);
        let _ = sock.shutdown(std::net::Shutdown::Both);
    });
    let chunk = 256 * 1024;
    let mut off = 0usize;
    while off < data.len() {
        match c.write(
            t,
            o.fid,
            off as u64,
            Bytes::copy_from_slice(&data[off..off + chunk]),
        ) {
            Ok(n) => {
                off += n as usize;
                acked.store(off as u64, Ordering::SeqCst);
            }
            Err(_) => break,
        }
    }
    let _ = killer.join();
    Ok((name, acked.load(Ordering::SeqCst)))
}

/// A reader that is aborted after `after`.
fn doomed_reader(port: u16, i: usize, after: Duration) -> Result<(), String> {
    let mut c = connect(port)?;
    let t = c.tree_connect("share").map_err(|e| e.to_string())?;
    let sock = c.try_clone_socket().map_err(|e| e.to_string())?;
    let killer = std::thread::spawn(move || {
        std::thread::sleep(after);
        let _ = sock.shutdown(std::net::Shutdown::Both);
    });
    for _ in 0..1000 {
        let mut sink = std::io::sink();
        if c.download(
            t,
            &format!("shared-{}.bin", i % SHARED),
            &mut sink,
            &mut |_| {},
        )
        .is_err()
        {
            break;
        }
    }
    let _ = killer.join();
    Ok(())
}

fn spawn_sampler(
    pid: u32,
    peak: Arc<Mutex<Peak>>,
    stop: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while stop.load(Ordering::SeqCst) == 0 {
            if let Some(p) = proc_status(pid) {
                let mut m = peak.lock().unwrap();
                m.rss_kib = m.rss_kib.max(p.rss_kib);
                m.threads = m.threads.max(p.threads);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

fn run_wave(port: u16, first: usize, n: usize, size: usize) -> Vec<(usize, String)> {
    let failures = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (first..first + n)
        .map(|i| {
            let failures = failures.clone();
            std::thread::Builder::new()
                .stack_size(512 * 1024)
                .spawn(move || {
                    if let Err(e) = one_client(port, i, size) {
                        failures.lock().unwrap().push((i, e));
                    }
                })
                .unwrap()
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    std::mem::take(&mut *failures.lock().unwrap())
}

/// Runs the load and the fault run; returns a report, or the failures.
pub fn run(root: &Path, o: &LoadOptions) -> Result<String, String> {
    let bin = build_smb(root)?;
    let srv = ChildServer::start_smb_serve(&bin, &[]);
    let port = srv.port;
    for k in 0..SHARED {
        std::fs::write(
            srv.share_dir().join(format!("shared-{k}.bin")),
            pattern(SHARED_SIZE, k as u64),
        )
        .map_err(|e| e.to_string())?;
    }
    let pid = srv.pid();
    let idle = proc_status(pid).unwrap_or_default();
    let peak = Arc::new(Mutex::new(Peak::default()));
    let stop = Arc::new(AtomicUsize::new(0));
    let sampler = spawn_sampler(pid, peak.clone(), stop.clone());
    let mut report = String::new();

    // Main run.
    let t0 = Instant::now();
    let failures = run_wave(port, 0, o.clients, o.file_size);
    let main_secs = t0.elapsed().as_secs_f64();
    let main_peak = *peak.lock().unwrap();
    let bytes = o.clients as f64 * (2.0 * o.file_size as f64 + SHARED_SIZE as f64);
    report += &format!(
        "main run: {} clients, {} failed, {:.1} s, {:.0} MB moved ({:.0} MB/s); smb serve peak RSS {} MiB, peak threads {} (idle: {} MiB, {} threads)\n",
        o.clients,
        failures.len(),
        main_secs,
        bytes / 1e6,
        bytes / 1e6 / main_secs,
        main_peak.rss_kib / 1024,
        main_peak.threads,
        idle.rss_kib / 1024,
        idle.threads
    );
    let mut problems: Vec<String> = failures
        .iter()
        .take(10)
        .map(|(i, e)| format!("client {i}: {e}"))
        .collect();
    for i in 0..o.clients {
        let want = pattern(o.file_size, 1000 + i as u64);
        if failures.iter().all(|(k, _)| *k != i) {
            let on_disk =
                std::fs::read(srv.share_dir().join(format!("client-{i}.bin"))).unwrap_or_default();
            if checksum(&on_disk) != checksum(&want) {
                problems.push(format!("client-{i}.bin on disk differs"));
            }
        }
    }

    // Fault run: aborted writers and readers next to a wave of normal clients.
    let t1 = Instant::now();
    let writers: Vec<_> = (0..o.faults / 2)
        .map(|i| {
            let after = Duration::from_millis(30 + (i as u64 * 37) % 400);
            std::thread::spawn(move || doomed_writer(port, i, after))
        })
        .collect();
    let readers: Vec<_> = (0..o.faults - o.faults / 2)
        .map(|i| {
            let after = Duration::from_millis(20 + (i as u64 * 53) % 400);
            std::thread::spawn(move || doomed_reader(port, i, after))
        })
        .collect();
    let normal = o.clients.min(100);
    let wave_failures = run_wave(port, o.clients, normal, o.file_size);
    let mut acked_total = 0u64;
    for (i, h) in writers.into_iter().enumerate() {
        match h.join() {
            Ok(Ok((name, acked))) => {
                acked_total += acked;
                let on_disk = std::fs::read(srv.share_dir().join(&name)).unwrap_or_default();
                let want = pattern(64 << 20, 5000 + i as u64);
                if (on_disk.len() as u64) < acked
                    || on_disk[..acked as usize] != want[..acked as usize]
                {
                    problems.push(format!(
                        "{name}: {acked} bytes acknowledged but not all on disk ({} there)",
                        on_disk.len()
                    ));
                }
            }
            Ok(Err(e)) => problems.push(format!("fault writer {i}: {e}")),
            Err(_) => problems.push(format!("fault writer {i} panicked")),
        }
    }
    for h in readers {
        if !matches!(h.join(), Ok(Ok(()))) {
            problems.push("a fault reader could not even start".into());
        }
    }
    problems.extend(
        wave_failures
            .iter()
            .take(10)
            .map(|(i, e)| format!("client {i} during faults: {e}")),
    );
    // Dead connections are cleaned up: threads come back down.
    let mut settled = None;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        if let Some(p) = proc_status(pid)
            && p.threads <= idle.threads + 2
        {
            settled = Some(p);
            break;
        }
    }
    stop.store(1, Ordering::SeqCst);
    let _ = sampler.join();
    let p = *peak.lock().unwrap();
    report += &format!(
        "fault run: {} aborted writers ({:.0} MB acknowledged, all on disk: {}), {} aborted readers, {} normal clients alongside, {} failed; {:.1} s\n",
        o.faults / 2,
        acked_total as f64 / 1e6,
        if problems.iter().any(|p| p.contains("acknowledged")) {
            "NO"
        } else {
            "yes"
        },
        o.faults - o.faults / 2,
        normal,
        wave_failures.len(),
        t1.elapsed().as_secs_f64()
    );
    report += &format!(
        "smb serve overall: peak RSS {} MiB, peak threads {}; after the clients left: {}\n",
        p.rss_kib / 1024,
        p.threads,
        match settled {
            Some(s) => format!("{} threads, {} MiB", s.threads, s.rss_kib / 1024),
            None => "threads did not come back down within 10 s".into(),
        }
    );
    if settled.is_none() {
        problems.push("connections were not cleaned up".into());
    }
    if problems.is_empty() {
        Ok(report)
    } else {
        Err(format!("{report}problems:\n  {}", problems.join("\n  ")))
    }
}
