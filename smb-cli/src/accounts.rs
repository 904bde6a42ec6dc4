//! The account database of `smb serve` (`--users FILE`, `users = "FILE"`), kept with
//! `smb user`: password hashes, never passwords.
//!
//! The file is text, one account a line, `NAME:NT-HASH` or `NAME:NT-HASH:LM-HASH` (the
//! hashes in hex; the LM hash only for accounts added with `--allow-lm`, for servers that
//! set `allow_lm`); `#` starts a comment line. Names match case-insensitively and may not
//! hold `:` or control characters. The file is rewritten whole, atomically (a temporary
//! file in the same folder, flushed, then renamed over it), with mode 0600 and the owner
//! it had (the account the service reads it as), while holding an exclusive lock on
//! `FILE.lock`, so that two `smb user` commands cannot lose each other's change.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use smb_proto::auth::{Account, AccountStore, LmHash, MemoryAccounts, NtHash};
use smb_proto::util::{hex_decode, hex_encode};

/// The header written at the top of the file.
const HEADER: &str = "# smb serve accounts: NAME:NT-HASH[:LM-HASH] (hex), one a line. No passwords.\n\
                      # Change with `smb user add|del|passwd NAME --db FILE`.\n";

/// One account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// User name as given.
    pub name: String,
    /// NT hash.
    pub nt: [u8; 16],
    /// LM hash, when kept.
    pub lm: Option<[u8; 16]>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .field("lm", &self.lm.is_some())
            .finish_non_exhaustive()
    }
}

impl Entry {
    /// Hashes `password` for `name`; the LM hash only when `lm` (and when the password
    /// has one: 14 characters at most).
    pub fn new(name: &str, password: &str, lm: bool) -> Self {
        Self {
            name: name.into(),
            nt: *NtHash::from_password(password).bytes(),
            lm: if lm {
                LmHash::from_password(password).map(|h| *h.bytes())
            } else {
                None
            },
        }
    }

    /// The account the server checks logons against (the LM hash only when `allow_lm`).
    pub fn account(&self, allow_lm: bool) -> Account {
        Account {
            nt_hash: NtHash(self.nt),
            lm_hash: self.lm.filter(|_| allow_lm).map(LmHash),
        }
    }
}

/// Checks a user name: 1 to 64 characters, no `:`, no control characters, no
/// surrounding spaces, not starting with `#`.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && !name.starts_with('#')
        && name.trim() == name
        && !name.chars().any(|c| c == ':' || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "user name {name:?}: 1 to 64 characters, without ':' or control characters"
        ))
    }
}

fn fold(name: &str) -> String {
    smb_proto::server::path::fold_case(name)
}

fn hash(s: &str, what: &str) -> Result<[u8; 16], String> {
    hex_decode(s)
        .and_then(|v| <[u8; 16]>::try_from(v).ok())
        .ok_or_else(|| format!("{what}: not 32 hex digits"))
}

/// Parses the file's text.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut out: Vec<Entry> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", n + 1);
        let mut f = line.split(':');
        let (name, nt, lm) = (f.next().unwrap_or(""), f.next(), f.next());
        if f.next().is_some() {
            return Err(at("expected NAME:NT-HASH[:LM-HASH]".into()));
        }
        check_name(name).map_err(at)?;
        let nt = hash(nt.unwrap_or(""), "NT hash").map_err(at)?;
        let lm = lm.map(|h| hash(h, "LM hash")).transpose().map_err(at)?;
        if out.iter().any(|e| fold(&e.name) == fold(name)) {
            return Err(at(format!("{name:?} is there twice")));
        }
        out.push(Entry {
            name: name.into(),
            nt,
            lm,
        });
    }
    Ok(out)
}

/// The file's text for these entries.
pub fn render(entries: &[Entry]) -> String {
    let mut s = String::from(HEADER);
    for e in entries {
        s.push_str(&e.name);
        s.push(':');
        s.push_str(&hex_encode(&e.nt));
        if let Some(lm) = &e.lm {
            s.push(':');
            s.push_str(&hex_encode(lm));
        }
        s.push('\n');
    }
    s
}

/// Reads and checks a database (a missing file is an error).
pub fn load(path: &Path) -> Result<Vec<Entry>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a database atomically with mode 0600.
fn store(path: &Path, entries: &[Entry]) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| err(std::io::ErrorKind::InvalidInput.into()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        // The mode of a new file is masked by the umask; set it outright. Keep the old
        // file's owner (the service account that reads it), as far as we may.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        if let Ok(old) = std::fs::metadata(path) {
            use std::os::unix::fs::MetadataExt;
            let _ = std::os::unix::fs::fchown(&f, Some(old.uid()), Some(old.gid()));
        }
        f.write_all(render(entries).as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

/// Changes a database under its lock: reads it (empty when missing and `create`), lets
/// `change` edit the entries, writes it back.
pub fn update(
    path: &Path,
    create: bool,
    change: impl FnOnce(&mut Vec<Entry>) -> Result<(), String>,
) -> Result<(), String> {
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| format!("{}: cannot lock: {e}", lock_path.display()))?;
    let mut entries = match load(path) {
        Ok(v) => v,
        Err(_) if create && !path.exists() => Vec::new(),
        Err(e) => return Err(e),
    };
    change(&mut entries)?;
    store(path, &entries)
}

/// Finds an entry by name (case-insensitively).
pub fn position(entries: &[Entry], name: &str) -> Option<usize> {
    entries.iter().position(|e| fold(&e.name) == fold(name))
}

/// The accounts `smb serve` checks logons against; shared by every connection and
/// replaced whole on a reload (sessions already made stay).
#[derive(Debug, Default)]
pub struct SharedAccounts(RwLock<MemoryAccounts>);

impl SharedAccounts {
    /// A store holding `accounts`.
    pub fn new(accounts: MemoryAccounts) -> Arc<Self> {
        Arc::new(Self(RwLock::new(accounts)))
    }

    /// Replaces every account.
    pub fn replace(&self, accounts: MemoryAccounts) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = accounts;
    }
}

impl AccountStore for SharedAccounts {
    fn lookup(&self, user: &str, domain: &str) -> Option<Account> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .lookup(user, domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_and_hold_hashes_only() {
        let v = vec![
            Entry::new("scanner", "Password", false),
            Entry::new("old-box", "secret", true),
        ];
        let text = render(&v);
        // MS-NLMP 4.2.2.1.2 / 4.2.2.1.1: the hashes of "Password".
        assert!(
            text.contains("scanner:a4f49c406510bdcab6824ee7c30fd852\n"),
            "{text}"
        );
        assert!(!text.contains("Password") && !text.contains("secret"));
        assert_eq!(parse(&text).unwrap(), v);
        assert!(v[1].lm.is_some() && v[0].lm.is_none());
        assert!(v[1].account(false).lm_hash.is_none());
        assert!(v[1].account(true).lm_hash.is_some());
    }

    #[test]
    fn bad_files_name_the_line() {
        for (text, want) in [
            ("a:00\n", "line 1: NT hash"),
            (
                "# c\n\nb:a4f49c406510bdcab6824ee7c30fd852:zz\n",
                "line 3: LM hash",
            ),
            (
                "a:a4f49c406510bdcab6824ee7c30fd852\nA:a4f49c406510bdcab6824ee7c30fd852\n",
                "line 2: \"A\" is there twice",
            ),
            ("a:b:c:d\n", "line 1: expected"),
            (":a4f49c406510bdcab6824ee7c30fd852\n", "line 1: user name"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with(want), "{e}");
        }
        assert!(check_name("ok name").is_ok());
        for bad in ["", " x", "a:b", "a\nb", "#x", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn updates_are_atomic_and_private() {
        let dir = smb_testkit::TempDir::new("accounts");
        let db = dir.path().join("users");
        update(&db, true, |v| {
            v.push(Entry::new("a", "pw-a", false));
            Ok(())
        })
        .unwrap();
        update(&db, false, |v| {
            v.push(Entry::new("b", "pw-b", false));
            Ok(())
        })
        .unwrap();
        let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load(&db).unwrap().len(), 2);
        // A refused change leaves the file as it was; no temporary file stays.
        let before = std::fs::read(&db).unwrap();
        assert!(update(&db, false, |_| Err("no".into())).is_err());
        assert_eq!(std::fs::read(&db).unwrap(), before);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
        assert!(update(&dir.path().join("missing"), false, |_| Ok(())).is_err());
    }
}
