//! `cargo xtask bench`, row 7: idle logged-on sessions. A fresh `smb serve` (so that memory
//! kept by the transfers before does not count), its connection limit raised in a config
//! file, takes `idle_sessions` connections from loopback, each negotiated, logged on
//! (NTLMSSP) and connected to the share, one after the other; then its RSS, and the time
//! all of them took to be accepted and logged on. smbd forks a process per connection
//! (several MiB each), so it gets at most [`SMBD_SESSIONS`] of them and the rows compare
//! per session.
//!
//! Each connection is a file descriptor on both sides: the bench raises its soft
//! open-file limit toward the hard one (see `raise_fd_limit`), and `smb serve`, started by
//! it, inherits the raised limit.

use std::path::Path;
use std::time::{Duration, Instant};

use smb_blocking::client::Client;
use smb_testkit::{ChildServer, Smbd, TempDir};

use crate::bench::{BenchOptions, Row};

/// The most sessions opened on smbd (each is a process).
pub const SMBD_SESSIONS: usize = 1000;

/// Opens `n` logged-on sessions with a tree each, one after the other; returns them and
/// the seconds it took.
fn idle_sessions(port: u16, n: usize) -> Result<(Vec<Client>, f64), String> {
    let config = smb_proto::client::ClientConfig {
        credentials: Some(smb_proto::auth::Credentials::new(
            smb_testkit::USER,
            "",
            smb_testkit::PASS,
        )),
        ..Default::default()
    };
    let mut v = Vec::with_capacity(n);
    let t0 = Instant::now();
    for i in 0..n {
        let mut c = Client::connect(("127.0.0.1", port), config.clone(), &Default::default())
            .map_err(|e| format!("idle session {i}: {e}"))?;
        c.tree_connect("share")
            .map_err(|e| format!("idle session {i}: {e}"))?;
        v.push(c);
    }
    Ok((v, t0.elapsed().as_secs_f64()))
}

/// The summed RSS of the processes whose command line `pred` accepts, KiB.
fn rss_kib_of(pred: impl Fn(&str) -> bool) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if pred(&cmdline)
                && let Some(p) = crate::load::proc_status(pid)
            {
                total += p.rss_kib;
            }
        }
    }
    total
}

/// Row 7: RSS per idle session and logon time per session, `smb serve` with
/// `o.idle_sessions` of them against smbd with at most [`SMBD_SESSIONS`].
pub fn rows(smb: &Path, smbd: &Smbd, o: &BenchOptions) -> Result<Vec<Row>, String> {
    let n = o.idle_sessions;
    let conf = TempDir::new("bench-sessions");
    let toml = conf.path().join("smb.toml");
    std::fs::write(&toml, format!("[limits]\nmax_connections = {}\n", n + 64))
        .map_err(|e| e.to_string())?;
    let fresh = ChildServer::start_smb_serve(smb, &["--config", &toml.to_string_lossy()]);
    let pid = fresh.pid();
    let before = crate::load::proc_status(pid).map_or(0, |p| p.rss_kib);
    let (held, ours_secs) = idle_sessions(fresh.port, n)?;
    std::thread::sleep(Duration::from_millis(500));
    let ours_kib = crate::load::proc_status(pid).map_or(0, |p| p.rss_kib);
    drop(held);
    drop(fresh);
    let m = n.min(SMBD_SESSIONS);
    let smbd_conf = smbd
        .share_dir()
        .parent()
        .map(|p| p.join("smb.conf").to_string_lossy().into_owned())
        .unwrap_or_default();
    let (held, smbd_secs) = idle_sessions(smbd.port, m)?;
    std::thread::sleep(Duration::from_millis(500));
    let smbd_kib = rss_kib_of(|cmd| cmd.contains(&smbd_conf));
    drop(held);
    eprintln!(
        "  7. {n} idle sessions: smb serve {} MiB (was {} MiB), logged on in {ours_secs:.1} s; \
         smbd with {m}: {} MiB summed, {smbd_secs:.1} s",
        ours_kib / 1024,
        before / 1024,
        smbd_kib / 1024
    );
    let row = |name: String, unit, ours: f64, theirs: f64| Row {
        name,
        ours: format!("smb serve ({n})"),
        theirs: format!("smbd ({m}, all processes)"),
        ours_median: ours,
        theirs_median: theirs,
        target: None,
        unit,
        higher_is_better: false,
    };
    Ok(vec![
        row(
            format!(
                "7. RSS per idle session ({n} sessions: {:.1} MiB in all)",
                ours_kib as f64 / 1024.0
            ),
            "KiB",
            ours_kib as f64 / n as f64,
            smbd_kib as f64 / m as f64,
        ),
        row(
            format!("7. accept + log on, per session ({n} in {ours_secs:.1} s)"),
            "ms",
            1000.0 * ours_secs / n as f64,
            1000.0 * smbd_secs / m as f64,
        ),
    ])
}
