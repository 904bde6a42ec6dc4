//! `cargo xtask bench`: our server and client side by side with Samba on loopback, each
//! comparison interleaved (ours, Samba, ours, Samba, ...) for several rounds; medians,
//! ratios, a markdown table and a PNG chart under `target/bench/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use smb_testkit::{ChildServer, Smbd, SmbdOptions, TempDir};

use crate::png::Image;

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Rounds per comparison (at least 5 for the report).
    pub rounds: usize,
    /// Size of the big file, MiB.
    pub big_mib: usize,
    /// Idle sessions for the memory comparison (0 skips it).
    pub idle_sessions: usize,
    /// Only row 8 (the S3-backed share against the store's own client).
    pub only_s3: bool,
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// What is compared.
    pub name: String,
    /// Our side.
    pub ours: String,
    /// Samba's side.
    pub theirs: String,
    /// Our median (seconds, or MiB for memory).
    pub ours_median: f64,
    /// Samba's median.
    pub theirs_median: f64,
    /// The goal for the ratio (Samba / ours), if any.
    pub target: Option<f64>,
    /// Unit of the medians.
    pub unit: &'static str,
    /// The medians are rates (more is better), not times or sizes.
    pub higher_is_better: bool,
}

impl Row {
    /// How many times better we are (time or memory: Samba / ours; rates: ours / Samba).
    pub fn ratio(&self) -> f64 {
        if self.higher_is_better {
            self.ours_median / self.theirs_median
        } else {
            self.theirs_median / self.ours_median
        }
    }
}

pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub(crate) fn timed(cmd: &mut Command) -> Result<f64, String> {
    let t0 = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let secs = t0.elapsed().as_secs_f64();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() || text.contains("NT_STATUS_") {
        return Err(format!(
            "{cmd:?} failed: {}",
            text.lines().rev().take(3).collect::<Vec<_>>().join(" | ")
        ));
    }
    Ok(secs)
}

pub(crate) fn smbclient(port: u16, cmds: &str, cwd: &Path) -> Command {
    let mut c = Command::new("smbclient");
    c.arg("//127.0.0.1/share")
        .args([
            "-p",
            &port.to_string(),
            "-U",
            "smbtest%smbpass",
            "-m",
            "NT1",
            "--option=client min protocol=NT1",
        ])
        .args(["-c", cmds])
        .current_dir(cwd);
    c
}

struct Env {
    smb: PathBuf,
    examples: PathBuf,
    smbd: Smbd,
    /// `smb serve` in its default durability mode (`close`).
    ours: ChildServer,
    /// `smb serve --durability os`, as smbd keeps written data.
    ours_os: ChildServer,
    local: TempDir,
}

impl Env {
    /// A URL on smbd.
    fn url(&self, path: &str) -> String {
        self.url_on(self.smbd.port, path)
    }
    /// A URL on the server listening on `port`.
    fn url_on(&self, port: u16, path: &str) -> String {
        format!("smb://smbtest:smbpass@127.0.0.1:{port}/share/{path}")
    }
    fn smb(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.smb);
        c.args(args).current_dir(self.local.path());
        c
    }
}

/// Raises the soft open-file limit to `want` (at most the hard limit): every idle session
/// of row 7 is a socket here and in `smb serve`, which inherits the limit.
fn raise_fd_limit(want: u64) {
    if let Ok(l) = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .maximum
        .ok_or(())
    {
        let _ = rustix::process::setrlimit(
            rustix::process::Resource::Nofile,
            rustix::process::Rlimit {
                current: Some(want.min(l)),
                maximum: Some(l),
            },
        );
    }
}

fn prepare(root: &Path, o: &BenchOptions) -> Result<Env, String> {
    raise_fd_limit((o.idle_sessions as u64 + 4096).max(16_384));
    for (args, what) in [
        (vec!["build", "--release", "--bin", "smb"], "smb"),
        (
            vec![
                "build",
                "--release",
                "--examples",
                "-p",
                "smb-blocking",
                "-p",
                "smb-tokio",
                "-p",
                "smb-smol",
            ],
            "examples",
        ),
    ] {
        let st = Command::new("cargo")
            .args(&args)
            .current_dir(root)
            .status()
            .map_err(|e| e.to_string())?;
        if !st.success() {
            return Err(format!("building {what} failed"));
        }
    }
    let smbd = Smbd::start(&SmbdOptions::default());
    let ours = ChildServer::start_smb_serve(&root.join("target/release/smb"), &[]);
    let ours_os =
        ChildServer::start_smb_serve(&root.join("target/release/smb"), &["--durability", "os"]);
    for dir in [smbd.share_dir(), ours_os.share_dir().to_path_buf()] {
        crate::bench_many::prepare(&dir, crate::bench_many::Crowd::default().clients)?;
    }
    let big = smb_testkit::pattern(o.big_mib << 20, 42);
    for dir in [smbd.share_dir(), ours.share_dir().to_path_buf()] {
        std::fs::write(dir.join("big.bin"), &big).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir.join("small")).map_err(|e| e.to_string())?;
        for i in 0..1000 {
            std::fs::write(
                dir.join("small").join(format!("s{i:04}.bin")),
                &big[i * 4096..(i + 1) * 4096],
            )
            .map_err(|e| e.to_string())?;
        }
        std::fs::create_dir_all(dir.join("many")).map_err(|e| e.to_string())?;
        for i in 0..10_000 {
            std::fs::write(dir.join("many").join(format!("entry-{i:05}.txt")), b"")
                .map_err(|e| e.to_string())?;
        }
    }
    let local = TempDir::new("bench");
    std::fs::write(local.path().join("big.bin"), &big).map_err(|e| e.to_string())?;
    Ok(Env {
        smb: root.join("target/release/smb"),
        examples: root.join("target/release/examples"),
        smbd,
        ours,
        ours_os,
        local,
    })
}

pub(crate) type Runner<'a> = Box<dyn Fn() -> Result<f64, String> + 'a>;

pub(crate) fn compare(
    name: &str,
    ours: (&str, Runner<'_>),
    theirs: (&str, Runner<'_>),
    rounds: usize,
    target: Option<f64>,
) -> Result<Row, String> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    // One warm-up each (page cache, smbd forks), then interleaved rounds; three times
    // as many for comparisons that take under a second a side (cheap to repeat, and
    // the noisiest).
    // Before each timed run, untimed: sync(2), so that data one side left in the page
    // cache is not written back during the other side's run (smbd does not flush at
    // close; `smb serve` does).
    let settle = || rustix::fs::sync();
    settle();
    let warm = (ours.1)()?;
    settle();
    let warm = warm + (theirs.1)()?;
    let rounds = if warm < 2.0 { rounds * 3 } else { rounds };
    for _ in 0..rounds {
        settle();
        a.push((ours.1)()?);
        settle();
        b.push((theirs.1)()?);
    }
    let row = Row {
        name: name.into(),
        ours: ours.0.into(),
        theirs: theirs.0.into(),
        ours_median: median(&mut a),
        theirs_median: median(&mut b),
        target,
        unit: "s",
        higher_is_better: false,
    };
    eprintln!(
        "  {:<44} ours {:>8.3} s  Samba {:>8.3} s  ratio {:.2}",
        row.name,
        row.ours_median,
        row.theirs_median,
        row.ratio()
    );
    Ok(row)
}

/// Runs every comparison; returns the rows, the TCP ceiling (seconds for the big size)
/// and the rendered markdown.
pub fn run(root: &Path, o: &BenchOptions) -> Result<(Vec<Row>, String), String> {
    if o.only_s3 {
        return run_s3(root, o);
    }
    let env = prepare(root, o)?;
    let (sp, op) = (env.smbd.port, env.ours.port);
    let dl = env.local.path().to_path_buf();
    let r = o.rounds;
    let mut rows = Vec::new();
    let gib = if o.big_mib == 1024 {
        "1 GiB".to_string()
    } else {
        format!("{} MiB", o.big_mib)
    };
    eprintln!("bench: {} rounds each, big file {gib}", r);

    rows.push(compare(
        &format!("1. read {gib}: smbclient from each server"),
        (
            "smbclient <- smb serve",
            Box::new(|| timed(&mut smbclient(op, "get big.bin /dev/null", &dl))),
        ),
        (
            "smbclient <- smbd",
            Box::new(|| timed(&mut smbclient(sp, "get big.bin /dev/null", &dl))),
        ),
        r,
        Some(1.5),
    )?);
    rows.push(compare(
        &format!("2. read {gib} from smbd: each client"),
        (
            "smb get <- smbd",
            Box::new(|| timed(&mut env.smb(&["get", &env.url("big.bin"), "/dev/null"]))),
        ),
        (
            "smbclient <- smbd",
            Box::new(|| timed(&mut smbclient(sp, "get big.bin /dev/null", &dl))),
        ),
        r,
        Some(1.5),
    )?);
    for ex in ["blocking_get", "tokio_get", "smol_get"] {
        let exe = env.examples.join(ex);
        let addr = format!("127.0.0.1:{sp}");
        rows.push(compare(
            &format!("2. read {gib} from smbd: {ex} example"),
            (
                ex,
                Box::new(move || {
                    timed(Command::new(&exe).args([
                        addr.as_str(),
                        "share",
                        "big.bin",
                        "/dev/null",
                        "smbtest",
                        "smbpass",
                    ]))
                }),
            ),
            (
                "smbclient <- smbd",
                Box::new(|| timed(&mut smbclient(sp, "get big.bin /dev/null", &dl))),
            ),
            r,
            Some(1.5),
        )?);
    }
    let oop = env.ours_os.port;
    rows.push(compare(
        &format!("3. write {gib}: smbclient to each server"),
        (
            "smbclient -> smb serve (os)",
            Box::new(|| timed(&mut smbclient(oop, "put big.bin up.bin", &dl))),
        ),
        (
            "smbclient -> smbd",
            Box::new(|| timed(&mut smbclient(sp, "put big.bin up.bin", &dl))),
        ),
        r,
        Some(1.25),
    )?);
    // The disk is shared: written copies go once their row is done.
    let drop_copies = |name: &str| {
        for dir in [env.smbd.share_dir(), env.ours_os.share_dir().to_path_buf()] {
            let _ = std::fs::remove_file(dir.join(name));
        }
    };
    drop_copies("up.bin");
    rows.extend(crate::bench_disk::rows(
        op,
        env.ours.share_dir(),
        &dl,
        o.big_mib,
        &gib,
        r,
    )?);
    let src = dl.join("big.bin").to_string_lossy().into_owned();
    rows.push(compare(
        &format!("3. write {gib} to smbd: each client"),
        (
            "smb put -> smbd",
            Box::new(|| timed(&mut env.smb(&["put", &src, &env.url("up2.bin")]))),
        ),
        (
            "smbclient -> smbd",
            Box::new(|| timed(&mut smbclient(sp, "put big.bin up2.bin", &dl))),
        ),
        r,
        Some(1.25),
    )?);
    drop_copies("up2.bin");
    let small_cmd = "prompt off; recurse off; cd small; lcd small-out; mget *";
    std::fs::create_dir_all(dl.join("small-out")).map_err(|e| e.to_string())?;
    rows.push(compare(
        "4. 1000 files of 4 KiB: smbclient from each server",
        (
            "smbclient <- smb serve",
            Box::new(|| timed(&mut smbclient(op, small_cmd, &dl))),
        ),
        (
            "smbclient <- smbd",
            Box::new(|| timed(&mut smbclient(sp, small_cmd, &dl))),
        ),
        r,
        Some(1.5),
    )?);
    let small_dst = dl.join("small-smb").to_string_lossy().into_owned();
    rows.push(compare(
        "4. 1000 files of 4 KiB from smbd: each client",
        (
            "smb get -r <- smbd",
            Box::new(|| {
                let _ = std::fs::remove_dir_all(&small_dst);
                timed(&mut env.smb(&["get", "-r", &env.url("small"), &small_dst]))
            }),
        ),
        (
            "smbclient mget <- smbd",
            Box::new(|| timed(&mut smbclient(sp, small_cmd, &dl))),
        ),
        r,
        Some(1.5),
    )?);
    rows.push(compare(
        "5. list 10,000 entries: smbclient from each server",
        (
            "smbclient <- smb serve",
            Box::new(|| timed(&mut smbclient(op, "ls many\\*", &dl))),
        ),
        (
            "smbclient <- smbd",
            Box::new(|| timed(&mut smbclient(sp, "ls many\\*", &dl))),
        ),
        r,
        None,
    )?);
    rows.push(compare(
        "5. list 10,000 entries from smbd: each client",
        (
            "smb ls <- smbd",
            Box::new(|| timed(&mut env.smb(&["ls", &env.url("many")]))),
        ),
        (
            "smbclient ls <- smbd",
            Box::new(|| timed(&mut smbclient(sp, "ls many\\*", &dl))),
        ),
        r,
        None,
    )?);
    // 6. The raw TCP ceiling for the same number of bytes, interleaved with our own
    // end-to-end read (our client from our server), so both see the same machine.
    let tcp_exe = env.examples.join("tcp_ceiling");
    let mib = o.big_mib.to_string();
    let url_ours = env.url_on(op, "big.bin");
    let e2e = compare(
        &format!("6. read {gib}, ours end to end, vs raw TCP"),
        (
            "smb get <- smb serve",
            Box::new(|| timed(&mut env.smb(&["get", &url_ours, "/dev/null"]))),
        ),
        (
            "raw TCP (tcp_ceiling)",
            Box::new(|| {
                let out = Command::new(&tcp_exe)
                    .arg(&mib)
                    .output()
                    .map_err(|e| e.to_string())?;
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse::<f64>()
                    .map_err(|e| e.to_string())
            }),
        ),
        r,
        Some(0.70),
    )?;
    let tcp = e2e.theirs_median;
    rows.push(e2e);
    rows.extend(crate::bench_s3::rows(&env.smb, env.local.path(), o)?);
    // 9, 10. Many clients at once.
    rows.extend(crate::bench_many::rows(
        env.ours_os.port,
        sp,
        [env.ours_os.share_dir(), &env.smbd.share_dir()],
        r.min(3),
        &crate::bench_many::Crowd::default(),
    )?);
    // 7. Idle sessions.
    let mut mem_rows = Vec::new();
    if o.idle_sessions > 0 {
        mem_rows = crate::bench_sessions::rows(&env.smb, &env.smbd, o)?;
    }
    let md = render(&rows, &mem_rows, tcp, o);
    rows.extend(mem_rows);
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("bench.md"), &md).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("bench.png"), chart(&rows).png()).map_err(|e| e.to_string())?;
    Ok((rows, md))
}

/// Row 8 alone: builds `smb`, writes the big file, compares.
fn run_s3(root: &Path, o: &BenchOptions) -> Result<(Vec<Row>, String), String> {
    let st = Command::new("cargo")
        .args(["build", "--release", "--bin", "smb"])
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !st.success() {
        return Err("building smb failed".into());
    }
    let local = TempDir::new("bench");
    let big = smb_testkit::pattern(o.big_mib << 20, 42);
    std::fs::write(local.path().join("big.bin"), &big).map_err(|e| e.to_string())?;
    drop(big);
    let rows = crate::bench_s3::rows(&root.join("target/release/smb"), local.path(), o)?;
    let md = render(&rows, &[], 0.0, o);
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("bench-s3.md"), &md).map_err(|e| e.to_string())?;
    Ok((rows, md))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let samba = Command::new("smbd")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "{cores} cores, {cpu}, Linux {}, Samba {}",
        kernel.trim(),
        samba.trim_start_matches("Version ")
    )
}

fn render(rows: &[Row], mem: &[Row], tcp: f64, o: &BenchOptions) -> String {
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut s = format!(
        "Benchmark of {date} on {} (loopback; one noisy machine: read the ratios, not the absolute numbers). \
         `cargo xtask bench` — {} rounds per comparison (three times as many where a round takes under a second a side), interleaved, sync(2) before each run (untimed), medians; ratio = Samba / ours (above 1: we are faster or smaller).\n\n",
        machine(),
        o.rounds
    );
    s += "| comparison | ours | median | Samba | median | ratio | target |\n|---|---|---:|---|---:|---:|---:|\n";
    for r in rows.iter().chain(mem) {
        let t = match r.target {
            Some(t) if r.ratio() >= t => format!(">= {t:.2} met"),
            Some(t) => format!(">= {t:.2} MISSED"),
            None => "-".into(),
        };
        s += &format!(
            "| {} | {} | {:.3} {} | {} | {:.3} {} | {:.2}x | {} |\n",
            r.name,
            r.ours,
            r.ours_median,
            r.unit,
            r.theirs,
            r.theirs_median,
            r.unit,
            r.ratio(),
            t
        );
    }
    if tcp > 0.0 {
        s += "\nRow 6: the ratio is our read's share of the raw TCP figure (one stream, the same bytes, interleaved).\n";
    }
    s += "Row 8: the ratio is the store's own S3 transfer time over the same transfer through an S3-backed share (target >= 0.8).\n";
    for r in rows.iter().filter(|r| {
        tcp > 0.0
            && (r.name.starts_with("1.")
                || r.name.starts_with("2. read") && r.ours.starts_with("smb get")
                || r.name.starts_with("6."))
    }) {
        s += &format!(
            "\n{} ({}): {:.0} % of the raw TCP figure (target >= 70 % for row 6).",
            r.name,
            r.ours,
            100.0 * tcp / r.ours_median
        );
    }
    s += "\nRows 9 and 10: rates (ratio = ours / Samba); row 9's p99 line is the 99th percentile latency of one operation (ratio above 1: ours is lower). Row 3's close-mode lines: the ratio is dd's time over ours (target >= 0.9 of the `conv=fdatasync` ceiling).\n";
    if let Some(m) = mem.first() {
        let total = m.ours_median * o.idle_sessions as f64 / 1024.0;
        s += &format!(
            "\nRow 7: smb serve {total:.1} MiB in all with {} idle sessions (target < 128 MiB: {}); smbd is given at most {} sessions (a process each), compared per session.",
            o.idle_sessions,
            if total < 128.0 { "met" } else { "MISSED" },
            crate::bench_sessions::SMBD_SESSIONS
        );
    }
    s + "\n"
}

fn chart(rows: &[Row]) -> Image {
    let bar_h = 26;
    let left = 560;
    let width = 1100;
    let h = 60 + rows.len() * (bar_h + 10) + 30;
    let mut img = Image::new(width, h);
    img.text(
        10,
        12,
        "RATIO SAMBA / OURS (RIGHT OF THE LINE AT 1: WE ARE FASTER OR SMALLER)",
        2,
        [0, 0, 0],
    );
    let max = rows.iter().map(Row::ratio).fold(2.0f64, f64::max).min(4.0);
    let scale = (width - left - 80) as f64 / max;
    let x1 = left + scale as usize;
    for (i, r) in rows.iter().enumerate() {
        let y = 50 + i * (bar_h + 10);
        let label: String = r.name.chars().take(44).collect();
        img.text(10, y + 6, &label, 2, [40, 40, 40]);
        let w = (r.ratio().min(max) * scale) as usize;
        let color = match r.target {
            Some(t) if r.ratio() < t => [200, 60, 60],
            _ if r.ratio() >= 1.0 => [60, 140, 60],
            _ => [200, 140, 40],
        };
        img.rect(left, y, w.max(1), bar_h, color);
        img.text(
            left + w + 6,
            y + 6,
            &format!("{:.2}X", r.ratio()),
            2,
            [0, 0, 0],
        );
    }
    img.rect(x1, 40, 2, h - 60, [0, 0, 0]);
    img
}
