//! `smb serve`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use smb_blocking::server::{Server, ServerOptions};
use smb_proto::auth::{AuthPolicy, MemoryAccounts};
use smb_proto::server::{ServerConfig, ShareConfig, SigningMode};
use smb_proto::wire::codepage::CodePage;
use smb_proto::wire::dialect::Protocol;

use crate::client_cmd::{parse_code_page, parse_protocol};

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
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Settings from a TOML file (see smb-serve.example.toml); options given on the
    /// command line add to it (shares, users) or override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 0.0.0.0:445].
    #[arg(long)]
    pub listen: Option<String>,
    /// A writable share: NAME=PATH, or NAME=s3://BUCKET/PREFIX for a share in an
    /// S3-compatible object store (settings in the config's `[s3]` table or the AWS_*
    /// environment variables) (repeatable).
    #[arg(long = "share", value_name = "NAME=PATH")]
    pub shares: Vec<String>,
    /// A read-only share: NAME=PATH (repeatable).
    #[arg(long = "ro-share", value_name = "NAME=PATH")]
    pub ro_shares: Vec<String>,
    /// An account: NAME:PASSWORD (repeatable).
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    pub users: Vec<String>,
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
    /// Accept plaintext passwords from pre-NT (LANMAN) clients; without --allow-lm they are
    /// offered no challenge and send their password in clear.
    #[arg(long)]
    pub allow_plaintext: bool,
    /// Oldest dialect family accepted: LANMAN1, LANMAN2 or NT1 [default: LANMAN1 with
    /// --allow-lm or --allow-plaintext, else NT1].
    #[arg(long, value_name = "PROTOCOL", value_parser = parse_protocol)]
    pub min_protocol: Option<Protocol>,
    /// Newest dialect family offered: LANMAN1, LANMAN2 or NT1 [default: NT1].
    #[arg(long, value_name = "PROTOCOL", value_parser = parse_protocol)]
    pub max_protocol: Option<Protocol>,
    /// OEM code page of clients that do not use Unicode: CP437, CP850, CP852, CP858,
    /// CP866 or ISO-8859-1 [default: CP850].
    #[arg(long, value_name = "CODEPAGE", value_parser = parse_code_page)]
    pub dos_charset: Option<CodePage>,
    /// How connections are served: `tokio` (async tasks, file operations on a thread
    /// pool) or `threads` (one thread per connection).
    /// [default: tokio]
    #[arg(long, value_enum)]
    pub engine: Option<Engine>,
    /// Message signing [default: on].
    #[arg(long, value_enum)]
    pub signing: Option<SigningArg>,
    /// The server's NetBIOS name, answered for by the name service and reported to
    /// clients [default: the host name, upper case, at most 15 bytes].
    #[arg(long, value_name = "NAME")]
    pub netbios_name: Option<String>,
    /// No NetBIOS name service (UDP 137) and no browse announcements (UDP 138).
    #[arg(long)]
    pub no_name_service: bool,
    /// Grant no oplocks (clients then cache nothing; nothing is ever broken).
    #[arg(long)]
    pub no_oplocks: bool,
    /// Do not watch the shared folders for changes made on disk by others (change
    /// notification then reports only changes made through the server).
    #[arg(long)]
    pub no_kernel_change_notify: bool,
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
    /// Plaintext passwords from pre-NT clients.
    #[serde(default)]
    pub allow_plaintext: bool,
    /// Oldest dialect family (`LANMAN1`, `LANMAN2`, `NT1`).
    pub min_protocol: Option<String>,
    /// Newest dialect family.
    pub max_protocol: Option<String>,
    /// OEM code page (`CP850`...).
    pub dos_charset: Option<String>,
    /// Grant oplocks (default true).
    pub oplocks: Option<bool>,
    /// Seconds an open waits for an oplock holder to acknowledge a break (default 35).
    pub oplock_break_timeout_secs: Option<u64>,
    /// Watch the shared folders for changes made on disk by others (default true).
    pub kernel_change_notify: Option<bool>,
    /// NetBIOS name of the server (`netbios_name` is the same key).
    #[serde(alias = "netbios_name")]
    pub server_name: Option<String>,
    /// Run the NetBIOS name service and browse announcements (default: true).
    pub name_service: Option<bool>,
    /// Where name registrations and announcements are broadcast (default: the listening
    /// address's /24 broadcast address).
    pub netbios_broadcast: Option<std::net::Ipv4Addr>,
    /// Server comment shown in share and browse lists.
    pub comment: Option<String>,
    /// Workgroup or domain name.
    pub workgroup: Option<String>,
    /// Shares.
    #[serde(default, rename = "share")]
    pub shares: Vec<FileShare>,
    /// Accounts.
    #[serde(default, rename = "user")]
    pub users: Vec<FileUser>,
    /// Limits.
    #[serde(default)]
    pub limits: FileLimits,
    /// The object store of `s3://` shares.
    pub s3: Option<crate::serve_s3::FileS3>,
}

/// A `[[share]]` table.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileShare {
    /// Share name (1 to 12 characters).
    pub name: String,
    /// The folder, or `s3://BUCKET/PREFIX`.
    pub path: PathBuf,
    /// Refuse changes.
    #[serde(default)]
    pub read_only: bool,
    /// Remark shown in share listings.
    #[serde(default)]
    pub comment: String,
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

fn serve(a: ServeArgs) -> Result<(), String> {
    let file = match &a.config {
        Some(p) => load_config(p)?,
        None => FileConfig::default(),
    };
    let listen = a
        .listen
        .clone()
        .or(file.listen.clone())
        .unwrap_or_else(|| "0.0.0.0:445".into());
    let engine = a.engine.or(file.engine).unwrap_or(Engine::Tokio);
    let signing = a.signing.or(file.signing).unwrap_or(SigningArg::On);
    let mut shares = Vec::new();
    let mut roots = Vec::new();
    for sh in &file.shares {
        if sh.name.is_empty() || sh.name.len() > 12 {
            return Err(format!("share name {:?}: 1 to 12 characters", sh.name));
        }
        if !sh.path.is_dir() && !crate::serve_s3::is_s3(&sh.path) {
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
        if !path.is_dir() && !crate::serve_s3::is_s3(&path) {
            return Err(format!("share {name}: {} is not a folder", path.display()));
        }
        shares.push(ShareConfig {
            name,
            read_only: ro,
            comment: String::new(),
        });
        roots.push((path, ro));
    }
    if shares.is_empty() {
        return Err(
            "no share: give at least one --share NAME=PATH (or [[share]] in --config)".into(),
        );
    }
    let mut accounts = MemoryAccounts::new();
    for u in &file.users {
        accounts.add(&u.name, &u.password);
    }
    for u in &a.users {
        let (n, p) = u
            .split_once(':')
            .ok_or_else(|| format!("user {u:?}: expected NAME:PASSWORD"))?;
        accounts.add(n, p);
    }
    crate::serve_s3::local_first(&mut shares, &mut roots);
    let watch_disk = !a.no_kernel_change_notify && file.kernel_change_notify.unwrap_or(true);
    let fs = crate::serve_s3::file_system(&roots, file.s3.as_ref(), watch_disk)?;
    let mut config = ServerConfig::new(shares.clone(), Arc::new(accounts));
    config.oplocks = !a.no_oplocks && file.oplocks.unwrap_or(true);
    if let Some(s) = file.oplock_break_timeout_secs {
        config.oplock_break_timeout = std::time::Duration::from_secs(s);
    }
    config.policy = AuthPolicy {
        allow_ntlmv1: a.allow_ntlmv1 || file.allow_ntlmv1,
        allow_lm: a.allow_lm || file.allow_lm,
        allow_guest: a.guest || file.guest,
    };
    config.allow_plaintext = a.allow_plaintext || file.allow_plaintext;
    let from_file = |v: &Option<String>, f: fn(&str) -> Result<Protocol, String>| {
        v.as_deref().map(f).transpose()
    };
    config.min_protocol = a
        .min_protocol
        .or(from_file(&file.min_protocol, parse_protocol)?);
    if let Some(p) = a
        .max_protocol
        .or(from_file(&file.max_protocol, parse_protocol)?)
    {
        config.max_protocol = p;
    }
    if config.max_protocol < config.effective_min_protocol() {
        return Err(format!(
            "max_protocol {} is older than min_protocol {}",
            config.max_protocol,
            config.effective_min_protocol()
        ));
    }
    if let Some(cp) = a.dos_charset.or(file
        .dos_charset
        .as_deref()
        .map(parse_code_page)
        .transpose()?)
    {
        config.dos_charset = cp;
    }
    let name = match a.netbios_name.as_deref().or(file.server_name.as_deref()) {
        Some(n) => crate::name_service::netbios_name(n)
            .ok_or_else(|| format!("NetBIOS name {n:?}: empty"))?,
        None => crate::name_service::default_netbios_name(),
    };
    config.server_name = name;
    if let Some(c) = &file.comment {
        config.comment = c.clone();
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
    let max_connections = l.max_connections.unwrap_or(1024);
    let transport = if a.netbios || listen.ends_with(":139") {
        smb_proto::wire::Transport::Netbios
    } else {
        smb_proto::wire::Transport::Direct
    };
    config.signing = match signing {
        SigningArg::Off => SigningMode::Off,
        SigningArg::On => SigningMode::Enabled,
        SigningArg::Required => SigningMode::Required,
    };
    let print = |addr: std::net::SocketAddr| {
        println!("smb serve: listening on {addr}");
        for s in &shares {
            println!(
                "  share {:<12} {}  smbclient //{}/{} -p {} -m NT1 --option='client min protocol=NT1' -U USER",
                s.name,
                if s.read_only { "(read-only)" } else { "" },
                addr.ip(),
                s.name,
                addr.port()
            );
        }
    };
    // SIGTERM / Ctrl-C: stop accepting, let requests in flight finish, close every
    // handle (flushing), then exit.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let on_signal = move |stop: Box<dyn FnOnce() + Send>| {
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                eprintln!("smb serve: stopping: finishing requests in flight");
                stop();
            }
        });
    };
    let name_service = !a.no_name_service && file.name_service.unwrap_or(true);
    let (ns_name, ns_domain, ns_comment) = (
        config.server_name.clone(),
        config.domain.clone(),
        config.comment.clone(),
    );
    let ns_config = move |addr: std::net::SocketAddr| {
        let address = crate::name_service::answer_address(&addr);
        let mut c = smb_tokio::NameServiceConfig::new(&ns_name, &ns_domain, address);
        c.comment = ns_comment.clone();
        if let Some(b) = file.netbios_broadcast {
            c.broadcast = b;
        }
        c
    };
    let start_ns = |addr| {
        if !name_service {
            return None;
        }
        match crate::name_service::start(ns_config(addr)) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(target: "smb::nbns", "NetBIOS name service off: {e}");
                None
            }
        }
    };
    match engine {
        Engine::Threads => {
            let opts = ServerOptions {
                max_connections,
                transport,
            };
            let mut server = Server::bind(&listen, config, fs, opts)
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            server.on_event(crate::events::log_event);
            let addr = server.local_addr().map_err(|e| e.to_string())?;
            print(addr);
            let ns = start_ns(addr);
            let stop = server.stop_handle().map_err(|e| e.to_string())?;
            on_signal(Box::new(move || stop.stop()));
            let r = server.run().map_err(|e| e.to_string());
            if let Some(ns) = ns {
                ns.stop();
            }
            r?;
        }
        Engine::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the runtime: {e}"))?;
            rt.block_on(async {
                let mut server = smb_tokio::Server::bind(&listen, config, fs)
                    .await
                    .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                server.set_max_connections(max_connections);
                server.set_transport(transport);
                server.on_event(crate::events::log_event);
                let addr = server.local_addr().map_err(|e| e.to_string())?;
                print(addr);
                let ns = start_ns(addr);
                let stop = server.stop_handle();
                on_signal(Box::new(move || stop.stop()));
                let r = server.run().await.map_err(|e| e.to_string());
                if let Some(ns) = ns {
                    tokio::task::block_in_place(|| ns.stop());
                }
                r
            })?;
        }
    }
    eprintln!("smb serve: stopped");
    Ok(())
}
