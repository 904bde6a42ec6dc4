//! `smb serve` and Samba's smbclient and smbtorture in the pre-NT dialects: smbclient with
//! `client max protocol = LANMAN2` and `LANMAN1`, LM logons and plaintext ones; the
//! refusal (and its log line) under the default settings; OEM names; the smbtorture
//! base.* tests that pass against smbd in LANMAN2.

use std::path::Path;

use smb_testkit::{
    ChildServer, TempDir, checksum, lanman_options, pattern, smbclient, smbclient_lanman, text,
};

const CREDS: &str = "smbtest%smbpass";

fn serve(args: &[&str]) -> Option<ChildServer> {
    if !smb_testkit::peers_available(&["smbclient"]) {
        return None;
    }
    Some(ChildServer::start_smb_serve(
        Path::new(env!("CARGO_BIN_EXE_smb")),
        args,
    ))
}

/// ls, get (1 MiB, checksum), put (checksum), mkdir, rename, del and rmdir in one dialect.
fn round(srv: &ChildServer, proto: &str, plaintext: bool) {
    let share = srv.share_dir();
    let tag = format!(
        "{}{}",
        proto.to_lowercase(),
        if plaintext { "p" } else { "" }
    );
    let big = pattern((1 << 20) + 77, 5);
    std::fs::write(share.join(format!("{tag}.bin")), &big).unwrap();
    let local = TempDir::new("lanman");
    let up = pattern((1 << 20) + 13, 6);
    std::fs::write(local.path().join("up.bin"), &up).unwrap();
    let cmds = format!(
        "ls; get {tag}.bin got.bin; put up.bin {tag}up.bin; mkdir {tag}d; \
         rename {tag}up.bin {tag}d\\moved.bin; ls {tag}d\\*"
    );
    let o = smbclient_lanman(
        srv.port,
        "share",
        CREDS,
        proto,
        plaintext,
        &cmds,
        local.path(),
    );
    let out = text(&o);
    assert!(o.status.success(), "{tag}: {out}");
    assert!(
        !out.contains("NT_STATUS_") && !out.contains("ERRDOS"),
        "{tag}: {out}"
    );
    // LANMAN1 lists with the core SEARCH: 8.3 names in upper case.
    let listed = if proto == "LANMAN1" {
        format!("{}.BIN", tag.to_uppercase())
    } else {
        format!("{tag}.bin")
    };
    assert!(out.contains(&listed), "{tag}: listing\n{out}");
    let got = std::fs::read(local.path().join("got.bin")).unwrap();
    assert_eq!(checksum(&got), checksum(&big), "{tag}: get");
    let moved = std::fs::read(share.join(format!("{tag}d")).join("moved.bin")).unwrap();
    assert_eq!(checksum(&moved), checksum(&up), "{tag}: put + rename");
    let o = smbclient_lanman(
        srv.port,
        "share",
        CREDS,
        proto,
        plaintext,
        &format!("del {tag}d\\moved.bin; rmdir {tag}d; del {tag}.bin"),
        local.path(),
    );
    let out = text(&o);
    assert!(
        o.status.success() && !out.contains("NT_STATUS_"),
        "{tag}: {out}"
    );
    assert!(!share.join(format!("{tag}d")).exists(), "{tag}: rmdir");
    assert!(!share.join(format!("{tag}.bin")).exists(), "{tag}: del");
}

#[test]
fn smbclient_lanman2_and_lanman1_with_lm_logons() {
    let Some(srv) = serve(&["--allow-lm"]) else {
        return;
    };
    round(&srv, "LANMAN2", false);
    round(&srv, "LANMAN1", false);
    // A wrong password is refused.
    let dir = TempDir::new("lanman-wrong");
    let o = smbclient_lanman(
        srv.port,
        "share",
        "smbtest%wrong",
        "LANMAN2",
        false,
        "ls",
        dir.path(),
    );
    assert!(!o.status.success(), "{}", text(&o));
}

#[test]
fn smbclient_lanman1_with_plaintext_logons() {
    let Some(srv) = serve(&["--allow-plaintext"]) else {
        return;
    };
    round(&srv, "LANMAN1", true);
    round(&srv, "LANMAN2", true);
    // A client that will not send its password in clear cannot log on to a server that
    // offers no challenge.
    let dir = TempDir::new("plain-refused");
    let o = smbclient_lanman(srv.port, "share", CREDS, "LANMAN2", false, "ls", dir.path());
    assert!(!o.status.success(), "{}", text(&o));
    let o = smbclient_lanman(
        srv.port,
        "share",
        "smbtest%wrong",
        "LANMAN1",
        true,
        "ls",
        dir.path(),
    );
    assert!(!o.status.success(), "{}", text(&o));
}

#[test]
fn lanman_refused_by_default_with_a_log_line_nt_unchanged() {
    if !smb_testkit::peers_available(&["smbclient"]) {
        return;
    }
    let dir = TempDir::new("refused");
    let log_file = dir.path().join("serve.log");
    let srv = ChildServer::start_smb_serve_logging(
        Path::new(env!("CARGO_BIN_EXE_smb")),
        &[],
        Some(&log_file),
    );
    for proto in ["LANMAN2", "LANMAN1"] {
        let o = smbclient_lanman(srv.port, "share", CREDS, proto, false, "ls", dir.path());
        let t = text(&o);
        assert!(!o.status.success(), "{proto}: {t}");
        assert!(t.contains("No compatible protocol"), "{proto}: {t}");
    }
    let log = std::fs::read_to_string(&log_file).unwrap_or_default();
    // Each refusal is one warning line (for fail2ban) and one audit log line.
    let refusals = |tag: &str| -> Vec<&str> {
        log.lines()
            .filter(|l| l.contains(tag) && l.contains("NEGOTIATE refused"))
            .collect()
    };
    assert_eq!(refusals(" refused peer=").len(), 2, "{log}");
    let lines = refusals("refused: peer=");
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains("offered is LANMAN2.1 (LANMAN2)")
            && lines[0].contains("accepts NT1 to NT1")
            && lines[0].contains("allow_lm or allow_plaintext"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("offered is LANMAN1.0 (LANMAN1)"),
        "{}",
        lines[1]
    );
    // NT LM 0.12 clients are served as before.
    let o = smbclient(srv.port, "share", CREDS, &[], "ls", dir.path());
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn oem_names_in_cp850_and_8dot3_names() {
    let Some(srv) = serve(&["--allow-lm", "--dos-charset", "CP850"]) else {
        return;
    };
    std::fs::write(srv.share_dir().join("café.txt"), b"caf\xc3\xa9\n").unwrap();
    std::fs::write(srv.share_dir().join("A Long File Name.text"), b"long\n").unwrap();
    let dir = TempDir::new("oem");
    // LANMAN2: long names, é travels as CP850 byte 0x82 (smbclient's dos charset).
    let o = smbclient_lanman(
        srv.port,
        "share",
        CREDS,
        "LANMAN2",
        false,
        "ls; get café.txt cafe.txt",
        dir.path(),
    );
    let t = text(&o);
    assert!(o.status.success() && t.contains("café.txt"), "{t}");
    assert!(t.contains("A Long File Name.text"), "{t}");
    assert_eq!(
        std::fs::read(dir.path().join("cafe.txt")).unwrap(),
        b"caf\xc3\xa9\n"
    );
    // LANMAN1: 8.3 names; the mangled name opens the long-named file.
    let o = smbclient_lanman(srv.port, "share", CREDS, "LANMAN1", false, "ls", dir.path());
    let t = text(&o);
    assert!(o.status.success() && t.contains("CAFÉ.TXT"), "{t}");
    let short = t
        .split_whitespace()
        .find(|w| w.starts_with("ALON~"))
        .unwrap_or_else(|| panic!("no mangled name in\n{t}"))
        .to_string();
    let o = smbclient_lanman(
        srv.port,
        "share",
        CREDS,
        "LANMAN1",
        false,
        &format!("get {short} long.txt"),
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read(dir.path().join("long.txt")).unwrap(),
        b"long\n"
    );
}

/// The smbtorture tests of `base.*` that pass against smbd 4.17 with `client max
/// protocol = LANMAN2` (LM logon) and pass against `smb serve --allow-lm` too: the quick
/// ones (under 5 s each); the longer ones are in `torture_lanman2_long`.
const TORTURE_LANMAN2: &[&str] = &[
    "base.attr",
    "base.casetable",
    "base.chkpath",
    "base.deny3",
    "base.dir1",
    "base.disconnect",
    "base.fdpass",
    "base.lock.LOCK1",
    "base.lock.LOCK2",
    "base.lock.LOCK3",
    "base.lock.LOCK6",
    "base.delete.deltest1",
    "base.delete.deltest2",
    "base.delete.deltest3",
    "base.delete.deltest5",
    "base.delete.deltest6",
    "base.delete.deltest10",
    "base.delete.deltest20c",
    "base.mangle",
    "base.negnowait",
    "base.ntdeny1",
    "base.ntdeny2",
    "base.open",
    "base.properties",
    "base.rename",
    "base.rw1",
    "base.tcon",
    "base.trans2",
    "base.unlink",
    "base.vuid",
    "base.xcopy",
];

/// The longer ones (about 3 minutes in all against smb serve: base.aliases alone scans
/// every information level).
const TORTURE_LANMAN2_LONG: &[&str] = &[
    "base.aliases",
    "base.birthtime",
    "base.createx_sharemodes_dir",
    "base.dir2",
    "base.nttrans",
];

fn torture(tests: &[&str]) {
    if !smb_testkit::peers_available(&["smbtorture"]) {
        return;
    }
    let Some(srv) = serve(&["--allow-lm"]) else {
        return;
    };
    let dir = TempDir::new("torture-lanman");
    let mut failed = Vec::new();
    for t in tests {
        let o = std::process::Command::new("smbtorture")
            .arg("//127.0.0.1/share")
            .args(["-p", &srv.port.to_string(), "-U", CREDS])
            .args(lanman_options("LANMAN2", false))
            .arg(t)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let out = text(&o);
        let ok = out.lines().any(|l| l.starts_with("success:"))
            && !out
                .lines()
                .any(|l| l.starts_with("failure:") || l.starts_with("error:"));
        if !ok {
            failed.push(format!("{t}: {out}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn torture_lanman2() {
    torture(TORTURE_LANMAN2);
}

#[test]
#[ignore = "about 3 minutes; run with --ignored"]
fn torture_lanman2_long() {
    torture(TORTURE_LANMAN2_LONG);
}
