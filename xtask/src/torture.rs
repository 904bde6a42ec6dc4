//! `cargo xtask torture`: Samba's smbtorture SMB1 suites against a private smbd and against
//! `smb serve`, side by side in one run, and the parity between them: how many of the
//! subtests smbd passes pass against `smb serve` too.
//!
//! Each suite runs against a fresh server with a fresh empty share on each side (so that
//! what one suite leaves behind cannot break the next), with the same account, NT1 forced,
//! under a time limit. The subtests that pass against `smb serve` are recorded in
//! `xtask/torture-baseline.txt`; a run fails when one of them stops passing.

pub mod parse;
pub mod report;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use smb_testkit::{ChildServer, PASS, Smbd, SmbdOptions, TempDir, USER};

use report::{SideRun, SuiteResult};

/// Every `base.*` and `raw.*` suite of smbtorture 4.17 and `rap.basic`, each with `None`
/// (run it) or the reason it is left out. Suites that do not pass wholesale against smbd
/// stay in when smbd passes some of their subtests: only what smbd passes is counted.
pub const SUITES: &[(&str, Option<&str>)] = &[
    ("base.lock", None),
    ("base.delete", None),
    ("base.charset", None),
    (
        "base.delaywrite",
        Some(
            "too slow: over 7 minutes against smbd (about 25 s a subtest, waiting out the write-time update delay)",
        ),
    ),
    ("base.aliases", None),
    ("base.fdpass", None),
    ("base.unlink", None),
    ("base.attr", None),
    ("base.trans2", None),
    ("base.birthtime", None),
    ("base.negnowait", None),
    ("base.dir1", None),
    ("base.dir2", None),
    (
        "base.deny1",
        Some(
            "hangs against smbd: 648 opens at about 0.8 s each (sharing-violation waits), not done after 3 minutes",
        ),
    ),
    (
        "base.deny2",
        Some("hangs against smbd: like base.deny1 with two connections, not done after 3 minutes"),
    ),
    ("base.deny3", None),
    ("base.denydos", None),
    ("base.ntdeny1", None),
    ("base.ntdeny2", None),
    ("base.tcon", None),
    ("base.tcondev", None),
    ("base.vuid", None),
    ("base.rw1", None),
    ("base.open", None),
    // About 170 s on each side (deferred opens in a loop): the longest suite that runs.
    ("base.defer_open", None),
    ("base.xcopy", None),
    (
        "base.iometer",
        Some(
            "a benchmark (an iometer-like load); fails against smbd too (getatr: OBJECT_NAME_NOT_FOUND)",
        ),
    ),
    ("base.rename", None),
    ("base.properties", None),
    ("base.mangle", None),
    ("base.openattr", None),
    ("base.winattr", None),
    ("base.chkpath", None),
    (
        "base.secleak",
        Some("a leak stress loop; errors against smbd (no assertion, returns false)"),
    ),
    ("base.disconnect", None),
    ("base.samba3error", None),
    (
        "base.casetable",
        Some("a scan of the whole UCS-2 range; not done against smbd after 3 minutes"),
    ),
    (
        "base.utable",
        Some(
            "a scan of the whole UCS-2 range (writes a table, asserts nothing); about 100 s against smbd",
        ),
    ),
    (
        "base.smb",
        Some("a scan of every SMB command code; not done against smbd after 3 minutes"),
    ),
    ("base.trans2-scan", Some("a scan")),
    (
        "base.nttrans",
        Some("a scan of the NT_TRANSACT functions and levels; about 50 s against smbd"),
    ),
    (
        "base.createx_access",
        Some("fails against smbd (SYSTEM_SECURITY access: PRIVILEGE_NOT_HELD)"),
    ),
    ("base.createx_sharemodes_file", None),
    ("base.createx_sharemodes_dir", None),
    (
        "base.maximum_allowed",
        Some("fails against smbd (MAXIMUM_ALLOWED open of a denied file succeeds)"),
    ),
    ("base.bench-holdcon", Some("a benchmark")),
    ("base.bench-holdopen", Some("a benchmark")),
    ("base.bench-readwrite", Some("a benchmark")),
    ("base.bench-torture", Some("a benchmark")),
    ("base.scan-pipe_number", Some("a scan")),
    ("base.scan-ioctl", Some("a scan")),
    ("base.scan-maxfid", Some("a scan")),
    (
        "base.smb1-twrp-openroot",
        Some("skips against smbd (needs a twrp_snapshot option: shadow copies)"),
    ),
    ("raw.sfileinfo", None),
    ("raw.search", None),
    ("raw.open", None),
    ("raw.oplock", None),
    ("raw.notify", None),
    ("raw.unlink", None),
    ("raw.read", None),
    ("raw.write", None),
    ("raw.lock", None),
    ("raw.context", None),
    ("raw.session", None),
    ("raw.rename", None),
    (
        "raw.streams",
        Some("fails wholesale against smbd (no streams module in the default smb.conf: 0/13)"),
    ),
    (
        "raw.acls",
        Some("fails wholesale against smbd (no NT ACL module in the default smb.conf: 0/12)"),
    ),
    ("raw.composite", None),
    ("raw.bench-oplock", Some("a benchmark")),
    ("raw.ping-pong", Some("a benchmark")),
    ("raw.bench-lock", Some("a benchmark")),
    ("raw.bench-open", Some("a benchmark")),
    ("raw.bench-lookup", Some("a benchmark")),
    ("raw.bench-tcon", Some("a benchmark")),
    (
        "raw.offline",
        Some("a load test; against smbd it passed in 12 s once and hung for 3 minutes once"),
    ),
    (
        "raw.qfsinfo",
        Some("fails against smbd (volume name termination: wire length 12, expected 10)"),
    ),
    (
        "raw.qfileinfo",
        Some("fails against smbd (IS_NAME_VALID and UNIX levels unsupported)"),
    ),
    (
        "raw.qfileinfo.ipc",
        Some("fails against smbd (open of a pipe on IPC$: OBJECT_NAME_NOT_FOUND)"),
    ),
    (
        "raw.close",
        Some("fails against smbd (close with a write time changes the other times too)"),
    ),
    ("raw.mkdir", None),
    (
        "raw.hold-oplock",
        Some("a tool, not a test: holds oplocks until killed"),
    ),
    ("raw.mux", None),
    (
        "raw.ioctl",
        Some("fails against smbd (ERRSRV:ERRnosupport where ERRSRV:ERRerror is expected)"),
    ),
    (
        "raw.chkpath",
        Some(
            "fails against smbd ('/' in a name: OBJECT_NAME_NOT_FOUND, expected OBJECT_NAME_INVALID)",
        ),
    ),
    ("raw.seek", None),
    ("raw.eas", None),
    (
        "raw.samba3hide",
        Some("fails against smbd (needs a second share `hideunread`)"),
    ),
    (
        "raw.samba3closeerr",
        Some("fails against smbd (chmod over the UNIX extensions: INVALID_LEVEL)"),
    ),
    ("raw.samba3rootdirfid", None),
    ("raw.samba3rootdirfid2", None),
    ("raw.samba3checkfsp", None),
    ("raw.samba3oplocklogoff", None),
    ("raw.samba3badnameblob", None),
    ("raw.samba3badpath", None),
    ("raw.samba3caseinsensitive", None),
    (
        "raw.samba3posixtimedlock",
        Some(
            "errors against smbd (needs a `localdir` option: the share's folder on the test machine)",
        ),
    ),
    ("raw.scan-eamax", Some("a scan")),
    ("rap.basic", None),
];

/// The suites a full run runs, in order.
pub fn default_suites() -> Vec<&'static str> {
    SUITES
        .iter()
        .filter(|(_, why)| why.is_none())
        .map(|(s, _)| *s)
        .collect()
}

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct TortureOptions {
    /// The suites to run (default: every suite of [`SUITES`] not left out).
    pub suites: Option<Vec<String>>,
    /// Time limit per suite and server.
    pub time_limit: Duration,
    /// Rewrite the baseline from this run instead of checking against it.
    pub update: bool,
    /// A pre-NT dialect family to force (`LANMAN1` or `LANMAN2`): smbtorture offers
    /// nothing newer and logs on with LM, smbd serves from LANMAN1 up; only the `base.*`
    /// suites run by default, the results go to `target/torture-lanman*/`, and no baseline
    /// is checked (the baseline is of NT1 runs).
    pub max_protocol: Option<String>,
}

/// The baseline file, relative to the repository.
pub const BASELINE: &str = "xtask/torture-baseline.txt";

/// Which server a side runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Smbd,
    Ours,
}

impl Side {
    fn dir(self) -> &'static str {
        match self {
            Side::Smbd => "smbd",
            Side::Ours => "smb-serve",
        }
    }
}

/// A server for one side of one suite, stopped on drop.
enum Server {
    Smbd(Smbd),
    Ours(ChildServer),
}

impl Server {
    fn start(side: Side, smb: &Path, pre_nt: bool) -> Self {
        match side {
            Side::Smbd => Server::Smbd(Smbd::start(&SmbdOptions {
                min_protocol: pre_nt.then(|| "LANMAN1".to_string()),
                ..SmbdOptions::default()
            })),
            Side::Ours => Server::Ours(ChildServer::start_smb_serve(
                smb,
                &["--guest", "--allow-ntlmv1", "--allow-lm"],
            )),
        }
    }

    fn port(&self) -> u16 {
        match self {
            Server::Smbd(s) => s.port,
            Server::Ours(s) => s.port,
        }
    }
}

/// `smbtorture //127.0.0.1/share -p PORT -U USER%PASS` with NT1 forced, or nothing newer
/// than the pre-NT family `max` (LM logon).
fn smbtorture(port: u16, suite: &str, max: Option<&str>) -> Command {
    let mut c = Command::new("smbtorture");
    c.arg("//127.0.0.1/share")
        .args(["-p", &port.to_string(), "-U", &format!("{USER}%{PASS}")]);
    match max {
        Some(m) => c.args(smb_testkit::lanman_options(m, false)),
        None => c.args([
            "--option=client min protocol=NT1",
            "--option=client max protocol=NT1",
        ]),
    };
    c.arg(suite);
    c
}

/// Runs smbtorture in its own process group with its output in `log`; kills the group at
/// the time limit. Returns how it ended and whether the limit struck.
fn run_limited(
    mut cmd: Command,
    log: &Path,
    limit: Duration,
) -> Result<(ExitStatus, bool), String> {
    use std::os::unix::process::CommandExt;
    let out = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let cwd = TempDir::new("torture-cwd");
    let mut child = cmd
        .current_dir(cwd.path())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("smbtorture: {e}"))?;
    let t0 = Instant::now();
    loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok((st, false));
        }
        if t0.elapsed() >= limit {
            let pid = i32::try_from(child.id())
                .ok()
                .and_then(rustix::process::Pid::from_raw);
            if let Some(pid) = pid {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            let _ = child.kill();
            let st = child.wait().map_err(|e| e.to_string())?;
            return Ok((st, true));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Where and how a run runs: the `smb` binary, the output folder, the time limit per suite
/// and side, the pre-NT family forced (if any).
struct RunCx<'a> {
    smb: &'a Path,
    out_dir: &'a Path,
    limit: Duration,
    max: Option<&'a str>,
}

/// One side of one suite: a fresh server, smbtorture against it, its output parsed.
fn run_side(side: Side, suite: &str, rc: &RunCx<'_>) -> SideRun {
    let log = rc.out_dir.join(side.dir()).join(format!("{suite}.txt"));
    let started = std::panic::catch_unwind(|| Server::start(side, rc.smb, rc.max.is_some()));
    let server = match started {
        Ok(s) => s,
        Err(e) => {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "server did not start".into());
            return SideRun {
                setup_error: Some(msg),
                ..SideRun::default()
            };
        }
    };
    let t0 = Instant::now();
    let res = run_limited(smbtorture(server.port(), suite, rc.max), &log, rc.limit);
    let secs = t0.elapsed().as_secs_f64();
    drop(server);
    match res {
        Ok((status, timed_out)) => {
            use std::os::unix::process::ExitStatusExt;
            let bytes = std::fs::read(&log).unwrap_or_default();
            SideRun {
                run: parse::parse(&String::from_utf8_lossy(&bytes)),
                timed_out,
                exit: status.code(),
                signal: status.signal(),
                secs,
                setup_error: None,
            }
        }
        Err(e) => SideRun {
            setup_error: Some(e),
            secs,
            ..SideRun::default()
        },
    }
}

/// Both sides of one suite, at the same time.
fn run_suite(suite: &str, rc: &RunCx<'_>) -> SuiteResult {
    let (smbd, ours) = std::thread::scope(|sc| {
        let a = sc.spawn(|| run_side(Side::Smbd, suite, rc));
        let b = sc.spawn(|| run_side(Side::Ours, suite, rc));
        (a.join(), b.join())
    });
    let failed = |what: &str| SideRun {
        setup_error: Some(format!("{what} side panicked")),
        ..SideRun::default()
    };
    SuiteResult {
        suite: suite.to_string(),
        smbd: smbd.unwrap_or_else(|_| failed("smbd")),
        ours: ours.unwrap_or_else(|_| failed("smb serve")),
    }
}

/// The tests `smbtorture --list` names under `base.`, `raw.` and `rap.basic.`.
fn listed_tests() -> Vec<String> {
    let Ok(out) = Command::new("smbtorture").arg("--list").output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("base.") || l.starts_with("raw.") || l.starts_with("rap.basic."))
        .map(str::to_string)
        .collect()
}

/// Tests of [`listed_tests`] in no suite of the table (the table is out of date).
fn unknown_suites(listed: &[String]) -> Vec<String> {
    listed
        .iter()
        .filter(|l| report::suite_of(l, SUITES.iter().map(|(s, _)| *s)).is_none())
        .cloned()
        .collect()
}

/// What a run found, for the caller to print and to set the exit status.
#[derive(Debug)]
pub struct TortureReport {
    /// The printed report (table, parity, missing, baseline notes).
    pub text: String,
    /// No baseline subtest stopped passing (always true with `--update`).
    pub ok: bool,
}

/// Builds `smb` in release, runs the suites, compares, writes `target/torture/` and checks
/// (or rewrites) the baseline.
pub fn run(root: &Path, o: &TortureOptions) -> Result<TortureReport, String> {
    for p in ["smbtorture", "smbd", "smbpasswd"] {
        if !smb_testkit::have(p) {
            return Err(format!("{p} is not installed (run scripts/setup.sh)"));
        }
    }
    let max = o.max_protocol.as_deref();
    if let Some(m) = max {
        if m != "LANMAN1" && m != "LANMAN2" {
            return Err(format!("--max-protocol {m:?}: LANMAN1 or LANMAN2"));
        }
        if o.update {
            return Err("--update rewrites the NT1 baseline: not with --max-protocol".into());
        }
    }
    let suites: Vec<String> = match &o.suites {
        Some(s) => {
            for name in s {
                if !SUITES.iter().any(|(n, _)| n == name) {
                    return Err(format!(
                        "unknown suite {name:?} (see SUITES in xtask/src/torture.rs)"
                    ));
                }
            }
            s.clone()
        }
        None => default_suites()
            .into_iter()
            .filter(|s| max.is_none() || s.starts_with("base."))
            .map(str::to_string)
            .collect(),
    };
    let st = Command::new("cargo")
        .args(["build", "--release", "-p", "smb-cli"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !st.success() {
        return Err("building smb (release) failed".into());
    }
    let smb: PathBuf = root.join("target/release/smb");
    let out_dir = match max {
        Some(m) => root.join(format!("target/torture-{}", m.to_lowercase())),
        None => root.join("target/torture"),
    };
    let rc = RunCx {
        smb: &smb,
        out_dir: &out_dir,
        limit: o.time_limit,
        max,
    };
    for side in [Side::Smbd, Side::Ours] {
        std::fs::create_dir_all(out_dir.join(side.dir())).map_err(|e| e.to_string())?;
    }
    let t0 = Instant::now();
    let mut results = Vec::new();
    for (i, suite) in suites.iter().enumerate() {
        let r = run_suite(suite, &rc);
        let p = report::parity(std::slice::from_ref(&r));
        eprintln!(
            "[{}/{}] {suite}: {}/{} (smbd {:.1} s, smb serve {:.1} s{}) at {:.0} s",
            i + 1,
            suites.len(),
            p.both,
            p.smbd,
            r.smbd.secs,
            r.ours.secs,
            if r.ours.timed_out { ", timed out" } else { "" },
            t0.elapsed().as_secs_f64()
        );
        results.push(r);
    }
    let wall = t0.elapsed().as_secs_f64();
    let limit = o.time_limit.as_secs();
    let parity = report::parity(&results);
    let mut text = report::text(&results, &parity, limit);
    let forced = max.unwrap_or("NT1");
    let md = report::markdown(&results, &parity, limit, wall, forced);
    let md_path = out_dir.join("parity.md");
    std::fs::write(&md_path, md).map_err(|e| e.to_string())?;
    use std::fmt::Write as _;
    let _ = writeln!(
        text,
        "whole run ({forced}): {wall:.0} s; written: {}",
        md_path.strip_prefix(root).unwrap_or(&md_path).display()
    );
    if !parity.smbd_fails.is_empty() {
        let _ = writeln!(text, "not passed by smbd either (not counted):");
        for (k, why) in &parity.smbd_fails {
            let _ = writeln!(text, "  {k}: {why}");
        }
    }
    if max.is_some() {
        // The baseline is of NT1 runs: the parity above is the result.
        return Ok(TortureReport {
            ok: parity.missing.is_empty(),
            text,
        });
    }
    if o.suites.is_none() {
        for l in unknown_suites(&listed_tests()) {
            let _ = writeln!(
                text,
                "warning: smbtorture test {l} is in no suite of the table"
            );
        }
    }
    let baseline_path = root.join(BASELINE);
    let baseline =
        report::read_baseline(&std::fs::read_to_string(&baseline_path).unwrap_or_default());
    if o.update {
        let new = report::updated_baseline(&results, &parity, &baseline);
        std::fs::write(&baseline_path, report::write_baseline(&new)).map_err(|e| e.to_string())?;
        let _ = writeln!(
            text,
            "baseline rewritten: {BASELINE} ({} subtests)",
            new.len()
        );
        return Ok(TortureReport { text, ok: true });
    }
    let check = report::check_baseline(&results, &parity, &baseline);
    for (k, why) in &check.excused {
        let _ = writeln!(
            text,
            "baseline subtest {k} did not pass against smbd either this run (not held against smb serve): {why}"
        );
    }
    if !check.new_passes.is_empty() {
        let _ = writeln!(
            text,
            "newly passing against smb serve (not in {BASELINE}; run `cargo xtask torture --update`):"
        );
        for k in &check.new_passes {
            let _ = writeln!(text, "  {k}");
        }
    }
    if !check.regressions.is_empty() {
        let _ = writeln!(
            text,
            "REGRESSIONS: baseline subtests that no longer pass against smb serve:"
        );
        for (k, why) in &check.regressions {
            let _ = writeln!(text, "  {k}: {why}");
        }
    }
    Ok(TortureReport {
        text,
        ok: check.regressions.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn suite_table_is_well_formed() {
        let names: BTreeSet<&str> = SUITES.iter().map(|(s, _)| *s).collect();
        assert_eq!(names.len(), SUITES.len(), "a suite is named twice");
        for (s, why) in SUITES {
            assert!(
                s.starts_with("base.") || s.starts_with("raw.") || *s == "rap.basic",
                "{s}"
            );
            assert!(why.is_none_or(|w| !w.is_empty()), "{s}: empty reason");
        }
        let run = default_suites();
        assert!(run.contains(&"base.lock") && run.contains(&"rap.basic"));
        assert!(
            !run.iter()
                .any(|s| s.contains("bench") || s.contains("scan"))
        );
    }

    #[test]
    fn smbtorture_forces_nt1_or_the_pre_nt_family() {
        let args = |max| -> Vec<String> {
            smbtorture(445, "base.lock", max)
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let nt1 = args(None);
        assert!(nt1.contains(&"--option=client max protocol=NT1".to_string()));
        assert_eq!(nt1.last().map(String::as_str), Some("base.lock"));
        let lm = args(Some("LANMAN2"));
        assert!(lm.contains(&"--option=client max protocol=LANMAN2".to_string()));
        assert!(lm.contains(&"--option=client lanman auth=yes".to_string()));
        assert!(!lm.iter().any(|a| a.contains("NT1")), "{lm:?}");
        assert_eq!(lm.last().map(String::as_str), Some("base.lock"));
    }

    #[test]
    fn suite_table_covers_smbtorture_list() {
        if !smb_testkit::peers_available(&["smbtorture"]) {
            return;
        }
        let listed = listed_tests();
        // 4.17 lists 337 of them.
        assert!(listed.len() > 300, "{listed:?}");
        assert_eq!(unknown_suites(&listed), Vec::<String>::new());
        let more = ["base.newsuite.t.t".to_string()];
        assert_eq!(unknown_suites(&more), more);
    }
}
