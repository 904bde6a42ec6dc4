//! Several clients, each with its own server connection, on one [`SharedState`] and one
//! [`MemFs`], on virtual time: what crosses connections (oplock breaks, change
//! notification) can be driven and checked here.
//!
//! The clients are raw: a [`Hub`] sends the requests a test builds (NT_CREATE_ANDX with
//! oplock flags, LOCKING_ANDX acknowledgements, NT_TRANSACT_NOTIFY_CHANGE, NT_CANCEL...)
//! and keeps everything the server sends, responses and break requests alike, for the
//! test to look at. Each connection registers a waker as a host would; the hub delivers
//! wake-ups only when they were woken ([`ServerConnection::poll_wake`]).

use alloc::sync::Arc;
use alloc::task::Wake;
use alloc::vec::Vec;
use bytes::Bytes;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Waker;
use core::time::Duration;

use crate::rng::Rng;
use crate::server::fs::{FileSystem, FsRequest};
use crate::server::{ServerConfig, ServerConnection, ServerEvent, SharedState};
use crate::time::{Instant, Now};
use crate::wire::msg::negotiate::{NT_LM_0_12, caps};
use crate::wire::msg::*;
use crate::wire::{
    Deframer, Flags2, Header, Message, NbssPacket, NtStatus, Request, Response, Transport,
};

use super::memfs::MemFs;

#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What a client received.
#[derive(Debug, Clone)]
pub enum Received {
    /// A response.
    Response(Message<Response>),
    /// A request from the server: an oplock break (LOCKING_ANDX, MID 0xFFFF).
    Request(Message<Request>),
}

/// An oplock break request a client received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    /// The FID.
    pub fid: u16,
    /// The level: `0` none, `1` level II.
    pub level: u8,
}

/// One client and its server connection.
pub struct Peer {
    /// The server connection.
    pub server: ServerConnection<Bytes>,
    flag: Arc<Flag>,
    waker: Waker,
    deframer: Deframer,
    pending_fs: Vec<FsRequest>,
    /// Everything received and not taken yet.
    pub inbox: Vec<Received>,
    /// The session's UID.
    pub uid: u16,
    /// The tree's TID.
    pub tid: u16,
    next_mid: u16,
    /// The client's capabilities (CAP_LEVEL_II_OPLOCKS or not).
    pub caps: u32,
    /// The connection was dropped.
    pub dropped: bool,
    /// Oplock breaks the server sent (events), for logging checks.
    pub break_events: usize,
}

/// The clients, the shared state and the files.
pub struct Hub {
    /// The state every connection shares.
    pub shared: SharedState,
    /// The files.
    pub fs: Arc<MemFs>,
    /// Virtual time.
    pub now: Now,
    /// The clients, by index.
    pub peers: Vec<Peer>,
    config: Arc<ServerConfig>,
    rng: Rng,
}

impl Hub {
    /// A hub over `fs` with `config`; no client yet.
    pub fn new(config: ServerConfig, fs: Arc<MemFs>) -> Self {
        Self {
            shared: SharedState::new(),
            fs,
            now: Now::new(Instant::from_nanos(1_000_000_000), 133_485_408_000_000_000),
            peers: Vec::new(),
            config: Arc::new(config),
            rng: Rng::from_seed([9; 32]),
        }
    }

    /// Connects a client, negotiates, logs on as guest and connects `share`; returns its
    /// index. `level2`: the client takes level II oplocks.
    pub fn connect(&mut self, level2: bool) -> usize {
        let flag = Arc::new(Flag::default());
        let seed: [u8; 32] = self.rng.bytes();
        let server = ServerConnection::new(
            self.config.clone(),
            self.shared.clone(),
            Transport::Direct,
            self.now,
            seed,
        );
        self.peers.push(Peer {
            server,
            waker: Waker::from(flag.clone()),
            flag,
            deframer: Deframer::new(Transport::Direct, 1 << 24),
            pending_fs: Vec::new(),
            inbox: Vec::new(),
            uid: 0,
            tid: 0,
            next_mid: 1,
            caps: caps::UNICODE
                | caps::NT_SMBS
                | caps::STATUS32
                | caps::LARGE_FILES
                | if level2 { caps::LEVEL_II_OPLOCKS } else { 0 },
            dropped: false,
            break_events: 0,
        });
        let p = self.peers.len() - 1;
        self.call(
            p,
            NegotiateRequest {
                dialects: alloc::vec![NT_LM_0_12.into()],
            },
        );
        let common = SessionSetupCommon {
            max_buffer_size: 16644,
            max_mpx_count: 50,
            capabilities: self.peers[p].caps,
            ..Default::default()
        };
        let r = self.call(
            p,
            SessionSetupAndXRequest::NtLm(SessionSetupNtLm {
                common,
                ..Default::default()
            }),
        );
        assert_eq!(r.header.nt_status(), NtStatus::SUCCESS, "guest logon");
        self.peers[p].uid = r.header.uid;
        let r = self.call(
            p,
            TreeConnectAndXRequest {
                flags: 0,
                password: Bytes::from_static(b"\0"),
                path: "\\\\SERVER\\SHARE".into(),
                service: "?????".into(),
            },
        );
        assert_eq!(r.header.nt_status(), NtStatus::SUCCESS, "tree connect");
        self.peers[p].tid = r.header.tid;
        p
    }

    /// Sends a request from client `p`; returns its MID (the response comes later).
    pub fn send(&mut self, p: usize, body: impl Into<Request>) -> u16 {
        let peer = &mut self.peers[p];
        let mid = peer.next_mid;
        peer.next_mid = peer.next_mid.wrapping_add(1).max(1);
        if peer.next_mid == 0xFFFF {
            peer.next_mid = 1;
        }
        self.send_mid(p, mid, body);
        mid
    }

    /// Sends a request with a chosen MID (NT_CANCEL names the request it cancels so).
    pub fn send_mid(&mut self, p: usize, mid: u16, body: impl Into<Request>) {
        let peer = &mut self.peers[p];
        let mut h = Header {
            flags2: Flags2(Flags2::UNICODE | Flags2::NT_STATUS | Flags2::LONG_NAMES),
            tid: peer.tid,
            uid: peer.uid,
            mid,
            ..Default::default()
        };
        h.set_pid(100 + p as u32);
        let (head, tail) = Message::new(h, body.into()).encode_framed(Transport::Direct);
        let mut bytes = head.to_vec();
        if let Some(t) = tail {
            bytes.extend_from_slice(&t);
        }
        if !peer.dropped {
            let _ = peer.server.handle_input(self.now, &bytes);
        }
        self.run();
    }

    /// Sends a request and runs until its response arrives, moving virtual time on to
    /// the next deadline when nothing else moves (up to a minute).
    pub fn call(&mut self, p: usize, body: impl Into<Request>) -> Message<Response> {
        let mid = self.send(p, body);
        let start = self.now.instant;
        loop {
            if let Some(m) = self.response(p, mid) {
                return m;
            }
            let next = self
                .peers
                .iter()
                .filter_map(|p| p.server.poll_timeout())
                .min();
            match next {
                Some(t) if t.saturating_duration_since(start) < Duration::from_secs(60) => {
                    let d = t.saturating_duration_since(self.now.instant);
                    self.advance(d.max(Duration::from_millis(1)));
                }
                _ => panic!("client {p}: no response to MID {mid}"),
            }
        }
    }

    /// Takes the response to `mid` if it arrived.
    pub fn response(&mut self, p: usize, mid: u16) -> Option<Message<Response>> {
        self.run();
        let inbox = &mut self.peers[p].inbox;
        let i = inbox
            .iter()
            .position(|r| matches!(r, Received::Response(m) if m.header.mid == mid))?;
        match inbox.remove(i) {
            Received::Response(m) => Some(m),
            Received::Request(_) => None,
        }
    }

    /// Takes the oplock break requests client `p` received.
    pub fn breaks(&mut self, p: usize) -> Vec<Break> {
        self.run();
        let mut out = Vec::new();
        self.peers[p].inbox.retain(|r| match r {
            Received::Request(m) => {
                if let Request::LockingAndX(l) = m.body() {
                    assert_eq!(m.header.mid, 0xFFFF, "a break carries MID 0xFFFF");
                    out.push(Break {
                        fid: l.fid,
                        level: l.new_oplock_level,
                    });
                }
                false
            }
            _ => true,
        });
        out
    }

    /// Runs every connection until nothing moves: file-system requests (in order),
    /// bytes to the clients, wake-ups.
    pub fn run(&mut self) {
        loop {
            let mut moved = false;
            for p in 0..self.peers.len() {
                moved |= self.step(p);
            }
            if !moved {
                return;
            }
        }
    }

    fn step(&mut self, p: usize) -> bool {
        let now = self.now;
        let fs = self.fs.clone();
        let peer = &mut self.peers[p];
        let mut moved = false;
        while let Some(ev) = peer.server.poll_event() {
            moved = true;
            match ev {
                ServerEvent::Fs(r) => peer.pending_fs.push(r),
                ServerEvent::OplockBreak { .. } => peer.break_events += 1,
                _ => {}
            }
        }
        if !peer.pending_fs.is_empty() {
            let r = peer.pending_fs.remove(0);
            let res = fs.dispatch(&r);
            peer.server
                .complete(now, r.id, res)
                .expect("a request the server handed out");
            moved = true;
        }
        while let Some(t) = peer.server.poll_transmit() {
            moved = true;
            if peer.dropped {
                continue;
            }
            for part in t.parts() {
                peer.deframer.push(part);
            }
            if let Some(l) = &t.later {
                peer.deframer.push(&l.source);
            }
        }
        while let Ok(Some(pkt)) = peer.deframer.next_packet() {
            if let NbssPacket::Message(m) = pkt {
                let reply = m.get(9).is_some_and(|f| f & 0x80 != 0);
                let r = if reply {
                    Received::Response(Message::decode(&m).expect("a response that decodes"))
                } else {
                    Received::Request(Message::decode(&m).expect("a request that decodes"))
                };
                peer.inbox.push(r);
            }
        }
        if peer.flag.0.swap(false, Ordering::SeqCst) || peer.server.poll_wake(&peer.waker) {
            peer.server.handle_wake(now);
            moved = true;
        }
        moved
    }

    /// Moves virtual time on by `d`, firing every deadline on the way.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now.instant + d;
        loop {
            self.run();
            let next = self
                .peers
                .iter()
                .filter_map(|p| p.server.poll_timeout())
                .filter(|t| *t <= end)
                .min();
            let Some(t) = next else { break };
            let step = t
                .saturating_duration_since(self.now.instant)
                .max(Duration::from_millis(1));
            self.now = self.now.advance(step);
            for p in &mut self.peers {
                p.server.handle_timeout(self.now);
            }
        }
        let rest = end.saturating_duration_since(self.now.instant);
        self.now = self.now.advance(rest);
        for p in &mut self.peers {
            p.server.handle_timeout(self.now);
        }
        self.run();
    }

    /// Cuts client `p`'s connection: the server sees end of stream; every file-system
    /// request is still answered until the connection finishes, then it is dropped.
    pub fn drop_peer(&mut self, p: usize) {
        self.peers[p].dropped = true;
        let now = self.now;
        self.peers[p].server.handle_eof(now);
        self.run();
        assert!(
            self.peers[p].server.is_finished(),
            "client {p}'s connection did not finish"
        );
    }

    /// Drops every connection (as the hosts do once finished) and checks that nothing
    /// is left in the shared state or open in the file system.
    pub fn finish(mut self) {
        for p in 0..self.peers.len() {
            if !self.peers[p].dropped {
                self.drop_peer(p);
            }
        }
        let shared = self.shared.clone();
        let fs = self.fs.clone();
        drop(self);
        assert!(
            shared.is_idle(),
            "the shared state kept something: {shared:?}"
        );
        assert_eq!(fs.open_handles(), 0, "file handles left open");
    }
}

/// An NT_CREATE_ANDX request for `name` with `access`, `share`, `disposition` and
/// oplock `flags` (`nt_create::NT_CREATE_REQUEST_*`).
pub fn nt_create(
    name: &str,
    access: u32,
    share: u32,
    disposition: u32,
    flags: u32,
) -> NtCreateAndXRequest {
    NtCreateAndXRequest {
        flags,
        desired_access: access,
        ext_file_attributes: crate::wire::consts::ext_attr::NORMAL,
        share_access: share,
        create_disposition: disposition,
        impersonation_level: 2,
        file_name: name.into(),
        ..Default::default()
    }
}

/// NT_CREATE_ANDX opening a directory.
pub fn open_dir(name: &str) -> NtCreateAndXRequest {
    use crate::wire::consts::{access, create_options, disposition, share};
    let mut r = nt_create(
        name,
        access::FILE_ALL_ACCESS,
        share::READ | share::WRITE,
        disposition::OPEN,
        0,
    );
    r.create_options = create_options::DIRECTORY_FILE;
    r
}

/// LOCKING_ANDX acknowledging an oplock break on `fid`, keeping `level`.
pub fn oplock_ack(fid: u16, level: u8) -> LockingAndXRequest {
    LockingAndXRequest {
        fid,
        type_of_lock: locking::LOCKING_OPLOCK_RELEASE,
        new_oplock_level: level,
        ..Default::default()
    }
}

/// NT_TRANSACT_NOTIFY_CHANGE on a directory handle.
pub fn notify(fid: u16, filter: u32, tree: bool, buffer: u32) -> NtTransactRequest {
    NtTransactRequest {
        max_parameter_count: buffer,
        function: 4,
        setup: alloc::vec![filter as u16, (filter >> 16) as u16, fid, tree as u16],
        ..Default::default()
    }
}

/// The FILE_NOTIFY_INFORMATION records of a notify response: action and name.
pub fn notify_records(m: &Message<Response>) -> Vec<(u32, alloc::string::String)> {
    let Response::NtTransact(NtTransactResponse::Reply { payload, .. }) = m.body() else {
        return Vec::new();
    };
    let p = &payload.parameters;
    let mut out = Vec::new();
    let mut at = 0usize;
    while p.len() >= at + 12 {
        let next = u32::from_le_bytes([p[at], p[at + 1], p[at + 2], p[at + 3]]) as usize;
        let action = u32::from_le_bytes([p[at + 4], p[at + 5], p[at + 6], p[at + 7]]);
        let len = u32::from_le_bytes([p[at + 8], p[at + 9], p[at + 10], p[at + 11]]) as usize;
        let end = (at + 12 + len).min(p.len());
        let units: Vec<u16> = p[at + 12..end]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        out.push((action, alloc::string::String::from_utf16_lossy(&units)));
        if next == 0 {
            break;
        }
        at += next;
    }
    out
}

/// The FID of an NT_CREATE_ANDX response, and the oplock level granted.
pub fn created(m: &Message<Response>) -> (u16, u8) {
    match m.body() {
        Response::NtCreateAndX(r) => (r.fid, r.oplock_level),
        r => panic!(
            "not an NT_CREATE_ANDX response: {r:?} ({:?})",
            m.header.nt_status()
        ),
    }
}
