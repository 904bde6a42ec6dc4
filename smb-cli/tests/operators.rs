//! Running `smb serve` as a service, against smbclient: accounts kept by `smb user`,
//! per-share access (drop boxes, read accounts, hidden shares), reload on SIGHUP under
//! load, IPv6, the audit log in both formats, and the systemd unit.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use smb_testkit::{TempDir, checksum, free_port, pattern, smbclient, smbclient_variant, text};

const BIN: &str = env!("CARGO_BIN_EXE_smb");
const DENIED: &str = "NT_STATUS_ACCESS_DENIED";

fn peers() -> bool {
    smb_testkit::peers_available(&["smbclient"])
}

/// `smb user ARGS --db DB`, the password in SMB_PASSWORD or on standard input.
fn user(db: &Path, args: &[&str], env_pw: Option<&str>, stdin_pw: Option<&str>) -> Output {
    let mut c = Command::new(BIN);
    c.arg("user").args(args).arg("--db").arg(db);
    c.env_remove("SMB_PASSWORD");
    if let Some(p) = env_pw {
        c.env("SMB_PASSWORD", p);
    }
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(p) = stdin_pw {
        input.write_all(p.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn add(db: &Path, name: &str, pw: &str) {
    let o = user(db, &["add", name], Some(pw), None);
    assert!(o.status.success(), "{}", text(&o));
}

/// `smb serve` as a child, its standard error in a file.
struct Serve {
    child: Child,
    port: u16,
    err: PathBuf,
}

impl Serve {
    /// Starts `smb serve ARGS` on a free loopback port (unless ARGS say where).
    fn start(dir: &Path, args: &[&str]) -> Self {
        let given = args
            .iter()
            .position(|a| *a == "--listen")
            .map(|i| args[i + 1]);
        let port = match given {
            Some(l) => l.rsplit(':').next().unwrap().parse().unwrap(),
            None => free_port(),
        };
        let err = dir.join(format!("serve-{port}.err"));
        let mut c = Command::new(BIN);
        c.arg("serve");
        if given.is_none() {
            c.args(["--listen", &format!("127.0.0.1:{port}")]);
        }
        let child = c
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let s = Self { child, port, err };
        assert!(
            smb_testkit::wait_for_port(s.port, Duration::from_secs(10)),
            "smb serve did not come up: {}",
            s.stderr()
        );
        s
    }

    /// Starts `smb serve --share SHARE --users DB --audit-log AUDIT EXTRA...`.
    fn with_accounts(dir: &Path, share: &str, db: &Path, audit: &Path, extra: &[&str]) -> Self {
        let mut args = vec!["--share", share, "--users", db.to_str().unwrap()];
        args.extend(["--audit-log", audit.to_str().unwrap()]);
        args.extend(extra);
        Self::start(dir, &args)
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// Sends SIGHUP and waits for the reload's message (the `n`th of `what`).
    fn hup(&self, what: &str, n: usize) {
        let ok = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let t0 = Instant::now();
        while self.stderr().matches(what).count() < n {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "no {what:?} after SIGHUP: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn client(&self, share: &str, creds: &str, cmds: &str, cwd: &Path) -> String {
        text(&smbclient(self.port, share, creds, &[], cmds, cwd))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nt_hex(pw: &str) -> String {
    smb_proto::util::hex_encode(smb_proto::auth::NtHash::from_password(pw).bytes())
}

#[test]
fn accounts_from_smb_user_log_on_and_hold_no_password() {
    let dir = TempDir::new("op-accounts");
    let db = dir.path().join("users");
    let (pa, pb, pc) = ("Alice-pw-1", "Bob pw 2", "carol3");
    add(&db, "alice", pa);
    let o = user(&db, &["add", "bob"], None, Some(&format!("{pb}\n")));
    assert!(o.status.success(), "{}", text(&o));
    let o = user(&db, &["add", "carol", "--allow-lm"], Some(pc), None);
    assert!(o.status.success(), "{}", text(&o));
    // Hashes, no passwords; private; the LM hash only where asked for.
    let body = std::fs::read_to_string(&db).unwrap();
    for pw in [pa, pb, pc, "Alice", "pw"] {
        assert!(!body.contains(pw), "{pw:?} in {body}");
    }
    assert!(
        body.contains(&format!("\nalice:{}\n", nt_hex(pa))),
        "{body}"
    );
    assert!(body.contains(&format!("\nbob:{}\n", nt_hex(pb))), "{body}");
    assert!(body.contains(&format!("\ncarol:{}:", nt_hex(pc))), "{body}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let o = user(&db, &["list"], None, None);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "alice\nbob\ncarol\tlm\n"
    );
    // Refusals: a second add, an unknown name, an empty password.
    let o = user(&db, &["add", "ALICE"], Some("x"), None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = user(&db, &["del", "nobody"], None, None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = user(&db, &["add", "dave"], None, Some("\n"));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!std::fs::read_to_string(&db).unwrap().contains("dave"));

    if !peers() {
        return;
    }
    let audit = dir.path().join("audit.log");
    let share = dir.path().join("share");
    std::fs::create_dir(&share).unwrap();
    std::fs::write(share.join("f.txt"), b"file").unwrap();
    let share_arg = format!("share={}", share.display());
    let s = Serve::with_accounts(dir.path(), &share_arg, &db, &audit, &["--allow-ntlmv1"]);
    let cwd = dir.path();
    for (variant, creds) in [
        ("ntlmssp", format!("alice%{pa}")),
        ("ntlmv2", format!("alice%{pa}")),
        ("ntlm", format!("bob%{pb}")),
        ("ntlmssp-v1", format!("carol%{pc}")),
    ] {
        let o = smbclient(
            s.port,
            "share",
            &creds,
            smbclient_variant(variant),
            "get f.txt got.txt",
            cwd,
        );
        assert!(o.status.success(), "{variant}: {}", text(&o));
        assert_eq!(std::fs::read(cwd.join("got.txt")).unwrap(), b"file");
    }
    let out = s.client("share", "alice%wrong-pass", "ls", cwd);
    assert!(out.contains("NT_STATUS_LOGON_FAILURE"), "{out}");
    let log = std::fs::read_to_string(&audit).unwrap();
    let logons: Vec<&str> = log.lines().filter(|l| l.contains(" logon ")).collect();
    assert_eq!(logons.len(), 5, "{log}");
    let field = |l: &str, k: &str| {
        l.split(' ')
            .find_map(|f| f.strip_prefix(&format!("{k}=")).map(String::from))
            .unwrap_or_default()
    };
    let auths: Vec<String> = logons.iter().map(|l| field(l, "auth")).collect();
    assert_eq!(
        auths,
        [
            "ntlmssp/ntlmv2",
            "ntlmv2",
            "ntlmv1",
            "ntlmssp/ntlm2-session",
            "ntlmssp/ntlmv2"
        ]
    );
    let last = logons[4];
    assert_eq!(field(last, "user"), "\"alice\"");
    assert_eq!(field(last, "result"), "refused");
    assert_eq!(field(last, "status"), "STATUS_LOGON_FAILURE");
    assert!(last.contains(" reason=\"wrong password\" "), "{last}");
    assert_eq!(field(last, "peer"), "127.0.0.1");
    for secret in [pa, pb, pc, "wrong-pass", &nt_hex(pa)] {
        assert!(!log.contains(secret), "{secret:?} in the audit log");
    }
    drop(s);

    // Without allow_ntlmv1 the NTLMv1 account of the same file is refused.
    let s = Serve::start(
        dir.path(),
        &[
            "--share",
            &format!("share={}", share.display()),
            "--users",
            db.to_str().unwrap(),
        ],
    );
    let o = smbclient(
        s.port,
        "share",
        &format!("bob%{pb}"),
        smbclient_variant("ntlm"),
        "ls",
        cwd,
    );
    assert!(text(&o).contains("NT_STATUS_LOGON_FAILURE"), "{}", text(&o));
    let o = smbclient(s.port, "share", &format!("bob%{pb}"), &[], "ls", cwd);
    assert!(o.status.success(), "{}", text(&o));
}

/// A configuration with a drop box (`scans`), a share `docs` with read and write lists,
/// and a hidden share.
fn access_config(dir: &Path, db: &Path, port: u16) -> PathBuf {
    for d in ["scans", "docs", "hidden"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    let conf = format!(
        r#"listen = "127.0.0.1:{port}"
users = "{db}"

[[share]]
name = "scans"
path = "{dir}/scans"
write = ["scanner"]
read = ["office"]
drop_box = true

[[share]]
name = "docs"
path = "{dir}/docs"
read = ["office"]
write = ["scanner"]

[[share]]
name = "hidden"
path = "{dir}/hidden"
browseable = false
"#,
        db = db.display(),
        dir = dir.display()
    );
    let path = dir.join("smb.toml");
    std::fs::write(&path, conf).unwrap();
    path
}

#[test]
fn a_drop_box_takes_scans_that_only_readers_see() {
    if !smb_testkit::peers_available(&["smbclient", "rpcclient"]) {
        return;
    }
    let dir = TempDir::new("op-dropbox");
    let d = dir.path();
    let db = d.join("users");
    add(&db, "scanner", "scan-pw");
    add(&db, "office", "office-pw");
    add(&db, "visitor", "visit-pw");
    let port = free_port();
    let conf = access_config(d, &db, port);
    let listen = format!("127.0.0.1:{port}");
    let s = Serve::start(
        d,
        &["--config", conf.to_str().unwrap(), "--listen", &listen],
    );
    let scan = pattern(300_000, 9);
    std::fs::write(d.join("scan.pdf"), &scan).unwrap();
    let sc = "scanner%scan-pw";
    let out = s.client("scans", sc, "put scan.pdf scan-1.pdf", d);
    assert!(!out.contains("NT_STATUS"), "{out}");
    assert_eq!(std::fs::read(d.join("scans/scan-1.pdf")).unwrap(), scan);
    // The scanner sees nothing and changes nothing that is there.
    for cmd in [
        "ls",
        "get scan-1.pdf back.pdf",
        "rename scan-1.pdf renamed.pdf",
        "del scan-1.pdf",
        "put scan.pdf scan-1.pdf",
        // Change notification would name what others drop.
        "notify \\",
        "hardlink scan-1.pdf link.pdf",
    ] {
        let out = s.client("scans", sc, cmd, d);
        assert!(out.contains(DENIED), "{cmd}: {out}");
    }
    assert!(!d.join("back.pdf").exists());
    assert_eq!(std::fs::read(d.join("scans/scan-1.pdf")).unwrap(), scan);
    // The office lists and fetches it, and cannot put.
    let out = s.client(
        "scans",
        "office%office-pw",
        "ls; get scan-1.pdf office.pdf",
        d,
    );
    assert!(
        out.contains("scan-1.pdf") && !out.contains("NT_STATUS"),
        "{out}"
    );
    assert_eq!(
        checksum(&std::fs::read(d.join("office.pdf")).unwrap()),
        checksum(&scan)
    );
    for share in ["scans", "docs"] {
        let out = s.client(share, "office%office-pw", "put scan.pdf office-put.pdf", d);
        assert!(out.contains(DENIED), "{share}: {out}");
        assert!(!d.join(share).join("office-put.pdf").exists());
    }
    // The writer of docs writes and links (NT_RENAME), the reader does not; an account in
    // neither list does not connect.
    let out = s.client(
        "docs",
        sc,
        "put scan.pdf w.pdf; hardlink w.pdf w-link.pdf; ls",
        d,
    );
    assert!(
        out.contains("w-link.pdf") && !out.contains("NT_STATUS"),
        "{out}"
    );
    use std::os::unix::fs::MetadataExt;
    let ino = |f: &str| std::fs::metadata(d.join("docs").join(f)).unwrap().ino();
    assert_eq!(ino("w.pdf"), ino("w-link.pdf"));
    let out = s.client("docs", "office%office-pw", "hardlink w.pdf o-link.pdf", d);
    assert!(out.contains(DENIED), "{out}");
    assert!(!d.join("docs/o-link.pdf").exists());
    let out = s.client("docs", "visitor%visit-pw", "ls", d);
    assert!(out.contains(DENIED), "{out}");
    // The hidden share is not listed, and connects.
    let o = Command::new("smbclient")
        .args(["-L", "//127.0.0.1", "-p", &port.to_string(), "-m", "NT1"])
        .args(["--option=client min protocol=NT1", "-U", "visitor%visit-pw"])
        .output()
        .unwrap();
    let list = text(&o);
    assert!(list.contains("docs") && list.contains("scans"), "{list}");
    assert!(!list.contains("hidden"), "{list}");
    let out = s.client("hidden", "visitor%visit-pw", "ls", d);
    assert!(!out.contains("NT_STATUS"), "{out}");
    // Over srvsvc too: left out of the enumeration, described when asked for by name
    // (as smbd does with browseable = no).
    let o = Command::new("rpcclient")
        .args([
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "visitor%visit-pw",
        ])
        .args([
            "--option=client min protocol=NT1",
            "--option=client max protocol=NT1",
            "-c",
            "netshareenumall; netsharegetinfo hidden",
        ])
        .output()
        .unwrap();
    let rpc = text(&o);
    assert!(o.status.success(), "{rpc}");
    let names: Vec<&str> = rpc
        .lines()
        .filter_map(|l| l.strip_prefix("netname: "))
        .collect();
    assert_eq!(names, ["scans", "docs", "IPC$", "hidden"], "{rpc}");
}

/// An smbclient session driven through its standard input.
struct Session {
    child: Child,
    input: std::process::ChildStdin,
}

impl Session {
    fn open(port: u16, share: &str, creds: &str, cwd: &Path) -> Self {
        let mut child = smb_testkit::smbclient_command(port, share, creds)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        Self { child, input }
    }

    fn send(&mut self, cmd: &str) {
        writeln!(self.input, "{cmd}").unwrap();
        self.input.flush().unwrap();
    }

    fn finish(mut self) -> String {
        self.send("quit");
        drop(self.input);
        text(&self.child.wait_with_output().unwrap())
    }
}

/// Waits until `path` holds a line with all of `parts`.
fn wait_for_line(path: &Path, parts: &[&str]) {
    let t0 = Instant::now();
    loop {
        if let Ok(f) = std::fs::File::open(path) {
            let found = std::io::BufReader::new(f)
                .lines()
                .map_while(Result::ok)
                .any(|l| parts.iter().all(|p| l.contains(p)));
            if found {
                return;
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "no line with {parts:?} in {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sighup_takes_new_accounts_while_a_session_keeps_transferring() {
    if !peers() {
        return;
    }
    let dir = TempDir::new("op-reload");
    let d = dir.path();
    let db = d.join("users");
    add(&db, "alice", "alice-pw");
    let share = d.join("share");
    std::fs::create_dir(&share).unwrap();
    let big = pattern(100 << 20, 19);
    std::fs::write(share.join("big.bin"), &big).unwrap();
    std::fs::write(d.join("up.bin"), &big).unwrap();
    let audit = d.join("audit.log");
    let s = Serve::with_accounts(d, &format!("share={}", share.display()), &db, &audit, &[]);
    // Alice's session is open before the reloads and used across them.
    let mut alice = Session::open(s.port, "share", "alice%alice-pw", d);
    wait_for_line(&audit, &["tree-connect", "\"alice\""]);
    add(&db, "carol", "carol-pw");
    assert!(
        s.client("share", "carol%carol-pw", "ls", d)
            .contains("NT_STATUS_LOGON_FAILURE")
    );
    alice.send("get big.bin got-1.bin");
    s.hup("smb serve: reloaded", 1);
    let out = s.client("share", "carol%carol-pw", "ls", d);
    assert!(
        out.contains("big.bin") && !out.contains("NT_STATUS"),
        "{out}"
    );
    // Alice's account goes; her open session keeps working, new logons fail.
    let o = user(&db, &["del", "alice"], None, None);
    assert!(o.status.success(), "{}", text(&o));
    alice.send("put up.bin up-1.bin");
    s.hup("smb serve: reloaded", 2);
    assert!(
        s.client("share", "alice%alice-pw", "ls", d)
            .contains("NT_STATUS_LOGON_FAILURE")
    );
    alice.send("get big.bin got-2.bin");
    let out = alice.finish();
    assert!(!out.contains("NT_STATUS"), "{out}");
    let want = checksum(&big);
    for f in [
        d.join("got-1.bin"),
        d.join("got-2.bin"),
        share.join("up-1.bin"),
    ] {
        let got = std::fs::read(&f).unwrap();
        assert_eq!(
            (got.len(), checksum(&got)),
            (big.len(), want),
            "{}",
            f.display()
        );
    }
}

#[test]
fn a_broken_configuration_on_sighup_is_refused_and_the_server_keeps_serving() {
    if !peers() {
        return;
    }
    let dir = TempDir::new("op-broken");
    let d = dir.path();
    let db = d.join("users");
    add(&db, "alice", "alice-pw");
    for f in ["one", "two"] {
        std::fs::create_dir(d.join(f)).unwrap();
    }
    let port = free_port();
    let conf = d.join("smb.toml");
    let good = |shares: &[&str]| {
        let mut c = format!(
            "listen = \"127.0.0.1:{port}\"\nengine = \"threads\"\nusers = \"{}\"\n",
            db.display()
        );
        for s in shares {
            c.push_str(&format!(
                "[[share]]\nname = \"{s}\"\npath = \"{}/{s}\"\n",
                d.display()
            ));
        }
        c
    };
    std::fs::write(&conf, good(&["one"])).unwrap();
    let listen = format!("127.0.0.1:{port}");
    let s = Serve::start(
        d,
        &["--config", conf.to_str().unwrap(), "--listen", &listen],
    );
    let mut open = Session::open(port, "one", "alice%alice-pw", d);
    std::fs::write(d.join("f.txt"), b"kept").unwrap();
    let broken = [
        format!("{}[[share\n", good(&["one"])),
        good(&["one", "missing"]),
        format!("{}guset = true\n", good(&["one"])),
    ];
    for (n, b) in broken.iter().enumerate() {
        std::fs::write(&conf, b).unwrap();
        s.hup("reload refused", n + 1);
        let out = s.client("one", "alice%alice-pw", "put f.txt a.txt; ls", d);
        assert!(
            out.contains("a.txt") && !out.contains("NT_STATUS"),
            "{n}: {out}"
        );
    }
    assert!(s.stderr().contains("missing"), "{}", s.stderr());
    // A good one with a new share: new connections see it; the open one keeps working.
    std::fs::write(&conf, good(&["two", "one"])).unwrap();
    s.hup("smb serve: reloaded", 1);
    let out = s.client("two", "alice%alice-pw", "put f.txt b.txt", d);
    assert!(!out.contains("NT_STATUS"), "{out}");
    assert_eq!(std::fs::read(d.join("two/b.txt")).unwrap(), b"kept");
    open.send("put f.txt c.txt");
    let out = open.finish();
    assert!(!out.contains("NT_STATUS"), "{out}");
    assert_eq!(std::fs::read(d.join("one/c.txt")).unwrap(), b"kept");
}

#[test]
fn smbclient_connects_over_ipv6_and_ipv4_to_one_listener() {
    if !peers() {
        return;
    }
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    }
    let dir = TempDir::new("op-ipv6");
    let d = dir.path();
    let share = d.join("share");
    std::fs::create_dir(&share).unwrap();
    std::fs::write(share.join("v6.txt"), b"over ::1").unwrap();
    let port = free_port();
    let audit = d.join("audit.log");
    let s = Serve::start(
        d,
        &[
            "--listen",
            &format!("[::]:{port}"),
            "--share",
            &format!("share={}", share.display()),
            "--user",
            "me:pw",
            "--audit-log",
            audit.to_str().unwrap(),
        ],
    );
    assert!(
        s.stderr().contains("visible to every local user"),
        "{}",
        s.stderr()
    );
    for ip in ["::1", "127.0.0.1"] {
        let o = Command::new("smbclient")
            .args([
                "//localhost/share",
                "-I",
                ip,
                "-p",
                &port.to_string(),
                "-m",
                "NT1",
            ])
            .args([
                "--option=client min protocol=NT1",
                "-U",
                "me%pw",
                "-c",
                "get v6.txt -",
            ])
            .output()
            .unwrap();
        assert!(text(&o).contains("over ::1"), "{ip}: {}", text(&o));
    }
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(
        log.contains("logon peer=::1 ") && log.contains("logon peer=127.0.0.1 "),
        "{log}"
    );
}

/// The events of the audit log of a scripted session: (event, user, share, path, to,
/// bytes).
type Row = (String, String, String, String, String, u64);

fn scripted_session(format: &str) -> (Vec<Row>, String) {
    let dir = TempDir::new("op-audit");
    let d = dir.path();
    let db = d.join("users");
    add(&db, "auditor", "audit-pw");
    let share = d.join("share");
    std::fs::create_dir(&share).unwrap();
    std::fs::write(d.join("f.txt"), vec![b'x'; 12_345]).unwrap();
    let audit = d.join("audit.log");
    let share_arg = format!("docs={}", share.display());
    let s = Serve::with_accounts(d, &share_arg, &db, &audit, &["--log-format", format]);
    let out = s.client(
        "docs",
        "auditor%audit-pw",
        "put f.txt a.txt; rename a.txt b.txt; del b.txt",
        d,
    );
    assert!(!out.contains("NT_STATUS"), "{out}");
    drop(s);
    let log = std::fs::read_to_string(&audit).unwrap();
    let rows = log
        .lines()
        .map(|l| {
            if format == "json" {
                let v: serde_json::Value = serde_json::from_str(l).expect(l);
                let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
                assert!(s("time").ends_with('Z') && s("peer") == "127.0.0.1", "{l}");
                let to = if s("event") == "renamed" {
                    s("to")
                } else {
                    String::new()
                };
                let path = if s("event") == "renamed" {
                    s("from")
                } else {
                    s("path")
                };
                (
                    s("event"),
                    s("user"),
                    s("share"),
                    path,
                    to,
                    v["bytes"].as_u64().unwrap_or(0),
                )
            } else {
                let mut words = l.split(' ');
                let _time = words.next();
                let event = words.next().unwrap_or("").to_string();
                let mut f = std::collections::BTreeMap::new();
                for w in words {
                    if let Some((k, v)) = w.split_once('=') {
                        f.insert(k.to_string(), v.trim_matches('"').to_string());
                    }
                }
                let g = |k: &str| f.get(k).cloned().unwrap_or_default();
                let path = if event == "renamed" {
                    g("from")
                } else {
                    g("path")
                };
                let bytes = g("bytes").parse().unwrap_or(0);
                (event, g("user"), g("share"), path, g("to"), bytes)
            }
        })
        .collect();
    (rows, log)
}

#[test]
fn the_audit_log_of_a_scripted_session_in_both_formats() {
    if !peers() {
        return;
    }
    let row = |e: &str, share: &str, path: &str, to: &str, bytes: u64| {
        let user = "auditor".to_string();
        (
            e.to_string(),
            user,
            share.to_string(),
            path.to_string(),
            to.to_string(),
            bytes,
        )
    };
    let want = vec![
        row("logon", "", "", "", 0),
        row("tree-connect", "docs", "", "", 0),
        row("created", "docs", "a.txt", "", 0),
        row("written", "docs", "a.txt", "", 12_345),
        row("renamed", "docs", "a.txt", "b.txt", 0),
        row("deleted", "docs", "b.txt", "", 0),
    ];
    for format in ["text", "json"] {
        let (rows, log) = scripted_session(format);
        assert_eq!(rows, want, "{format}:\n{log}");
        assert!(!log.contains("audit-pw"), "{log}");
    }
}

#[test]
fn the_systemd_unit_verifies() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/smb-serve.service"
    ))
    .unwrap();
    for want in [
        "ExecStart=/usr/local/bin/smb serve --config /etc/smb-serve/smb-serve.toml",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "User=smb-serve",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ] {
        assert!(unit.contains(want), "{want}");
    }
    if !smb_testkit::have("systemd-analyze") {
        let msg = "systemd-analyze not installed (run scripts/setup.sh)";
        assert!(
            std::env::var("SMB_PEERS").map_or(true, |v| v != "required"),
            "{msg}"
        );
        eprintln!("skipped: {msg}");
        return;
    }
    // The unit as shipped, with the binary where this build put it (systemd-analyze
    // checks that ExecStart= names an executable).
    let dir = TempDir::new("op-unit");
    let path = dir.path().join("smb-serve.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/smb", BIN)).unwrap();
    let o = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("smb-serve.service"), "{}", text(&o));
}

#[test]
fn serve_help_is_a_manual() {
    let o = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for want in [
        "ACCOUNTS",
        "PER-SHARE ACCESS",
        "AUDIT LOG",
        "SIGNALS",
        "FILES",
        "EXAMPLES",
        "EXIT STATUS",
        "--users",
        "--log-format",
        "--audit-log",
        "--listen",
        "--config",
        "smb user add",
        "read = ",
        "write = ",
        "drop_box",
        "guest = true",
        "browseable",
        "SIGHUP",
        "SIGTERM",
        "[::]:445",
    ] {
        assert!(help.contains(want), "{want} missing from smb serve --help");
    }
}
