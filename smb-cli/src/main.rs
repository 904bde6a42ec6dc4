//! The `smb` command: an SMB1 client and `smb serve`.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod accounts;
mod audit_log;
mod client_cmd;
mod events;
mod name_service;
mod reload;
mod resolve;
mod serve;
mod serve_s3;
mod share_access;
mod shell;
mod transfer;
mod url;
mod user_cmd;

use client_cmd::{ClientOpts, Failure};
use url::SmbUrl;

const AFTER_HELP: &str = "URL: smb://[DOMAIN;]USER[:PASSWORD]@HOST[:PORT]/SHARE/PATH
  The password may also come from SMB_PASSWORD or a prompt; no user means anonymous.
  A HOST that DNS does not know is looked up as a NetBIOS name (--nbns or SMB_NBNS
  names the name server; without it, by broadcast).
  Port 139 uses a NetBIOS session request (or pass --netbios).

Exit codes: 0 success, 1 the server refused the operation (not found, access denied...),
2 bad arguments or a local file problem, 3 connection failure (refused, timed out,
SMB1 disabled), 4 authentication failure.";

#[derive(Parser)]
#[command(name = "smb", version, about = "An SMB1 (CIFS) client and server", after_help = AFTER_HELP)]
struct Cli {
    /// More output (repeat for more); tracing goes to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve folders over SMB1 (`smb serve --help`: the whole manual).
    #[command(
        long_about = serve::SERVE_ABOUT,
        after_long_help = serve::SERVE_MANUAL,
        after_help = "`smb serve --help` shows the whole manual: accounts, per-share access, audit log, signals, files."
    )]
    Serve(serve::ServeArgs),
    /// Keep the accounts of `smb serve` (password hashes in a file): add, del, list,
    /// passwd.
    User {
        #[command(subcommand)]
        cmd: user_cmd::UserCmd,
    },
    /// List a directory.
    Ls {
        /// smb://.../SHARE/PATH
        url: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Download a file (`-` writes to stdout), or a tree with -r.
    Get {
        /// smb://.../SHARE/PATH
        url: String,
        /// Local file or directory.
        local: Option<String>,
        /// Copy a whole directory tree into LOCAL.
        #[arg(short, long)]
        recursive: bool,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Upload a file, or a tree with -r.
    Put {
        /// Local file (or directory with -r).
        local: String,
        /// smb://.../SHARE/PATH
        url: String,
        /// Copy a whole directory tree.
        #[arg(short, long)]
        recursive: bool,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Print a file to stdout.
    Cat {
        /// smb://.../SHARE/PATH
        url: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Delete a file.
    Rm {
        /// smb://.../SHARE/PATH
        url: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Create a directory.
    Mkdir {
        /// smb://.../SHARE/PATH
        url: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Remove an empty directory.
    Rmdir {
        /// smb://.../SHARE/PATH
        url: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Rename or move within a share.
    Mv {
        /// smb://.../SHARE/PATH
        url: String,
        /// New path in the same share.
        new_path: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Show information about a file or directory.
    Stat {
        /// smb://.../SHARE/PATH
        url: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// List the shares of a server.
    Shares {
        #[arg(help = "smb://[USER@]HOST[:PORT]")]
        url: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Look up a server's NetBIOS name (NAME<20>) and print its addresses.
    Lookup {
        /// The NetBIOS name.
        name: String,
        #[command(flatten)]
        o: resolve::NbnsOpts,
    },
    /// An interactive prompt on a share (ls, cd, get, put, mkdir, rm, exit...).
    Shell {
        #[arg(help = "smb://.../SHARE[/PATH]")]
        url: String,
        #[command(flatten)]
        o: ClientOpts,
    },
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

fn parse(u: &str) -> Result<SmbUrl, Failure> {
    SmbUrl::parse(u).map_err(Failure::usage)
}

fn run(cli: Cli) -> Result<(), Failure> {
    let quiet = cli.quiet;
    match &cli.cmd {
        Cmd::Serve(_) | Cmd::User { .. } | Cmd::Completions { .. } => unreachable!(),
        Cmd::Ls { url, o } => client_cmd::ls(&parse(url)?, o),
        Cmd::Shell { url, o } => shell::run(&parse(url)?, o),
        Cmd::Get {
            url,
            local,
            recursive,
            o,
        } => transfer::get(&parse(url)?, local.as_deref(), *recursive, quiet, o),
        Cmd::Put {
            local,
            url,
            recursive,
            o,
        } => transfer::put(local, &parse(url)?, *recursive, quiet, o),
        Cmd::Cat { url, o } => transfer::cat(&parse(url)?, o),
        Cmd::Rm { url, o } => client_cmd::simple(&parse(url)?, o, "rm"),
        Cmd::Mkdir { url, o } => client_cmd::simple(&parse(url)?, o, "mkdir"),
        Cmd::Rmdir { url, o } => client_cmd::simple(&parse(url)?, o, "rmdir"),
        Cmd::Mv { url, new_path, o } => client_cmd::mv(&parse(url)?, new_path, o),
        Cmd::Stat { url, o } => client_cmd::stat(&parse(url)?, o),
        Cmd::Shares { url, o } => client_cmd::shares(&parse(url)?, o),
        Cmd::Lookup { name, o } => resolve::lookup(name, o),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    // Colours only on a terminal: a log file (or fail2ban reading one) gets plain text.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .try_init();
    match cli.cmd {
        Cmd::Serve(a) => return serve::run(a),
        Cmd::User { cmd } => return user_cmd::run(cmd),
        Cmd::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "smb", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("smb: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
