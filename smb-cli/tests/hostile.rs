//! `smb serve` against hostile clients, checked with Samba's smbclient: traversal,
//! read-only shares, refused logons, and floods of stalled and garbage connections.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use smb_testkit::{TempDir, smbclient, smbclient_variant, text};

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn read_only_shares_refused_logons_and_links_out() {
    if !smb_testkit::peers_available(&["smbclient"]) {
        return;
    }
    let root = TempDir::new("hostile");
    let ro = root.path().join("ro");
    std::fs::create_dir_all(&ro).unwrap();
    std::fs::write(ro.join("keep.txt"), b"unchanged").unwrap();
    std::fs::write(root.path().join("secret.txt"), b"SECRET").unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_smb"));
    let srv = smb_testkit::ChildServer::start_smb_serve(
        bin,
        &["--ro-share", &format!("ro={}", ro.display())],
    );
    std::os::unix::fs::symlink(
        root.path().join("secret.txt"),
        srv.share_dir().join("secret-link"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../../", srv.share_dir().join("up")).unwrap();
    let local = TempDir::new("hostile-local");
    std::fs::write(local.path().join("x.txt"), b"x").unwrap();
    let u = "smbtest%smbpass";
    // Traversal and links out: nothing reads the secret.
    for cmd in [
        "get secret-link out1",
        "get ..\\secret.txt out2",
        "get ..\\..\\secret.txt out3",
        "get up\\secret.txt out4",
        "get \\..\\secret.txt out5",
        "get ../secret.txt out6",
    ] {
        let o = smbclient(srv.port, "share", u, &[], cmd, local.path());
        assert!(text(&o).contains("NT_STATUS_"), "{cmd}: {}", text(&o));
    }
    for f in ["out1", "out2", "out3", "out4", "out5", "out6"] {
        let got = std::fs::read(local.path().join(f)).unwrap_or_default();
        assert!(
            !got.windows(6).any(|w| w == b"SECRET"),
            "{f} holds the secret"
        );
    }
    // The read-only share: every write is ACCESS_DENIED and changes nothing.
    for cmd in [
        "put x.txt new.txt",
        "del keep.txt",
        "mkdir d",
        "rename keep.txt moved.txt",
        "put x.txt keep.txt",
    ] {
        let o = smbclient(srv.port, "ro", u, &[], cmd, local.path());
        assert!(
            text(&o).contains("NT_STATUS_ACCESS_DENIED"),
            "{cmd}: {}",
            text(&o)
        );
    }
    let names: Vec<_> = std::fs::read_dir(&ro)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1);
    assert_eq!(std::fs::read(ro.join("keep.txt")).unwrap(), b"unchanged");
    // Without --guest: anonymous and unknown users are refused.
    for creds in ["%", "nosuchuser%x"] {
        let o = smbclient(srv.port, "share", creds, &[], "ls", local.path());
        assert!(!o.status.success(), "{creds}: {}", text(&o));
        assert!(
            text(&o).contains("NT_STATUS_LOGON_FAILURE")
                || text(&o).contains("NT_STATUS_ACCESS_DENIED"),
            "{creds}: {}",
            text(&o)
        );
    }
    // Without --allow-ntlmv1: raw NTLMv1 (and LM) are refused; NTLMv2 works.
    for v in ["ntlm", "lm"] {
        let o = smbclient(
            srv.port,
            "share",
            u,
            smbclient_variant(v),
            "ls",
            local.path(),
        );
        assert!(
            !o.status.success() && text(&o).contains("NT_STATUS_"),
            "{v}: {}",
            text(&o)
        );
    }
    let o = smbclient(
        srv.port,
        "share",
        u,
        smbclient_variant("ntlmv2"),
        "ls",
        local.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn stalled_and_garbage_connections_do_not_hurt() {
    if !smb_testkit::peers_available(&["smbclient"]) {
        return;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_smb"));
    let srv = smb_testkit::ChildServer::start_smb_serve(bin, &[]);
    std::fs::write(srv.share_dir().join("a.txt"), b"a").unwrap();
    let addr = ("127.0.0.1", srv.port);
    // 50 connections announce a 16 MiB frame, send a little of it and stall.
    let mut stalled = Vec::new();
    for _ in 0..50 {
        let mut s = TcpStream::connect(addr).unwrap();
        let _ = s.write_all(&[0x00, 0xFF, 0xFF, 0xFF, 0xFF, b'S', b'M', b'B']);
        stalled.push(s);
    }
    // 200 connections of random bytes, kept open.
    let mut garbage = Vec::new();
    for i in 0..200u64 {
        let mut s = TcpStream::connect(addr).unwrap();
        let _ = s.write_all(&smb_testkit::pattern(4096 + (i as usize % 7) * 1000, i));
        garbage.push(s);
    }
    let took = smbclient_gets_a_txt_promptly(srv.port);
    let rss = rss_kib(srv.pid());
    assert!(rss < 200 * 1024, "smb serve RSS {rss} KiB");
    eprintln!(
        "smbclient answered in {took:?}; smb serve RSS {} MiB with 250 hostile connections",
        rss / 1024
    );
    drop(stalled);
    drop(garbage);
}

/// smbclient fetches the share's `a.txt` (holding `a`) from the server on `port` within
/// 10 s; returns how long it took.
fn smbclient_gets_a_txt_promptly(port: u16) -> Duration {
    let local = TempDir::new("prompt-get");
    let t0 = Instant::now();
    let o = smbclient(
        port,
        "share",
        "smbtest%smbpass",
        &[],
        "get a.txt a.txt",
        local.path(),
    );
    let took = t0.elapsed();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(local.path().join("a.txt")).unwrap(), b"a");
    assert!(took < Duration::from_secs(10), "smbclient took {took:?}");
    took
}

fn threads_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Logs on with the sans-IO client over a plain socket, opens `path`, asks for `len`
/// bytes of it and never reads again: a client that stalls its own download.
fn stalled_reader(port: u16, path: &str, len: u64) -> TcpStream {
    use smb_proto::client::{ClientConfig, ClientConnection, ClientEvent, OpenOptions, Reply};
    let clock = smb_localfs::clock::Clock::new();
    let config = ClientConfig {
        credentials: Some(smb_proto::auth::Credentials::new("smbtest", "", "smbpass")),
        ..Default::default()
    };
    let mut c = ClientConnection::new(config, clock.now(), [7u8; 32]);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    fn flush(c: &mut ClientConnection, s: &mut TcpStream) {
        while let Some(t) = c.poll_transmit() {
            for p in t.parts() {
                s.write_all(p).unwrap();
            }
        }
    }
    let wait = |c: &mut ClientConnection, s: &mut TcpStream, id| -> Reply {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            flush(c, s);
            while let Some(ev) = c.poll_event() {
                if let ClientEvent::Completed { id: done, result } = ev
                    && done == id
                {
                    return result.unwrap();
                }
            }
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "the server closed the connection");
            c.handle_input(clock.now(), &buf[..n]).unwrap();
        }
    };
    let id = c.connect(clock.now()).id();
    wait(&mut c, &mut s, id);
    let id = c.tree_connect(clock.now(), "share").id();
    let Reply::Tree(tree) = wait(&mut c, &mut s, id) else {
        panic!("tree connect")
    };
    let id = c.open(clock.now(), tree, path, OpenOptions::read()).id();
    let Reply::Opened(o) = wait(&mut c, &mut s, id) else {
        panic!("open")
    };
    let _ = c.read(clock.now(), tree, o.fid, 0, len);
    flush(&mut c, &mut s);
    s
}

/// Clients that ask for large reads and then stop reading fill their sockets; the file
/// bytes of those responses wait for the socket without holding a thread each, and
/// other clients are answered as usual.
#[test]
fn clients_that_stop_reading_their_downloads_hold_no_threads() {
    if !smb_testkit::peers_available(&["smbclient"]) {
        return;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_smb"));
    let srv = smb_testkit::ChildServer::start_smb_serve(bin, &[]);
    std::fs::write(srv.share_dir().join("a.txt"), b"a").unwrap();
    let big = smb_testkit::pattern(32 << 20, 3);
    std::fs::write(srv.share_dir().join("big.bin"), &big).unwrap();
    let before = threads_of(srv.pid());
    let stalled: Vec<TcpStream> = (0..40)
        .map(|_| stalled_reader(srv.port, "big.bin", big.len() as u64))
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let during = threads_of(srv.pid());
    let took = smbclient_gets_a_txt_promptly(srv.port);
    assert!(
        during <= before + 8,
        "{} threads with 40 stalled readers ({} before)",
        during,
        before
    );
    eprintln!("threads: {before} before, {during} with 40 stalled readers; smbclient in {took:?}");
    drop(stalled);
}
