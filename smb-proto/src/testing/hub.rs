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
use crate::wire::{Message, Request, Response, Transport};

use super::memfs::MemFs;
pub use super::raw::{
    Break, RawClient, Received, created, notify, notify_records, nt_create, open_dir, oplock_ack,
};

#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// One client and its server connection.
pub struct Peer {
    /// The server connection.
    pub server: ServerConnection<Bytes>,
    flag: Arc<Flag>,
    waker: Waker,
    pending_fs: Vec<FsRequest>,
    /// The client.
    pub client: RawClient,
    /// The connection was dropped.
    pub dropped: bool,
    /// Oplock breaks the server sent (events), for logging checks.
    pub break_events: usize,
    /// The host runs none of this connection's file-system requests for now (a slow
    /// disk or a busy thread pool).
    pub stalled: bool,
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
        Self::with_shared(config, fs, SharedState::new())
    }

    /// A hub whose connections join `shared`.
    pub fn with_shared(config: ServerConfig, fs: Arc<MemFs>, shared: SharedState) -> Self {
        Self {
            shared,
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
        let pid = 100 + self.peers.len() as u32;
        self.peers.push(Peer {
            server,
            waker: Waker::from(flag.clone()),
            flag,
            pending_fs: Vec::new(),
            stalled: false,
            client: RawClient::new(pid, level2),
            dropped: false,
            break_events: 0,
        });
        let p = self.peers.len() - 1;
        let mut client = RawClient::new(pid, level2);
        client.handshake("share", |c, body| {
            let mid = c.next_mid();
            let bytes = c.frame(mid, body);
            self.input(p, &bytes);
            self.response(p, mid).expect("a handshake response")
        });
        self.peers[p].client = client;
        p
    }

    /// Sends a request from client `p`; returns its MID (the response comes later).
    pub fn send(&mut self, p: usize, body: impl Into<Request>) -> u16 {
        let mid = self.peers[p].client.next_mid();
        self.send_mid(p, mid, body);
        mid
    }

    /// Sends a request with a chosen MID (NT_CANCEL names the request it cancels so).
    pub fn send_mid(&mut self, p: usize, mid: u16, body: impl Into<Request>) {
        let bytes = self.peers[p].client.frame(mid, body);
        self.input(p, &bytes);
    }

    fn input(&mut self, p: usize, bytes: &[u8]) {
        let peer = &mut self.peers[p];
        if !peer.dropped {
            let _ = peer.server.handle_input(self.now, bytes);
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
        self.peers[p].client.take_response(mid)
    }

    /// Takes the oplock break requests client `p` received.
    pub fn breaks(&mut self, p: usize) -> Vec<Break> {
        self.run();
        self.peers[p].client.take_breaks()
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
        if !peer.pending_fs.is_empty() && !peer.stalled {
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
                peer.client.receive(part);
            }
            if let Some(l) = &t.later {
                peer.client.receive(&l.source);
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
        self.peers[p].stalled = false;
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
