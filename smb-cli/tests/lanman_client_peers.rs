//! Our client in the pre-NT dialects against a private smbd restricted to them (`server
//! max protocol = LANMAN2`, `LANMAN1`) and against `smb serve --max-protocol LANMAN2`:
//! LM logon, listing, get and put with checksums, mkdir, rename, delete, rmdir; and the
//! `smb` command with --min-protocol and --auth lm.

mod common;

use std::path::Path;
use std::process::Command;

use common::{ADAPTERS, Adapter, config, connect, list_get_put, names};
use smb_proto::auth::AuthMethod;
use smb_proto::client::ClientConfig;
use smb_proto::wire::dialect::Protocol;
use smb_testkit::{ChildServer, Smbd, SmbdOptions, checksum, pattern, text};

fn lanman_config() -> ClientConfig {
    ClientConfig {
        min_protocol: Protocol::Lanman1,
        ..config(Some(AuthMethod::Lm), smb_testkit::PASS, false)
    }
}

fn lanman_smbd(max: &str) -> Option<Smbd> {
    if !smb_testkit::peers_available(&["smbd", "smbpasswd"]) {
        return None;
    }
    Some(Smbd::start(&SmbdOptions {
        min_protocol: Some("LANMAN1".into()),
        max_protocol: Some(max.into()),
        ..Default::default()
    }))
}

/// The common scenario (list 300, get 6 MiB, put 3 MiB, checksums) and the name
/// operations, in LANMAN2.
fn scenario(a: Adapter, port: u16, share: &Path, tag: &str) {
    let big = common::populate(share, 300, 6 * 1024 * 1024 + 4321);
    let mut s = connect(a, port, lanman_config()).unwrap_or_else(|e| panic!("{tag}: {e}"));
    let info = s.info();
    assert_eq!(
        (info.protocol, info.signing),
        (Protocol::Lanman2, false),
        "{tag}"
    );
    list_get_put(s.as_mut(), share, &big, tag);
    let mut s = connect(a, port, lanman_config()).unwrap();
    let t = s.tree("share").unwrap();
    s.mkdir(t, "made").unwrap();
    s.put(t, "made/a.txt", b"abc").unwrap();
    s.rename(t, "made/a.txt", "made/b.txt").unwrap();
    assert_eq!(names(&s.list(t, "made").unwrap()), ["b.txt"], "{tag}");
    assert_eq!(s.stat(t, "made/b.txt").unwrap().size, 3, "{tag}");
    s.delete(t, "made/b.txt").unwrap();
    s.rmdir(t, "made").unwrap();
    assert!(!share.join("made").exists(), "{tag}");
}

#[test]
fn client_vs_smbd_lanman2() {
    let Some(smbd) = lanman_smbd("LANMAN2") else {
        return;
    };
    for a in ADAPTERS {
        scenario(a, smbd.port, &smbd.share_dir(), &format!("{a:?}-smbd"));
    }
    // A wrong password is a logon failure.
    let e = match connect(
        Adapter::Blocking,
        smbd.port,
        ClientConfig {
            min_protocol: Protocol::Lanman1,
            ..config(Some(AuthMethod::Lm), "wrong", false)
        },
    ) {
        Ok(_) => panic!("a wrong password was accepted"),
        Err(e) => e,
    };
    assert!(e.status().is_some(), "{e}");
}

#[test]
fn client_vs_smb_serve_restricted_to_lanman2() {
    let srv = ChildServer::start_smb_serve(
        Path::new(env!("CARGO_BIN_EXE_smb")),
        &["--allow-lm", "--max-protocol", "LANMAN2"],
    );
    scenario(Adapter::Blocking, srv.port, srv.share_dir(), "smb-serve");
}

#[test]
fn client_vs_smbd_lanman1_and_the_smb_command() {
    let Some(smbd) = lanman_smbd("LANMAN1") else {
        return;
    };
    let share = smbd.share_dir();
    let data = pattern(1 << 20, 21);
    std::fs::write(share.join("one.bin"), &data).unwrap();
    let mut s = connect(Adapter::Blocking, smbd.port, lanman_config()).unwrap();
    assert_eq!(s.info().protocol, Protocol::Lanman1);
    let t = s.tree("share").unwrap();
    // The core SEARCH: 8.3 names, in upper case.
    assert!(names(&s.list(t, "").unwrap()).contains(&"ONE.BIN".to_string()));
    assert_eq!(checksum(&s.get(t, "one.bin").unwrap()), checksum(&data));
    let up = pattern((1 << 20) + 3, 22);
    s.put(t, "up.bin", &up).unwrap();
    assert_eq!(
        checksum(&std::fs::read(share.join("up.bin")).unwrap()),
        checksum(&up)
    );
    // The command line: ls and get with --min-protocol LANMAN1 --auth lm.
    let url = format!("smb://smbtest:smbpass@127.0.0.1:{}/share", smbd.port);
    let smb = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_smb"))
            .args(args)
            .args(["--min-protocol", "LANMAN1", "--auth", "lm"])
            .output()
            .unwrap()
    };
    let o = smb(&["ls", &url]);
    assert!(
        o.status.success() && text(&o).contains("UP.BIN"),
        "{}",
        text(&o)
    );
    let local = smb_testkit::TempDir::new("lanman-cli");
    let dst = local.path().join("got.bin");
    let o = smb(&["get", &format!("{url}/one.bin"), dst.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(checksum(&std::fs::read(&dst).unwrap()), checksum(&data));
    // Without the LANMAN dialects the command explains what to try.
    let o = Command::new(env!("CARGO_BIN_EXE_smb"))
        .args(["ls", &url])
        .output()
        .unwrap();
    assert!(
        !o.status.success() && text(&o).contains("--min-protocol LANMAN1"),
        "{}",
        text(&o)
    );
}
