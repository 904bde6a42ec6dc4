//! A client and a server core joined in memory on virtual time, driven by a seeded random
//! scheduler: the byte streams are cut at random places, file-system operations finish in
//! random order and may fail, and the connection may be dropped. Every run is
//! reproducible from its seed.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;

use crate::auth::{AuthPolicy, Credentials, MemoryAccounts};
use crate::client::{ClientConfig, ClientConnection, ClientEvent, Reply, RequestId, SmbError};
use crate::rng::Rng;
use crate::server::fs::{FileSystem, FsCall, FsRequest};
use crate::server::{ServerConfig, ServerConnection, ServerEvent, ShareConfig, SharedState};
use crate::time::{Instant, Now};
use crate::wire::{NtStatus, Transport};

use super::memfs::MemFs;

/// Decides whether a file-system call fails, and with which status.
pub type FailFn = fn(&FsCall, u64) -> Option<NtStatus>;

/// What the scheduler may do.
#[derive(Clone, Copy, Debug)]
pub struct SimOptions {
    /// Cut the byte streams at random places (else deliver whole buffers).
    pub split: bool,
    /// Finish pending file-system operations in random order (else in order).
    pub reorder_fs: bool,
    /// Let several file-system operations pile up before finishing any.
    pub delay_fs: bool,
    /// Fail this many file-system operations per thousand, with an I/O-like status.
    pub fail_per_mille: u32,
    /// A rule for failing chosen operations (gets the call and a counter of calls).
    pub fail_if: Option<FailFn>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            split: true,
            reorder_fs: true,
            delay_fs: true,
            fail_per_mille: 0,
            fail_if: None,
        }
    }
}

/// The user and password the pair's server knows.
pub const USER: &str = "simuser";
/// The password.
pub const PASSWORD: &str = "simpass";

/// A server configuration with one share `share` and the account [`USER`].
pub fn server_config() -> ServerConfig {
    let mut accounts = MemoryAccounts::new();
    accounts.add(USER, PASSWORD);
    let mut c = ServerConfig::new(alloc::vec![ShareConfig::new("share")], Arc::new(accounts));
    c.policy = AuthPolicy {
        allow_ntlmv1: true,
        allow_lm: true,
        allow_guest: true,
    };
    c
}

/// A client configuration logging on as [`USER`].
pub fn client_config() -> ClientConfig {
    ClientConfig {
        credentials: Some(Credentials::new(USER, "", PASSWORD)),
        ..Default::default()
    }
}

/// The joined pair.
pub struct Pair {
    /// The client core.
    pub client: ClientConnection,
    /// The server core.
    pub server: ServerConnection<bytes::Bytes>,
    /// The server's files.
    pub fs: Arc<MemFs>,
    /// Virtual time.
    pub now: Now,
    rng: Rng,
    opts: SimOptions,
    c2s: Vec<u8>,
    s2c: Vec<u8>,
    pending_fs: Vec<FsRequest>,
    fs_calls: u64,
    /// Results of finished client operations.
    pub done: BTreeMap<RequestId, Result<Reply, SmbError>>,
    /// The server's events other than file-system requests, in order.
    pub events: Vec<ServerEvent>,
    /// File-system operations failed on purpose.
    pub fs_failed: u64,
    /// Bytes that went from client to server (for fuzz seeds).
    pub client_bytes: Vec<u8>,
    /// Bytes that went from server to client (for fuzz seeds).
    pub server_bytes: Vec<u8>,
    dropped: bool,
    steps: u64,
    /// Called with every file-system request and its result (for debugging).
    pub trace: Option<fn(&FsRequest, &crate::server::fs::FsResult<bytes::Bytes>)>,
}

fn seed32(seed: u64, salt: u8) -> [u8; 32] {
    let mut s = [salt; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s
}

impl Pair {
    /// A new pair; nothing has been sent yet.
    pub fn new(
        seed: u64,
        opts: SimOptions,
        client: ClientConfig,
        server: ServerConfig,
        fs: Arc<MemFs>,
    ) -> Self {
        Self::with_shared(seed, opts, client, server, fs, SharedState::new())
    }

    /// A new pair whose server connection joins `shared` (other connections of the same
    /// server, e.g. a [`Hub`](super::hub::Hub)'s, live there too).
    pub fn with_shared(
        seed: u64,
        opts: SimOptions,
        client: ClientConfig,
        server: ServerConfig,
        fs: Arc<MemFs>,
        shared: SharedState,
    ) -> Self {
        let now = Now::new(Instant::from_nanos(1_000_000_000), 133_485_408_000_000_000);
        Self {
            client: ClientConnection::new(client, now, seed32(seed, 1)),
            server: ServerConnection::new(
                Arc::new(server),
                shared,
                Transport::Direct,
                now,
                seed32(seed, 2),
            ),
            fs,
            now,
            rng: Rng::from_seed(seed32(seed, 3)),
            opts,
            c2s: Vec::new(),
            s2c: Vec::new(),
            pending_fs: Vec::new(),
            fs_calls: 0,
            done: BTreeMap::new(),
            events: Vec::new(),
            fs_failed: 0,
            client_bytes: Vec::new(),
            server_bytes: Vec::new(),
            dropped: false,
            steps: 0,
            trace: None,
        }
    }

    /// A pair with the default configurations over a fresh [`MemFs`].
    pub fn with_defaults(seed: u64, opts: SimOptions) -> Self {
        Self::new(
            seed,
            opts,
            client_config(),
            server_config(),
            Arc::new(MemFs::new()),
        )
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.rng.u64() % n }
    }

    fn collect(&mut self) {
        while let Some(t) = self.client.poll_transmit() {
            if !self.dropped {
                for p in t.parts() {
                    self.c2s.extend_from_slice(p);
                    self.client_bytes.extend_from_slice(p);
                }
            }
        }
        while let Some(t) = self.server.poll_transmit() {
            if !self.dropped {
                for p in t.parts() {
                    self.s2c.extend_from_slice(p);
                    self.server_bytes.extend_from_slice(p);
                }
                // The host's part: MemFs's later reads carry their bytes.
                if let Some(l) = &t.later {
                    let b = &l.source;
                    assert_eq!(b.len(), l.len as usize, "later length");
                    self.s2c.extend_from_slice(b);
                    self.server_bytes.extend_from_slice(b);
                }
            }
        }
        // News from other connections of the server (none when the pair is alone).
        if self.server.poll_wake(core::task::Waker::noop()) {
            self.server.handle_wake(self.now);
        }
        while let Some(ev) = self.server.poll_event() {
            match ev {
                ServerEvent::Fs(r) => self.pending_fs.push(r),
                other => self.events.push(other),
            }
        }
        while let Some(ev) = self.client.poll_event() {
            if let ClientEvent::Completed { id, result } = ev {
                let old = self.done.insert(id, result);
                assert!(old.is_none(), "request {id:?} completed twice");
            }
        }
    }

    fn chunk(&mut self, avail: usize) -> usize {
        if !self.opts.split {
            return avail;
        }
        let n = match self.below(4) {
            0 => 1 + self.below(8) as usize,
            1 => 1 + self.below(200) as usize,
            2 => 1 + self.below(70_000) as usize,
            _ => avail,
        };
        n.min(avail)
    }

    /// One step of progress; false when nothing could move.
    pub fn step(&mut self) -> bool {
        self.collect();
        self.steps += 1;
        let mut choices: Vec<u8> = Vec::new();
        if !self.c2s.is_empty() {
            choices.push(0);
        }
        if !self.s2c.is_empty() {
            choices.push(1);
        }
        if !self.pending_fs.is_empty() {
            // With delay, let operations pile up sometimes.
            if !self.opts.delay_fs
                || self.pending_fs.len() > 8
                || choices.is_empty()
                || self.below(3) == 0
            {
                choices.push(2);
            }
        }
        if choices.is_empty() {
            return false;
        }
        match choices[self.below(choices.len() as u64) as usize] {
            0 => {
                let n = self.chunk(self.c2s.len());
                let bytes: Vec<u8> = self.c2s.drain(..n).collect();
                let _ = self.server.handle_input(self.now, &bytes);
            }
            1 => {
                let n = self.chunk(self.s2c.len());
                let bytes: Vec<u8> = self.s2c.drain(..n).collect();
                let _ = self.client.handle_input(self.now, &bytes);
            }
            _ => {
                let i = if self.opts.reorder_fs {
                    self.below(self.pending_fs.len() as u64) as usize
                } else {
                    0
                };
                let req = self.pending_fs.remove(i);
                self.fs_calls += 1;
                let forced = self.opts.fail_if.and_then(|f| f(&req.call, self.fs_calls));
                let random = self.opts.fail_per_mille > 0
                    && self.below(1000) < u64::from(self.opts.fail_per_mille);
                // Closing never fails at random: the handle must go away.
                let result = match (forced, random && !matches!(req.call, FsCall::Close { .. })) {
                    (Some(st), _) => {
                        self.fs_failed += 1;
                        Err(st)
                    }
                    (None, true) => {
                        self.fs_failed += 1;
                        Err(NtStatus::UNEXPECTED_IO_ERROR)
                    }
                    _ => self.fs.dispatch(&req),
                };
                self.server
                    .complete(self.now, req.id, result)
                    .expect("a request the server handed out");
            }
        }
        self.collect();
        true
    }

    /// Moves virtual time to the next deadline of either side and fires it. False when
    /// neither side has a deadline.
    pub fn advance_time(&mut self) -> bool {
        let next = [self.client.poll_timeout(), self.server.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(t) = next else { return false };
        let d = t
            .saturating_duration_since(self.now.instant)
            .max(Duration::from_millis(1));
        self.now = self.now.advance(d);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.collect();
        true
    }

    /// Runs until the operation finishes; panics if it never does (a hang).
    pub fn wait(&mut self, id: impl Into<RequestId>) -> Result<Reply, SmbError> {
        let id = id.into();
        let start = self.now.instant;
        loop {
            if let Some(r) = self.done.remove(&id) {
                return r;
            }
            if !self.step() && !self.done.contains_key(&id) {
                assert!(
                    self.advance_time(),
                    "request {id:?} can never finish: nothing pending and no deadline"
                );
            }
            assert!(
                self.now.instant.saturating_duration_since(start) < Duration::from_secs(3600),
                "request {id:?} did not finish within an hour of virtual time"
            );
        }
    }

    /// Runs until nothing moves (no bytes, no file-system operations pending).
    pub fn settle(&mut self) {
        while self.step() {}
    }

    /// File-system requests the server waits for.
    pub fn pending_fs(&self) -> usize {
        self.pending_fs.len()
    }

    /// Cuts the connection: bytes in flight are lost and both sides see end of stream.
    pub fn drop_connection(&mut self) {
        self.dropped = true;
        self.c2s.clear();
        self.s2c.clear();
        self.client.handle_eof(self.now);
        self.server.handle_eof(self.now);
        self.collect();
    }

    /// Feeds bytes to the server as if the client sent them, runs every file-system
    /// operation it asks for, and throws its answers away.
    pub fn feed_server(&mut self, bytes: &[u8]) {
        let _ = self.server.handle_input(self.now, bytes);
        self.serve_all();
    }

    /// Runs the server's pending file-system operations until none is left; drops bytes.
    pub fn serve_all(&mut self) {
        loop {
            self.collect();
            self.s2c.clear();
            self.c2s.clear();
            if self.pending_fs.is_empty() {
                break;
            }
            let req = self.pending_fs.remove(0);
            let r = self.fs.dispatch(&req);
            if let Some(t) = self.trace {
                t(&req, &r);
            }
            self.server
                .complete(self.now, req.id, r)
                .expect("a request the server handed out");
        }
    }

    /// Feeds bytes to the client as if the server sent them; drops what it sends back.
    pub fn feed_client(&mut self, bytes: &[u8]) {
        let _ = self.client.handle_input(self.now, bytes);
        self.collect();
        self.c2s.clear();
        self.s2c.clear();
    }

    /// Fires every deadline up to `d` from now on both sides.
    pub fn skip(&mut self, d: Duration) {
        self.now = self.now.advance(d);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.collect();
    }

    /// Finishes the file-system operations the server still waits for (after a drop).
    pub fn drain_fs(&mut self) {
        while !self.pending_fs.is_empty() {
            let req = self.pending_fs.remove(0);
            let r = self.fs.dispatch(&req);
            self.server
                .complete(self.now, req.id, r)
                .expect("a request the server handed out");
            self.collect();
        }
    }
}

/// Options without randomness in the scheduler (for recording and replaying sessions).
pub fn in_order() -> SimOptions {
    SimOptions {
        split: false,
        reorder_fs: false,
        delay_fs: false,
        fail_per_mille: 0,
        fail_if: None,
    }
}

/// The files every fuzzed or recorded session starts with.
pub fn fixture() -> MemFs {
    let mut fs = MemFs::new();
    fs.max_file_size = 1 << 20;
    fs.put("file.txt", b"hello, world\n");
    fs.put("dir/inner.bin", &[7u8; 3000]);
    fs.put("dir/sub/deep.txt", b"deep");
    fs
}

/// A logged-on pair (seed 0, in order) with share `share` connected and `file.txt` open
/// for reading and writing: the tree and the file.
pub fn session() -> (Pair, crate::client::TreeId, crate::client::FileId) {
    let mut p = Pair::new(
        0,
        in_order(),
        client_config(),
        server_config(),
        Arc::new(fixture()),
    );
    let id = p.client.connect(p.now);
    p.wait(id).expect("logon");
    let id = p.client.tree_connect(p.now, "share");
    let Ok(Reply::Tree(t)) = p.wait(id) else {
        panic!("tree connect")
    };
    let id = p.client.open(
        p.now,
        t,
        "file.txt",
        crate::client::OpenOptions::read_write(),
    );
    let Ok(Reply::Opened(o)) = p.wait(id) else {
        panic!("open")
    };
    (p, t, o.fid)
}
