//! `smb serve`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use smb_blocking::LocalFs;
use smb_blocking::server::{Server, ServerOptions};
use smb_proto::auth::{AuthPolicy, MemoryAccounts};
use smb_proto::server::{ServerConfig, ShareConfig, SigningMode};

/// Signing modes on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SigningArg {
    /// Never sign.
    Off,
    /// Sign when the client asks.
    On,
    /// Refuse clients that do not sign.
    Required,
}

/// Server engines.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Engine {
    /// smb-tokio: async connections, file operations on tokio's blocking pool.
    Tokio,
    /// smb-blocking: a thread per connection.
    Threads,
}

/// `smb serve` arguments.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "0.0.0.0:445")]
    pub listen: String,
    /// A writable share: NAME=PATH (repeatable).
    #[arg(long = "share", value_name = "NAME=PATH")]
    pub shares: Vec<String>,
    /// A read-only share: NAME=PATH (repeatable).
    #[arg(long = "ro-share", value_name = "NAME=PATH")]
    pub ro_shares: Vec<String>,
    /// An account: NAME:PASSWORD (repeatable).
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    pub users: Vec<String>,
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
    #[arg(long, value_enum, default_value = "tokio")]
    pub engine: Engine,
    /// Message signing.
    #[arg(long, value_enum, default_value = "on")]
    pub signing: SigningArg,
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
    let mut shares = Vec::new();
    let mut roots = Vec::new();
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
        });
        roots.push((path, ro));
    }
    if shares.is_empty() {
        return Err("no share: give at least one --share NAME=PATH".into());
    }
    let mut accounts = MemoryAccounts::new();
    for u in &a.users {
        let (n, p) = u
            .split_once(':')
            .ok_or_else(|| format!("user {u:?}: expected NAME:PASSWORD"))?;
        accounts.add(n, p);
    }
    let fs = LocalFs::new(&roots).map_err(|e| format!("cannot open a share folder: {e}"))?;
    let mut config = ServerConfig::new(shares.clone(), Arc::new(accounts));
    config.policy = AuthPolicy {
        allow_ntlmv1: a.allow_ntlmv1,
        allow_lm: a.allow_lm,
        allow_guest: a.guest,
    };
    config.signing = match a.signing {
        SigningArg::Off => SigningMode::Off,
        SigningArg::On => SigningMode::Enabled,
        SigningArg::Required => SigningMode::Required,
    };
    let fs: Arc<dyn smb_proto::server::fs::FileSystem + Send + Sync> = Arc::new(fs);
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
    match a.engine {
        Engine::Threads => {
            let server = Server::bind(&a.listen, config, fs, ServerOptions::default())
                .map_err(|e| format!("cannot listen on {}: {e}", a.listen))?;
            print(server.local_addr().map_err(|e| e.to_string())?);
            let stop = server.stop_handle().map_err(|e| e.to_string())?;
            on_signal(Box::new(move || stop.stop()));
            server.run().map_err(|e| e.to_string())?;
        }
        Engine::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the runtime: {e}"))?;
            rt.block_on(async {
                let server = smb_tokio::Server::bind(&a.listen, config, fs)
                    .await
                    .map_err(|e| format!("cannot listen on {}: {e}", a.listen))?;
                print(server.local_addr().map_err(|e| e.to_string())?);
                let stop = server.stop_handle();
                on_signal(Box::new(move || stop.stop()));
                server.run().await.map_err(|e| e.to_string())
            })?;
        }
    }
    eprintln!("smb serve: stopped");
    Ok(())
}
