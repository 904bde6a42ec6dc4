//! The user's side of `smb`: help, progress bars on a terminal, errors, trees, shares.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn smb(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_smb"))
        .args(args)
        .env_remove("SMB_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn serve() -> smb_testkit::ChildServer {
    smb_testkit::ChildServer::start_smb_serve(Path::new(env!("CARGO_BIN_EXE_smb")), &[])
}

#[test]
fn help_lists_every_subcommand() {
    let o = smb(&["--help"]);
    let out = String::from_utf8_lossy(&o.stdout);
    for c in [
        "serve",
        "ls",
        "get",
        "put",
        "cat",
        "rm",
        "mkdir",
        "rmdir",
        "mv",
        "stat",
        "shares",
        "lookup",
        "shell",
        "completions",
    ] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(c)),
            "{c} missing from --help:\n{out}"
        );
        let h = smb(&[c, "--help"]);
        assert!(h.status.success(), "{c} --help");
    }
    assert!(smb(&["--version"]).status.success());
    let o = smb(&["completions", "bash"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("_smb"));
}

#[test]
fn progress_bar_on_a_terminal() {
    if !smb_testkit::have("script") {
        eprintln!("skipped: script(1) not installed");
        return;
    }
    let srv = serve();
    let data = smb_testkit::pattern(20 * 1000 * 1000, 8);
    std::fs::write(srv.share_dir().join("twenty.bin"), &data).unwrap();
    let dir = smb_testkit::TempDir::new("progress");
    let dst = dir.path().join("twenty.bin");
    let cmd = format!(
        "{} get smb://smbtest:smbpass@127.0.0.1:{}/share/twenty.bin {}",
        env!("CARGO_BIN_EXE_smb"),
        srv.port,
        dst.display()
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains('%'),
        "no percentage in the terminal output: {out:?}"
    );
    assert!(
        std::fs::read(&dst).unwrap() == data,
        "the file is identical"
    );
    // Not a terminal: no bar.
    let o = smb(&[
        "get",
        &format!(
            "smb://smbtest:smbpass@127.0.0.1:{}/share/twenty.bin",
            srv.port
        ),
        dst.to_str().unwrap(),
    ]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains('%'));
}

#[test]
fn clear_errors_without_panics() {
    // A closed port: a clear line, quickly, exit 3.
    let port = smb_testkit::free_port();
    let t0 = Instant::now();
    let o = smb(&["ls", &format!("smb://u:p@127.0.0.1:{port}/share")]);
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("connection refused"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"));
    let srv = serve();
    let base = format!("smb://smbtest:smbpass@127.0.0.1:{}", srv.port);
    for (args, code, text) in [
        (
            vec![
                "get".to_string(),
                format!("{base}/share/missing.txt"),
                "-".into(),
            ],
            1,
            "not found",
        ),
        (
            vec!["ls".to_string(), format!("{base}/noshare")],
            1,
            "share",
        ),
        (
            vec![
                "ls".to_string(),
                format!("smb://smbtest:bad@127.0.0.1:{}/share", srv.port),
            ],
            4,
            "logon failure",
        ),
        (vec!["ls".to_string(), "http://x/y".into()], 2, "smb://"),
    ] {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = smb(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{a:?}: {err}");
        assert!(err.contains(text), "{a:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn recursive_get_and_put_copy_trees_exactly() {
    let srv = serve();
    let src = srv.share_dir().join("tree");
    for (i, d) in ["a", "a/b", "a/b/c", "d", "empty"].iter().enumerate() {
        std::fs::create_dir_all(src.join(d)).unwrap();
        if *d != "empty" {
            std::fs::write(
                src.join(d).join(format!("f{i}.bin")),
                smb_testkit::pattern(1000 * i + 7, i as u64),
            )
            .unwrap();
        }
    }
    std::fs::write(src.join("a/b/c/big.bin"), smb_testkit::pattern(3 << 20, 77)).unwrap();
    common::small_file_tree(&src.join("many"));
    let dir = smb_testkit::TempDir::new("tree");
    let base = format!("smb://smbtest:smbpass@127.0.0.1:{}/share", srv.port);
    let o = smb(&[
        "get",
        "-r",
        &format!("{base}/tree"),
        dir.path().join("copy").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("files"),
        "a summary line"
    );
    assert_eq!(
        common::tree_of(&dir.path().join("copy")),
        common::tree_of(&src)
    );
    let o = smb(&[
        "put",
        "-r",
        dir.path().join("copy").to_str().unwrap(),
        &format!("{base}/back"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        common::tree_of(&srv.share_dir().join("back")),
        common::tree_of(&src)
    );
}

#[test]
fn shares_of_smbd_and_of_smb_serve() {
    let srv = serve();
    let o = smb(&[
        "shares",
        &format!("smb://smbtest:smbpass@127.0.0.1:{}", srv.port),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("share") && out.contains("IPC$"), "{out}");
    if smb_testkit::peers_available(&["smbd", "smbpasswd"]) {
        let smbd = smb_testkit::Smbd::start(&Default::default());
        let o = smb(&[
            "shares",
            &format!("smb://smbtest:smbpass@127.0.0.1:{}", smbd.port),
        ]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && out.contains("share"),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn netbios_session_service() {
    // Port-139 framing on both sides.
    let nb = smb_testkit::ChildServer::start_smb_serve(
        Path::new(env!("CARGO_BIN_EXE_smb")),
        &["--netbios"],
    );
    std::fs::write(nb.share_dir().join("n.txt"), b"netbios").unwrap();
    let o = smb(&[
        "cat",
        "--netbios",
        &format!("smb://smbtest:smbpass@127.0.0.1:{}/share/n.txt", nb.port),
    ]);
    assert_eq!(
        o.stdout,
        b"netbios",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Without the session request the server hangs up: a clear error, not a hang.
    let o = smb(&[
        "cat",
        &format!("smb://smbtest:smbpass@127.0.0.1:{}/share/n.txt", nb.port),
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Direct TCP accepts a session request first, as Samba does.
    let direct = serve();
    std::fs::write(direct.share_dir().join("d.txt"), b"direct").unwrap();
    let o = smb(&[
        "cat",
        "--netbios",
        &format!(
            "smb://smbtest:smbpass@127.0.0.1:{}/share/d.txt",
            direct.port
        ),
    ]);
    assert_eq!(
        o.stdout,
        b"direct",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // And smbd does too.
    if smb_testkit::peers_available(&["smbd", "smbpasswd"]) {
        let smbd = smb_testkit::Smbd::start(&Default::default());
        std::fs::write(smbd.share_dir().join("s.txt"), b"smbd").unwrap();
        let o = smb(&[
            "cat",
            "--netbios",
            &format!("smb://smbtest:smbpass@127.0.0.1:{}/share/s.txt", smbd.port),
        ]);
        assert_eq!(o.stdout, b"smbd", "{}", String::from_utf8_lossy(&o.stderr));
    }
}
