//! Routing by share and handle tagging, over LocalFs backends on temporary folders (one
//! of them seen through a backend without later bytes).

use std::sync::atomic::{AtomicUsize, Ordering};

use smb_proto::server::fs::{Disposition, FsOpId, FsReply, FsRequest, Kind};
use smb_testkit::TempDir;

use super::*;
use crate::LocalFs;

/// A backend without later bytes: a LocalFs whose large reads are read now, counting
/// abandoned handles.
struct Plain {
    fs: LocalFs,
    abandoned: AtomicUsize,
    watched: AtomicUsize,
}

impl FileSystem for Plain {
    type Later = NoLater;
    fn open(&self, s: ShareId, c: &OpenCall) -> Result<(Handle, FileInfo, CreateAction), NtStatus> {
        self.fs.open(s, c)
    }
    fn read(&self, h: Handle, o: u64, n: u32) -> Result<Bytes, NtStatus> {
        self.fs.read(h, o, n)
    }
    fn write(&self, h: Handle, o: u64, d: &[u8], wt: bool) -> Result<u32, NtStatus> {
        self.fs.write(h, o, d, wt)
    }
    fn flush(&self, h: Handle) -> Result<(), NtStatus> {
        self.fs.flush(h)
    }
    fn close(&self, h: Handle, t: Option<u64>) -> Result<(), NtStatus> {
        self.fs.close(h, t)
    }
    fn abandon(&self, h: Handle) -> Result<(), NtStatus> {
        self.abandoned.fetch_add(1, Ordering::SeqCst);
        self.fs.close(h, None)
    }
    fn stat(&self, s: ShareId, t: &Target) -> Result<FileInfo, NtStatus> {
        self.fs.stat(s, t)
    }
    fn read_dir(&self, s: ShareId, p: &SharePath) -> Result<Vec<FileInfo>, NtStatus> {
        self.fs.read_dir(s, p)
    }
    fn set_info(&self, s: ShareId, t: &Target, i: &SetInfo) -> Result<(), NtStatus> {
        self.fs.set_info(s, t, i)
    }
    fn rename(&self, s: ShareId, f: &SharePath, t: &SharePath, r: bool) -> Result<(), NtStatus> {
        self.fs.rename(s, f, t, r)
    }
    fn delete(&self, s: ShareId, p: &SharePath) -> Result<(), NtStatus> {
        self.fs.delete(s, p)
    }
    fn mkdir(&self, s: ShareId, p: &SharePath) -> Result<(), NtStatus> {
        self.fs.mkdir(s, p)
    }
    fn rmdir(&self, s: ShareId, p: &SharePath) -> Result<(), NtStatus> {
        self.fs.rmdir(s, p)
    }
    fn fs_info(&self, s: ShareId) -> Result<FsInfo, NtStatus> {
        self.fs.fs_info(s)
    }
    fn watch_changes(
        &self,
        _shared: &smb_proto::server::SharedState,
    ) -> Option<Box<dyn std::any::Any + Send>> {
        self.watched.fetch_add(1, Ordering::SeqCst);
        Some(Box::new(()))
    }
}

fn sp(p: &str) -> SharePath {
    SharePath::parse(p).unwrap()
}

fn open_call(path: &str, disposition: Disposition, write: bool) -> OpenCall {
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

/// Folders a, b (one LocalFs, shares 0 and 1) and c (the plain backend), mounted as
/// server shares 0 = c, 1 = b, 2 = a.
struct Fixture {
    tmp: TempDir,
    plain: Arc<Plain>,
    m: Mounts,
}

fn fixture(tag: &str) -> Fixture {
    let tmp = TempDir::new(&format!("mounts-{tag}"));
    for d in ["a", "b", "c"] {
        std::fs::create_dir(tmp.path().join(d)).unwrap();
        std::fs::write(tmp.path().join(d).join(format!("only-{d}.txt")), d).unwrap();
    }
    let local =
        LocalFs::new(&[(tmp.path().join("a"), false), (tmp.path().join("b"), false)]).unwrap();
    let plain = Arc::new(Plain {
        fs: LocalFs::new(&[(tmp.path().join("c"), false)]).unwrap(),
        abandoned: AtomicUsize::new(0),
        watched: AtomicUsize::new(0),
    });
    let mut m = Mounts::new();
    let l = m.add(Arc::new(local)).unwrap();
    let p = m.add_plain(plain.clone()).unwrap();
    assert_eq!(m.mount(p, ShareId(0)), ShareId(0));
    assert_eq!(m.mount(l, ShareId(1)), ShareId(1));
    assert_eq!(m.mount(l, ShareId(0)), ShareId(2));
    Fixture { tmp, plain, m }
}

fn names(m: &Mounts, share: u32) -> Vec<String> {
    let mut v: Vec<String> = m
        .read_dir(ShareId(share), &sp(""))
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    v.sort();
    v
}

#[test]
fn each_share_reaches_the_folder_of_its_backend() {
    let f = fixture("route");
    assert_eq!(names(&f.m, 0), ["only-c.txt"]);
    assert_eq!(names(&f.m, 1), ["only-b.txt"]);
    assert_eq!(names(&f.m, 2), ["only-a.txt"]);
    // Path calls go to the share's folder only.
    f.m.mkdir(ShareId(0), &sp("made-in-c")).unwrap();
    assert!(f.tmp.path().join("c/made-in-c").is_dir());
    f.m.rename(ShareId(1), &sp("only-b.txt"), &sp("renamed.txt"), false)
        .unwrap();
    assert!(f.tmp.path().join("b/renamed.txt").is_file());
    f.m.delete(ShareId(2), &sp("ONLY-A.TXT")).unwrap();
    assert!(!f.tmp.path().join("a/only-a.txt").exists());
    assert_eq!(
        f.m.stat(ShareId(0), &Target::Path(sp("only-b.txt"))).err(),
        Some(NtStatus::OBJECT_NAME_NOT_FOUND)
    );
    f.m.rmdir(ShareId(0), &sp("made-in-c")).unwrap();
    assert!(f.m.fs_info(ShareId(2)).is_ok());
    // A share nobody mounted.
    assert_eq!(
        f.m.read_dir(ShareId(3), &sp("")).err(),
        Some(NtStatus::BAD_NETWORK_NAME)
    );
    assert_eq!(
        f.m.open(ShareId(9), &open_call("x", Disposition::Open, false))
            .err(),
        Some(NtStatus::BAD_NETWORK_NAME)
    );
}

#[test]
fn hard_links_reach_the_share_backend() {
    use std::os::unix::fs::MetadataExt;
    let f = fixture("link");
    // Share 1 is LocalFs's second folder: the link is made there, beside its file.
    f.m.link(ShareId(1), &sp("only-b.txt"), &sp("linked.txt"))
        .unwrap();
    let meta = std::fs::metadata(f.tmp.path().join("b/linked.txt")).unwrap();
    assert_eq!(meta.nlink(), 2);
    assert!(!f.tmp.path().join("a/linked.txt").exists());
    // The plain backend has no hard links: the default answer comes through.
    assert_eq!(
        f.m.link(ShareId(0), &sp("only-c.txt"), &sp("linked.txt"))
            .err(),
        Some(NtStatus::NOT_SUPPORTED)
    );
}

#[test]
fn handles_are_tagged_and_reach_the_backend_that_opened_them() {
    let f = fixture("handles");
    let (hc, info_c, _) =
        f.m.open(ShareId(0), &open_call("new.bin", Disposition::Create, true))
            .unwrap();
    let (ha, info_a, _) =
        f.m.open(
            ShareId(2),
            &open_call("only-a.txt", Disposition::Open, false),
        )
        .unwrap();
    assert_eq!((info_c.size, info_a.name.as_str()), (0, "only-a.txt"));
    // Both backends number their first handles alike; the tags tell them apart.
    assert_eq!(ha.0 >> INNER_BITS, 0);
    assert_eq!(hc.0 >> INNER_BITS, 1);
    assert_ne!(ha, hc);
    let data = vec![0x42u8; 100_000];
    assert_eq!(f.m.write(hc, 0, &data, false).unwrap(), 100_000);
    assert_eq!(&f.m.read(ha, 0, 10).unwrap()[..], b"a");
    // By handle, with the share the handle belongs to; another share's handle is refused.
    let st = f.m.stat(ShareId(0), &Target::Handle(hc)).unwrap();
    assert_eq!((st.name.as_str(), st.size), ("new.bin", 100_000));
    assert_eq!(
        f.m.stat(ShareId(2), &Target::Handle(hc)).err(),
        Some(NtStatus::INVALID_HANDLE)
    );
    // The local backend offers large reads as file ranges; the plain one never does.
    let (hb, _, _) =
        f.m.open(
            ShareId(1),
            &open_call("only-b.txt", Disposition::Open, false),
        )
        .unwrap();
    assert!(f.m.read_later(hc, 0, 80_000).unwrap().is_none());
    f.m.close(hc, None).unwrap();
    assert_eq!(std::fs::read(f.tmp.path().join("c/new.bin")).unwrap(), data);
    std::fs::write(f.tmp.path().join("b/big.bin"), &data).unwrap();
    let (hbig, _, _) =
        f.m.open(ShareId(1), &open_call("big.bin", Disposition::Open, false))
            .unwrap();
    let later =
        f.m.read_later(hbig, 0, 80_000)
            .unwrap()
            .expect("a file range");
    assert_eq!(later.len, 80_000);
    // Closed handles and unknown tags are invalid.
    assert_eq!(f.m.close(hc, None), Err(NtStatus::INVALID_HANDLE));
    assert_eq!(
        f.m.read(Handle((7 << INNER_BITS) | 1), 0, 1).err(),
        Some(NtStatus::INVALID_HANDLE)
    );
    for h in [ha, hb, hbig] {
        f.m.close(h, None).unwrap();
    }
}

#[test]
fn requests_dispatch_through_the_routes_and_abandoned_closes_reach_the_backend() {
    let f = fixture("dispatch");
    let req = |call| FsRequest {
        id: FsOpId(1),
        share: ShareId(0),
        call,
    };
    let opened =
        f.m.dispatch(&req(FsCall::Open(open_call(
            "left.txt",
            Disposition::Create,
            true,
        ))))
        .unwrap();
    let FsReply::Opened { handle, .. } = opened else {
        panic!("{opened:?}")
    };
    // A local close of an unwritten handle is quick; the plain backend decides for its own.
    let (ha, _, _) =
        f.m.open(
            ShareId(2),
            &open_call("only-a.txt", Disposition::Open, true),
        )
        .unwrap();
    let close = |handle| FsCall::Close {
        handle,
        set_written: None,
        abandoned: true,
    };
    assert!(f.m.is_quick(&close(ha)));
    assert_eq!(
        f.m.is_quick(&close(handle)),
        f.plain.is_quick(&close(Handle(handle.0 & INNER_MASK)))
    );
    assert!(!f.m.is_quick(&FsCall::FsInfo));
    assert!(matches!(
        f.m.dispatch(&req(close(handle))),
        Ok(FsReply::Done)
    ));
    assert_eq!(f.plain.abandoned.load(Ordering::SeqCst), 1);
    f.m.close(ha, None).unwrap();
    assert_eq!(f.plain.abandoned.load(Ordering::SeqCst), 1);
}

#[test]
fn only_backends_whose_shares_keep_their_numbers_watch_the_disk() {
    // The fixture mounts the plain backend's share 0 as server share 0 (its number kept)
    // and the LocalFs's shares 1 and 0 as 1 and 2 (not kept): only the plain one watches.
    let f = fixture("watch");
    let shared = smb_proto::server::SharedState::new();
    let guard = f.m.watch_changes(&shared);
    assert!(guard.is_some());
    assert_eq!(f.plain.watched.load(Ordering::SeqCst), 1);
    // Mounted under another number, the plain backend's reports would name the wrong
    // share: it is not asked.
    let mut m = Mounts::new();
    let p = m.add_plain(f.plain.clone()).unwrap();
    m.mount(p, ShareId(1));
    m.mount(p, ShareId(0));
    assert!(m.watch_changes(&shared).is_none());
    assert_eq!(f.plain.watched.load(Ordering::SeqCst), 1);
}
