//! Oplocks and change notification of `smb serve` against peers we did not write:
//! smbclient's `notify` command, an smbclient transfer breaking the batch oplock of a
//! client that caches its writes, and the smbtorture raw.oplock / raw.notify subtests
//! that smbd passes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use smb_proto::testing::raw::{Break, RawClient, created, nt_create, oplock_ack};
use smb_proto::wire::consts::{access, disposition, oplock, share};
use smb_proto::wire::msg::nt_create::{NT_CREATE_REQUEST_OPBATCH, NT_CREATE_REQUEST_OPLOCK};
use smb_proto::wire::msg::{CloseRequest, ReadAndXRequest, Response, WriteAndXRequest};
use smb_proto::wire::{Message, NtStatus, Request};
use smb_testkit::{ChildServer, checksum, pattern, smbclient, text};

fn serve(logged: bool) -> Option<ChildServer> {
    if !smb_testkit::peers_available(&["smbclient"]) {
        return None;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_smb"));
    let args = ["--guest", "--allow-ntlmv1", "--allow-lm", "-v"];
    Some(if logged {
        ChildServer::start_smb_serve_logged(bin, &args)
    } else {
        ChildServer::start_smb_serve(bin, &args)
    })
}

/// A log without its terminal colour sequences.
fn plain(log: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in log.chars() {
        match (esc, c) {
            (false, '\x1b') => esc = true,
            (true, 'm') => esc = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

/// A raw SMB1 client over TCP (guest session): requests built by the test.
struct Raw {
    s: TcpStream,
    c: RawClient,
}

impl Raw {
    fn connect(port: u16) -> Self {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut r = Raw {
            s,
            c: RawClient::new(4242, true),
        };
        let mut c = RawClient::new(4242, true);
        c.handshake("share", |c, body| {
            let mid = c.next_mid();
            r.s.write_all(&c.frame(mid, body)).unwrap();
            r.wait(mid)
        });
        r.c.uid = c.uid;
        r.c.tid = c.tid;
        r
    }

    fn send(&mut self, body: impl Into<Request>) -> u16 {
        let mid = self.c.next_mid();
        let b = self.c.frame(mid, body);
        self.s.write_all(&b).unwrap();
        mid
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 65536];
        match self.s.read(&mut buf) {
            Ok(0) => panic!("the server closed the connection"),
            Ok(n) => self.c.receive(&buf[..n]),
            Err(_) => {}
        }
    }

    fn wait(&mut self, mid: u16) -> Message<Response> {
        let t0 = Instant::now();
        loop {
            if let Some(m) = self.c.take_response(mid) {
                return m;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "no response to {mid}"
            );
            self.pump();
        }
    }

    fn call(&mut self, body: impl Into<Request>) -> Message<Response> {
        let mid = self.send(body);
        self.wait(mid)
    }

    fn wait_break(&mut self, limit: Duration) -> Option<Break> {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            if let Some(b) = self.c.take_breaks().pop() {
                return Some(b);
            }
            self.pump();
        }
        None
    }
}

/// One client caches its writes under a batch oplock; an smbclient download of the same
/// file makes the server break the oplock; the first client writes what it cached,
/// acknowledges, and both ends see the whole file.
#[test]
fn smbclient_download_breaks_a_batch_oplock_and_sees_the_cached_writes() {
    let Some(srv) = serve(true) else { return };
    let data = pattern(3 * 1024 * 1024 + 17, 21);
    let mut a = Raw::connect(srv.port);
    let flags = NT_CREATE_REQUEST_OPLOCK | NT_CREATE_REQUEST_OPBATCH;
    let m = a.call(nt_create(
        "cached.bin",
        access::FILE_READ_DATA | access::FILE_WRITE_DATA,
        share::READ | share::WRITE,
        disposition::OVERWRITE_IF,
        flags,
    ));
    assert_eq!(m.header.nt_status(), NtStatus::SUCCESS);
    let (fid, level) = created(&m);
    assert_eq!(level, oplock::BATCH);
    // The first megabyte goes to the server; the rest stays in the client's cache, as
    // a batch oplock allows.
    let write = |a: &mut Raw, off: usize, chunk: &[u8]| {
        let m = a.call(WriteAndXRequest {
            fid,
            offset: off as u64,
            data: bytes::Bytes::copy_from_slice(chunk),
            ..Default::default()
        });
        assert_eq!(m.header.nt_status(), NtStatus::SUCCESS);
    };
    let first = 1024 * 1024;
    for (i, c) in data[..first].chunks(60 * 1024).enumerate() {
        write(&mut a, i * 60 * 1024, c);
    }
    // smbclient downloads the file meanwhile (its open waits for the break).
    let local = smb_testkit::TempDir::new("oplock-get");
    let dir = local.path().to_path_buf();
    let (tx, rx) = mpsc::channel();
    let port = srv.port;
    let getter = std::thread::spawn(move || {
        let o = smbclient(
            port,
            "share",
            "smbtest%smbpass",
            &[],
            "get cached.bin got.bin",
            &dir,
        );
        tx.send(()).unwrap();
        o
    });
    let b = a
        .wait_break(Duration::from_secs(20))
        .expect("the server breaks the oplock");
    assert_eq!(b.fid, fid);
    assert!(
        rx.try_recv().is_err(),
        "smbclient's open waited for the break"
    );
    // Flush the cache, then acknowledge.
    for (i, c) in data[first..].chunks(60 * 1024).enumerate() {
        write(&mut a, first + i * 60 * 1024, c);
    }
    a.send(oplock_ack(fid, b.level));
    let o = getter.join().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let got = std::fs::read(local.path().join("got.bin")).unwrap();
    assert_eq!(got.len(), data.len());
    assert_eq!(
        checksum(&got),
        checksum(&data),
        "smbclient saw every cached write"
    );
    // The first client reads it all back through its handle.
    let mut back = Vec::new();
    while back.len() < data.len() {
        let m = a.call(ReadAndXRequest::new(fid, back.len() as u64, 60 * 1024));
        let Response::ReadAndX(r) = m.body() else {
            panic!("{m:?}")
        };
        assert!(!r.data.is_empty());
        back.extend_from_slice(&r.data);
    }
    assert_eq!(checksum(&back), checksum(&data));
    let m = a.call(CloseRequest {
        fid,
        last_time_modified: 0,
    });
    assert_eq!(m.header.nt_status(), NtStatus::SUCCESS);
    let log = plain(&srv.log());
    assert!(
        log.lines()
            .any(|l| l.contains("oplock break sent") && l.contains(&format!("fid={fid}"))),
        "server log:\n{log}"
    );
}

/// `smbclient -c 'notify DIR'` waits for changes and prints each: one made by another
/// smbclient and one made directly on disk.
#[test]
fn smbclient_notify_reports_changes_from_a_client_and_from_disk() {
    let Some(srv) = serve(false) else { return };
    if !smb_testkit::have("stdbuf") {
        eprintln!("skipped: stdbuf (coreutils) not installed");
        return;
    }
    let watched = srv.share_dir().join("watched");
    std::fs::create_dir(&watched).unwrap();
    let mut child = Command::new("stdbuf")
        .args(["-o0", "smbclient"])
        .arg("//127.0.0.1/share")
        .args(["-p", &srv.port.to_string(), "-m", "NT1"])
        .args(["--option=client min protocol=NT1", "-U", "smbtest%smbpass"])
        .args(["-c", "notify watched"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let seen = |name: &str, limit: Duration| -> bool {
        let t0 = Instant::now();
        while let Some(left) = limit.checked_sub(t0.elapsed()) {
            match rx.recv_timeout(left) {
                Ok(l) if l.contains(name) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    };
    // Wait until smbclient's request is in place: probe until a change shows.
    let mut ready = false;
    for i in 0..40 {
        let probe = format!("probe-{i}");
        std::fs::create_dir(watched.join(&probe)).unwrap();
        if seen(&probe, Duration::from_millis(500)) {
            ready = true;
            break;
        }
    }
    assert!(ready, "smbclient's notify never reported anything");
    let local = smb_testkit::TempDir::new("notify");
    std::fs::write(local.path().join("up.txt"), b"from a client").unwrap();
    let o = smbclient(
        srv.port,
        "share",
        "smbtest%smbpass",
        &[],
        "put up.txt watched\\from-client.txt",
        local.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        seen("from-client.txt", Duration::from_secs(10)),
        "a file another smbclient created"
    );
    std::fs::write(watched.join("on-disk.txt"), b"written directly").unwrap();
    assert!(
        seen("on-disk.txt", Duration::from_secs(10)),
        "a file created on disk"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Every raw.oplock subtest smbd passes that passes here too (batch22 waits out the 35 s
/// break time-out: the simulation covers time-outs), in one smbtorture run.
const ORACLE_OPLOCK: &[&str] = &[
    "exclusive1",
    "exclusive2",
    "exclusive4",
    "exclusive5",
    "exclusive6",
    "exclusive8",
    "exclusive9",
    "level_ii_1",
    "batch1",
    "batch2",
    "batch3",
    "batch4",
    "batch5",
    "batch6",
    "batch7",
    "batch8",
    "batch9",
    "batch9a",
    "batch10",
    "batch13",
    "batch14",
    "batch15",
    "batch16",
    "batch17",
    "batch21",
    "batch23",
    "batch24",
    "batch25",
    "doc1",
    "brl1",
    "brl2",
    "brl3",
    "brl4",
];

/// Every raw.notify subtest (smbd passes ten of them) but `mask`, which sleeps 200 ms
/// 480 times (about 100 s).
const ORACLE_NOTIFY: &[&str] = &[
    "tcon",
    "dir",
    "recursive",
    "mask_change",
    "file",
    "tdis",
    "exit",
    "ulogoff",
    "tcp_dis",
    "double",
    "tree",
    "overflow",
    "basedir",
    "alignment",
];

fn torture(suite: &str, subtests: &[&str]) {
    if !smb_testkit::peers_available(&["smbtorture"]) {
        return;
    }
    let Some(srv) = serve(false) else { return };
    let dir = smb_testkit::TempDir::new("torture");
    let o = Command::new("smbtorture")
        .arg("//127.0.0.1/share")
        .args(["-p", &srv.port.to_string(), "-U", "smbtest%smbpass"])
        .args([
            "--option=client min protocol=NT1",
            "--option=client max protocol=NT1",
        ])
        .args(subtests.iter().map(|t| format!("{suite}.{t}")))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let t = text(&o);
    for s in subtests {
        assert!(
            t.lines().any(|l| l == format!("success: {s}")),
            "{suite}.{s} did not pass:\n{t}"
        );
    }
}

#[test]
fn torture_raw_oplock_subtests() {
    torture("raw.oplock", ORACLE_OPLOCK);
}

#[test]
fn torture_raw_notify_subtests() {
    torture("raw.notify", ORACLE_NOTIFY);
}
