//! The real server (LocalFs on a real folder) against hostile names and links: nothing a
//! client sends reaches outside its share. Also: the connection limit and a graceful
//! stop on SIGTERM.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{Adapter, config, connect};
use smb_proto::auth::{AuthMethod, AuthPolicy, MemoryAccounts};
use smb_proto::client::{OpenOptions, SmbError};
use smb_proto::server::{ServerConfig, ShareConfig};

const SECRET: &[u8] = b"TOP SECRET: outside the share";

fn start(share: &Path, max_connections: usize) -> (u16, smb_blocking::server::StopHandle) {
    let mut accounts = MemoryAccounts::new();
    accounts.add(smb_testkit::USER, smb_testkit::PASS);
    let mut c = ServerConfig::new(vec![ShareConfig::new("share")], Arc::new(accounts));
    c.policy = AuthPolicy::default();
    let fs = Arc::new(smb_localfs::LocalFs::new(&[(share.to_path_buf(), false)]).unwrap());
    let opts = smb_blocking::server::ServerOptions {
        max_connections,
        ..Default::default()
    };
    let s = smb_blocking::server::Server::bind("127.0.0.1:0", c, fs, opts).unwrap();
    let port = s.local_addr().unwrap().port();
    let stop = s.stop_handle().unwrap();
    std::thread::spawn(move || s.run());
    (port, stop)
}

fn login(port: u16) -> smb_blocking::client::Client {
    smb_blocking::client::Client::connect(
        ("127.0.0.1", port),
        config(Some(AuthMethod::Ntlmssp), smb_testkit::PASS, false),
        &Default::default(),
    )
    .unwrap()
}

/// Reads a whole file by name, or the error.
fn read(
    c: &mut smb_blocking::client::Client,
    t: smb_proto::client::TreeId,
    name: &str,
) -> Result<Vec<u8>, SmbError> {
    let mut v = Vec::new();
    c.download(t, name, &mut v, &mut |_| {})?;
    Ok(v)
}

#[test]
fn names_and_links_never_leave_the_share() {
    let root = smb_testkit::TempDir::new("safety");
    let outside = root.path().join("outside");
    let share = root.path().join("share");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(share.join("sub")).unwrap();
    std::fs::write(outside.join("secret.txt"), SECRET).unwrap();
    std::fs::write(share.join("inside.txt"), b"inside").unwrap();
    symlink("../outside/secret.txt", share.join("link_out_file")).unwrap();
    symlink(outside.join("secret.txt"), share.join("link_abs_file")).unwrap();
    symlink("../outside", share.join("link_out_dir")).unwrap();
    symlink(&outside, share.join("sub").join("link_abs_dir")).unwrap();
    symlink("inside.txt", share.join("link_in")).unwrap();
    let (port, stop) = start(&share, 64);
    let mut c = login(port);
    let t = c.tree_connect("share").unwrap();

    let long_component = "a".repeat(300);
    let long_path = "d\\".repeat(2000) + "x";
    let abs = outside.join("secret.txt").to_string_lossy().into_owned();
    let hostile: Vec<String> = vec![
        "..\\outside\\secret.txt".into(),
        "../outside/secret.txt".into(),
        "\\..\\outside\\secret.txt".into(),
        "sub\\..\\..\\outside\\secret.txt".into(),
        "sub/../../outside/secret.txt".into(),
        "sub\\..\\..\\..\\..\\..\\etc\\passwd".into(),
        "..".into(),
        "sub\\..\\..".into(),
        ".\\..\\outside\\secret.txt".into(),
        "...\\outside\\secret.txt".into(),
        abs.clone(),
        abs.replace('/', "\\"),
        "C:\\outside\\secret.txt".into(),
        "\\\\127.0.0.1\\share\\..\\outside\\secret.txt".into(),
        "inside.txt:secret".into(),
        "inside.txt::$DATA".into(),
        "link_out_file".into(),
        "link_abs_file".into(),
        "link_out_dir\\secret.txt".into(),
        "LINK_OUT_DIR\\SECRET.TXT".into(),
        "sub\\link_abs_dir\\secret.txt".into(),
        long_component.clone(),
        long_path.clone(),
        "\u{202E}txt.terces\\..\\..\\outside\\secret.txt".into(),
    ];
    for name in &hostile {
        match read(&mut c, t, name) {
            Ok(data) => panic!(
                "{name:?}: read {} bytes: {:?}",
                data.len(),
                String::from_utf8_lossy(&data)
            ),
            Err(e) => assert!(
                e.status().is_some(),
                "{name:?}: a status, not a broken connection: {e:?}"
            ),
        }
        // Nor can anything be created there.
        let created = c.upload(t, name, &mut &b"x"[..], &mut |_| {});
        assert!(created.is_err(), "{name:?}: created");
        assert!(
            c.list(t, name)
                .map(|v| v.iter().all(|s| s.name != "secret.txt"))
                .unwrap_or(true),
            "{name:?}: listed the outside"
        );
    }
    // The share's listing shows its own entries and the link that stays inside (as the
    // file it leads to), and leaves out the links that lead outside.
    let listed = c.list(t, "*").unwrap();
    let entry = |n: &str| listed.iter().find(|e| e.name == n);
    assert_eq!(entry("inside.txt").map(|e| e.size), Some(6));
    assert_eq!(
        entry("link_in").map(|e| (e.size, e.is_dir)),
        Some((6, false))
    );
    assert!(entry("sub").is_some_and(|e| e.is_dir));
    for out in ["link_out_file", "link_abs_file", "link_out_dir"] {
        assert!(entry(out).is_none(), "{out} listed");
    }
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        1,
        "nothing was created outside"
    );
    assert_eq!(std::fs::read(outside.join("secret.txt")).unwrap(), SECRET);
    // Look-alikes of dots and slashes are plain characters: such a name is one file in
    // the share root, never a path out of it.
    for name in [
        "..\u{2215}outside\u{2215}secret.txt",
        "..\u{FF3C}outside\u{FF3C}secret.txt",
    ] {
        assert!(
            read(&mut c, t, name).is_err(),
            "{name:?}: nothing there yet"
        );
        c.upload(t, name, &mut &b"lookalike"[..], &mut |_| {})
            .unwrap();
        assert_eq!(std::fs::read(share.join(name)).unwrap(), b"lookalike");
    }
    assert!(read(&mut c, t, "\u{FF0E}\u{FF0E}\\outside\\secret.txt").is_err());
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        1,
        "nothing was created outside"
    );
    // A NUL ends a name on the wire (as in Samba): what follows it is ignored, so this
    // names inside.txt and nothing else.
    let nul = "inside.txt\0..\\outside\\secret.txt";
    assert_eq!(read(&mut c, t, nul).unwrap(), b"inside");
    // Names inside the share still work, `..` included when it stays inside.
    assert_eq!(read(&mut c, t, "sub\\..\\inside.txt").unwrap(), b"inside");
    assert_eq!(read(&mut c, t, "INSIDE.TXT").unwrap(), b"inside");
    assert_eq!(read(&mut c, t, "link_in").unwrap(), b"inside");
    // The session is still usable after all that.
    assert_eq!(c.echo(b"still here").unwrap().as_ref(), b"still here");
    stop.stop();
}

#[test]
fn folder_swapped_for_a_link_between_requests() {
    let root = smb_testkit::TempDir::new("swap");
    let outside = root.path().join("outside");
    let share = root.path().join("share");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(share.join("d")).unwrap();
    std::fs::write(outside.join("secret.txt"), SECRET).unwrap();
    std::fs::write(outside.join("f.txt"), SECRET).unwrap();
    std::fs::write(share.join("d").join("f.txt"), b"mine").unwrap();
    let (port, stop) = start(&share, 64);
    let mut c = login(port);
    let t = c.tree_connect("share").unwrap();
    // A handle open inside the folder, then the folder becomes a link to the outside.
    let mut f = c.open_file(t, "d\\f.txt", OpenOptions::read()).unwrap();
    let mut got = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut got).unwrap();
    assert_eq!(got, b"mine");
    f.close().unwrap();
    std::fs::rename(share.join("d"), root.path().join("d-moved")).unwrap();
    symlink("../outside", share.join("d")).unwrap();
    for name in ["d\\f.txt", "d\\secret.txt", "D\\F.TXT"] {
        let r = read(&mut c, t, name);
        assert!(r.is_err(), "{name}: read through the swapped link: {r:?}");
    }
    assert!(
        c.list(t, "d\\*").is_err(),
        "listing through the swapped link"
    );
    assert!(
        c.upload(t, "d\\new.txt", &mut &b"x"[..], &mut |_| {})
            .is_err()
    );
    assert!(!outside.join("new.txt").exists());
    stop.stop();
}

#[test]
fn connection_limit_refuses_the_extra_connection_only() {
    let dir = smb_testkit::TempDir::new("maxconn");
    std::fs::write(dir.path().join("a.txt"), b"a").unwrap();
    let (port, stop) = start(dir.path(), 2);
    let mut a = login(port);
    let mut b = login(port);
    let third = smb_blocking::client::Client::connect(
        ("127.0.0.1", port),
        config(Some(AuthMethod::Ntlmssp), smb_testkit::PASS, false),
        &Default::default(),
    );
    assert!(third.is_err(), "a third connection beyond the limit of 2");
    for c in [&mut a, &mut b] {
        let t = c.tree_connect("share").unwrap();
        assert_eq!(read(c, t, "a.txt").unwrap(), b"a");
    }
    drop(a);
    // Room again once one is gone.
    let mut ok = false;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(50));
        if let Ok(mut c) = smb_blocking::client::Client::connect(
            ("127.0.0.1", port),
            config(Some(AuthMethod::Ntlmssp), smb_testkit::PASS, false),
            &Default::default(),
        ) {
            let t = c.tree_connect("share").unwrap();
            assert_eq!(read(&mut c, t, "a.txt").unwrap(), b"a");
            ok = true;
            break;
        }
    }
    assert!(ok, "a connection is accepted after one closed");
    stop.stop();
}

#[test]
fn smb_serve_stops_gracefully_on_sigterm() {
    let mut srv =
        smb_testkit::ChildServer::start_smb_serve(Path::new(env!("CARGO_BIN_EXE_smb")), &[]);
    let port = srv.port;
    // A session is open (idle) when the signal comes.
    let mut s = connect(
        Adapter::Blocking,
        port,
        config(Some(AuthMethod::Ntlmssp), smb_testkit::PASS, false),
    )
    .unwrap();
    let t = s.tree("share").unwrap();
    let data = smb_testkit::pattern(4 << 20, 1);
    s.put(t, "before.bin", &data).unwrap();
    let pid = srv.pid();
    let st = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let code = srv
        .wait_exit(Duration::from_secs(20))
        .expect("smb serve exits after SIGTERM");
    assert!(code.success(), "exit status {code:?}");
    assert_eq!(
        std::fs::read(srv.share_dir().join("before.bin")).unwrap(),
        data,
        "acknowledged writes are on disk"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no longer listening"
    );
}
