//! The S3 backend through the FileSystem trait, against a private SeaweedFS; what it
//! stores is read back over the S3 API.

use std::sync::Arc;
use std::time::{Duration, Instant};

use smb_proto::server::fs::{
    CreateAction, Disposition, FileSystem, Handle, Kind, OpenCall, ShareId, SharePath, Target,
};
use smb_proto::wire::NtStatus;
use smb_s3::{S3Config, S3Fs, S3Location, S3Settings, S3Share};
use smb_testkit::{S3_KEY, S3_SECRET, TempDir, Weed, pattern};

const SHARE: ShareId = ShareId(0);
const MIB: usize = 1 << 20;

fn sp(p: &str) -> SharePath {
    SharePath::parse(p).unwrap()
}

fn call(path: &str, disposition: Disposition, write: bool) -> OpenCall {
    OpenCall {
        path: sp(path),
        disposition,
        kind: Kind::Any,
        read: true,
        write,
        create_attributes: 0,
        allocation_size: 0,
    }
}

struct T {
    weed: Arc<Weed>,
    fs: S3Fs,
    _staging: TempDir,
}

fn config(weed: &Weed) -> S3Config {
    S3Config {
        endpoint: Some(weed.endpoint()),
        region: "us-east-1".into(),
        access_key_id: Some(S3_KEY.into()),
        secret_access_key: Some(S3_SECRET.into()),
    }
}

fn settings(staging: &TempDir) -> S3Settings {
    S3Settings {
        staging_dir: staging.path().to_path_buf(),
        part_size: 5 * MIB,
        rename_max_bytes: MIB as u64,
        folder_rename_max_objects: 5,
        request_timeout: Duration::from_secs(3),
        retries: 1,
        ..S3Settings::default()
    }
}

fn backend(weed: &Arc<Weed>, prefix: &str, tune: impl FnOnce(&mut S3Settings)) -> T {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let staging = TempDir::new("s3-staging");
    let mut s = settings(&staging);
    tune(&mut s);
    let share = S3Share {
        location: S3Location::parse(&format!("s3://{}/{prefix}", weed.bucket)).unwrap(),
        read_only: false,
    };
    let fs = S3Fs::new(&config(weed), &[share], s).unwrap();
    T {
        weed: weed.clone(),
        fs,
        _staging: staging,
    }
}

fn store() -> Option<Arc<Weed>> {
    if !smb_testkit::weed_available() {
        return None;
    }
    Some(Arc::new(Weed::start("unit")))
}

impl T {
    fn create(&self, path: &str) -> Handle {
        let (h, _, a) = self
            .fs
            .open(SHARE, &call(path, Disposition::Create, true))
            .unwrap();
        assert_eq!(a, CreateAction::Created);
        h
    }

    fn put(&self, path: &str, data: &[u8], piece: usize) {
        let h = self.create(path);
        for (i, c) in data.chunks(piece).enumerate() {
            self.fs.write(h, (i * piece) as u64, c, false).unwrap();
        }
        self.fs.close(h, None).unwrap();
    }

    fn read_all(&self, path: &str) -> Vec<u8> {
        let (h, info, _) = self
            .fs
            .open(SHARE, &call(path, Disposition::Open, false))
            .unwrap();
        let mut out = Vec::new();
        while (out.len() as u64) < info.size {
            let b = self.fs.read(h, out.len() as u64, 1 << 20).unwrap();
            assert!(!b.is_empty());
            out.extend_from_slice(&b);
        }
        self.fs.close(h, None).unwrap();
        out
    }

    fn names(&self, dir: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .fs
            .read_dir(SHARE, &sp(dir))
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        v.sort();
        v
    }
}

#[test]
fn files_and_folders_map_to_objects_and_markers() {
    let Some(w) = store() else { return };
    let t = backend(&w, "site/a", |_| {});
    t.fs.mkdir(SHARE, &sp("Scans")).unwrap();
    t.put("scans\\Page1.pdf", b"%PDF one page", 4);
    assert_eq!(w.get("site/a/Scans/Page1.pdf").unwrap(), b"%PDF one page");
    assert_eq!(w.get("site/a/Scans/").unwrap(), b"");
    // Names resolve under any case and report the stored spelling.
    let i =
        t.fs.stat(SHARE, &Target::Path(sp("SCANS\\page1.PDF")))
            .unwrap();
    assert_eq!(
        (i.name.as_str(), i.size, i.is_dir),
        ("Page1.pdf", 13, false)
    );
    assert_eq!(t.read_all("scans\\PAGE1.pdf"), b"%PDF one page");
    assert_eq!(t.names(""), ["Scans"]);
    assert_eq!(t.names("scans"), ["Page1.pdf"]);
    assert_eq!(
        t.fs.open(SHARE, &call("scans\\page1.pdf", Disposition::Create, true))
            .err(),
        Some(NtStatus::OBJECT_NAME_COLLISION)
    );
    assert_eq!(
        t.fs.stat(SHARE, &Target::Path(sp("nope\\x"))).err(),
        Some(NtStatus::OBJECT_PATH_NOT_FOUND)
    );
    // Objects other S3 clients made: a folder without a marker, a name no client can show.
    w.put("site/a/Other/deep/file.txt", b"from elsewhere");
    w.put("site/a/Other/bad:name.txt", b"x");
    assert_eq!(t.names(""), ["Other", "Scans"]);
    assert_eq!(t.names("other"), ["deep"]);
    assert_eq!(t.read_all("other\\DEEP\\file.txt"), b"from elsewhere");
    // Folders: not empty, then empty.
    assert_eq!(
        t.fs.rmdir(SHARE, &sp("scans")),
        Err(NtStatus::DIRECTORY_NOT_EMPTY)
    );
    t.fs.delete(SHARE, &sp("scans\\page1.pdf")).unwrap();
    t.fs.rmdir(SHARE, &sp("scans")).unwrap();
    assert!(w.keys("site/a/Scans").is_empty(), "{:?}", w.keys("site/a/"));
    assert_eq!(t.fs.open_handles(), 0);
}

#[test]
fn a_file_written_in_order_streams_into_a_multipart_upload_committed_at_close() {
    let Some(w) = store() else { return };
    let t = backend(&w, "", |_| {});
    let data = pattern(23 * MIB + 123, 1);
    let h = t.create("big.bin");
    // Requests a client keeps in flight arrive a little out of order.
    let piece = 60_000;
    let n = data.len().div_ceil(piece);
    let mut order: Vec<usize> = (0..n).collect();
    for c in order.chunks_mut(4) {
        c.reverse();
    }
    for i in order {
        let c = &data[i * piece..data.len().min((i + 1) * piece)];
        t.fs.write(h, (i * piece) as u64, c, false).unwrap();
    }
    // Parts are on their way, nothing is visible yet, nothing was staged.
    assert_eq!(w.uploads(), ["big.bin"]);
    assert_eq!(w.get("big.bin"), None);
    assert_eq!(t.fs.staging_bytes(), 0);
    // Another handle reads what was written so far.
    let (r, info, _) =
        t.fs.open(SHARE, &call("BIG.bin", Disposition::Open, false))
            .unwrap();
    assert_eq!(info.size, data.len() as u64);
    assert_eq!(
        &t.fs.read(r, data.len() as u64 - 100, 200).unwrap()[..],
        &data[data.len() - 100..]
    );
    t.fs.close(r, None).unwrap();
    t.fs.close(h, None).unwrap();
    assert!(w.uploads().is_empty());
    assert!(w.get("big.bin").unwrap() == data);
    assert!(t.read_all("big.bin") == data);
}

#[test]
fn writes_out_of_order_go_through_a_staging_file() {
    let Some(w) = store() else { return };
    let t = backend(&w, "", |_| {});
    let data = pattern(3 * MIB, 2);
    let h = t.create("scattered.bin");
    // The end first, a little ahead of the start: it waits in memory for the gap.
    t.fs.write(h, 2 * MIB as u64, &data[2 * MIB..], false)
        .unwrap();
    t.fs.write(h, 0, &data[..2 * MIB], false).unwrap();
    assert_eq!(t.fs.staging_bytes(), 0);
    // A stored file changed in place: staged, uploaded at close.
    t.fs.close(h, None).unwrap();
    let (h, _, _) =
        t.fs.open(SHARE, &call("scattered.bin", Disposition::Open, true))
            .unwrap();
    t.fs.write(h, 1000, b"patched", false).unwrap();
    assert!(t.fs.staging_bytes() >= 3 * MIB as u64);
    assert_eq!(
        &t.fs.read(h, 998, 11).unwrap()[..],
        &[&data[998..1000], b"patched", &data[1007..1009]].concat()[..]
    );
    t.fs.close(h, None).unwrap();
    assert_eq!(t.fs.staging_bytes(), 0);
    let mut want = data.clone();
    want[1000..1007].copy_from_slice(b"patched");
    assert!(w.get("scattered.bin").unwrap() == want);
    // Sparse: a write far past the end reads back, with zeros before it.
    let h = t.create("sparse.bin");
    t.fs.write(h, 40 * MIB as u64, b"tail", false).unwrap();
    assert_eq!(t.fs.staging_bytes(), 4);
    let i = t.fs.stat(SHARE, &Target::Handle(h)).unwrap();
    assert_eq!(i.size, 40 * MIB as u64 + 4);
    assert_eq!(
        &t.fs.read(h, 40 * MIB as u64 - 2, 10).unwrap()[..],
        b"\0\0tail"
    );
    t.fs.close(h, None).unwrap();
    assert_eq!(w.get("sparse.bin").unwrap().len(), 40 * MIB + 4);
    // Truncation through set-info.
    let set = smb_proto::server::fs::SetInfo {
        size: Some(10),
        ..Default::default()
    };
    t.fs.set_info(SHARE, &Target::Path(sp("sparse.bin")), &set)
        .unwrap();
    assert_eq!(w.get("sparse.bin").unwrap(), [0u8; 10]);
}

#[test]
fn an_abandoned_upload_leaves_no_object_and_no_upload() {
    let Some(w) = store() else { return };
    let t = backend(&w, "", |_| {});
    for (name, len) in [("small.bin", 1000), ("large.bin", 12 * MIB)] {
        let h = t.create(name);
        let data = pattern(len, 3);
        for (i, c) in data.chunks(65536).enumerate() {
            t.fs.write(h, (i * 65536) as u64, c, false).unwrap();
        }
        t.fs.abandon(h).unwrap();
        assert_eq!(w.get(name), None, "{name}");
    }
    // The abort runs in the background.
    let t0 = Instant::now();
    while !w.uploads().is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", w.uploads());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(w.keys("").is_empty(), "{:?}", w.keys(""));
    // A stored file rewritten and abandoned keeps its old content.
    t.put("keep.txt", b"old", 100);
    let (h, _, _) =
        t.fs.open(SHARE, &call("keep.txt", Disposition::OverwriteIf, true))
            .unwrap();
    t.fs.write(h, 0, b"new content", false).unwrap();
    t.fs.abandon(h).unwrap();
    assert_eq!(w.get("keep.txt").unwrap(), b"old");
}

#[test]
fn a_change_through_another_gateway_is_detected() {
    let Some(w) = store() else { return };
    let t = backend(&w, "", |_| {});
    assert!(t.fs.probe().conditional_writes(), "{:?}", t.fs.probe());
    t.put("shared.txt", b"version 1", 100);
    let (h, _, _) =
        t.fs.open(SHARE, &call("shared.txt", Disposition::Open, true))
            .unwrap();
    t.fs.write(h, 0, b"VERSION 2 from here", false).unwrap();
    w.put("shared.txt", b"version 2 from elsewhere");
    assert_eq!(t.fs.close(h, None), Err(NtStatus::SHARING_VIOLATION));
    assert_eq!(w.get("shared.txt").unwrap(), b"version 2 from elsewhere");
    // A new file someone else created meanwhile.
    let h = t.create("race.txt");
    t.fs.write(h, 0, b"mine", false).unwrap();
    w.put("race.txt", b"theirs");
    assert_eq!(t.fs.close(h, None), Err(NtStatus::SHARING_VIOLATION));
    assert_eq!(w.get("race.txt").unwrap(), b"theirs");
}

#[test]
fn renames_copy_in_the_store_up_to_the_limits() {
    let Some(w) = store() else { return };
    let t = backend(&w, "r", |_| {});
    t.put("small.txt", b"small", 100);
    t.fs.rename(SHARE, &sp("small.txt"), &sp("Moved.txt"), false)
        .unwrap();
    assert_eq!(w.get("r/Moved.txt").unwrap(), b"small");
    assert_eq!(w.get("r/small.txt"), None);
    // Over the size limit: the client is told to copy it itself.
    t.put("big.bin", &pattern(2 * MIB, 4), 65536);
    assert_eq!(
        t.fs.rename(SHARE, &sp("big.bin"), &sp("big2.bin"), false),
        Err(NtStatus::NOT_SAME_DEVICE)
    );
    assert!(w.get("r/big.bin").is_some() && w.get("r/big2.bin").is_none());
    // Case-only rename.
    t.fs.rename(SHARE, &sp("moved.txt"), &sp("MOVED.TXT"), false)
        .unwrap();
    assert_eq!(t.names(""), ["MOVED.TXT", "big.bin"]);
    // Folders: every object moves; above the object limit, refused.
    t.fs.mkdir(SHARE, &sp("d")).unwrap();
    t.fs.mkdir(SHARE, &sp("d\\sub")).unwrap();
    t.put("d\\sub\\x.txt", b"x", 10);
    t.fs.rename(SHARE, &sp("d"), &sp("e"), false).unwrap();
    let mut k = w.keys("r/e");
    k.sort();
    assert_eq!(k, ["r/e/", "r/e/sub/", "r/e/sub/x.txt"]);
    assert!(w.keys("r/d/").is_empty());
    for i in 0..6 {
        t.put(&format!("e\\f{i}"), b"y", 10);
    }
    assert_eq!(
        t.fs.rename(SHARE, &sp("e"), &sp("g"), false),
        Err(NtStatus::NOT_SAME_DEVICE)
    );
    assert_eq!(w.keys("r/e").len(), 9);
}

#[test]
fn listings_page_through_ten_thousand_entries() {
    let Some(w) = store() else { return };
    let t = backend(&w, "", |_| {});
    let op = {
        use opendal::services::S3;
        let b = S3::default()
            .bucket(&w.bucket)
            .endpoint(&w.endpoint())
            .region("us-east-1")
            .access_key_id(S3_KEY)
            .secret_access_key(S3_SECRET)
            .root("/many");
        opendal::Operator::new(b).unwrap().finish()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use futures_lite::StreamExt;
        let mut tasks = Vec::new();
        for chunk in (0..10_050).collect::<Vec<_>>().chunks(10_050 / 32 + 1) {
            let op = op.clone();
            let chunk = chunk.to_vec();
            tasks.push(tokio::spawn(async move {
                for i in chunk {
                    op.write(&format!("entry-{i:05}"), vec![1u8]).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let _ = futures_lite::stream::empty::<()>().next().await;
    });
    let t0 = Instant::now();
    let names = t.names("many");
    eprintln!("10,050 entries listed in {:?}", t0.elapsed());
    assert_eq!(names.len(), 10_050);
    assert_eq!(names[0], "entry-00000");
    assert_eq!(names[10_049], "entry-10049");
}

#[test]
fn a_stopped_store_gives_errors_within_the_timeout_and_the_backend_recovers() {
    let Some(w) = store() else { return };
    let t = backend(&w, "", |s| s.request_timeout = Duration::from_secs(2));
    t.put("before.txt", b"stored", 100);
    let h = t.create("during.bin");
    t.fs.write(h, 0, &pattern(MIB, 5), false).unwrap();
    w.pause();
    let t0 = Instant::now();
    assert_eq!(t.fs.close(h, None), Err(NtStatus::IO_TIMEOUT));
    assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
    let t0 = Instant::now();
    assert_eq!(
        t.fs.stat(SHARE, &Target::Path(sp("before.txt"))).err(),
        Some(NtStatus::IO_TIMEOUT)
    );
    assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
    w.resume();
    assert_eq!(t.read_all("before.txt"), b"stored");
    t.put("after.txt", b"works again", 100);
    assert_eq!(w.get("after.txt").unwrap(), b"works again");
    let _ = &t.weed;
}

#[test]
fn a_file_deleted_while_open_is_gone_and_a_new_one_of_that_name_is_stored() {
    let Some(w) = store() else { return };
    let t = backend(&w, "", |_| {});
    t.put("f.txt", b"first", 100);
    let (h, _, _) =
        t.fs.open(SHARE, &call("f.txt", Disposition::Open, true))
            .unwrap();
    t.fs.write(h, 0, b"FIRST", false).unwrap();
    t.fs.delete(SHARE, &sp("f.txt")).unwrap();
    assert_eq!(w.get("f.txt"), None);
    assert!(t.names("").is_empty());
    // A new file of that name while the deleted one is still open.
    t.put("f.txt", b"second", 100);
    t.fs.close(h, None).unwrap();
    assert_eq!(w.get("f.txt").unwrap(), b"second");
    // No call of this backend is quick: hosts always run them on their blocking pool.
    for call in [
        smb_proto::server::fs::FsCall::FsInfo,
        smb_proto::server::fs::FsCall::Read {
            handle: Handle(1),
            offset: 0,
            len: 10,
            later_ok: true,
        },
        smb_proto::server::fs::FsCall::Stat {
            target: Target::Path(sp("f.txt")),
        },
    ] {
        assert!(!t.fs.is_quick(&call));
    }
}
