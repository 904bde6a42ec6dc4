//! `smb user add|del|list|passwd`: the accounts of `smb serve` (see [`crate::accounts`]
//! for the file). Passwords come from a prompt (asked twice), `SMB_PASSWORD`, or the
//! first line of standard input when it is not a terminal; never from the command line.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::accounts::{self, Entry};

/// Where the database is when neither `--db` nor `--config` says.
pub const DEFAULT_DB: &str = "/etc/smb-serve/users";

/// Which database, and whether LM hashes are kept.
#[derive(Args, Debug)]
pub struct DbArgs {
    /// The account database [default: `users` of --config, else /etc/smb-serve/users].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// An `smb serve` configuration file: its `users` is the database, and its
    /// `allow_lm` keeps LM hashes.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `smb user` subcommands.
#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add an account (the password from a prompt, SMB_PASSWORD or standard input).
    Add {
        /// User name (1 to 64 characters, no ':').
        name: String,
        #[command(flatten)]
        db: DbArgs,
        /// Keep the LM hash too, for old clients of a server with allow_lm (weak: only
        /// for devices that cannot do better).
        #[arg(long)]
        allow_lm: bool,
    },
    /// Change an account's password.
    Passwd {
        /// User name.
        name: String,
        #[command(flatten)]
        db: DbArgs,
        /// Keep the LM hash too (see `add`).
        #[arg(long)]
        allow_lm: bool,
    },
    /// Delete an account.
    Del {
        /// User name.
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the accounts (with `lm` after those that keep an LM hash).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// The database path and whether the configuration asks for LM hashes.
fn resolve(d: &DbArgs) -> Result<(PathBuf, bool), String> {
    let file = match &d.config {
        Some(p) => Some(crate::serve::load_config(p)?),
        None => None,
    };
    let lm = file.as_ref().is_some_and(|f| f.allow_lm);
    let path =
        d.db.clone()
            .or_else(|| file.and_then(|f| f.users_db))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    Ok((path, lm))
}

/// The new password: `SMB_PASSWORD`, a prompt on a terminal (twice), or the first line
/// of standard input.
fn new_password(name: &str) -> Result<String, String> {
    let p = if let Ok(p) = std::env::var("SMB_PASSWORD") {
        p
    } else if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password(format!("New password for {name}: "))
            .map_err(|e| format!("cannot read the password: {e}"))?;
        let again = rpassword::prompt_password("Again: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        if p != again {
            return Err("the passwords differ".into());
        }
        p
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        let end = line.trim_end_matches(['\n', '\r']).len();
        line.truncate(end);
        line
    };
    if p.is_empty() {
        return Err(
            "an empty password: give one in SMB_PASSWORD, at the prompt or on standard input"
                .into(),
        );
    }
    Ok(p)
}

/// Hashes the password; says so when an LM hash was asked for and the password has none.
fn entry(name: &str, pw: &str, lm: bool) -> Entry {
    let e = Entry::new(name, pw, lm);
    if lm && e.lm.is_none() {
        eprintln!(
            "smb user: warning: a password of more than 14 characters has no LM hash; \
             {name} cannot log on with LM"
        );
    }
    e
}

fn run_inner(cmd: UserCmd) -> Result<(), String> {
    match cmd {
        UserCmd::Add { name, db, allow_lm } => {
            accounts::check_name(&name)?;
            let (path, lm) = resolve(&db)?;
            if accounts::load(&path)
                .ok()
                .is_some_and(|v| accounts::position(&v, &name).is_some())
            {
                return Err(format!(
                    "{name} is already in {}: use smb user passwd",
                    path.display()
                ));
            }
            let pw = new_password(&name)?;
            let e = entry(&name, &pw, lm || allow_lm);
            accounts::update(&path, true, |v| match accounts::position(v, &name) {
                Some(_) => Err(format!("{name} is already in {}", path.display())),
                None => {
                    v.push(e);
                    Ok(())
                }
            })?;
            eprintln!("smb user: added {name} to {}", path.display());
        }
        UserCmd::Passwd { name, db, allow_lm } => {
            let (path, lm) = resolve(&db)?;
            let v = accounts::load(&path)?;
            if accounts::position(&v, &name).is_none() {
                return Err(format!("no account {name} in {}", path.display()));
            }
            let pw = new_password(&name)?;
            accounts::update(&path, false, |v| {
                let i = accounts::position(v, &name)
                    .ok_or_else(|| format!("no account {name} in {}", path.display()))?;
                v[i] = entry(&v[i].name, &pw, lm || allow_lm);
                Ok(())
            })?;
            eprintln!("smb user: changed the password of {name}");
        }
        UserCmd::Del { name, db } => {
            let (path, _) = resolve(&db)?;
            accounts::update(&path, false, |v| {
                let i = accounts::position(v, &name)
                    .ok_or_else(|| format!("no account {name} in {}", path.display()))?;
                v.remove(i);
                Ok(())
            })?;
            eprintln!("smb user: deleted {name} from {}", path.display());
        }
        UserCmd::List { db } => {
            let (path, _) = resolve(&db)?;
            for e in accounts::load(&path)? {
                match e.lm {
                    Some(_) => println!("{}\tlm", e.name),
                    None => println!("{}", e.name),
                }
            }
        }
    }
    Ok(())
}

/// Runs `smb user`.
pub fn run(cmd: UserCmd) -> ExitCode {
    let changes = !matches!(cmd, UserCmd::List { .. });
    match run_inner(cmd) {
        Ok(()) => {
            if changes {
                eprintln!(
                    "smb user: a running smb serve takes the change on SIGHUP \
                     (systemctl reload smb-serve)"
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("smb user: {e}");
            ExitCode::from(2)
        }
    }
}
