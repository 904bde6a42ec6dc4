//! `smb serve`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use smb_blocking::server::{Server, ServerOptions};
use smb_localfs::{LocalFs, SharedFs};
use smb_proto::auth::{AuthPolicy, MemoryAccounts};
use smb_proto::server::{ServerConfig, ShareConfig, SigningMode};

use crate::accounts::SharedAccounts;
use crate::audit_log::{AuditLog, LogFormat};

/// Signing modes on the command line.
#[derive(Clone, Copy, Debug, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SigningArg {
    /// Never sign.
    Off,
    /// Sign when the client asks.
    On,
    /// Refuse clients that do not sign.
    Required,
}

/// Server engines.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// smb-tokio: async connections, file operations on tokio's blocking pool.
    Tokio,
    /// smb-blocking: a thread per connection.
    Threads,
}

/// `smb serve` arguments.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Settings from a TOML file (see smb-serve.example.toml); options given on the
    /// command line add to it (shares, users) or override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on (default: `[::]:445`, IPv4 and IPv6 alike).
    #[arg(
        long,
        value_name = "ADDR:PORT",
        help = "Address and port to listen on [default: [::]:445, IPv4 and IPv6 alike; \
                0.0.0.0:445 where the machine has no IPv6]"
    )]
    pub listen: Option<String>,
    /// A writable share: NAME=PATH (repeatable).
    #[arg(long = "share", value_name = "NAME=PATH")]
    pub shares: Vec<String>,
    /// A read-only share: NAME=PATH (repeatable).
    #[arg(long = "ro-share", value_name = "NAME=PATH")]
    pub ro_shares: Vec<String>,
    /// An account: NAME:PASSWORD (repeatable). For quick tests only: the password is
    /// visible to every local user in the process list; use --users.
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    pub users: Vec<String>,
    /// The account database (`smb user add NAME --db FILE`): password hashes, no
    /// passwords. Read again on SIGHUP.
    #[arg(long = "users", value_name = "FILE")]
    pub users_db: Option<PathBuf>,
    /// Audit log lines as text or as JSON objects [default: text].
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Append the audit log to FILE (reopened on SIGHUP, for log rotation) [default:
    /// standard error].
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// NetBIOS session service framing (port 139; implied when the port is 139). Direct
    /// TCP (445) also accepts a session request first, as Samba does.
    #[arg(long)]
    pub netbios: bool,
    /// Allow anonymous and guest logins; map unknown users to guest.
    #[arg(long)]
    pub guest: bool,
    /// Accept NTLMv1 and NTLM2 session responses.
    #[arg(long)]
    pub allow_ntlmv1: bool,
    /// Accept LM responses.
    #[arg(long)]
    pub allow_lm: bool,
    /// How connections are served: `tokio` (async tasks, file operations on a thread
    /// pool) or `threads` (one thread per connection).
    /// [default: tokio]
    #[arg(long, value_enum)]
    pub engine: Option<Engine>,
    /// Message signing [default: on].
    #[arg(long, value_enum)]
    pub signing: Option<SigningArg>,
}

fn split_share(s: &str) -> Result<(String, PathBuf), String> {
    let (n, p) = s
        .split_once('=')
        .ok_or_else(|| format!("share {s:?}: expected NAME=PATH"))?;
    if n.is_empty() || n.len() > 12 {
        return Err(format!("share name {n:?}: 1 to 12 characters"));
    }
    Ok((n.to_string(), PathBuf::from(p)))
}

/// The TOML configuration file (every field optional).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address and port.
    pub listen: Option<String>,
    /// Server engine.
    pub engine: Option<Engine>,
    /// Signing.
    pub signing: Option<SigningArg>,
    /// Anonymous and guest logins.
    #[serde(default)]
    pub guest: bool,
    /// NTLMv1 and NTLM2 session responses.
    #[serde(default)]
    pub allow_ntlmv1: bool,
    /// LM responses.
    #[serde(default)]
    pub allow_lm: bool,
    /// NetBIOS name of the server.
    pub server_name: Option<String>,
    /// Workgroup or domain name.
    pub workgroup: Option<String>,
    /// Shares.
    #[serde(default, rename = "share")]
    pub shares: Vec<FileShare>,
    /// Accounts.
    #[serde(default, rename = "user")]
    pub users: Vec<FileUser>,
    /// The account database (hashes), kept with `smb user`.
    #[serde(rename = "users")]
    pub users_db: Option<PathBuf>,
    /// Audit log format.
    pub log_format: Option<LogFormat>,
    /// Audit log file (else standard error).
    pub audit_log: Option<PathBuf>,
    /// Limits.
    #[serde(default)]
    pub limits: FileLimits,
}

/// A `[[share]]` table.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileShare {
    /// Share name (1 to 12 characters).
    pub name: String,
    /// The folder.
    pub path: PathBuf,
    /// Refuse changes.
    #[serde(default)]
    pub read_only: bool,
    /// Remark shown in share listings.
    #[serde(default)]
    pub comment: String,
    /// Accounts that may read (with `write`: only the accounts named may connect).
    pub read: Option<Vec<String>>,
    /// Accounts that may write.
    pub write: Option<Vec<String>>,
    /// Writers may drop new files but not list, read, rename or delete.
    #[serde(default)]
    pub drop_box: bool,
    /// Guest and anonymous sessions may connect [default: the server's `guest`].
    pub guest: Option<bool>,
    /// Listed in share enumerations [default: true].
    pub browseable: Option<bool>,
}

/// A `[[user]]` table.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileUser {
    /// User name.
    pub name: String,
    /// Password.
    pub password: String,
}

/// The `[limits]` table.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLimits {
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Sessions per connection.
    pub max_sessions: Option<usize>,
    /// Trees per connection.
    pub max_trees: Option<usize>,
    /// Open files per connection.
    pub max_open_files: Option<usize>,
    /// Open searches per connection.
    pub max_searches: Option<usize>,
    /// Largest frame, in bytes.
    pub max_frame: Option<usize>,
    /// Close connections idle for this many seconds.
    pub idle_timeout_secs: Option<u64>,
    /// Close connections whose frame stays half-received this long (slowloris).
    pub frame_timeout_secs: Option<u64>,
    /// Close connections that have not logged on within this long.
    pub login_timeout_secs: Option<u64>,
}

/// Reads and checks a configuration file.
pub fn load_config(path: &std::path::Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs `smb serve`.
pub fn run(a: ServeArgs) -> ExitCode {
    match serve(a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smb serve: {e}");
            ExitCode::from(2)
        }
    }
}

/// What one (re)load of the arguments and the configuration file gives.
pub(crate) struct Plan {
    /// Where to listen, in order of preference.
    pub listen: Vec<String>,
    /// Server engine.
    pub engine: Engine,
    /// Framing.
    pub transport: smb_proto::wire::Transport,
    /// Connections served at once.
    pub max_connections: usize,
    /// The protocol configuration (its accounts: the shared store given to [`plan`]).
    pub config: ServerConfig,
    /// The accounts to put in that store.
    pub accounts: MemoryAccounts,
    /// How many (distinct names).
    pub account_count: usize,
    /// The folder of each share, by share index, and whether it is read-only.
    pub roots: Vec<(PathBuf, bool)>,
    /// Audit log format.
    pub log_format: LogFormat,
    /// Audit log file (`None`: standard error).
    pub audit_log: Option<PathBuf>,
    /// Things the operator should know.
    pub warnings: Vec<String>,
}

/// Reads the configuration file and the account database again and works out the
/// whole configuration from them and the command line; nothing is changed.
pub(crate) fn plan(a: &ServeArgs, store: Arc<SharedAccounts>) -> Result<Plan, String> {
    let file = match &a.config {
        Some(p) => load_config(p)?,
        None => FileConfig::default(),
    };
    let listen = match a.listen.clone().or(file.listen.clone()) {
        Some(l) => vec![l],
        None => vec!["[::]:445".into(), "0.0.0.0:445".into()],
    };
    let engine = a.engine.or(file.engine).unwrap_or(Engine::Tokio);
    let signing = a.signing.or(file.signing).unwrap_or(SigningArg::On);
    let guest = a.guest || file.guest;
    let mut shares = Vec::new();
    let mut roots = Vec::new();
    for sh in &file.shares {
        if sh.name.is_empty() || sh.name.len() > 12 {
            return Err(format!("share name {:?}: 1 to 12 characters", sh.name));
        }
        if !sh.path.is_dir() {
            return Err(format!(
                "share {}: {} is not a folder",
                sh.name,
                sh.path.display()
            ));
        }
        shares.push(ShareConfig {
            name: sh.name.clone(),
            read_only: sh.read_only,
            comment: sh.comment.clone(),
            access: crate::share_access::of_file_share(sh, guest)?,
        });
        roots.push((sh.path.clone(), sh.read_only));
    }
    for (s, ro) in a
        .shares
        .iter()
        .map(|s| (s, false))
        .chain(a.ro_shares.iter().map(|s| (s, true)))
    {
        let (name, path) = split_share(s)?;
        if !path.is_dir() {
            return Err(format!("share {name}: {} is not a folder", path.display()));
        }
        shares.push(ShareConfig {
            name,
            read_only: ro,
            comment: String::new(),
            access: crate::share_access::of_command_line(guest),
        });
        roots.push((path, ro));
    }
    if shares.is_empty() {
        return Err(
            "no share: give at least one --share NAME=PATH (or [[share]] in --config)".into(),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in &shares {
        if !seen.insert(smb_proto::server::path::fold_case(&s.name)) {
            return Err(format!("share {} is there twice", s.name));
        }
    }
    let allow_lm = a.allow_lm || file.allow_lm;
    let mut warnings = Vec::new();
    let mut accounts = MemoryAccounts::new();
    let mut names = std::collections::BTreeSet::new();
    if let Some(db) = a.users_db.as_ref().or(file.users_db.as_ref()) {
        let entries = crate::accounts::load(db)?;
        let no_lm = entries.iter().filter(|e| e.lm.is_none()).count();
        if allow_lm && no_lm > 0 {
            warnings.push(format!(
                "allow_lm is on but {no_lm} account(s) of {} have no LM hash \
                 (smb user passwd NAME --allow-lm keeps one)",
                db.display()
            ));
        }
        for e in entries {
            names.insert(smb_proto::server::path::fold_case(&e.name));
            accounts.add_account(&e.name, e.account(allow_lm));
        }
    }
    for u in &file.users {
        names.insert(smb_proto::server::path::fold_case(&u.name));
        accounts.add(&u.name, &u.password);
    }
    if !a.users.is_empty() {
        warnings.push(
            "--user puts passwords in the process list, visible to every local user: \
             for more than a quick test, keep accounts with `smb user add` and --users FILE"
                .into(),
        );
    }
    for u in &a.users {
        let (n, p) = u
            .split_once(':')
            .ok_or_else(|| format!("user {u:?}: expected NAME:PASSWORD"))?;
        names.insert(smb_proto::server::path::fold_case(n));
        accounts.add(n, p);
    }
    let mut config = ServerConfig::new(shares, store);
    config.policy = AuthPolicy {
        allow_ntlmv1: a.allow_ntlmv1 || file.allow_ntlmv1,
        allow_lm,
        allow_guest: crate::share_access::guest_logons(guest, &file.shares),
    };
    if let Some(n) = &file.server_name {
        config.server_name = n.to_uppercase();
    }
    if let Some(w) = &file.workgroup {
        config.domain = w.to_uppercase();
    }
    let l = &file.limits;
    let lim = &mut config.limits;
    if let Some(v) = l.max_sessions {
        lim.max_sessions = v;
    }
    if let Some(v) = l.max_trees {
        lim.max_trees = v;
    }
    if let Some(v) = l.max_open_files {
        lim.max_open_files = v;
    }
    if let Some(v) = l.max_searches {
        lim.max_searches = v;
    }
    if let Some(v) = l.max_frame {
        lim.max_frame = v;
    }
    if let Some(v) = l.idle_timeout_secs {
        lim.idle_timeout = std::time::Duration::from_secs(v);
    }
    if let Some(v) = l.frame_timeout_secs {
        lim.frame_timeout = std::time::Duration::from_secs(v);
    }
    if let Some(v) = l.login_timeout_secs {
        lim.login_timeout = std::time::Duration::from_secs(v);
    }
    config.signing = match signing {
        SigningArg::Off => SigningMode::Off,
        SigningArg::On => SigningMode::Enabled,
        SigningArg::Required => SigningMode::Required,
    };
    let transport = if a.netbios || listen[0].ends_with(":139") {
        smb_proto::wire::Transport::Netbios
    } else {
        smb_proto::wire::Transport::Direct
    };
    Ok(Plan {
        listen,
        engine,
        transport,
        max_connections: l.max_connections.unwrap_or(1024),
        config,
        accounts,
        account_count: names.len(),
        roots,
        log_format: a.log_format.or(file.log_format).unwrap_or_default(),
        audit_log: a.audit_log.clone().or(file.audit_log),
        warnings,
    })
}

/// The file system serving these share folders.
pub(crate) fn open_fs(roots: &[(PathBuf, bool)]) -> Result<SharedFs, String> {
    let fs = LocalFs::new(roots).map_err(|e| format!("cannot open a share folder: {e}"))?;
    Ok(Arc::new(fs))
}

/// Prints where the server listens and an smbclient command for each share.
fn print_shares(addr: std::net::SocketAddr, shares: &[ShareConfig]) {
    println!("smb serve: listening on {addr}");
    let host = if addr.ip().is_unspecified() {
        "localhost".to_string()
    } else {
        addr.ip().to_string()
    };
    for s in shares.iter().filter(|s| !s.is_retired()) {
        let what = match (s.read_only, s.access.drop_box) {
            (true, _) => "(read-only)",
            (false, true) => "(drop box)",
            _ => "",
        };
        println!(
            "  share {:<12} {what} smbclient //{host}/{} -p {} -m NT1 --option='client min protocol=NT1' -U USER",
            s.name,
            s.name,
            addr.port()
        );
    }
}

fn serve(a: ServeArgs) -> Result<(), String> {
    let store = SharedAccounts::new(MemoryAccounts::new());
    let p = plan(&a, store.clone())?;
    for w in &p.warnings {
        eprintln!("smb serve: warning: {w}");
    }
    store.replace(p.accounts.clone());
    let fs = open_fs(&p.roots)?;
    let log = Arc::new(AuditLog::open(p.log_format, p.audit_log.as_deref())?);
    let shares = p.config.shares.clone();
    let mut reloader = crate::reload::Reloader::new(a.clone(), store, log.clone(), &p);
    // SIGTERM / Ctrl-C: stop accepting, let requests in flight finish, close every
    // handle (flushing), then exit. SIGHUP: reload.
    let signals = crate::reload::Signals::install()?;
    let bind_error = |e: std::io::Error| format!("cannot listen on {}: {e}", p.listen.join(" or "));
    // Every address of every choice, in order: the first that binds is used.
    let mut addrs = Vec::new();
    for l in &p.listen {
        use std::net::ToSocketAddrs;
        addrs.extend(
            l.to_socket_addrs()
                .map_err(|e| format!("listen address {l}: {e}"))?,
        );
    }
    match p.engine {
        Engine::Threads => {
            let opts = ServerOptions {
                max_connections: p.max_connections,
                transport: p.transport,
            };
            let mut server =
                Server::bind(&addrs[..], p.config.clone(), fs.clone(), opts).map_err(bind_error)?;
            server.on_event(crate::audit_log::hook(log));
            print_shares(server.local_addr().map_err(|e| e.to_string())?, &shares);
            let stop = server.stop_handle().map_err(|e| e.to_string())?;
            let settings = server.settings();
            signals.watch(Box::new(move || stop.stop()), move || {
                reloader.reload(&settings)
            });
            server.run().map_err(|e| e.to_string())?;
        }
        Engine::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the runtime: {e}"))?;
            rt.block_on(async {
                let mut server = smb_tokio::Server::bind(&addrs[..], p.config.clone(), fs.clone())
                    .await
                    .map_err(bind_error)?;
                server.set_max_connections(p.max_connections);
                server.set_transport(p.transport);
                server.on_event(crate::audit_log::hook(log));
                print_shares(server.local_addr().map_err(|e| e.to_string())?, &shares);
                let stop = server.stop_handle();
                let settings = server.settings();
                signals.watch(Box::new(move || stop.stop()), move || {
                    reloader.reload(&settings)
                });
                server.run().await.map_err(|e| e.to_string())
            })?;
        }
    }
    eprintln!("smb serve: stopped");
    Ok(())
}

pub(crate) const SERVE_ABOUT: &str =
    "Serve folders over SMB1 (CIFS) to old clients: scanners, NAS boxes, \
industrial and medical controllers, Windows XP/2000 and DOS machines.

Shares, accounts and settings come from the command line, from a TOML configuration file \
(--config; see smb-serve.example.toml, where every key is commented), or both: options \
given on the command line add shares and accounts to the file's and override its other \
settings. Only NTLMv2 logons are accepted unless --allow-ntlmv1 / --allow-lm say \
otherwise; guests only with --guest or a share that lets them in.";

pub(crate) const SERVE_MANUAL: &str = "\
ACCOUNTS
    Keep accounts in a database of password hashes (never passwords), changed with
    `smb user`, and give it to the server with --users FILE or `users = \"FILE\"`:
        smb user add scanner --db /etc/smb-serve/users   # asks for the password
        SMB_PASSWORD=... smb user passwd scanner --db FILE
        smb user del scanner --db FILE;  smb user list --db FILE
    The password comes from a prompt, SMB_PASSWORD or the first line of standard input.
    The file holds NAME:NT-HASH lines (and an LM hash for accounts added with
    --allow-lm, for old clients of a server with allow_lm), mode 0600, written
    atomically. --user NAME:PASSWORD and [[user]] tables with a password also work, but
    a password on the command line is visible to every local user.

PER-SHARE ACCESS ([[share]] keys in the configuration file)
    read = [\"office\"]        accounts that may read
    write = [\"scanner\"]      accounts that may read and write
                             (with neither list, every account may read and write; with
                             either, only the accounts named may connect; refused tree
                             connects get STATUS_ACCESS_DENIED)
    drop_box = true          writers may create and write new files but not list, read,
                             rename, delete or overwrite what is there (a scan folder a
                             scanner must not read); an account in both lists reads and
                             writes normally
    guest = true             guest and anonymous sessions may connect, as the name
                             \"guest\" in the lists (default: the server-wide guest)
    browseable = false       not listed by smbclient -L or Network Neighbourhood
    read_only = true         nobody writes
    Everything is checked in the server core on every request: what a tree may not do is
    answered STATUS_ACCESS_DENIED.

AUDIT LOG
    One line per logon (peer, user, auth kind, result), tree connect (share, access),
    and file created, written (bytes), renamed and deleted, to standard error or
    --audit-log FILE, as text or JSON lines (--log-format json). Never a password, hash
    or response. Diagnostics (-v, -vv) go to standard error through tracing, with a span
    per connection.

SIGNALS
    SIGHUP   reload: read the configuration file and the account database again. New
             logons and tree connects use the new settings; connections in flight keep
             working (they keep the shares they have). A configuration with an error is
             refused with a message and the running one stays. The audit log file is
             reopened. Listen address, engine and NetBIOS framing need a restart.
    SIGTERM, SIGINT   stop accepting, finish requests in flight, close every handle, exit.

FILES
    /etc/smb-serve/smb-serve.toml   configuration (docs/smb-serve.service uses it)
    /etc/smb-serve/users            account database (smb user's default)

EXAMPLES
    smb serve --listen 127.0.0.1:44445 --share demo=/tmp/demo --user me:secret
    smb serve --config /etc/smb-serve/smb-serve.toml
    smb serve --share scans=/srv/scans --users /etc/smb-serve/users --log-format json \\
              --audit-log /var/log/smb-serve/audit.log

EXIT STATUS
    0 after a stop by signal; 2 when the configuration or the arguments are wrong or the
    address cannot be bound.";

#[cfg(test)]
mod plan_tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        a: ServeArgs,
    }

    fn plan_of(args: &[&str]) -> Result<Plan, String> {
        let a = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?
            .a;
        plan(&a, SharedAccounts::new(MemoryAccounts::new()))
    }

    #[test]
    fn the_default_listen_address_is_dual_stack() {
        let dir = std::env::temp_dir();
        let share = format!("s={}", dir.display());
        let p = plan_of(&["--share", &share, "--user", "a:b"]).unwrap();
        assert_eq!(p.listen, ["[::]:445", "0.0.0.0:445"]);
        assert_eq!(p.account_count, 1);
        assert!(p.warnings.iter().any(|w| w.contains("process list")));
        let p = plan_of(&["--share", &share, "--listen", "127.0.0.1:139"]).unwrap();
        assert_eq!(p.listen, ["127.0.0.1:139"]);
        assert_eq!(p.transport, smb_proto::wire::Transport::Netbios);
        let twice = plan_of(&["--share", &share, "--ro-share", &share.replace("s=", "S=")]);
        assert!(twice.err().unwrap().contains("twice"));
    }
}
