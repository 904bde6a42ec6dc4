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

fn fresh_server_pair(later_reads: bool) -> super::pair::Pair {
    use super::pair::{Pair, client_config, fixture, in_order, server_config};
    let mut fs = fixture();
    fs.later_reads = later_reads;
    Pair::new(
        0,
        in_order(),
        client_config(),
        server_config(),
        alloc::sync::Arc::new(fs),
    )
}

/// Target `server`: a whole server connection over an in-memory file system, fed
/// arbitrary client bytes. The first byte picks the chunk size and whether the bytes
/// follow a valid handshake (logon, tree connect, open) so that file operations are
/// reached; inputs of odd length answer reads as a sendfile host would ([`LaterRead`]s).
/// Afterwards the connection must wind down cleanly.
///
/// [`LaterRead`]: crate::LaterRead
pub fn server(data: &[u8]) {
    server_traced(data, None);
}

/// [`server`] with a trace of every file-system request (for debugging a crash).
pub fn server_traced(
    data: &[u8],
    trace: Option<fn(&crate::server::fs::FsRequest, &crate::server::fs::FsResult<bytes::Bytes>)>,
) {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let mut p = fresh_server_pair(rest.len() % 2 == 1);
    p.trace = trace;
    if ctl & 1 == 1 {
        p.feed_server(handshake_prefix());
    }
    let chunk = 1 + usize::from(ctl >> 1) * 97;
    for piece in rest.chunks(chunk) {
        p.feed_server(piece);
    }
    p.skip(core::time::Duration::from_secs(3600));
    p.serve_all();
    p.server.handle_eof(p.now);
    p.serve_all();
    assert!(
        p.server.is_finished(),
        "the server connection did not finish after end of stream"
    );
    assert_eq!(
        p.fs.open_handles(),
        0,
        "handles left open after the connection ended"
    );
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
/// with and without the handshake prefix, and raw requests on named pipes.
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
    let mut seeds = alloc::vec![with_prefix, whole, small];
    for max in [Protocol::Lanman1, Protocol::Lanman2] {
        let mut seed = alloc::vec![0x00u8];
        seed.extend_from_slice(&lanman_session(max));
        seeds.push(seed);
    }
    // Named pipes last.
    seeds.push(pipe_seed());
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
