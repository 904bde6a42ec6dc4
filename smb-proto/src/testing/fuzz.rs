//! The bodies of the fuzz targets, as plain functions so the corpora can be replayed by
//! ordinary tests. Each panics only when an invariant breaks.

use bytes::Bytes;

use crate::auth::ntlmssp::{AuthenticateMessage, AvPairs, ChallengeMessage, NegotiateMessage};
use crate::auth::{
    AuthMethod, AuthPolicy, MemoryAccounts, NtlmClient, NtlmServer, ServerNames, spnego,
};
use crate::wire::dialect::Protocol;
use crate::wire::{Deframer, Message, MessageBody, NbssPacket, Request, Response, Transport};

fn check<B: MessageBody + core::fmt::Debug>(m: &Bytes) {
    if let Ok(msg) = Message::<B>::decode(m) {
        let enc = msg.encode();
        let again = match Message::<B>::decode(&enc) {
            Ok(a) => a,
            Err(e) => panic!("re-encoded message does not decode: {e}: {msg:?}"),
        };
        assert_eq!(again.encode(), enc, "encoding is not stable");
    }
}

/// Target `decode`: the first byte picks the transport and a chunk size; the rest is a byte
/// stream for the deframer, whose frames decode as requests and responses; whatever
/// decodes re-encodes to something that decodes and re-encodes identically.
pub fn decode(data: &[u8]) {
    let Some((&ctl, stream)) = data.split_first() else {
        return;
    };
    let transport = if ctl & 1 == 0 {
        Transport::Direct
    } else {
        Transport::Netbios
    };
    let chunk = 1 + (ctl >> 1) as usize;
    let mut d = Deframer::new(transport, 1 << 17);
    'outer: for piece in stream.chunks(chunk) {
        d.push(piece);
        loop {
            match d.next_packet() {
                Ok(Some(NbssPacket::Message(m))) => {
                    check::<Request>(&m);
                    check::<Response>(&m);
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => break 'outer,
            }
        }
    }
    let whole = Bytes::copy_from_slice(stream);
    check::<Request>(&whole);
    check::<Response>(&whole);
    rap_servers(&whole);
}

/// The NetServerEnum2 decoders on the same bytes: a request that decodes re-encodes to
/// itself; a response's parameters are its first 8 bytes, its data the rest.
fn rap_servers(b: &Bytes) {
    use crate::wire::msg::rap_servers::{ServerEnumRequest, decode_server_enum};
    if let Ok(r) = ServerEnumRequest::decode(b) {
        assert_eq!(ServerEnumRequest::decode(&r.encode()), Ok(r));
    }
    let split = b.len().min(8);
    for level in 0..2 {
        let _ = decode_server_enum(level, &b.slice(..split), &b.slice(split..));
    }
}

/// Target `auth`: NTLMSSP and SPNEGO decoders, and the server's accept path as a first leg
/// and as a second leg after a valid first one.
pub fn auth(data: &[u8]) {
    let b = Bytes::copy_from_slice(data);
    let _ = spnego::decode(data);
    if let Ok(m) = NegotiateMessage::decode(&b) {
        NegotiateMessage::decode(&Bytes::from(m.encode())).expect("re-encoded NEGOTIATE decodes");
    }
    if let Ok(m) = ChallengeMessage::decode(&b) {
        ChallengeMessage::decode(&Bytes::from(m.encode())).expect("re-encoded CHALLENGE decodes");
    }
    if let Ok(m) = AuthenticateMessage::decode(&b) {
        AuthenticateMessage::decode(&Bytes::from(m.encode()))
            .expect("re-encoded AUTHENTICATE decodes");
    }
    let _ = AvPairs::decode(data);
    let mut store = MemoryAccounts::new();
    store.add("user", "password");
    let policy = AuthPolicy {
        allow_ntlmv1: true,
        allow_lm: true,
        allow_guest: data.first() == Some(&0),
    };
    let mut s = NtlmServer::new([1; 8], 0, ServerNames::default());
    let _ = s.step(data, &policy, &store);
    let mut s = NtlmServer::new([1; 8], 0, ServerNames::default());
    let mut c = NtlmClient::new(None, AuthMethod::Ntlmssp, "C");
    let _ = s.step(&c.initial_token(), &policy, &store);
    let _ = s.step(data, &policy, &store);
    // The client side on arbitrary server tokens.
    let mut c = NtlmClient::new(
        Some(crate::auth::Credentials::new("user", "D", "password")),
        AuthMethod::Ntlmssp,
        "C",
    );
    let _ = c.initial_token();
    let _ = c.authenticate_token(data, 0, &mut crate::rng::Rng::from_seed([0; 32]));
    let _ = c.finish(data);
}

/// What a client sent to reach a session with a tree and an open file (see
/// [`pair::session`](super::pair::session)); replayed to a fresh server built the same
/// way, it reaches the same state.
pub fn handshake_prefix() -> &'static [u8] {
    static PREFIX: spin::Once<alloc::vec::Vec<u8>> = spin::Once::new();
    PREFIX.call_once(|| super::pair::session().0.client_bytes)
}

/// A fuzzed server connection, and another connection of the same server (a hub's
/// client) that holds `file.txt` with a batch oplock and waits for any change in the
/// share: what the fuzzed connection does breaks the oplock and answers the pending
/// change notification.
pub(super) fn fresh_server_pair(later_reads: bool) -> (super::pair::Pair, super::hub::Hub, Side) {
    use super::hub::{Hub, created, notify, nt_create, open_dir};
    use super::pair::{Pair, client_config, fixture, in_order, server_config};
    use crate::wire::consts::{access, disposition, share};
    use crate::wire::msg::nt_create::{NT_CREATE_REQUEST_OPBATCH, NT_CREATE_REQUEST_OPLOCK};
    let mut fs = fixture();
    fs.later_reads = later_reads;
    let fs = alloc::sync::Arc::new(fs);
    let shared = crate::server::SharedState::new();
    let mut hub = Hub::with_shared(server_config(), fs.clone(), shared.clone());
    let c = hub.connect(true);
    let batch = NT_CREATE_REQUEST_OPLOCK | NT_CREATE_REQUEST_OPBATCH;
    let all = share::READ | share::WRITE | share::DELETE;
    let held = hub.call(
        c,
        nt_create(
            "file.txt",
            access::FILE_ALL_ACCESS,
            all,
            disposition::OPEN,
            batch,
        ),
    );
    assert_eq!(created(&held).1, crate::wire::consts::oplock::BATCH);
    let (root, _) = created(&hub.call(c, open_dir("")));
    let watch = hub.send(
        c,
        notify(root, crate::server::notify::filter::ALL, true, 4096),
    );
    let pair = Pair::with_shared(0, in_order(), client_config(), server_config(), fs, shared);
    let side = Side {
        client: c,
        watch,
        breaks: Default::default(),
        notified: Default::default(),
    };
    (pair, hub, side)
}

/// The other connection's client and the MID of its change-notify request.
pub(super) struct Side {
    client: usize,
    watch: u16,
    breaks: core::cell::Cell<usize>,
    notified: core::cell::Cell<bool>,
}

/// What a run of the `server` target reached across connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrossReach {
    /// Oplock breaks the other connection received.
    pub breaks: usize,
    /// Its change-notify request was answered with changes.
    pub notified: bool,
}

/// How the other connection answers breaks.
#[derive(Clone, Copy)]
pub(super) enum Answer {
    Ack,
    Close,
    Ignore,
}

/// Lets the other connection answer what it received; runs until both settle.
pub(super) fn settle(
    p: &mut super::pair::Pair,
    hub: &mut super::hub::Hub,
    side: &Side,
    answer: Answer,
) {
    use crate::wire::msg::CloseRequest;
    for _ in 0..4 {
        hub.run();
        let breaks = hub.breaks(side.client);
        side.breaks.set(side.breaks.get() + breaks.len());
        if let Some(m) = hub.response(side.client, side.watch) {
            side.notified
                .set(side.notified.get() || !super::raw::notify_records(&m).is_empty());
        }
        for b in breaks {
            match answer {
                Answer::Ack => {
                    hub.send(side.client, super::hub::oplock_ack(b.fid, b.level));
                }
                Answer::Close => {
                    hub.send(
                        side.client,
                        CloseRequest {
                            fid: b.fid,
                            last_time_modified: 0,
                        },
                    );
                }
                Answer::Ignore => {}
            }
        }
        p.serve_all();
    }
}

/// Target `server`: a whole server connection over an in-memory file system, fed
/// arbitrary client bytes, beside another connection of the same server that holds an
/// oplock and a pending change notification. The first byte picks whether the bytes
/// follow a valid handshake (logon, tree connect, open) so that file operations are
/// reached (bit 0), the chunk size (bits 1-5) and how the other connection answers oplock
/// breaks (bits 6-7: acknowledge, close, let them time out); inputs of odd length answer
/// reads as a sendfile host would ([`LaterRead`]s). Afterwards both connections must
/// wind down cleanly and leave nothing in the shared state.
///
/// [`LaterRead`]: crate::LaterRead
pub fn server(data: &[u8]) {
    server_traced(data, None);
}

/// [`server`], telling what it reached across connections (to check seeds with).
pub fn server_reach(data: &[u8]) -> CrossReach {
    server_traced(data, None)
}

/// [`server`] with a trace of every file-system request (for debugging a crash).
pub fn server_traced(
    data: &[u8],
    trace: Option<fn(&crate::server::fs::FsRequest, &crate::server::fs::FsResult<bytes::Bytes>)>,
) -> CrossReach {
    let Some((&ctl, rest)) = data.split_first() else {
        return CrossReach::default();
    };
    let (mut p, mut hub, side) = fresh_server_pair(rest.len() % 2 == 1);
    let answer = match ctl >> 6 {
        1 => Answer::Close,
        2 => Answer::Ignore,
        _ => Answer::Ack,
    };
    p.trace = trace;
    if ctl & 1 == 1 {
        p.feed_server(handshake_prefix());
        settle(&mut p, &mut hub, &side, answer);
    }
    let chunk = 1 + usize::from((ctl >> 1) & 0x1F) * 97;
    for piece in rest.chunks(chunk) {
        p.feed_server(piece);
        settle(&mut p, &mut hub, &side, answer);
    }
    p.skip(core::time::Duration::from_secs(3600));
    settle(&mut p, &mut hub, &side, answer);
    p.server.handle_eof(p.now);
    p.serve_all();
    settle(&mut p, &mut hub, &side, answer);
    assert!(
        p.server.is_finished(),
        "the server connection did not finish after end of stream"
    );
    // The host drops a finished connection; then the other one goes too, and nothing
    // may be left open or in the shared state (`Hub::finish` checks).
    drop(p);
    hub.finish();
    CrossReach {
        breaks: side.breaks.get(),
        notified: side.notified.get(),
    }
}

/// Target `client`: a logged-on client connection with several operations in flight
/// (a large read, a write, a listing, a stat, an echo, the share list over srvsvc) fed
/// arbitrary server bytes. Every
/// operation must finish (with a result or an error) once the stream ends.
pub fn client(data: &[u8]) {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let (mut p, ids) = client_with_operations();
    let chunk = 1 + usize::from(ctl) * 61;
    for piece in rest.chunks(chunk) {
        p.feed_client(piece);
    }
    p.client.handle_eof(p.now);
    p.feed_client(&[]);
    for id in ids {
        assert!(p.done.contains_key(&id), "operation {id:?} never finished");
    }
}

fn client_with_operations() -> (super::pair::Pair, alloc::vec::Vec<crate::client::RequestId>) {
    let (mut p, t, fid) = super::pair::session();
    let now = p.now;
    let ids = alloc::vec![
        p.client.read(now, t, fid, 0, 200_000).id(),
        p.client
            .write(now, t, fid, 5, Bytes::from_static(&[1u8; 5000]))
            .id(),
        p.client.list(now, t, "dir\\*").id(),
        p.client.stat(now, t, "dir\\inner.bin").id(),
        p.client.echo(now, Bytes::from_static(b"fuzz")).id(),
        p.client.shares(now).id(),
    ];
    (p, ids)
}

/// Seeds for `server`: the recorded client side of a session doing a bit of everything,
/// with and without the handshake prefix, the name and metadata requests of
/// [`names_seed`](super::names_seed), sessions of LANMAN1 and LANMAN2 clients, and raw
/// requests on named pipes (last).
pub fn server_seeds() -> alloc::vec::Vec<alloc::vec::Vec<u8>> {
    let (mut p, t, fid) = super::pair::session();
    let skip = p.client_bytes.len();
    let now = p.now;
    let ops = [
        p.client.read(now, t, fid, 0, 100).id(),
        p.client
            .write(now, t, fid, 3, Bytes::from_static(b"abc"))
            .id(),
        p.client.list(now, t, "*").id(),
        p.client.stat(now, t, "dir\\sub\\deep.txt").id(),
        p.client.mkdir(now, t, "newdir").id(),
        p.client
            .rename(now, t, "dir\\sub\\deep.txt", "newdir\\moved.txt")
            .id(),
        p.client.delete(now, t, "newdir\\moved.txt").id(),
        p.client.rmdir(now, t, "newdir").id(),
        p.client.fs_info(now, t).id(),
        p.client.shares(now).id(),
        p.client.close(now, t, fid).id(),
        p.client.logoff(now).id(),
    ];
    for id in ops {
        let _ = p.wait(id);
    }
    let after = p.client_bytes[skip..].to_vec();
    let mut with_prefix = alloc::vec![0x01u8];
    with_prefix.extend_from_slice(&after);
    let mut whole = alloc::vec![0x00u8];
    whole.extend_from_slice(&p.client_bytes);
    let mut small = alloc::vec![0x02u8];
    small.extend_from_slice(&p.client_bytes);
    let cross = cross_requests(&p.server_bytes[..]);
    let mut seeds = alloc::vec![with_prefix, whole, small];
    // The same requests after the handshake, with each way of answering breaks.
    for answer in [0x00u8, 0x40, 0x80] {
        let mut s = alloc::vec![0x01u8 | answer];
        s.extend_from_slice(&cross);
        seeds.push(s);
    }
    // Names and metadata: NT_RENAME, NT_TRANSACT CREATE with EAs, searches, RAP.
    let mut names = alloc::vec![0x01u8];
    names.extend(super::names_seed::names_requests(&client_after(
        &p.server_bytes[..],
    )));
    seeds.push(names);
    // Named pipes, the file semantics (DOS opens, positions, locks, sessions), then
    // sessions of pre-NT clients.
    seeds.push(pipe_seed());
    let mut s = alloc::vec![0x01u8];
    s.extend(super::fuzz_semantics::semantics_requests(&client_after(
        &p.server_bytes[..],
    )));
    seeds.push(s);
    // Sessions of pre-NT clients.
    for max in [Protocol::Lanman1, Protocol::Lanman2] {
        let mut seed = alloc::vec![0x00u8];
        seed.extend_from_slice(&lanman_session(max));
        seeds.push(seed);
    }
    seeds
}

/// What a client speaking nothing newer than `max` (a pre-NT dialect, LM logon) sends
/// for a session that lists, reads, writes, renames and deletes.
fn lanman_session(max: Protocol) -> alloc::vec::Vec<u8> {
    use super::pair::{Pair, client_config, fixture, in_order, server_config};
    use crate::client::{ClientConfig, OpenOptions};
    let config = ClientConfig {
        auth: crate::auth::AuthMethod::Lm,
        min_protocol: Protocol::Lanman1,
        max_protocol: max,
        ..client_config()
    };
    let mut p = Pair::new(
        0,
        in_order(),
        config,
        server_config(),
        alloc::sync::Arc::new(fixture()),
    );
    let id = p.client.connect(p.now);
    let _ = p.wait(id);
    let id = p.client.tree_connect(p.now, "share");
    let Ok(crate::client::Reply::Tree(t)) = p.wait(id) else {
        return p.client_bytes;
    };
    let now = p.now;
    let id = p.client.open(now, t, "file.txt", OpenOptions::read_write());
    if let Ok(crate::client::Reply::Opened(o)) = p.wait(id) {
        let ops = [
            p.client.read(now, t, o.fid, 0, 100).id(),
            p.client
                .write(now, t, o.fid, 3, Bytes::from_static(b"abc"))
                .id(),
            p.client.stat_file(now, t, o.fid).id(),
            p.client.close(now, t, o.fid).id(),
        ];
        for id in ops {
            let _ = p.wait(id);
        }
    }
    let ops = [
        p.client.list(now, t, "dir").id(),
        p.client.stat(now, t, "dir\\inner.bin").id(),
        p.client.mkdir(now, t, "newdir").id(),
        p.client
            .rename(now, t, "file.txt", "newdir\\moved.txt")
            .id(),
        p.client.delete(now, t, "newdir\\moved.txt").id(),
        p.client.rmdir(now, t, "newdir").id(),
        p.client.fs_info(now, t).id(),
        p.client.logoff(now).id(),
    ];
    for id in ops {
        let _ = p.wait(id);
    }
    p.client_bytes
}

/// A raw client with the UID and TID of the session that [`handshake_prefix`] set up
/// (whose server answers are `answers`).
pub(super) fn client_after(answers: &[u8]) -> super::raw::RawClient {
    let mut c = super::raw::RawClient::new(1, true);
    c.receive(answers);
    for r in core::mem::take(&mut c.inbox) {
        if let super::raw::Received::Response(m) = r {
            match m.body() {
                Response::SessionSetupAndX(_) => c.uid = m.header.uid,
                // The first tree is the share (a later one is IPC$, for the share list).
                Response::TreeConnectAndX(_) if c.tid == 0 => c.tid = m.header.tid,
                _ => {}
            }
        }
    }
    c
}

/// Requests that reach oplocks and change notification, for a connection that replayed
/// [`handshake_prefix`] (whose server answers are `answers`): a directory opened and
/// watched, `file.txt` opened with a batch oplock (breaking the other connection's) and
/// written to, a byte-range lock, the watch cancelled, the handles closed.
fn cross_requests(answers: &[u8]) -> alloc::vec::Vec<u8> {
    use super::raw::{RawClient, notify, nt_create, open_dir};
    use crate::wire::consts::{access, disposition, share};
    use crate::wire::msg::nt_create::{NT_CREATE_REQUEST_OPBATCH, NT_CREATE_REQUEST_OPLOCK};
    use crate::wire::msg::*;
    let mut c = client_after(answers);
    // The handshake's own open has FID 0x4000; these get the next ones.
    let (file, dir) = (0x4000u16, 0x4001u16);
    let mut out = alloc::vec::Vec::new();
    let mut push = |c: &mut RawClient, mid: u16, body: Request| out.extend(c.frame(mid, body));
    push(&mut c, 100, open_dir("dir").into());
    push(
        &mut c,
        101,
        notify(dir, crate::server::notify::filter::ALL, true, 1000).into(),
    );
    let batch = NT_CREATE_REQUEST_OPLOCK | NT_CREATE_REQUEST_OPBATCH;
    let rw = access::FILE_READ_DATA | access::FILE_WRITE_DATA;
    push(
        &mut c,
        102,
        nt_create(
            "file.txt",
            rw,
            share::READ | share::WRITE,
            disposition::OPEN,
            batch,
        )
        .into(),
    );
    push(
        &mut c,
        103,
        nt_create("dir\\new.txt", rw, share::READ, disposition::CREATE, batch).into(),
    );
    push(
        &mut c,
        104,
        WriteAndXRequest {
            fid: file,
            offset: 0,
            data: Bytes::from_static(b"changed"),
            ..Default::default()
        }
        .into(),
    );
    push(
        &mut c,
        105,
        LockingAndXRequest {
            fid: file,
            locks: alloc::vec![LockRange {
                pid: 1,
                offset: 0,
                length: 4,
                pad: 0
            }],
            ..Default::default()
        }
        .into(),
    );
    push(&mut c, 101, NtCancelRequest.into());
    push(
        &mut c,
        106,
        CloseRequest {
            fid: dir,
            last_time_modified: 0,
        }
        .into(),
    );
    out
}

/// A seed for `server` that drives named pipes with raw requests after the handshake
/// prefix: IPC$, NT_CREATE_ANDX and OPEN_ANDX of pipes, WRITE_ANDX (raw mode too),
/// READ_ANDX in pieces, TransactNmPipe, SetNmPipeState, CLOSE, a read left waiting.
fn pipe_seed() -> alloc::vec::Vec<u8> {
    use crate::rpc::client as rpc;
    use crate::wire::msg::*;
    use crate::wire::{Flags2, Header, Request};
    let (mut p, _, _) = super::pair::session();
    let last = |p: &super::pair::Pair| {
        let mut d = Deframer::new(Transport::Direct, 1 << 20);
        d.push(&p.server_bytes);
        let mut m = None;
        while let Ok(Some(NbssPacket::Message(b))) = d.next_packet() {
            m = Message::<Response>::decode(&b).ok();
        }
        m
    };
    let Some(uid) = last(&p).map(|m| m.header.uid) else {
        return alloc::vec::Vec::new();
    };
    let mut sent = alloc::vec![0x01u8];
    let mut mid = 500;
    let mut tid = 0;
    let mut send = |p: &mut super::pair::Pair, tid: u16, body: Request| {
        let h = Header {
            flags2: Flags2(Flags2::UNICODE | Flags2::NT_STATUS | Flags2::LONG_NAMES),
            tid,
            uid,
            mid,
            ..Default::default()
        };
        mid += 1;
        let (head, tail) = Message::new(h, body).encode_framed(Transport::Direct);
        let mut bytes = head.to_vec();
        bytes.extend_from_slice(tail.as_deref().unwrap_or(&[]));
        sent.extend_from_slice(&bytes);
        p.feed_server(&bytes);
        last(p)
    };
    let tc = TreeConnectAndXRequest {
        path: "\\\\X\\IPC$".into(),
        service: "?????".into(),
        password: Bytes::from_static(&[0]),
        ..Default::default()
    };
    if let Some(m) = send(&mut p, 0, tc.into()) {
        tid = m.header.tid;
    }
    let nt = NtCreateAndXRequest {
        file_name: "\\srvsvc".into(),
        desired_access: 0x2019F,
        share_access: 3,
        create_disposition: 1,
        ..Default::default()
    };
    let fid = match send(&mut p, tid, nt.into()).map(|m| m.blocks[0].body.clone()) {
        Some(Response::NtCreateAndX(r)) => r.fid,
        _ => 0,
    };
    let write = |fid: u16, data: alloc::vec::Vec<u8>, write_mode: u16| WriteAndXRequest {
        fid,
        write_mode,
        data: Bytes::from(data),
        ..Default::default()
    };
    send(&mut p, tid, write(fid, rpc::bind_srvsvc(1), 0).into());
    send(&mut p, tid, ReadAndXRequest::new(fid, 0, 24).into());
    send(&mut p, tid, ReadAndXRequest::new(fid, 0, 4280).into());
    let call = rpc::net_share_enum_all(2, "\\\\X");
    let trans = |fid: u16, setup: u16, data: alloc::vec::Vec<u8>| TransactionRequest {
        header: TransRequestHeader {
            total_data_count: data.len() as u16,
            max_data_count: 1024,
            setup: alloc::vec![setup, fid],
            ..Default::default()
        },
        name: "\\PIPE\\".into(),
        payload: TransPayload::new(Bytes::new(), Bytes::from(data)),
    };
    send(&mut p, tid, trans(fid, 0x26, call).into());
    send(&mut p, tid, trans(fid, 0x01, alloc::vec::Vec::new()).into());
    let open = OpenAndXRequest {
        access_mode: 0x42,
        open_mode: 1,
        file_name: "\\PIPE\\wkssvc".into(),
        ..Default::default()
    };
    let wks = match send(&mut p, tid, open.into()).map(|m| m.blocks[0].body.clone()) {
        Some(Response::OpenAndX(r)) => r.fid,
        _ => 0,
    };
    let bind = crate::rpc::client::bind(1, crate::rpc::uuid::WKSSVC);
    let mut raw = (bind.len() as u16).to_le_bytes().to_vec();
    raw.extend_from_slice(&bind);
    send(&mut p, tid, write(wks, raw, 0x000C).into());
    send(&mut p, tid, ReadAndXRequest::new(wks, 0, 4280).into());
    send(
        &mut p,
        tid,
        CloseRequest {
            fid,
            last_time_modified: 0,
        }
        .into(),
    );
    // A read on an empty pipe, left waiting when the stream ends.
    send(&mut p, tid, ReadAndXRequest::new(wks, 0, 100).into());
    sent
}

/// Seeds for `client`: the server's real answers to the operations in flight.
pub fn client_seeds() -> alloc::vec::Vec<alloc::vec::Vec<u8>> {
    let (mut p, ids) = client_with_operations();
    let skip = p.server_bytes.len();
    for id in ids {
        let _ = p.wait(id);
    }
    let answers = &p.server_bytes[skip..];
    let mut a = alloc::vec![0xFFu8];
    a.extend_from_slice(answers);
    let mut b = alloc::vec![0x00u8];
    b.extend_from_slice(answers);
    alloc::vec![a, b]
}

/// Target `rpc`: a pipe endpoint after a valid bind, fed arbitrary client bytes. The
/// first byte picks the interface (bit 0), the caller (bit 1) and the sizes of the
/// writes and reads (the other bits). Every answer must be a PDU that decodes, no longer
/// than the negotiated fragment size, read in pieces no larger than asked for; the
/// decoders must re-encode whatever they decode to something that decodes the same.
pub fn rpc(data: &[u8]) {
    use crate::rpc::pdu::Pdu;
    use crate::rpc::server::{Interface, MAX_FRAG, PipeEndpoint};
    use crate::rpc::{Caller, ServerInfo, ShareEntry};
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    if let Ok(p) = Pdu::decode(rest) {
        let again = Pdu::decode(&p.encode().expect("a decoded PDU encodes"));
        assert_eq!(again.as_ref(), Ok(&p), "re-encoded PDU differs");
    }
    let _ = crate::rpc::client::parse_share_enum_all(rest);
    let _ = crate::rpc::share_info::decode_share_ctr(&mut crate::rpc::ndr::NdrReader::new(rest));
    let wkssvc = ctl & 1 == 1;
    let caller = if ctl & 2 == 0 {
        Caller::Authenticated
    } else {
        Caller::Anonymous
    };
    let info = alloc::sync::Arc::new(ServerInfo::new(
        "FUZZ",
        "WORKGROUP",
        alloc::vec![ShareEntry::disk("share", "files"), ShareEntry::ipc("IPC")],
    ));
    let iface = if wkssvc {
        Interface::Wkssvc
    } else {
        Interface::Srvsvc
    };
    let mut ep = PipeEndpoint::new(iface, info, caller, 7);
    let now = crate::time::Now::new(crate::time::Instant::from_nanos(0), 133_485_408_000_000_000);
    let chunk = 1 + usize::from(ctl >> 2) * 37;
    let read_size = 1 + usize::from(ctl >> 3) * 211;
    let drain = |ep: &mut PipeEndpoint| {
        let mut pdu = alloc::vec::Vec::new();
        loop {
            let before = ep.pending();
            let r = ep.read(read_size);
            assert!(r.data.len() <= read_size, "read more than asked");
            assert_eq!(ep.pending(), before - r.data.len());
            if r.data.is_empty() {
                assert!(
                    before == 0 || read_size == 0,
                    "nothing read while bytes wait"
                );
                break;
            }
            pdu.extend_from_slice(&r.data);
            if !r.more {
                assert!(
                    pdu.len() <= usize::from(MAX_FRAG),
                    "answer longer than a fragment"
                );
                if let Err(e) = Pdu::decode(&pdu) {
                    panic!("the endpoint sent a PDU that does not decode: {e}");
                }
                pdu.clear();
            }
        }
    };
    let _ = ep.write(now, &crate::rpc::client::bind(1, iface.syntax()));
    drain(&mut ep);
    for piece in rest.chunks(chunk) {
        let _ = ep.write(now, piece);
        drain(&mut ep);
    }
}
