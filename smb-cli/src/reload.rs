//! `smb serve`'s signals: SIGTERM and SIGINT stop it, SIGHUP reloads the configuration
//! file and the account database.
//!
//! A reload works the whole configuration out again ([`plan()`]);
//! when anything is wrong it is refused with a message and nothing changes. Otherwise
//! the accounts are replaced for every connection's next logon, the audit log is
//! reopened, and the server's [`Settings`] get the new configuration: new connections
//! use it, and live ones too for their next logons and tree connects when the shares'
//! folders are unchanged. When the folders change, live connections keep the shares they
//! have and new connections get a new file system. Shares keep their index across
//! reloads (the state shared between connections is keyed by it): a share that stays
//! keeps its slot, a removed one leaves a retired slot, new ones come after.

use std::path::PathBuf;
use std::sync::Arc;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use smb_localfs::reload::Settings;
use smb_proto::server::ShareConfig;
use smb_proto::server::path::fold_case;

use crate::accounts::SharedAccounts;
use crate::audit_log::AuditLog;
use crate::serve::{Engine, Plan, ServeArgs, open_fs, plan};

/// One share slot of the running configuration: its folded name (empty when retired)
/// and its folder.
type Slot = (String, (PathBuf, bool));

/// The settings a reload does not apply (a restart does).
type Fixed = (
    Vec<String>,
    Engine,
    smb_proto::wire::Transport,
    (bool, String, String, String, Option<std::net::Ipv4Addr>),
);

fn fixed(p: &Plan) -> Fixed {
    let c = &p.config;
    let ns = (
        p.name_service,
        c.server_name.clone(),
        c.domain.clone(),
        c.comment.clone(),
        p.netbios_broadcast,
    );
    (p.listen.clone(), p.engine, p.transport, ns)
}

/// Applies SIGHUP reloads to a running server.
pub struct Reloader {
    args: ServeArgs,
    store: Arc<SharedAccounts>,
    log: Arc<AuditLog>,
    slots: Vec<Slot>,
    /// What a reload cannot change: listen addresses, engine, framing, and the name
    /// service's settings.
    fixed: Fixed,
    /// How the current file system was opened besides its roots: disk watching, and the
    /// object store of `s3://` shares.
    backend: (bool, Option<crate::serve_s3::FileS3>),
}

fn slots(shares: &[ShareConfig], roots: &[(PathBuf, bool)]) -> Vec<Slot> {
    shares
        .iter()
        .zip(roots)
        .map(|(s, r)| (fold_case(&s.name), r.clone()))
        .collect()
}

/// Puts the new shares in the running slots: a share keeps its index, a removed one
/// leaves a retired slot (on some folder of the new list, read-only: no tree can reach
/// it), new ones are appended; retired slots at the end are dropped.
pub fn arrange(
    running: &[Slot],
    shares: Vec<ShareConfig>,
    roots: Vec<(PathBuf, bool)>,
) -> (Vec<ShareConfig>, Vec<(PathBuf, bool)>) {
    let mut new: Vec<Option<(ShareConfig, (PathBuf, bool))>> =
        shares.into_iter().zip(roots).map(Some).collect();
    // A retired slot is served read-only from a folder of the new list (a local one when
    // there is one, so that no object store is set up for it).
    let roots_of = || new.iter().flatten().map(|(_, (p, _))| p);
    let spare = roots_of()
        .find(|p| !crate::serve_s3::is_s3(p))
        .or_else(|| roots_of().next())
        .map(|p| (p.clone(), true));
    let mut out: Vec<(ShareConfig, (PathBuf, bool))> = Vec::new();
    for (name, _) in running {
        let found = new.iter_mut().find(|n| {
            n.as_ref()
                .is_some_and(|(s, _)| !name.is_empty() && fold_case(&s.name) == *name)
        });
        match (found.and_then(Option::take), &spare) {
            (Some(share), _) => out.push(share),
            (None, Some(spare)) => out.push((ShareConfig::retired(), spare.clone())),
            (None, None) => {}
        }
    }
    out.extend(new.into_iter().flatten());
    while out.last().is_some_and(|(s, _)| s.is_retired()) {
        out.pop();
    }
    out.into_iter().unzip()
}

impl Reloader {
    /// A reloader for a server started with `p`.
    pub fn new(args: ServeArgs, store: Arc<SharedAccounts>, log: Arc<AuditLog>, p: &Plan) -> Self {
        Self {
            args,
            store,
            log,
            slots: slots(&p.config.shares, &p.roots),
            fixed: fixed(p),
            backend: (p.watch_disk, p.s3.clone()),
        }
    }

    /// Reloads; prints what happened (or why nothing did).
    pub fn reload(&mut self, settings: &Settings) {
        match self.try_reload(settings) {
            Ok(done) => eprintln!("smb serve: reloaded: {done}"),
            Err(e) => eprintln!("smb serve: reload refused, the running configuration stays: {e}"),
        }
    }

    fn try_reload(&mut self, settings: &Settings) -> Result<String, String> {
        let p = plan(&self.args, self.store.clone())?;
        for w in &p.warnings {
            eprintln!("smb serve: warning: {w}");
        }
        if fixed(&p) != self.fixed {
            eprintln!(
                "smb serve: warning: changes of listen, engine, netbios and the name service \
                 (names, comment, broadcast) take effect at the next start"
            );
        }
        let (shares, roots) = arrange(&self.slots, p.config.shares.clone(), p.roots.clone());
        let running: Vec<_> = self.slots.iter().map(|(_, r)| r.clone()).collect();
        let backend = (p.watch_disk, p.s3.clone());
        let same_folders = roots == running && backend == self.backend;
        let fs = if same_folders {
            settings.fs()
        } else {
            open_fs(&roots, &p)?
        };
        self.log.reopen(p.log_format, p.audit_log.as_deref())?;
        let mut config = p.config;
        config.shares = shares;
        let n_accounts = p.account_count;
        self.store.replace(p.accounts);
        self.slots = slots(&config.shares, &roots);
        self.backend = backend;
        let n_shares = config.shares.iter().filter(|s| !s.is_retired()).count();
        settings.replace(config, fs);
        Ok(format!(
            "{n_shares} share(s), {n_accounts} account(s){}",
            if same_folders {
                ""
            } else {
                "; the share folders changed: connections made before keep theirs"
            }
        ))
    }
}

/// The signals `smb serve` handles.
pub struct Signals(signal_hook::iterator::Signals);

impl Signals {
    /// Installs the handlers (SIGHUP no longer ends the process).
    pub fn install() -> Result<Self, String> {
        signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])
            .map(Self)
            .map_err(|e| format!("cannot install signal handlers: {e}"))
    }

    /// Handles them on a thread of their own: `reload` on each SIGHUP, `stop` on the
    /// first SIGTERM or SIGINT.
    pub fn watch(
        mut self,
        stop: Box<dyn FnOnce() + Send>,
        mut reload: impl FnMut() + Send + 'static,
    ) {
        std::thread::spawn(move || {
            for sig in self.0.forever() {
                if sig == SIGHUP {
                    reload();
                } else {
                    eprintln!("smb serve: stopping: finishing requests in flight");
                    stop();
                    return;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(name: &str) -> (ShareConfig, (PathBuf, bool)) {
        (
            ShareConfig::new(name),
            (PathBuf::from(format!("/srv/{name}")), false),
        )
    }

    fn run(running: &[&str], new: &[&str]) -> Vec<String> {
        let running: Vec<Slot> = running
            .iter()
            .map(|n| (fold_case(n), (PathBuf::from(format!("/srv/{n}")), false)))
            .collect();
        let (s, r): (Vec<_>, Vec<_>) = new.iter().map(|n| share(n)).unzip();
        let (shares, roots) = arrange(&running, s, r);
        assert_eq!(shares.len(), roots.len());
        for (s, (p, ro)) in shares.iter().zip(&roots) {
            if s.is_retired() {
                assert!(*ro, "a retired slot is read-only");
            } else {
                assert_eq!(*p, PathBuf::from(format!("/srv/{}", s.name)));
            }
        }
        shares
            .iter()
            .map(|s| {
                if s.is_retired() {
                    "-".into()
                } else {
                    s.name.clone()
                }
            })
            .collect()
    }

    #[test]
    fn shares_keep_their_slots() {
        assert_eq!(run(&["a", "b"], &["b", "a"]), ["a", "b"]);
        assert_eq!(run(&["a", "b"], &["B", "c", "a"]), ["a", "B", "c"]);
        assert_eq!(run(&["a", "b", "c"], &["c"]), ["-", "-", "c"]);
        assert_eq!(run(&["a", "b", "c"], &["a"]), ["a"]);
        assert_eq!(run(&["a", "", "c"], &["x", "c"]), ["-", "-", "c", "x"]);
        assert_eq!(run(&["", "c"], &["c"]), ["-", "c"]);
    }
}
