//! Our client (all three adapters and the `smb` command) against a private Samba smbd.

mod common;

use common::{ADAPTERS, AUTHS, Adapter, config, connect, list_get_put};
use smb_proto::auth::AuthMethod;
use smb_proto::wire::NtStatus;
use smb_testkit::{Smbd, SmbdOptions};

fn every_auth(a: Adapter) {
    if !smb_testkit::peers_available(&["smbd", "smbpasswd"]) {
        return;
    }
    let smbd = Smbd::start(&SmbdOptions::default());
    let big = common::populate(&smbd.share_dir(), 300, 6 * 1024 * 1024 + 4321);
    for (name, auth) in AUTHS {
        let tag = format!("{a:?}-{name}");
        let mut s = connect(a, smbd.port, config(auth, smb_testkit::PASS, false))
            .unwrap_or_else(|e| panic!("{tag}: connect: {e}\n{}", smbd.log()));
        assert!(!s.info().guest, "{tag}: not a guest session");
        list_get_put(s.as_mut(), &smbd.share_dir(), &big, &tag);
    }
    // A wrong password: the logon failure status, for every authenticated variant.
    for (name, auth) in AUTHS.iter().filter(|(_, a)| a.is_some()) {
        match connect(a, smbd.port, config(*auth, "wrong", false)) {
            Ok(_) => panic!("{a:?}-{name}: a wrong password was accepted"),
            Err(e) => assert_eq!(
                e.status(),
                Some(NtStatus::LOGON_FAILURE),
                "{a:?}-{name}: {e}"
            ),
        }
    }
}

#[test]
fn blocking_every_auth_against_smbd() {
    every_auth(Adapter::Blocking);
}

#[test]
fn tokio_every_auth_against_smbd() {
    every_auth(Adapter::Tokio);
}

#[test]
fn smol_every_auth_against_smbd_under_async_std() {
    every_auth(Adapter::Smol);
}

#[test]
fn reads_beyond_4_gib_of_a_sparse_file() {
    if !smb_testkit::peers_available(&["smbd", "smbpasswd"]) {
        return;
    }
    let smbd = Smbd::start(&SmbdOptions::default());
    let path = smbd.share_dir().join("sparse.bin");
    let marker = smb_testkit::pattern(300_000, 99);
    let off = (4u64 << 30) + 123_457;
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::File::create(&path).unwrap();
        f.set_len(5u64 << 30).unwrap();
        f.seek(SeekFrom::Start(off)).unwrap();
        f.write_all(&marker).unwrap();
    }
    for a in ADAPTERS {
        let mut s = connect(
            a,
            smbd.port,
            config(Some(AuthMethod::Ntlmssp), smb_testkit::PASS, false),
        )
        .unwrap();
        let t = s.tree("share").unwrap();
        assert_eq!(s.stat(t, "sparse.bin").unwrap().size, 5u64 << 30);
        let got = s
            .read_at(t, "sparse.bin", off - 1000, marker.len() + 1000)
            .unwrap();
        assert!(
            got[..1000].iter().all(|&b| b == 0),
            "{a:?}: the hole reads as zeros"
        );
        assert!(got[1000..] == marker[..], "{a:?}: the data beyond 4 GiB");
    }
}

#[test]
fn signs_when_smbd_requires_it() {
    if !smb_testkit::peers_available(&["smbd", "smbpasswd"]) {
        return;
    }
    let smbd = Smbd::start(&SmbdOptions {
        extra_global: vec!["server signing = mandatory".into()],
        ..Default::default()
    });
    let big = common::populate(&smbd.share_dir(), 300, 2 * 1024 * 1024 + 5);
    for a in ADAPTERS {
        // Only the extended-security logons: smbd 4.17 signs raw (non-extended) NTLMv2,
        // NTLMv1 and LM sessions with a key that does not match its own clients either
        // (smbclient with `client use spnego=no` and `client signing=required` fails with
        // "BAD SIG: seq 1" against it).
        for (name, auth) in [
            ("ntlmssp", AuthMethod::Ntlmssp),
            ("ntlmssp-v1", AuthMethod::NtlmsspV1),
        ] {
            let tag = format!("signed-{a:?}-{name}");
            let mut s = connect(a, smbd.port, config(Some(auth), smb_testkit::PASS, false))
                .unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert!(s.info().signing, "{tag}: the session is signed");
            list_get_put(s.as_mut(), &smbd.share_dir(), &big, &tag);
        }
    }
}

fn smb(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_smb"))
        .args(args)
        .env_remove("SMB_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn smb_command_every_auth_against_smbd() {
    if !smb_testkit::peers_available(&["smbd", "smbpasswd"]) {
        return;
    }
    let smbd = Smbd::start(&SmbdOptions::default());
    let big = common::populate(&smbd.share_dir(), 300, 5 * 1024 * 1024 + 1);
    let local = smb_testkit::TempDir::new("cli");
    let src = local.path().join("src.bin");
    let up = smb_testkit::pattern(2 * 1024 * 1024 + 3, 5);
    std::fs::write(&src, &up).unwrap();
    let p = smbd.port;
    for (name, auth) in AUTHS {
        let base = if auth.is_some() {
            format!("smb://smbtest:smbpass@127.0.0.1:{p}/share")
        } else {
            format!("smb://127.0.0.1:{p}/share")
        };
        let auth_args: Vec<&str> = if auth.is_some() {
            vec!["--auth", name]
        } else {
            vec![]
        };
        let run = |sub: &str, rest: &[&str]| {
            let mut v = vec![sub];
            v.extend_from_slice(&auth_args);
            v.extend_from_slice(rest);
            let o = smb(&v);
            assert!(
                o.status.success(),
                "{name}: smb {v:?}: {}",
                smb_testkit::text(&o)
            );
            o
        };
        let ls = run("ls", &[&format!("{base}/many")]);
        let out = String::from_utf8_lossy(&ls.stdout);
        assert_eq!(
            out.lines().filter(|l| l.contains("file-")).count(),
            300,
            "{name}: ls"
        );
        let dst = local.path().join(format!("got-{name}.bin"));
        run("get", &[&format!("{base}/big.bin"), dst.to_str().unwrap()]);
        assert!(std::fs::read(&dst).unwrap() == big, "{name}: get");
        run(
            "put",
            &[src.to_str().unwrap(), &format!("{base}/put-{name}.bin")],
        );
        assert!(
            std::fs::read(smbd.share_dir().join(format!("put-{name}.bin"))).unwrap() == up,
            "{name}: put"
        );
    }
    let o = smb(&["ls", &format!("smb://smbtest:wrong@127.0.0.1:{p}/share")]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        smb_testkit::text(&o).contains("logon failure: wrong user name or password"),
        "{}",
        smb_testkit::text(&o)
    );
    let o = smb(&[
        "get",
        &format!("smb://smbtest:smbpass@127.0.0.1:{p}/share/nope.txt"),
        "-",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        smb_testkit::text(&o).contains("not found"),
        "{}",
        smb_testkit::text(&o)
    );
}

#[test]
fn smb_get_r_fetches_a_tree_of_small_files_from_smbd() {
    if !smb_testkit::peers_available(&["smbd", "smbpasswd"]) {
        return;
    }
    let smbd = Smbd::start(&SmbdOptions::default());
    let src = smbd.share_dir().join("tree");
    common::small_file_tree(&src);
    let local = smb_testkit::TempDir::new("getr");
    let dst = local.path().join("copy");
    let o = smb(&[
        "get",
        "-r",
        &format!("smb://smbtest:smbpass@127.0.0.1:{}/share/tree", smbd.port),
        dst.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", smb_testkit::text(&o));
    assert!(
        smb_testkit::text(&o).contains("69 files, 4 directories"),
        "{}",
        smb_testkit::text(&o)
    );
    assert_eq!(common::tree_of(&dst), common::tree_of(&src));
}
