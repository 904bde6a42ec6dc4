//! `smb serve`: the command line ([`args`]), the configuration file ([`mod@file`]), what
//! they add up to ([`mod@plan`], worked out again on each reload), the manual ([`manual`]),
//! and running the server with its signals, audit log and name service (here).

use std::process::ExitCode;
use std::sync::Arc;

use smb_blocking::server::{Server, ServerOptions};
use smb_proto::auth::MemoryAccounts;
use smb_proto::server::{ServerConfig, ShareConfig};

use crate::accounts::SharedAccounts;
use crate::audit_log::AuditLog;

pub mod args;
pub mod file;
pub mod manual;
pub mod plan;

pub use args::{Engine, ServeArgs};
pub use file::{FileShare, load_config};
pub(crate) use manual::{SERVE_ABOUT, SERVE_MANUAL};
pub(crate) use plan::{Plan, open_fs, plan};

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

/// The NetBIOS name service for a server listening on `addr`, when the plan runs one
/// (its names are the start-up configuration's: a reload does not change them).
fn start_name_service(
    p: &Plan,
    config: &ServerConfig,
    addr: std::net::SocketAddr,
) -> Option<crate::name_service::Running> {
    if !p.name_service {
        return None;
    }
    let address = crate::name_service::answer_address(&addr);
    let mut c = smb_tokio::NameServiceConfig::new(&config.server_name, &config.domain, address);
    c.comment = config.comment.clone();
    if let Some(b) = p.netbios_broadcast {
        c.broadcast = b;
    }
    match crate::name_service::start(c) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(target: "smb::nbns", "NetBIOS name service off: {e}");
            None
        }
    }
}

fn serve(a: ServeArgs) -> Result<(), String> {
    let store = SharedAccounts::new(MemoryAccounts::new());
    let p = plan(&a, store.clone())?;
    for w in &p.warnings {
        eprintln!("smb serve: warning: {w}");
    }
    store.replace(p.accounts.clone());
    let fs = open_fs(&p.roots, &p)?;
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
            let addr = server.local_addr().map_err(|e| e.to_string())?;
            print_shares(addr, &shares);
            let ns = start_name_service(&p, &p.config, addr);
            let stop = server.stop_handle().map_err(|e| e.to_string())?;
            let settings = server.settings();
            signals.watch(Box::new(move || stop.stop()), move || {
                reloader.reload(&settings)
            });
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
                let mut server = smb_tokio::Server::bind(&addrs[..], p.config.clone(), fs.clone())
                    .await
                    .map_err(bind_error)?;
                server.set_max_connections(p.max_connections);
                server.set_transport(p.transport);
                server.on_event(crate::audit_log::hook(log));
                let addr = server.local_addr().map_err(|e| e.to_string())?;
                print_shares(addr, &shares);
                let ns = start_name_service(&p, &p.config, addr);
                let stop = server.stop_handle();
                let settings = server.settings();
                signals.watch(Box::new(move || stop.stop()), move || {
                    reloader.reload(&settings)
                });
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
