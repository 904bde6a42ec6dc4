//! The client and server cores paired in memory on virtual time (see
//! `smb_proto::testing::pair`): chunk boundaries, out-of-order replies and file-system
//! completions, failing file operations, dropped connections, and a seeded simulation
//! of random workloads checked against a model.

use std::collections::BTreeMap;

use bytes::Bytes;
use smb_proto::client::{
    ClientConfig, FileId, OpenOptions, Operation, Reply, RequestId, SmbError, TreeId,
};
use smb_proto::server::fs::FsCall;
use smb_proto::testing::pair::{client_config, server_config};
use smb_proto::testing::{MemFs, Pair, SimOptions};
use smb_proto::wire::NtStatus;

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

struct S {
    p: Pair,
    tree: TreeId,
}

impl S {
    fn new(seed: u64, opts: SimOptions, client: ClientConfig, fs: MemFs) -> Self {
        let mut p = Pair::new(seed, opts, client, server_config(), std::sync::Arc::new(fs));
        let id = p.client.connect(p.now);
        p.wait(id).unwrap();
        let id = p.client.tree_connect(p.now, "share");
        let Reply::Tree(tree) = p.wait(id).unwrap() else {
            panic!("tree")
        };
        Self { p, tree }
    }
    fn run<T>(
        &mut self,
        f: impl FnOnce(&mut Pair, TreeId) -> Operation<T>,
    ) -> Result<Reply, SmbError> {
        let id: RequestId = f(&mut self.p, self.tree).into();
        self.p.wait(id)
    }
    fn open(&mut self, path: &str, o: OpenOptions) -> Result<FileId, SmbError> {
        let path = path.to_string();
        match self.run(|p, t| p.client.open(p.now, t, &path, o))? {
            Reply::Opened(o) => Ok(o.fid),
            r => panic!("{r:?}"),
        }
    }
    fn read(&mut self, fid: FileId, off: u64, len: u64) -> Result<Vec<u8>, SmbError> {
        match self.run(|p, t| p.client.read(p.now, t, fid, off, len))? {
            Reply::Read(d) => Ok(d.to_vec()),
            r => panic!("{r:?}"),
        }
    }
    fn write(&mut self, fid: FileId, off: u64, data: &[u8]) -> Result<u64, SmbError> {
        let d = Bytes::copy_from_slice(data);
        match self.run(|p, t| p.client.write(p.now, t, fid, off, d))? {
            Reply::Written(n) => Ok(n),
            r => panic!("{r:?}"),
        }
    }
    fn close(&mut self, fid: FileId) -> Result<(), SmbError> {
        self.run(|p, t| p.client.close(p.now, t, fid)).map(|_| ())
    }
}

fn small_chunks() -> ClientConfig {
    ClientConfig {
        max_read_size: 1000,
        max_write_size: 1500,
        max_in_flight: 16,
        ..client_config()
    }
}

/// Offsets and lengths on both sides of every chunk boundary, reads past the end included;
/// the stream is cut at random places and the server's file operations finish out of
/// order, so replies come back out of order.
#[test]
fn reads_and_writes_at_every_chunk_boundary_out_of_order() {
    let data = pattern(20_011, 1);
    for seed in 0..12u64 {
        let fs = MemFs::new();
        fs.put("f.bin", &data);
        let mut s = S::new(seed, SimOptions::default(), small_chunks(), fs);
        let fid = s.open("f.bin", OpenOptions::read_write()).unwrap();
        let mut model = data.clone();
        let points = [
            0u64, 1, 999, 1000, 1001, 1499, 1500, 1501, 2999, 3000, 3001, 19_999, 20_010, 20_011,
            20_012, 25_000,
        ];
        for (i, &off) in points.iter().enumerate() {
            for len in [
                0u64, 1, 999, 1000, 1001, 1500, 2000, 2001, 3000, 4501, 20_011,
            ] {
                let got = s
                    .read(fid, off, len)
                    .unwrap_or_else(|e| panic!("seed {seed}: read {off}+{len}: {e}"));
                let end = (off + len).min(model.len() as u64);
                let want = if off >= model.len() as u64 {
                    &[][..]
                } else {
                    &model[off as usize..end as usize]
                };
                assert!(
                    got == want,
                    "seed {seed}: read {off}+{len}: {} bytes, want {}",
                    got.len(),
                    want.len()
                );
            }
            if off < 22_000 {
                let chunk = pattern(1 + (i * 1337) % 4600, seed * 100 + i as u64);
                assert_eq!(s.write(fid, off, &chunk).unwrap(), chunk.len() as u64);
                let end = off as usize + chunk.len();
                if model.len() < end {
                    model.resize(end, 0);
                }
                model[off as usize..end].copy_from_slice(&chunk);
            }
        }
        s.close(fid).unwrap();
        assert!(
            s.p.fs.get("f.bin").unwrap() == model,
            "seed {seed}: the file equals the model"
        );
        assert_eq!(s.p.fs.open_handles(), 0);
    }
}

/// Reads answered with bytes the host writes itself (sendfile) arrive exactly as reads
/// answered with the bytes, out of order and cut anywhere; a signed connection never
/// gets them (its responses must be signed over the data).
#[test]
fn later_reads_arrive_exactly_and_never_on_signed_connections() {
    let data = pattern(70_001, 9);
    for (seed, signed) in [(0u64, false), (1, false), (2, false), (3, true), (4, true)] {
        let mut fs = MemFs::new();
        fs.later_reads = true;
        fs.put("f.bin", &data);
        let mut client = small_chunks();
        client.max_read_size = 16_384;
        let mut server = server_config();
        if signed {
            client.signing = smb_proto::client::SigningPolicy::Required;
            server.signing = smb_proto::server::SigningMode::Required;
        }
        let mut p = Pair::new(
            seed,
            SimOptions::default(),
            client,
            server,
            std::sync::Arc::new(fs),
        );
        let id = p.client.connect(p.now);
        p.wait(id).unwrap();
        let id = p.client.tree_connect(p.now, "share");
        let Reply::Tree(tree) = p.wait(id).unwrap() else {
            panic!("tree")
        };
        let mut s = S { p, tree };
        let fid = s.open("f.bin", OpenOptions::read()).unwrap();
        for (off, len) in [
            (0u64, 70_001u64),
            (5, 40_000),
            (69_000, 5_000),
            (80_000, 10),
        ] {
            let got = s.read(fid, off, len).unwrap();
            let end = (off + len).min(data.len() as u64) as usize;
            let want = data.get(off as usize..end).unwrap_or(&[]);
            assert!(got == want, "seed {seed}: read {off}+{len}");
        }
        s.close(fid).unwrap();
        let given =
            s.p.fs
                .later_given
                .load(std::sync::atomic::Ordering::Relaxed);
        if signed {
            assert_eq!(given, 0, "seed {seed}: no later bytes when signing");
        } else {
            assert!(given >= 4, "seed {seed}: {given} later reads");
        }
    }
}

/// Several operations in flight at once on different files, answered in any order.
#[test]
fn concurrent_operations_complete_independently() {
    for seed in 0..20u64 {
        let fs = MemFs::new();
        for i in 0..4 {
            fs.put(&format!("f{i}"), &pattern(5000 + i * 777, i as u64));
        }
        let mut s = S::new(seed, SimOptions::default(), small_chunks(), fs);
        let fids: Vec<FileId> = (0..4)
            .map(|i| s.open(&format!("f{i}"), OpenOptions::read()).unwrap())
            .collect();
        let t = s.tree;
        let now = s.p.now;
        let ids: Vec<RequestId> = fids
            .iter()
            .map(|&f| s.p.client.read(now, t, f, 0, 1 << 20).id())
            .collect();
        let stat = s.p.client.stat(now, t, "f2");
        let echo = s.p.client.echo(now, Bytes::from_static(b"ping"));
        for (i, id) in ids.into_iter().enumerate().rev() {
            let Reply::Read(d) = s.p.wait(id).unwrap() else {
                panic!()
            };
            assert!(
                d.to_vec() == pattern(5000 + i * 777, i as u64),
                "seed {seed} file {i}"
            );
        }
        let Reply::Stat(st) = s.p.wait(stat).unwrap() else {
            panic!()
        };
        assert_eq!(st.size, 5000 + 2 * 777);
        assert_eq!(
            s.p.wait(echo).unwrap(),
            Reply::Echo(Bytes::from_static(b"ping"))
        );
    }
}

/// A failing file operation fails its request only; the connection goes on.
#[test]
fn failing_file_operations_fail_only_their_request() {
    fn fail_writes_at_4000(c: &FsCall, _n: u64) -> Option<NtStatus> {
        match c {
            FsCall::Write { offset, .. } if *offset == 4500 => Some(NtStatus::DISK_FULL),
            FsCall::Rename { .. } => Some(NtStatus::ACCESS_DENIED),
            _ => None,
        }
    }
    for seed in 0..10u64 {
        let fs = MemFs::new();
        fs.put("a.bin", &pattern(100, 3));
        let opts = SimOptions {
            fail_if: Some(fail_writes_at_4000),
            ..SimOptions::default()
        };
        let mut s = S::new(seed, opts, small_chunks(), fs);
        let fid = s.open("a.bin", OpenOptions::read_write()).unwrap();
        // 6000 bytes in chunks of 1500: the chunk at 4500 fails.
        let e = s.write(fid, 0, &pattern(6000, 4)).unwrap_err();
        assert_eq!(e.status(), Some(NtStatus::DISK_FULL), "seed {seed}");
        // The rest of the connection is fine.
        assert_eq!(s.write(fid, 0, &pattern(4000, 5)).unwrap(), 4000);
        assert!(s.read(fid, 0, 4000).unwrap() == pattern(4000, 5));
        let e = s
            .run(|p, t| p.client.rename(p.now, t, "a.bin", "b.bin"))
            .unwrap_err();
        assert_eq!(e.status(), Some(NtStatus::ACCESS_DENIED));
        s.close(fid).unwrap();
        assert!(s.p.fs.exists("a.bin") && !s.p.fs.exists("b.bin"));
        assert_eq!(
            s.run(|p, _| p.client.echo(p.now, Bytes::from_static(b"x")))
                .unwrap(),
            Reply::Echo(Bytes::from_static(b"x"))
        );
    }
}

/// A dropped connection fails every pending request; the server releases its handles.
#[test]
fn dropped_connection_fails_pending_requests() {
    for seed in 0..30u64 {
        let fs = MemFs::new();
        fs.put("big", &pattern(50_000, 9));
        let mut s = S::new(seed, SimOptions::default(), small_chunks(), fs);
        let fid = s.open("big", OpenOptions::read()).unwrap();
        let now = s.p.now;
        let t = s.tree;
        let a = s.p.client.read(now, t, fid, 0, 50_000);
        let b = s.p.client.stat(now, t, "big");
        for _ in 0..(seed % 7) {
            s.p.step();
        }
        s.p.drop_connection();
        s.p.drain_fs();
        for id in [a.id(), b.id()] {
            // Either it made it before the cut or it fails with a connection error.
            match s.p.wait(id) {
                Ok(_) => {}
                Err(SmbError::Connection(_)) => {}
                Err(e) => panic!("seed {seed}: {e:?}"),
            }
        }
        assert_eq!(
            s.p.fs.open_handles(),
            0,
            "seed {seed}: the server closed the handle"
        );
        assert!(s.p.client.is_closed());
    }
}

/// The seeded simulation: random workloads on a few files, random stream cuts, reordered
/// and failing file operations, sometimes a dropped connection. Invariants: no panic,
/// every request finishes, and what the server holds equals the model.
#[test]
fn simulation_1000_seeds() {
    let seeds: u64 = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    for seed in 0..seeds {
        simulate(seed);
    }
}

fn simulate(seed: u64) {
    let mut r = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut next = move |n: u64| {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        r % n.max(1)
    };
    let failing = next(3) == 0;
    let opts = SimOptions {
        split: next(4) != 0,
        reorder_fs: next(2) == 0,
        delay_fs: next(2) == 0,
        fail_per_mille: if failing { 30 } else { 0 },
        fail_if: None,
    };
    let mut fs = MemFs::new();
    // Half the seeds answer reads as a sendfile host would (bytes written by the host).
    fs.later_reads = next(2) == 0;
    let mut model: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
    for i in 0..3 {
        let d = pattern(next(9000) as usize, seed + i);
        fs.put(&format!("f{i}"), &d);
        model.insert(format!("f{i}"), Some(d));
    }
    let mut p = Pair::new(
        seed,
        opts,
        small_chunks(),
        server_config(),
        std::sync::Arc::new(fs),
    );
    let id = p.client.connect(p.now);
    let Ok(_) = p.wait(id) else {
        // Only an injected failure may stop the logon (no file operations are involved).
        panic!("seed {seed}: logon failed");
    };
    let id = p.client.tree_connect(p.now, "share");
    let Ok(Reply::Tree(t)) = p.wait(id) else {
        panic!("seed {seed}: tree connect failed")
    };
    let drop_at = if next(10) == 0 { Some(next(40)) } else { None };
    let mut open: BTreeMap<String, FileId> = BTreeMap::new();
    for step in 0..40u64 {
        if drop_at == Some(step) {
            p.drop_connection();
            p.drain_fs();
            let id = p.client.echo(p.now, Bytes::from_static(b"after"));
            assert!(
                matches!(p.wait(id), Err(SmbError::Connection(_))),
                "seed {seed}: requests after a drop fail"
            );
            assert_eq!(
                p.fs.open_handles(),
                0,
                "seed {seed}: handles released after the drop"
            );
            return;
        }
        let name = format!("f{}", next(3));
        let known = model.get(&name).cloned().flatten();
        match next(7) {
            0 | 1 => {
                // Write a random range (through an open handle, opened on demand).
                let fid = match open.get(&name) {
                    Some(f) => *f,
                    None => {
                        let id = p
                            .client
                            .open(p.now, t, &name, OpenOptions::create_or_open());
                        match p.wait(id) {
                            Ok(Reply::Opened(o)) => {
                                if o.action != smb_proto::client::CreateAction::Opened {
                                    model.insert(name.clone(), Some(Vec::new()));
                                }
                                open.insert(name.clone(), o.fid);
                                o.fid
                            }
                            Ok(r) => panic!("seed {seed}: {r:?}"),
                            Err(e) => {
                                assert!(failing, "seed {seed}: open failed: {e:?}");
                                continue;
                            }
                        }
                    }
                };
                let off = next(10_000);
                let data = pattern(next(6000) as usize, seed * 1000 + step);
                let id = p
                    .client
                    .write(p.now, t, fid, off, Bytes::from(data.clone()));
                match p.wait(id) {
                    Ok(Reply::Written(n)) => {
                        assert_eq!(n, data.len() as u64, "seed {seed}");
                        if let Some(Some(m)) = model.get_mut(&name) {
                            let end = off as usize + data.len();
                            if !data.is_empty() && m.len() < end {
                                m.resize(end, 0);
                            }
                            m[off as usize..off as usize + data.len()].copy_from_slice(&data);
                        }
                    }
                    Ok(r) => panic!("seed {seed}: {r:?}"),
                    Err(e) => {
                        assert!(failing, "seed {seed}: write failed: {e:?}");
                        // Part of it may be on the server: the content is unknown now.
                        model.insert(name.clone(), None);
                    }
                }
            }
            2 | 3 => {
                // Read the whole file and compare with the model.
                let id = p.client.open(p.now, t, &name, OpenOptions::read());
                match p.wait(id) {
                    Ok(Reply::Opened(o)) => {
                        let id = p.client.read(p.now, t, o.fid, 0, 1 << 20);
                        match p.wait(id) {
                            Ok(Reply::Read(d)) => {
                                if let Some(m) = &known {
                                    assert!(
                                        d.to_vec() == *m,
                                        "seed {seed} step {step}: {name} differs from the model"
                                    );
                                } else if !failing {
                                    // Unknown content only comes from injected failures.
                                    panic!("seed {seed}: unknown content without failures");
                                }
                            }
                            Ok(r) => panic!("seed {seed}: {r:?}"),
                            Err(e) => assert!(failing, "seed {seed}: read failed: {e:?}"),
                        }
                        let id = p.client.close(p.now, t, o.fid);
                        let _ = p.wait(id);
                    }
                    Ok(r) => panic!("seed {seed}: {r:?}"),
                    Err(e) => {
                        let missing = !model.contains_key(&name);
                        assert!(
                            failing || (missing && e.is_not_found()),
                            "seed {seed}: open failed: {e:?}"
                        );
                    }
                }
            }
            4 => {
                // Close the handle if open.
                if let Some(fid) = open.remove(&name) {
                    let id = p.client.close(p.now, t, fid);
                    let _ = p.wait(id);
                }
            }
            5 => {
                // Stat: the size matches the model.
                let id = p.client.stat(p.now, t, &name);
                match p.wait(id) {
                    Ok(Reply::Stat(s)) => {
                        if let Some(m) = &known {
                            assert_eq!(
                                s.size,
                                m.len() as u64,
                                "seed {seed} step {step}: size of {name}"
                            );
                        }
                    }
                    Ok(r) => panic!("seed {seed}: {r:?}"),
                    Err(e) => assert!(
                        failing || (e.is_not_found() && !model.contains_key(&name)),
                        "seed {seed}: stat failed: {e:?}"
                    ),
                }
            }
            _ => {
                // Listing: every file of the model is there.
                let id = p.client.list(p.now, t, "*");
                match p.wait(id) {
                    Ok(Reply::Dir(v)) => {
                        for n in model.keys() {
                            assert!(
                                v.iter().any(|s| &s.name == n),
                                "seed {seed}: {n} missing from the listing"
                            );
                        }
                    }
                    Ok(r) => panic!("seed {seed}: {r:?}"),
                    Err(e) => assert!(failing, "seed {seed}: list failed: {e:?}"),
                }
            }
        }
    }
    // Close everything; the server holds exactly the model.
    for (_, fid) in std::mem::take(&mut open) {
        let id = p.client.close(p.now, t, fid);
        let _ = p.wait(id);
    }
    p.settle();
    for (name, m) in &model {
        if let Some(m) = m {
            assert!(
                p.fs.get(name).as_ref() == Some(m),
                "seed {seed}: {name} on the server differs from the model"
            );
        }
    }
    assert_eq!(p.fs.open_handles(), 0, "seed {seed}: handles left open");
}

/// The fuzz target `server` starts from a recorded handshake: replayed to a fresh server,
/// it must reach the same state (a session, a tree and one open file).
#[test]
fn recorded_handshake_replays_to_an_open_file() {
    let mut p = Pair::new(
        0,
        smb_proto::testing::pair::in_order(),
        client_config(),
        server_config(),
        std::sync::Arc::new(smb_proto::testing::pair::fixture()),
    );
    p.feed_server(smb_proto::testing::fuzz::handshake_prefix());
    assert_eq!(p.fs.open_handles(), 1);
}

/// Regression (found by the `server` fuzz target): the connection ends while the host is
/// still opening a file, or while a request had taken a file out of the table to close
/// it. The server must still close every handle the host hands back.
#[test]
fn handles_opened_after_the_connection_ended_are_closed() {
    for seed in 0..20u64 {
        let opts = SimOptions {
            split: false,
            reorder_fs: false,
            delay_fs: false,
            ..SimOptions::default()
        };
        let fs = MemFs::new();
        fs.put("f.bin", b"data");
        let mut s = S::new(seed, opts, client_config(), fs);
        let t = s.tree;
        let now = s.p.now;
        let _open = s.p.client.open(now, t, "f.bin", OpenOptions::read());
        while s.p.pending_fs() == 0 {
            assert!(s.p.step());
        }
        s.p.drop_connection();
        s.p.drain_fs();
        assert_eq!(
            s.p.fs.open_handles(),
            0,
            "seed {seed}: the late open was closed"
        );
        assert!(s.p.server.is_finished());
        // And with a close in progress when the connection ends.
        let fs = MemFs::new();
        fs.put("f.bin", b"data");
        let mut s = S::new(seed, opts, client_config(), fs);
        let fid = s.open("f.bin", OpenOptions::read()).unwrap();
        let now = s.p.now;
        let _close = s.p.client.close(now, s.tree, fid);
        while s.p.pending_fs() == 0 {
            assert!(s.p.step());
        }
        s.p.drop_connection();
        s.p.drain_fs();
        assert_eq!(
            s.p.fs.open_handles(),
            0,
            "seed {seed}: the close went through"
        );
        assert!(s.p.server.is_finished());
    }
}

/// Closes the client asked for reach the host as such; the closes the server makes for
/// handles a vanished client left open are marked abandoned (an object store discards
/// their unfinished uploads).
#[test]
fn closes_for_a_vanished_client_are_marked_abandoned() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CLIENT_CLOSES: AtomicU64 = AtomicU64::new(0);
    static ABANDONED: AtomicU64 = AtomicU64::new(0);
    fn count_closes(c: &FsCall, _n: u64) -> Option<NtStatus> {
        if let FsCall::Close { abandoned, .. } = c {
            let n = if *abandoned {
                &ABANDONED
            } else {
                &CLIENT_CLOSES
            };
            n.fetch_add(1, Ordering::SeqCst);
        }
        None
    }
    let opts = SimOptions {
        fail_if: Some(count_closes),
        ..SimOptions::default()
    };
    let fs = MemFs::new();
    let mut s = S::new(7, opts, client_config(), fs);
    let kept = s.open("kept.bin", OpenOptions::create()).unwrap();
    s.write(kept, 0, b"closed by the client").unwrap();
    s.close(kept).unwrap();
    let left = s.open("left.bin", OpenOptions::create()).unwrap();
    s.write(left, 0, b"never closed").unwrap();
    assert_eq!(CLIENT_CLOSES.load(Ordering::SeqCst), 1);
    assert_eq!(ABANDONED.load(Ordering::SeqCst), 0);
    s.p.drop_connection();
    s.p.settle();
    assert_eq!(ABANDONED.load(Ordering::SeqCst), 1);
    assert_eq!(CLIENT_CLOSES.load(Ordering::SeqCst), 1);
    assert_eq!(s.p.fs.open_handles(), 0);
}
