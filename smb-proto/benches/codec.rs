//! Codec and authentication micro-benchmarks (divan): decode and encode of READ_ANDX and
//! WRITE_ANDX requests and responses (64 KiB payloads), a FIND_FIRST2 response of 100
//! entries, and the server's NTLMv2 check. Run with `cargo bench -p smb-proto`; divan
//! prints the time per message and the messages per second.
//!
//! The frames are real: recorded from a client and a server core talking in memory.

use std::sync::OnceLock;

use bytes::Bytes;
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use smb_proto::auth::{AuthMethod, AuthPolicy, Credentials, MemoryAccounts, NtlmClient};
use smb_proto::client::{OpenOptions, Reply};
use smb_proto::rng::Rng;
use smb_proto::testing::pair::{client_config, fixture, in_order, server_config};
use smb_proto::testing::{MemFs, Pair};
use smb_proto::wire::{Command, Message, Request, Response};

fn main() {
    divan::main();
}

struct Frames {
    read_req: Bytes,
    read_resp: Bytes,
    write_req: Bytes,
    write_resp: Bytes,
    find_resp: Bytes,
}

fn frames_of(stream: &[u8]) -> Vec<Bytes> {
    let mut v = Vec::new();
    let mut s = stream;
    while s.len() >= 4 {
        let len = (usize::from(s[1]) << 16) | (usize::from(s[2]) << 8) | usize::from(s[3]);
        v.push(Bytes::copy_from_slice(&s[4..4 + len]));
        s = &s[4 + len..];
    }
    v
}

fn frames() -> &'static Frames {
    static F: OnceLock<Frames> = OnceLock::new();
    F.get_or_init(|| {
        let fs: MemFs = fixture();
        fs.put("big.bin", &vec![7u8; 64 * 1024]);
        for i in 0..100 {
            fs.put(&format!("list/entry-{i:03}.txt"), b"x");
        }
        let mut p = Pair::new(
            0,
            in_order(),
            client_config(),
            server_config(),
            std::sync::Arc::new(fs),
        );
        let id = p.client.connect(p.now);
        p.wait(id).unwrap();
        let id = p.client.tree_connect(p.now, "share");
        let Ok(Reply::Tree(t)) = p.wait(id) else {
            panic!()
        };
        let id = p
            .client
            .open(p.now, t, "big.bin", OpenOptions::read_write());
        let Ok(Reply::Opened(o)) = p.wait(id) else {
            panic!()
        };
        let (c0, s0) = (p.client_bytes.len(), p.server_bytes.len());
        let id = p.client.read(p.now, t, o.fid, 0, 60 * 1024);
        p.wait(id).unwrap();
        let id = p
            .client
            .write(p.now, t, o.fid, 0, Bytes::from(vec![9u8; 60 * 1024]));
        p.wait(id).unwrap();
        let id = p.client.list(p.now, t, "list\\*");
        p.wait(id).unwrap();
        let cf = frames_of(&p.client_bytes[c0..]);
        let sf = frames_of(&p.server_bytes[s0..]);
        let pick = |v: &[Bytes], c: Command| v.iter().find(|f| f[4] == c.0).cloned().unwrap();
        Frames {
            read_req: pick(&cf, Command::READ_ANDX),
            read_resp: pick(&sf, Command::READ_ANDX),
            write_req: pick(&cf, Command::WRITE_ANDX),
            write_resp: pick(&sf, Command::WRITE_ANDX),
            find_resp: pick(&sf, Command::TRANSACTION2),
        }
    })
}

#[divan::bench(args = ["read_andx", "write_andx"])]
fn decode_request(b: Bencher<'_, '_>, which: &str) {
    let f = frames();
    let m = if which == "read_andx" {
        &f.read_req
    } else {
        &f.write_req
    };
    b.counter(ItemsCount::new(1usize))
        .bench(|| Message::<Request>::decode(black_box(m)).unwrap());
}

#[divan::bench(args = ["read_andx", "write_andx", "find_first2_100"])]
fn decode_response(b: Bencher<'_, '_>, which: &str) {
    let f = frames();
    let m = match which {
        "read_andx" => &f.read_resp,
        "write_andx" => &f.write_resp,
        _ => &f.find_resp,
    };
    b.counter(ItemsCount::new(1usize))
        .bench(|| Message::<Response>::decode(black_box(m)).unwrap());
}

#[divan::bench(args = ["read_andx", "write_andx"])]
fn encode_request(b: Bencher<'_, '_>, which: &str) {
    let f = frames();
    let m = Message::<Request>::decode(if which == "read_andx" {
        &f.read_req
    } else {
        &f.write_req
    })
    .unwrap();
    b.counter(ItemsCount::new(1usize))
        .bench(|| black_box(&m).encode_framed(smb_proto::wire::Transport::Direct));
}

#[divan::bench(args = ["read_andx", "write_andx", "find_first2_100"])]
fn encode_response(b: Bencher<'_, '_>, which: &str) {
    let f = frames();
    let m = Message::<Response>::decode(match which {
        "read_andx" => &f.read_resp,
        "write_andx" => &f.write_resp,
        _ => &f.find_resp,
    })
    .unwrap();
    b.counter(ItemsCount::new(1usize))
        .bench(|| black_box(&m).encode_framed(smb_proto::wire::Transport::Direct));
}

#[divan::bench]
fn ntlmv2_check(b: Bencher<'_, '_>) {
    let mut accounts = MemoryAccounts::new();
    accounts.add("alice", "secret");
    let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
    let mut c = NtlmClient::new(
        Some(Credentials::new("alice", "", "secret")),
        AuthMethod::Ntlmv2,
        "WS",
    );
    let mut rng = Rng::from_seed([3; 32]);
    let f = c
        .password_fields(&challenge, 133_485_408_000_000_000, &mut rng)
        .unwrap();
    let policy = AuthPolicy::default();
    b.counter(ItemsCount::new(1usize)).bench(|| {
        smb_proto::auth::server::verify_password_fields(
            &policy,
            &accounts,
            &challenge,
            "alice",
            "",
            black_box(&f.oem),
            black_box(&f.unicode),
        )
        .unwrap()
    });
}
