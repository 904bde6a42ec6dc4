//! Clients and tools that are not Samba's SMB client against `smb serve`, each beside smbd
//! in the same run where a comparison is asked for:
//!
//! - nmap's SMB scripts (smb-protocols, smb-security-mode, smb-os-discovery,
//!   smb-enum-shares, smb-ls) for smbtype v1, v2, lmv2 and ntlm, and as a guest;
//! - Samba's rpcclient (srvinfo, netshareenumall, netsharegetinfo) over SMB1 named pipes,
//!   smbclient -L over srvsvc, smbtorture rpc.srvsvc over ncacn_np;
//! - nmblookup -U and -A against the name service of `smb serve`, and our client finding
//!   the server by NetBIOS name and fetching a file;
//! - `smb shares` against smbd, `smb serve` and a server without srvsvc (RAP).
//!
//! smb-os-discovery (nmap 7.93) and nmblookup only talk to ports 445 and 137: those tests
//! re-run themselves in a private network namespace (`unshare --net`, root, or
//! `--map-root-user` where user namespaces are allowed), where the ports are free. Without
//! namespaces they skip with a message, or fail when `SMB_PEERS=required`.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use smb_testkit::{ChildServer, PASS, Smbd, SmbdOptions, USER, text};

fn smb_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_smb"))
}

fn required() -> bool {
    std::env::var("SMB_PEERS").is_ok_and(|v| v == "required")
}

const NETNS_ENV: &str = "SMB_PEERS_IN_NETNS";

/// Runs test `name` of this binary again inside a fresh network namespace; true when it
/// ran there (and passed), false when namespaces are not available here.
fn in_netns(name: &str) -> bool {
    let exe = std::env::current_exe().unwrap();
    for extra in [&[][..], &["--map-root-user"][..]] {
        let mut c = Command::new("unshare");
        c.args(extra).args([
            "--net",
            "sh",
            "-c",
            "ip link set lo up && exec \"$0\" \"$@\"",
        ]);
        let probe = Command::new("unshare")
            .args(extra)
            .args(["--net", "sh", "-c", "ip link set lo up"])
            .output();
        if !probe.is_ok_and(|o| o.status.success()) {
            continue;
        }
        let out = c
            .arg(&exe)
            .args(["--exact", name, "--nocapture", "--test-threads=1"])
            .env(NETNS_ENV, "1")
            .output()
            .unwrap();
        let t = text(&out);
        println!("{t}");
        assert!(
            out.status.success(),
            "{name} in a network namespace failed:\n{t}"
        );
        assert!(t.contains("1 passed"), "the inner test did not run:\n{t}");
        return true;
    }
    let msg = format!("{name} skipped: no network namespace here (unshare --net)");
    assert!(!required(), "{msg}, and SMB_PEERS=required");
    eprintln!("{msg}");
    false
}

/// `smb serve` on 127.0.0.1:PORT with a share holding `file1.txt`; killed on drop.
struct Serve {
    child: Child,
    _dir: smb_testkit::TempDir,
}

impl Serve {
    fn start(port: u16, args: &[&str]) -> Self {
        let dir = smb_testkit::TempDir::new("peers");
        std::fs::write(dir.path().join("file1.txt"), b"hello from smb serve\n").unwrap();
        let child = Command::new(smb_bin())
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--share", &format!("share={}", dir.path().display())])
            .args(["--user", &format!("{USER}:{PASS}")])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            smb_testkit::wait_for_port(port, Duration::from_secs(10)),
            "smb serve on port {port} did not come up"
        );
        Serve { child, _dir: dir }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nmap(smbtype: Option<&str>, creds: bool) -> String {
    let mut args = String::from("smb-ls.share=share");
    if creds {
        args.push_str(&format!(
            ",smbusername={USER},smbpassword={PASS},smbdomain=WORKGROUP"
        ));
    }
    if let Some(t) = smbtype {
        args.push_str(&format!(",smbtype={t}"));
    }
    let out = Command::new("nmap")
        .args(["-Pn", "-n", "-p445", "--script"])
        .arg("smb-protocols,smb-security-mode,smb-os-discovery,smb-enum-shares,smb-ls")
        .args(["--script-args", &args, "127.0.0.1"])
        .output()
        .unwrap();
    text(&out)
}

/// What every nmap run must show: names and time, the shares with their types, the files.
fn assert_nmap_kind(out: &str, netbios_name: &str, file: &str, what: &str) {
    for want in [
        "smb-os-discovery:",
        &format!("NetBIOS computer name: {netbios_name}"),
        "System time:",
        "NT LM 0.12 (SMBv1)",
        "message_signing:",
        "\\\\127.0.0.1\\share:",
        "Type: STYPE_DISKTREE",
        "Type: STYPE_IPC_HIDDEN",
        "smb-ls: Volume share",
        file,
    ] {
        assert!(out.contains(want), "{what}: {want:?} missing:\n{out}");
    }
    assert!(!out.contains("ERROR"), "{what}:\n{out}");
}

#[test]
fn nmap_nmblookup_and_netbios_names() {
    if !smb_testkit::peers_available(&["nmap", "nmblookup", "smbd"]) {
        return;
    }
    if std::env::var_os(NETNS_ENV).is_none() {
        in_netns("nmap_nmblookup_and_netbios_names");
        return;
    }
    let t0 = Instant::now();
    // smbd first, on 445, for the kind of output to expect.
    let smbd_out = {
        let smbd = Smbd::start_on(445, &SmbdOptions::default());
        std::fs::write(smbd.share_dir().join("file1.txt"), b"hi").unwrap();
        nmap(Some("v1"), true)
    };
    assert_nmap_kind(&smbd_out, "", "file1.txt", "smbd");
    println!("nmap against smbd:\n{smbd_out}");

    let srv = Serve::start(
        445,
        &["--netbios-name", "filesrv", "--allow-ntlmv1", "--allow-lm"],
    );
    for t in ["v1", "v2", "lmv2", "ntlm"] {
        let out = nmap(Some(t), true);
        assert_nmap_kind(&out, "FILESRV", "file1.txt", t);
        assert!(
            out.contains("account_used: WORKGROUP\\smbtest"),
            "{t}:\n{out}"
        );
        if t == "v1" {
            println!("nmap smbtype=v1 against smb serve:\n{out}");
        }
    }
    drop(srv);
    // A guest, without an account, where policy allows it.
    let srv = Serve::start(445, &["--netbios-name", "filesrv", "--guest"]);
    let out = nmap(None, false);
    assert_nmap_kind(&out, "FILESRV", "file1.txt", "guest");
    assert!(out.contains("Anonymous access: READ/WRITE"), "{out}");

    // The name service: nmblookup asks it, and our client finds the server by name.
    let nmb = |args: &[&str]| text(&Command::new("nmblookup").args(args).output().unwrap());
    let out = nmb(&["-U", "127.0.0.1", "FILESRV"]);
    assert!(out.contains("127.0.0.1 FILESRV<00>"), "{out}");
    let out = nmb(&["-A", "127.0.0.1"]);
    for want in [
        "FILESRV         <00>",
        "FILESRV         <20>",
        "WORKGROUP       <00> - <GROUP>",
    ] {
        assert!(out.contains(want), "{want:?} missing:\n{out}");
    }
    println!("nmblookup -A 127.0.0.1:\n{out}");
    let smb = |args: &[&str]| Command::new(smb_bin()).args(args).output().unwrap();
    let o = smb(&["lookup", "filesrv", "--nbns", "127.0.0.1"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "127.0.0.1 FILESRV<20>\n",
        "{}",
        text(&o)
    );
    let o = smb(&[
        "cat",
        &format!("smb://{USER}:{PASS}@FILESRV/share/file1.txt"),
        "--nbns",
        "127.0.0.1",
    ]);
    assert_eq!(o.stdout, b"hello from smb serve\n", "{}", text(&o));
    drop(srv);
    println!("netns peer checks took {:?}", t0.elapsed());
}

fn rpcclient(port: u16) -> Output {
    Command::new("rpcclient")
        .args(["-U", &format!("{USER}%{PASS}"), "-p", &port.to_string()])
        .args([
            "--option=client min protocol=NT1",
            "--option=client max protocol=NT1",
        ])
        .args([
            "-c",
            "srvinfo; netshareenumall; netsharegetinfo share",
            "127.0.0.1",
        ])
        .output()
        .unwrap()
}

/// The `key: value` lines of rpcclient's output that describe shares (netname, type,
/// remark), in order.
fn share_lines(out: &str) -> Vec<String> {
    out.lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("netname:") || l.starts_with("type:") || l.starts_with("max_uses")
        })
        .map(String::from)
        .collect()
}

fn torture(port: u16) -> (std::collections::BTreeSet<String>, String) {
    let out = Command::new("smbtorture")
        .arg("ncacn_np:127.0.0.1")
        .args(["-p", &port.to_string(), "-U", &format!("{USER}%{PASS}")])
        .args([
            "--option=client min protocol=NT1",
            "--option=client max protocol=NT1",
            "rpc.srvsvc",
        ])
        .output()
        .unwrap();
    let t = text(&out);
    let passed = t
        .lines()
        .filter_map(|l| l.strip_prefix("success: "))
        .map(|l| l.trim_end_matches(" [").to_string())
        .collect();
    (passed, t)
}

#[test]
fn samba_rpc_tools_over_smb1_named_pipes() {
    if !smb_testkit::peers_available(&["smbd", "rpcclient", "smbclient", "smbtorture"]) {
        return;
    }
    let t0 = Instant::now();
    let smbd = Smbd::start(&SmbdOptions::default());
    let ours = ChildServer::start_smb_serve(smb_bin(), &["--guest", "--no-name-service"]);

    // rpcclient: every command answers, as against smbd.
    let theirs = rpcclient(smbd.port);
    let mine = rpcclient(ours.port);
    let (t, m) = (text(&theirs), text(&mine));
    assert!(theirs.status.success(), "{t}");
    assert!(mine.status.success(), "{m}");
    println!("rpcclient against smb serve:\n{m}");
    for out in [&t, &m] {
        for want in [
            "platform_id     :\t500",
            "os version      :\t6.1",
            "server type     :",
        ] {
            assert!(out.contains(want), "{want:?}:\n{out}");
        }
    }
    assert_eq!(share_lines(&m), share_lines(&t), "smbd:\n{t}\nours:\n{m}");
    assert!(m.contains("path:\tC:\\share"), "{m}");

    // smbclient -L lists the shares over srvsvc.
    let out = Command::new("smbclient")
        .args(["-L", "//127.0.0.1", "-p", &ours.port.to_string()])
        .args(["-U", &format!("{USER}%{PASS}"), "-m", "NT1"])
        .args(["--option=client min protocol=NT1", "-d", "10"])
        .output()
        .unwrap();
    let l = text(&out);
    assert!(
        l.contains("srvsvc_NetShareEnumAll: struct srvsvc_NetShareEnumAll"),
        "{l}"
    );
    assert!(l.contains("out: struct srvsvc_NetShareEnumAll"), "{l}");
    let listing: Vec<&str> = l.lines().filter(|x| x.starts_with('\t')).collect();
    assert!(
        listing
            .iter()
            .any(|x| x.starts_with("\tshare") && x.contains("Disk")),
        "{l}"
    );
    assert!(
        listing
            .iter()
            .any(|x| x.starts_with("\tIPC$") && x.contains("IPC")),
        "{l}"
    );

    // smbtorture rpc.srvsvc: whatever passes against smbd passes against smb serve.
    let (smbd_passed, st) = torture(smbd.port);
    let (ours_passed, ot) = torture(ours.port);
    assert!(!smbd_passed.is_empty(), "{st}");
    let missing: Vec<_> = smbd_passed.difference(&ours_passed).collect();
    assert!(
        missing.is_empty(),
        "{missing:?} pass against smbd only:\n{ot}"
    );
    println!(
        "smbtorture rpc.srvsvc: smbd passes {}, smb serve passes {} ({:?})",
        smbd_passed.len(),
        ours_passed.len(),
        ours_passed
    );
    println!("rpc peer checks took {:?}", t0.elapsed());
}

/// `smb -v shares`: the listing, and which protocol gave it (from the log).
fn smb_shares(port: u16, over: &str) -> String {
    let o = Command::new(smb_bin())
        .args([
            "-v",
            "shares",
            &format!("smb://{USER}:{PASS}@127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains(&format!("shares listed over {over}")), "{log}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn smb_shares_over_srvsvc_and_rap() {
    if !smb_testkit::peers_available(&["smbd"]) {
        return;
    }
    let smbd = Smbd::start(&SmbdOptions::default());
    let out = smb_shares(smbd.port, "srvsvc");
    assert!(
        out.lines()
            .any(|l| l.starts_with("share ") && l.contains("Disk")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("IPC$ ") && l.contains("IPC")),
        "{out}"
    );

    let ours = ChildServer::start_smb_serve(smb_bin(), &["--no-name-service"]);
    let out = smb_shares(ours.port, "srvsvc");
    assert!(out.contains("IPC Service (smb-rs)"), "{out}");

    // A server without srvsvc: the listing comes over RAP.
    let dir = smb_testkit::TempDir::new("rap-only");
    let mut accounts = smb_proto::auth::MemoryAccounts::new();
    accounts.add(USER, PASS);
    let mut share = smb_proto::server::ShareConfig::new("raponly");
    share.comment = "listed over RAP".into();
    let mut config =
        smb_proto::server::ServerConfig::new(vec![share], std::sync::Arc::new(accounts));
    config.named_pipes = false;
    let fs = smb_localfs::LocalFs::new(&[(dir.path().to_path_buf(), false)]).unwrap();
    let server = smb_blocking::server::Server::bind(
        "127.0.0.1:0",
        config,
        std::sync::Arc::new(fs),
        Default::default(),
    )
    .unwrap();
    let port = server.local_addr().unwrap().port();
    let stop = server.stop_handle().unwrap();
    let t = std::thread::spawn(move || server.run());
    let out = smb_shares(port, "RAP");
    stop.stop();
    let _ = t.join();
    assert!(
        out.lines().any(|l| l.starts_with("raponly ")
            && l.contains("Disk")
            && l.ends_with("listed over RAP")),
        "{out}"
    );
}
