//! Server limits, each with its config setting: sessions, trees, open files, searches,
//! frame size, idle, half-received frames (slowloris), logon time. A connection that
//! breaks a limit gets an error or is closed; the server stays consistent.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use smb_proto::auth::AuthMethod;
use smb_proto::client::{ClientConfig, OpenOptions, Reply, SmbError};
use smb_proto::server::ServerConfig;
use smb_proto::testing::pair::{client_config, fixture, in_order, server_config};
use smb_proto::testing::{MemFs, Pair};
use smb_proto::wire::NtStatus;

fn pair_with(f: impl FnOnce(&mut ServerConfig), client: ClientConfig) -> Pair {
    let mut c = server_config();
    f(&mut c);
    Pair::new(0, in_order(), client, c, Arc::new(fixture()))
}

fn frames(stream: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    let mut s = stream;
    while s.len() >= 4 {
        let len = (usize::from(s[1]) << 16) | (usize::from(s[2]) << 8) | usize::from(s[3]);
        v.push(&s[..4 + len]);
        s = &s[4 + len..];
    }
    v
}

fn status(frame: &[u8]) -> u32 {
    u32::from_le_bytes(frame[9..13].try_into().unwrap())
}

#[test]
fn sessions_per_connection() {
    // Record an anonymous, non-extended logon (one SESSION_SETUP without secrets), then
    // replay its SESSION_SETUP to a fresh server more times than allowed.
    let anon = ClientConfig {
        credentials: None,
        auth: AuthMethod::Ntlm,
        ..client_config()
    };
    let mut p = pair_with(|_| {}, anon.clone());
    let id = p.client.connect(p.now);
    p.wait(id).unwrap();
    let sent = p.client_bytes.clone();
    let f = frames(&sent);
    assert_eq!(f.len(), 2, "NEGOTIATE and one SESSION_SETUP");
    let mut q = pair_with(|c| c.limits.max_sessions = 3, anon);
    q.feed_server(f[0]);
    for _ in 0..4 {
        q.feed_server(f[1]);
    }
    let answers = frames(&q.server_bytes);
    let st: Vec<u32> = answers[1..].iter().map(|f| status(f)).collect();
    assert_eq!(st, vec![0, 0, 0, NtStatus::TOO_MANY_SESSIONS.0]);
}

#[test]
fn trees_files_and_searches_per_connection() {
    let mut p = pair_with(
        |c| {
            c.limits.max_trees = 2;
            c.limits.max_open_files = 3;
        },
        client_config(),
    );
    let id = p.client.connect(p.now);
    p.wait(id).unwrap();
    let mut trees = Vec::new();
    for i in 0..3 {
        let id = p.client.tree_connect(p.now, "share");
        match p.wait(id) {
            Ok(Reply::Tree(t)) => trees.push(t),
            Err(e) => {
                assert_eq!(i, 2);
                assert_eq!(e.status(), Some(NtStatus::INSUFFICIENT_RESOURCES));
            }
            Ok(r) => panic!("{r:?}"),
        }
    }
    assert_eq!(trees.len(), 2);
    let t = trees[0];
    let mut fids = Vec::new();
    for i in 0..4 {
        let id = p.client.open(p.now, t, "file.txt", OpenOptions::read());
        match p.wait(id) {
            Ok(Reply::Opened(o)) => fids.push(o.fid),
            Err(e) => {
                assert_eq!(i, 3);
                assert_eq!(e.status(), Some(NtStatus::TOO_MANY_OPENED_FILES));
            }
            Ok(r) => panic!("{r:?}"),
        }
    }
    assert_eq!(fids.len(), 3);
    // Closing one makes room again; the connection was never harmed.
    let id = p.client.close(p.now, t, fids[0]);
    p.wait(id).unwrap();
    let id = p.client.open(p.now, t, "file.txt", OpenOptions::read());
    assert!(matches!(p.wait(id), Ok(Reply::Opened(_))));
}

#[test]
fn searches_per_connection() {
    // Listings close their searches; with a limit of one search they all still work,
    // since none stays open.
    let mut p = pair_with(|c| c.limits.max_searches = 1, client_config());
    let id = p.client.connect(p.now);
    p.wait(id).unwrap();
    let id = p.client.tree_connect(p.now, "share");
    let Ok(Reply::Tree(t)) = p.wait(id) else {
        panic!()
    };
    for _ in 0..5 {
        let id = p.client.list(p.now, t, "dir\\*");
        let Ok(Reply::Dir(v)) = p.wait(id) else {
            panic!()
        };
        assert!(v.iter().any(|s| s.name == "inner.bin"));
    }
}

#[test]
fn searches_left_open_hit_the_limit() {
    // A raw FIND_FIRST2 without close flags, replayed: the second stays refused while the
    // first is open.
    let mut rec = pair_with(|_| {}, client_config());
    let id = rec.client.connect(rec.now);
    rec.wait(id).unwrap();
    let id = rec.client.tree_connect(rec.now, "share");
    let Ok(Reply::Tree(t)) = rec.wait(id) else {
        panic!()
    };
    let before = rec.client_bytes.len();
    let id = rec.client.list(rec.now, t, "*");
    rec.wait(id).unwrap();
    let setup = rec.client_bytes[..before].to_vec();
    let find = frames(&rec.client_bytes[before..])[0].to_vec();
    // Clear CLOSE_AT_EOS | CLOSE_AFTER_REQUEST in the FIND_FIRST2 parameters: find the
    // flags word after SearchAttributes and SearchCount in the parameter block.
    let po = usize::from(u16::from_le_bytes([find[4 + 53], find[4 + 54]]));
    let flags_at = 4 + po + 4;
    let mut open_find = find.clone();
    open_find[flags_at] &= !0x03;
    let mut q = pair_with(|c| c.limits.max_searches = 1, client_config());
    q.feed_server(&setup);
    let n0 = frames(&q.server_bytes).len();
    q.feed_server(&open_find);
    q.feed_server(&open_find);
    let answers = frames(&q.server_bytes);
    let st: Vec<u32> = answers[n0..].iter().map(|f| status(f)).collect();
    assert_eq!(st[0], 0, "the first search is open");
    assert_ne!(st[1], 0, "the second is refused");
}

#[test]
fn oversized_frame_closes_at_once() {
    let mut p = pair_with(|c| c.limits.max_frame = 64 * 1024, client_config());
    // A direct-TCP header announcing 1 MiB: closed before any of it is buffered.
    p.feed_server(&[0x00, 0x10, 0x00, 0x00, 0xFF, b'S', b'M', b'B']);
    p.serve_all();
    assert!(p.server.is_closing() || p.server.is_finished());
    assert!(!p.server.wants_input());
}

#[test]
fn idle_connections_are_closed() {
    let mut p = pair_with(
        |c| c.limits.idle_timeout = Duration::from_secs(60),
        client_config(),
    );
    let id = p.client.connect(p.now);
    p.wait(id).unwrap();
    p.skip(Duration::from_secs(30));
    let id = p.client.echo(p.now, Bytes::from_static(b"x"));
    assert!(p.wait(id).is_ok(), "30 s idle is fine");
    p.skip(Duration::from_secs(61));
    p.serve_all();
    assert!(
        p.server.is_finished() || p.server.is_closing(),
        "closed after the idle timeout"
    );
}

#[test]
fn half_received_frames_time_out() {
    let mut p = pair_with(
        |c| c.limits.frame_timeout = Duration::from_secs(10),
        client_config(),
    );
    // Four bytes of a 100-byte frame, then nothing (slowloris).
    p.feed_server(&[0x00, 0x00, 0x00, 100, 0xFF, b'S']);
    p.skip(Duration::from_secs(11));
    p.serve_all();
    assert!(p.server.is_finished() || p.server.is_closing());
}

#[test]
fn logon_must_happen_in_time() {
    let mut p = pair_with(
        |c| c.limits.login_timeout = Duration::from_secs(20),
        client_config(),
    );
    // Nothing at all is sent.
    p.skip(Duration::from_secs(21));
    p.serve_all();
    assert!(p.server.is_finished() || p.server.is_closing());
}

#[test]
fn writes_are_bounded_by_the_backend() {
    // The in-memory backend refuses files above its size: the client sees DISK_FULL and
    // the connection goes on.
    let mut fs = MemFs::new();
    fs.max_file_size = 10_000;
    let mut p = Pair::new(
        0,
        in_order(),
        client_config(),
        server_config(),
        Arc::new(fs),
    );
    let id = p.client.connect(p.now);
    p.wait(id).unwrap();
    let id = p.client.tree_connect(p.now, "share");
    let Ok(Reply::Tree(t)) = p.wait(id) else {
        panic!()
    };
    let id = p.client.open(p.now, t, "x", OpenOptions::create());
    let Ok(Reply::Opened(o)) = p.wait(id) else {
        panic!()
    };
    let id = p
        .client
        .write(p.now, t, o.fid, 9000, Bytes::from(vec![1u8; 5000]));
    let e: SmbError = p.wait(id).unwrap_err();
    assert_eq!(e.status(), Some(NtStatus::DISK_FULL));
    let id = p.client.echo(p.now, Bytes::from_static(b"ok"));
    assert!(p.wait(id).is_ok());
}
