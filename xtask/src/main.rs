//! `cargo xtask`: decode captures, seed fuzz corpora, run fuzzers, benchmarks and load.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "Project tooling for the SMB1 stack")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Decode every SMB1 message of a pcap capture, re-encode it and compare.
    Decode {
        /// The capture (libpcap format).
        file: PathBuf,
        /// Verify logins by this user.
        #[arg(long, requires = "password")]
        user: Option<String>,
        /// The user's password.
        #[arg(long, requires = "user")]
        password: Option<String>,
        /// Print only the summary line.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write fuzz corpus seeds from the captures (fuzz/corpus/<target>/seed-*).
    FuzzSeed,
    /// Our server and client side by side with Samba; writes target/bench/bench.{md,png}.
    Bench {
        /// Interleaved rounds per comparison.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Size of the big file in MiB.
        #[arg(long, default_value_t = 1024)]
        big_mib: usize,
        /// Idle sessions for the memory comparison (0: skip).
        #[arg(long, default_value_t = 10_000)]
        idle_sessions: usize,
        /// Only row 8: an S3-backed share against the store's own S3 client.
        #[arg(long)]
        only_s3: bool,
        /// Only row 7: idle sessions (memory and logon time), ours and smbd's.
        #[arg(long, conflicts_with = "only_s3")]
        only_sessions: bool,
        /// Only the read rows: 1, 2 (with the adapter examples) and 6.
        #[arg(long, conflicts_with_all = ["only_s3", "only_sessions"])]
        only_reads: bool,
    },
    /// Many concurrent clients against `smb serve`, checksums everywhere, then a fault run.
    Load {
        /// Concurrent clients.
        #[arg(long, default_value_t = 500)]
        clients: usize,
        /// Clients aborted mid-write and mid-read in the fault run.
        #[arg(long, default_value_t = 40)]
        faults: usize,
        /// Bytes of each client's own file.
        #[arg(long, default_value_t = 256 * 1024)]
        file_size: usize,
    },
    /// smbtorture's SMB1 suites against a private smbd and against `smb serve`: parity,
    /// target/torture/parity.md, and a check against xtask/torture-baseline.txt.
    Torture {
        /// Run only these suites (comma-separated, e.g. base.lock,raw.read).
        #[arg(long, value_delimiter = ',')]
        suites: Option<Vec<String>>,
        /// Seconds per suite and server before smbtorture is killed.
        #[arg(long, default_value_t = 240)]
        time_limit: u64,
        /// Rewrite the baseline from this run (only the suites that ran).
        #[arg(long)]
        update: bool,
        /// Force a pre-NT dialect family (LANMAN1 or LANMAN2, LM logon) on both sides:
        /// the base.* suites by default, parity only (no baseline).
        #[arg(long)]
        max_protocol: Option<String>,
    },
    /// Run fuzz targets (all, or one) for a time each; prints executions per target.
    Fuzz {
        /// decode | auth | server | client | rpc (default: all).
        target: Option<String>,
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        time: u64,
        /// Parallel fuzzing processes per target.
        #[arg(long, default_value_t = 1)]
        jobs: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Bench {
            rounds,
            big_mib,
            idle_sessions,
            only_s3,
            only_sessions,
            only_reads,
        } => {
            let o = xtask::bench::BenchOptions {
                rounds,
                big_mib,
                idle_sessions,
                only_s3,
                only_sessions,
                only_reads,
            };
            match xtask::bench::run(&xtask::fuzz::repo_root(), &o) {
                Ok((_, md)) => {
                    print!("{md}");
                    println!("written: target/bench/bench.md, target/bench/bench.png");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("bench: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Load {
            clients,
            faults,
            file_size,
        } => {
            let o = xtask::load::LoadOptions {
                clients,
                faults,
                file_size,
            };
            match xtask::load::run(&xtask::fuzz::repo_root(), &o) {
                Ok(report) => {
                    print!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Torture {
            suites,
            time_limit,
            update,
            max_protocol,
        } => {
            let o = xtask::torture::TortureOptions {
                suites,
                time_limit: std::time::Duration::from_secs(time_limit),
                update,
                max_protocol,
            };
            match xtask::torture::run(&xtask::fuzz::repo_root(), &o) {
                Ok(report) => {
                    print!("{}", report.text);
                    if report.ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(e) => {
                    eprintln!("torture: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::FuzzSeed => match xtask::fuzz::seed() {
            Ok(n) => {
                println!("{n} seed files written under fuzz/corpus/");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Fuzz { target, time, jobs } => {
            if let Err(e) = xtask::fuzz::seed() {
                eprintln!("error: seeding: {e}");
                return ExitCode::FAILURE;
            }
            let targets: Vec<String> = match target {
                Some(t) => vec![t],
                None => xtask::fuzz::TARGETS.iter().map(|s| s.to_string()).collect(),
            };
            for t in targets {
                match xtask::fuzz::run(&t, time, jobs) {
                    Ok(execs) => println!("{t}: {time} s, {execs} executions, no crash"),
                    Err(e) => {
                        eprintln!("{e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Cmd::Decode {
            file,
            user,
            password,
            quiet,
        } => {
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            let creds = match (user, password) {
                (Some(user), Some(password)) => Some(xtask::decode::Credentials { user, password }),
                _ => None,
            };
            match xtask::decode::decode_capture(&bytes, creds.as_ref()) {
                Ok(report) => {
                    if !quiet {
                        for l in &report.lines {
                            println!("{l}");
                        }
                    }
                    println!("{}", report.summary());
                    let logins_ok = report.logins.is_none_or(|l| l.rejected == 0);
                    if report.ok() && logins_ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(e) => {
                    eprintln!("error: {}: {e}", file.display());
                    ExitCode::from(2)
                }
            }
        }
    }
}
