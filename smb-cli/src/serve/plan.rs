//! Working out what `smb serve` serves from its command line, its configuration file and
//! its account database: at start and again on each reload.

use std::path::PathBuf;
use std::sync::Arc;

use smb_localfs::SharedFs;
use smb_proto::auth::{AuthPolicy, MemoryAccounts};
use smb_proto::server::{ServerConfig, ShareConfig, SigningMode};

use crate::accounts::SharedAccounts;
use crate::audit_log::LogFormat;
use crate::client_cmd::{parse_code_page, parse_protocol};
use crate::serve::args::{DurabilityArg, Engine, ServeArgs, SigningArg};
use crate::serve::file::{FileConfig, load_config};

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
    /// What each share folder promises about written data, by folder (a folder shared
    /// twice with different settings gets the stricter one).
    pub durability: std::collections::BTreeMap<PathBuf, smb_localfs::Durability>,
    /// Watch the share folders for changes others make on disk.
    pub watch_disk: bool,
    /// The object store of `s3://` shares.
    pub s3: Option<crate::serve_s3::FileS3>,
    /// Run the NetBIOS name service (a restart applies a change).
    pub name_service: bool,
    /// Where the name service broadcasts.
    pub netbios_broadcast: Option<std::net::Ipv4Addr>,
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
    let global = a
        .durability
        .or(file.durability)
        .unwrap_or(DurabilityArg::Close);
    let mut durability = std::collections::BTreeMap::new();
    let mut promise = |path: &PathBuf, d: DurabilityArg| {
        let d: smb_localfs::Durability = d.into();
        let e = durability.entry(path.clone()).or_insert(d);
        if d.syncs_at_close() {
            *e = d;
        }
    };
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
            access: crate::share_access::of_file_share(sh, guest)?,
        });
        promise(&sh.path, sh.durability.unwrap_or(global));
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
            access: crate::share_access::of_command_line(guest),
        });
        promise(&path, global);
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
    // Local folders first: they keep their share numbers in the file system that mounts
    // them beside object storage, and are watched for outside changes.
    crate::serve_s3::local_first(&mut shares, &mut roots);
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
    config.oplocks = !a.no_oplocks && file.oplocks.unwrap_or(true);
    if let Some(s) = file.oplock_break_timeout_secs {
        config.oplock_break_timeout = std::time::Duration::from_secs(s);
    }
    config.policy = AuthPolicy {
        allow_ntlmv1: a.allow_ntlmv1 || file.allow_ntlmv1,
        allow_lm,
        allow_guest: crate::share_access::guest_logons(guest, &file.shares),
    };
    dialects(&mut config, a, &file)?;
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
        durability,
        watch_disk: !a.no_kernel_change_notify && file.kernel_change_notify.unwrap_or(true),
        s3: file.s3.clone(),
        name_service: !a.no_name_service && file.name_service.unwrap_or(true),
        netbios_broadcast: file.netbios_broadcast,
        log_format: a.log_format.or(file.log_format).unwrap_or_default(),
        audit_log: a.audit_log.clone().or(file.audit_log),
        warnings,
    })
}

/// The pre-NT settings: plaintext passwords, the dialect families accepted and the OEM
/// code page (the command line over the file).
fn dialects(config: &mut ServerConfig, a: &ServeArgs, file: &FileConfig) -> Result<(), String> {
    config.allow_plaintext = a.allow_plaintext || file.allow_plaintext;
    let from_file = |v: &Option<String>| v.as_deref().map(parse_protocol).transpose();
    config.min_protocol = a.min_protocol.or(from_file(&file.min_protocol)?);
    if let Some(p) = a.max_protocol.or(from_file(&file.max_protocol)?) {
        config.max_protocol = p;
    }
    if config.max_protocol < config.effective_min_protocol() {
        return Err(format!(
            "max_protocol {} is older than min_protocol {}",
            config.max_protocol,
            config.effective_min_protocol()
        ));
    }
    let from_file = file
        .dos_charset
        .as_deref()
        .map(parse_code_page)
        .transpose()?;
    if let Some(cp) = a.dos_charset.or(from_file) {
        config.dos_charset = cp;
    }
    Ok(())
}

/// The file system serving these share folders and `s3://` locations, in this order, with
/// the plan's object store and disk-watching settings.
pub(crate) fn open_fs(roots: &[(PathBuf, bool)], p: &Plan) -> Result<SharedFs, String> {
    let durability: Vec<_> = roots
        .iter()
        .map(|(path, _)| p.durability.get(path).copied().unwrap_or_default())
        .collect();
    crate::serve_s3::file_system(roots, &durability, p.s3.as_ref(), p.watch_disk)
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
