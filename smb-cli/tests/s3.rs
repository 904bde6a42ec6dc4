//! `smb serve` with a share in S3-compatible object storage (a private SeaweedFS):
//! smbclient, smbtorture and our own client against it, the objects read back over the
//! S3 API; abandoned uploads, kill -9 after CLOSE, two gateways on one bucket, and the
//! store stopping mid-transfer.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use smb_testkit::{
    ChildServer, PASS, S3_KEY, S3_SECRET, TempDir, USER, Weed, checksum, pattern, smbclient, text,
};

const MIB: usize = 1 << 20;
const CREDS: &str = "smbtest%smbpass";

fn available() -> bool {
    smb_testkit::peers_available(&["smbclient"]) && smb_testkit::weed_available()
}

/// `smb serve` with share `share` on `s3://BUCKET/PREFIX`: credentials from the AWS_*
/// environment, the rest from an `[s3]` table holding `extra`.
struct Gateway {
    srv: ChildServer,
    _conf: TempDir,
}

fn gateway(weed: &Weed, prefix: &str, extra: &str) -> Gateway {
    let conf = TempDir::new("s3-conf");
    let path = conf.path().join("smb.toml");
    let toml = format!(
        "[[share]]\nname = \"share\"\npath = \"s3://{}/{prefix}\"\n\n[s3]\nstaging_dir = \"{}\"\n{extra}\n",
        weed.bucket,
        conf.path().join("staging").display()
    );
    std::fs::write(&path, toml).unwrap();
    let env = [
        ("AWS_ENDPOINT_URL", weed.endpoint()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", S3_KEY.to_string()),
        ("AWS_SECRET_ACCESS_KEY", S3_SECRET.to_string()),
    ];
    let srv = ChildServer::start_with(
        Path::new(env!("CARGO_BIN_EXE_smb")),
        &["--config".into(), path.to_string_lossy().into_owned()],
        &env,
    );
    Gateway { srv, _conf: conf }
}

/// smbclient against the gateway, in `dir`; fails the test on an error.
fn ok(g: &Gateway, cmds: &str, dir: &Path) -> String {
    let o = smbclient(g.srv.port, "share", CREDS, &[], cmds, dir);
    let t = text(&o);
    assert!(
        o.status.success() && !t.contains("NT_STATUS_"),
        "{cmds}: {t}"
    );
    t
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn smbclient_against_an_s3_share() {
    if !available() {
        return;
    }
    let weed = Weed::start("scans");
    let g = gateway(&weed, "site-a/inbox", "rename_max_mib = 64");
    let dir = TempDir::new("s3-smbclient");
    let big = pattern(200 * MIB, 1);
    std::fs::write(dir.path().join("big.bin"), &big).unwrap();
    std::fs::write(dir.path().join("small.txt"), b"a small scan").unwrap();
    let t0 = Instant::now();
    ok(
        &g,
        "put big.bin Big.bin; put small.txt small.txt",
        dir.path(),
    );
    eprintln!("put of 200 MiB took {:?}", t0.elapsed());
    assert_eq!(
        sorted(weed.keys("site-a/")),
        ["site-a/inbox/Big.bin", "site-a/inbox/small.txt"]
    );
    assert!(weed.uploads().is_empty());
    assert_eq!(
        checksum(&weed.get("site-a/inbox/Big.bin").unwrap()),
        checksum(&big)
    );
    let out = ok(&g, "ls", dir.path());
    assert!(
        out.contains("Big.bin") && out.contains("209715200"),
        "{out}"
    );
    ok(&g, "get big.bin got.bin", dir.path());
    let got = std::fs::read(dir.path().join("got.bin")).unwrap();
    assert_eq!(checksum(&got), checksum(&big));
    drop(got);
    ok(
        &g,
        "mkdir Folder; rename small.txt folder\\moved.txt",
        dir.path(),
    );
    assert_eq!(
        sorted(weed.keys("site-a/")),
        [
            "site-a/inbox/Big.bin",
            "site-a/inbox/Folder/",
            "site-a/inbox/Folder/moved.txt"
        ]
    );
    assert_eq!(
        weed.get("site-a/inbox/Folder/moved.txt").unwrap(),
        b"a small scan"
    );
    // Over the rename limit: refused with the status that makes clients copy.
    let o = smbclient(
        g.srv.port,
        "share",
        CREDS,
        &[],
        "rename big.bin renamed.bin",
        dir.path(),
    );
    assert!(
        text(&o).contains("NT_STATUS_NOT_SAME_DEVICE"),
        "{}",
        text(&o)
    );
    assert!(weed.get("site-a/inbox/renamed.bin").is_none());
    ok(
        &g,
        "del folder\\moved.txt; rmdir folder; del big.bin",
        dir.path(),
    );
    assert!(
        weed.keys("site-a/").is_empty(),
        "{:?}",
        weed.keys("site-a/")
    );
}

#[test]
fn our_client_against_an_s3_share() {
    if !available() {
        return;
    }
    let weed = Weed::start("ours");
    let g = gateway(&weed, "", "");
    let cfg = smb_proto::client::ClientConfig {
        credentials: Some(smb_proto::auth::Credentials::new(USER, "", PASS)),
        ..Default::default()
    };
    let mut c =
        smb_blocking::client::Client::connect(("127.0.0.1", g.srv.port), cfg, &Default::default())
            .unwrap();
    let t = c.tree_connect("share").unwrap();
    c.mkdir(t, "docs").unwrap();
    let data = pattern(30 * MIB + 7, 2);
    let n = c
        .upload(t, "docs\\report.pdf", &mut &data[..], &mut |_| {})
        .unwrap();
    assert_eq!(n, data.len() as u64);
    assert_eq!(weed.get("docs/report.pdf").unwrap().len(), data.len());
    let mut got = Vec::new();
    c.download(t, "DOCS\\REPORT.PDF", &mut got, &mut |_| {})
        .unwrap();
    assert!(got == data);
    let names: Vec<String> = c
        .list(t, "docs\\*")
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .filter(|n| n != "." && n != "..")
        .collect();
    assert_eq!(names, ["report.pdf"]);
    c.rename(t, "docs\\report.pdf", "docs\\final.pdf").unwrap();
    assert_eq!(sorted(weed.keys("")), ["docs/", "docs/final.pdf"]);
    c.delete(t, "docs\\final.pdf").unwrap();
    c.rmdir(t, "docs").unwrap();
    assert!(weed.keys("").is_empty());
}

macro_rules! torture {
    ($($(#[$m:meta])* $f:ident => $name:literal,)*) => {$(
        #[test]
        $(#[$m])*
        fn $f() {
            if !available() || !smb_testkit::peers_available(&["smbtorture"]) {
                return;
            }
            let weed = Weed::start("torture");
            let g = gateway(&weed, "t", "max_file_mib = 9000\npart_size_mib = 64\nupload_concurrency = 8");
            let dir = TempDir::new("s3-torture");
            let t0 = Instant::now();
            let o = Command::new("smbtorture")
                .arg("//127.0.0.1/share")
                .args(["-p", &g.srv.port.to_string(), "-U", CREDS])
                .args(["--option=client min protocol=NT1", "--option=client max protocol=NT1"])
                .arg($name)
                .current_dir(dir.path())
                .output()
                .unwrap();
            let t = text(&o);
            eprintln!("{} took {:?}", $name, t0.elapsed());
            // A sub-test the core does not support (write unlock) is skipped, as against
            // a local share.
            assert!(
                t.lines().any(|l| l.starts_with("success:") || l.starts_with("skip:"))
                    && !t.lines().any(|l| l.starts_with("failure:") || l.starts_with("error:")),
                "{}: {t}\nserver log:\n{}",
                $name,
                g.srv.log()
            );
        }
    )*};
}

torture! {
    torture_s3_base_rw1 => "base.rw1",
    torture_s3_base_dir1 => "base.dir1",
    torture_s3_base_dir2 => "base.dir2",
    torture_s3_base_unlink => "base.unlink",
    torture_s3_base_rename => "base.rename",
    // raw.write, one sub-test per store and gateway: the sub-tests that write at 4 GiB and
    // 8 GiB end with the upload of a sparse file of that size, which the store takes
    // longer to take in than smbtorture waits for the CLOSE; the next sub-test's set-up
    // would then find the folder busy. Each sub-test alone passes.
    torture_s3_raw_write_write => "raw.write.write",
    torture_s3_raw_write_writeunlock => "raw.write.write unlock",
    /// WRITE_AND_CLOSE at 4 GiB: the CLOSE uploads a 4 GiB sparse file, which SeaweedFS
    /// on two busy cores takes 35 to 60 s to take in, against smbtorture's 60 s request
    /// limit. Passes on an idle machine (`cargo test -p smb-cli --test s3 -- --ignored`).
    #[ignore = "the store's ingest rate makes the 4 GiB CLOSE race smbtorture's 60 s limit"]
    torture_s3_raw_write_writeclose => "raw.write.write close",
    torture_s3_raw_write_writex => "raw.write.writex",
    torture_s3_raw_write_bad_write => "raw.write.bad-write",
}

/// Starts an smbclient put of `file` as `name` in the background.
fn put_in_background(g: &Gateway, dir: &Path, file: &str, name: &str) -> std::process::Child {
    Command::new("smbclient")
        .arg("//127.0.0.1/share")
        .args(["-p", &g.srv.port.to_string(), "-m", "NT1"])
        .args(["--option=client min protocol=NT1", "-U", CREDS])
        .args(["-c", &format!("put {file} {name}")])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the store shows a multipart upload in progress.
fn wait_for_upload(weed: &Weed) {
    let t0 = Instant::now();
    while weed.uploads().is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(30), "no upload started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_client_that_vanishes_before_close_leaves_nothing_and_a_closed_file_survives_kill_9() {
    if !available() {
        return;
    }
    let weed = Weed::start("drop");
    let mut g = gateway(&weed, "", "");
    let dir = TempDir::new("s3-drop");
    std::fs::write(dir.path().join("big.bin"), pattern(300 * MIB, 3)).unwrap();
    let mut child = put_in_background(&g, dir.path(), "big.bin", "dropped.bin");
    wait_for_upload(&weed);
    let _ = child.kill();
    let _ = child.wait();
    // The server notices the connection end, aborts the upload, stores nothing.
    let t0 = Instant::now();
    while !weed.uploads().is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{:?}",
            weed.uploads()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(weed.keys("").is_empty(), "{:?}", weed.keys(""));
    // A put answered by CLOSE is stored, even if the server dies right after.
    let scan = pattern(20 * MIB + 5, 4);
    std::fs::write(dir.path().join("scan.pdf"), &scan).unwrap();
    ok(&g, "put scan.pdf scan.pdf", dir.path());
    g.srv.kill();
    assert!(weed.get("scan.pdf").unwrap() == scan);
}

#[test]
fn two_gateways_over_one_bucket() {
    if !available() {
        return;
    }
    let weed = Weed::start("shared");
    let a = gateway(&weed, "common", "");
    let b = gateway(&weed, "common", "");
    let dir = TempDir::new("s3-two");
    let data = pattern(12 * MIB + 1, 5);
    std::fs::write(dir.path().join("doc.bin"), &data).unwrap();
    ok(&a, "put doc.bin doc.bin", dir.path());
    ok(&b, "get doc.bin via-b.bin", dir.path());
    assert!(std::fs::read(dir.path().join("via-b.bin")).unwrap() == data);
    // B opens the file for writing; meanwhile A replaces it; B's close is refused.
    let cfg = smb_proto::client::ClientConfig {
        credentials: Some(smb_proto::auth::Credentials::new(USER, "", PASS)),
        ..Default::default()
    };
    let mut c =
        smb_blocking::client::Client::connect(("127.0.0.1", b.srv.port), cfg, &Default::default())
            .unwrap();
    let t = c.tree_connect("share").unwrap();
    let f = c
        .open(t, "doc.bin", smb_proto::client::OpenOptions::read_write())
        .unwrap();
    c.write(t, f.fid, 0, bytes::Bytes::from_static(b"B was here"))
        .unwrap();
    std::fs::write(dir.path().join("newer.bin"), b"A's newer version").unwrap();
    ok(&a, "put newer.bin doc.bin", dir.path());
    let e = c.close(t, f.fid).unwrap_err();
    assert_eq!(
        e.status(),
        Some(smb_proto::wire::NtStatus::SHARING_VIOLATION),
        "{e:?}"
    );
    assert_eq!(weed.get("common/doc.bin").unwrap(), b"A's newer version");
    assert!(
        b.srv.log().contains("changed through another gateway"),
        "{}",
        b.srv.log()
    );
    assert!(a.srv.log().is_empty() || !a.srv.log().contains("does NOT honour"));
}

#[test]
fn a_stopped_store_fails_requests_within_the_timeout_and_the_server_recovers() {
    if !available() {
        return;
    }
    let weed = Weed::start("outage");
    let g = gateway(&weed, "", "request_timeout_secs = 3");
    let dir = TempDir::new("s3-outage");
    std::fs::write(dir.path().join("big.bin"), pattern(200 * MIB, 6)).unwrap();
    let child = put_in_background(&g, dir.path(), "big.bin", "big.bin");
    wait_for_upload(&weed);
    weed.pause();
    let t0 = Instant::now();
    let o = child.wait_with_output().unwrap();
    let took = t0.elapsed();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("NT_STATUS_IO_TIMEOUT"), "{out}");
    // The request timeout (3 s) and a close that times out too.
    assert!(took < Duration::from_secs(10), "{took:?}");
    weed.resume();
    let small = pattern(MIB, 7);
    std::fs::write(dir.path().join("after.bin"), &small).unwrap();
    ok(&g, "put after.bin after.bin; ls", dir.path());
    assert!(weed.get("after.bin").unwrap() == small);
}
