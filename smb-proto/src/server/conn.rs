//! The server connection: framing in and out, request tasks, file-system completions,
//! timers and limits.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::config::{ServerConfig, SigningMode};
use super::fs::{FsCall, FsOpId, FsRequest, FsResult, Handle, LaterRead, ShareId, SharePath};
use super::shared::SharedState;
use crate::auth::{Identity, NtlmServer};
use crate::exec::{TaskId, Tasks};
use crate::rng::Rng;
use crate::signing::{self, SigningState};
use crate::time::{Instant, Now};
use crate::transmit::Transmit;
use crate::wire::msg::DirEntry;
use crate::wire::netbios::{NbssPacket, NegativeCode, Transport};
use crate::wire::{Deframer, Flags2, Header, Message, Request, Response};

/// What the server connection asks of its host, or tells it.
#[derive(Debug)]
pub enum ServerEvent {
    /// Perform this file-system operation and answer with
    /// [`ServerConnection::complete`].
    Fs(FsRequest),
    /// A session was established (for logging).
    SessionEstablished {
        /// The UID.
        uid: u16,
        /// User name as sent.
        user: String,
        /// User, guest or anonymous.
        identity: Identity,
    },
    /// The connection is closed; write what `poll_transmit` still gives, then close the
    /// socket. Keep answering file-system requests until [`ServerConnection::is_finished`].
    Closed(ConnectionError),
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionError {
    /// The peer closed the connection.
    #[error("the client closed the connection")]
    PeerClosed,
    /// A frame announced more than the limit.
    #[error("frame of {0} bytes exceeds the limit")]
    FrameTooLong(usize),
    /// The peer broke the protocol.
    #[error("protocol violation: {0}")]
    Protocol(&'static str),
    /// Nothing arrived for too long.
    #[error("idle timeout")]
    IdleTimeout,
    /// A frame stayed half-received for too long.
    #[error("frame timeout (a frame stayed incomplete)")]
    FrameTimeout,
    /// No session was established in time.
    #[error("login timeout")]
    LoginTimeout,
    /// A signature did not verify while signing is required.
    #[error("bad message signature")]
    BadSignature,
    /// The NetBIOS called name was refused.
    #[error("NetBIOS session refused")]
    NetbiosRefused,
    /// The host asked the connection to close (shutdown).
    #[error("closed by the server")]
    Shutdown,
    /// The server itself went wrong (a bug); the connection cannot go on.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// One authenticated (or in-progress) session.
#[derive(Debug)]
pub(crate) struct Session {
    pub user: String,
    pub identity: Identity,
    pub established: bool,
    pub ntlm: Option<NtlmServer>,
}

/// One connected tree.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    pub uid: u16,
    /// `None` for IPC$.
    pub share: Option<ShareId>,
    pub read_only: bool,
}

/// One open file or directory.
#[derive(Debug, Clone)]
pub(crate) struct OpenFile {
    pub tid: u16,
    pub uid: u16,
    pub handle: Handle,
    pub share: ShareId,
    pub path: SharePath,
    pub file_id: u64,
    pub access: u32,
    pub is_dir: bool,
    pub delete_on_close: bool,
    pub pid: u32,
    /// Offset of the last byte-range lock refused on this open (Samba's
    /// `lock_failure_offset`): a repeat spins briefly and fails with FILE_LOCK_CONFLICT.
    pub lock_failure: Option<u64>,
}

/// One search (FIND_FIRST2 handle).
#[derive(Debug)]
pub(crate) struct Search {
    pub tid: u16,
    pub entries: Vec<DirEntry>,
    pub pos: usize,
}

/// Negotiated parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Negotiated {
    pub done: bool,
    pub challenge: [u8; 8],
    pub extended: bool,
    /// The client's MaxBufferSize from its session setup.
    pub client_max_buffer: u16,
    pub client_caps: u32,
}

/// Per-connection state, shared with the request tasks.
pub(crate) struct Inner {
    pub config: Arc<ServerConfig>,
    pub shared: SharedState,
    pub conn_id: u64,
    pub now: Now,
    pub rng: Rng,
    pub neg: Negotiated,
    pub sessions: BTreeMap<u16, Session>,
    pub trees: BTreeMap<u16, Tree>,
    pub files: BTreeMap<u16, OpenFile>,
    pub searches: BTreeMap<u16, Search>,
    pub signing: Option<SigningState>,
    pub fs_queue: VecDeque<FsRequest>,
    pub fs_results: BTreeMap<u64, FsResult>,
    pub op_owner: BTreeMap<u64, TaskId>,
    /// Every request handed to (or queued for) the host and not answered yet: its share
    /// and, for a close, the handle it closes.
    pub op_info: BTreeMap<u64, (ShareId, Option<Handle>)>,
    /// Handles the host holds open for this connection (from its `Opened` answers).
    pub host_handles: BTreeMap<u64, ShareId>,
    /// Handles a close has been asked for.
    pub close_requested: BTreeSet<u64>,
    pub next_op: u64,
    pub current_task: Option<TaskId>,
    pub timers: BTreeMap<TaskId, Instant>,
    pub cancelled: BTreeSet<u16>,
    pub pending_mids: BTreeMap<u16, TaskId>,
    pub events: VecDeque<ServerEvent>,
    pub next_uid: u16,
    pub next_tid: u16,
    pub next_fid: u16,
    pub next_sid: u16,
}

impl Inner {
    fn alloc_id(next: &mut u16, used: impl Fn(u16) -> bool) -> Option<u16> {
        for _ in 0..0x10000u32 {
            let v = *next;
            *next = next.wrapping_add(1);
            if v != 0 && v != 0xFFFF && !used(v) {
                return Some(v);
            }
        }
        None
    }

    pub fn new_uid(&mut self) -> Option<u16> {
        let s = &self.sessions;
        Self::alloc_id(&mut self.next_uid, |v| s.contains_key(&v))
    }

    pub fn new_tid(&mut self) -> Option<u16> {
        let s = &self.trees;
        Self::alloc_id(&mut self.next_tid, |v| s.contains_key(&v))
    }

    pub fn new_fid(&mut self) -> Option<u16> {
        let s = &self.files;
        Self::alloc_id(&mut self.next_fid, |v| s.contains_key(&v))
    }

    pub fn new_sid(&mut self) -> Option<u16> {
        let s = &self.searches;
        Self::alloc_id(&mut self.next_sid, |v| s.contains_key(&v))
    }
}

/// The handle request tasks use to reach the connection state.
#[derive(Clone)]
pub(crate) struct Cx {
    pub inner: Arc<spin::Mutex<Inner>>,
}

impl Cx {
    /// Runs `f` with the state locked (never across an await).
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.lock())
    }

    /// Asks the host for a file-system operation and waits for its answer.
    pub fn fs(&self, share: ShareId, call: FsCall) -> FsWait {
        let id = self.with(|i| {
            let id = i.next_op;
            i.next_op += 1;
            if let Some(t) = i.current_task {
                i.op_owner.insert(id, t);
            }
            let closes = match &call {
                FsCall::Close { handle, .. } => {
                    i.close_requested.insert(handle.0);
                    Some(*handle)
                }
                _ => None,
            };
            i.op_info.insert(id, (share, closes));
            i.fs_queue.push_back(FsRequest {
                id: FsOpId(id),
                share,
                call,
            });
            id
        });
        FsWait {
            cx: self.clone(),
            id,
        }
    }

    /// Waits until the connection's clock passes `t`.
    pub fn sleep_until(&self, t: Instant) -> Sleep {
        Sleep {
            cx: self.clone(),
            until: t,
            registered: false,
        }
    }

    /// The current time.
    pub fn now(&self) -> Now {
        self.with(|i| i.now)
    }
}

/// Future of a file-system answer.
pub(crate) struct FsWait {
    cx: Cx,
    id: u64,
}

impl Future for FsWait {
    type Output = FsResult;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<FsResult> {
        match self.cx.with(|i| i.fs_results.remove(&self.id)) {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }
}

/// Future of a timer.
pub(crate) struct Sleep {
    cx: Cx,
    until: Instant,
    registered: bool,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let until = self.until;
        let registered = self.registered;
        let done = self.cx.with(|i| {
            if i.now.instant >= until {
                if let Some(t) = i.current_task {
                    i.timers.remove(&t);
                }
                true
            } else {
                if !registered && let Some(t) = i.current_task {
                    i.timers.insert(t, until);
                }
                false
            }
        });
        self.registered = true;
        if done { Poll::Ready(()) } else { Poll::Pending }
    }
}

/// What a finished request task hands back: the responses, and the signing sequence
/// number their signatures use.
pub(crate) struct Reply {
    pub msgs: Vec<Message<Response>>,
    pub seq: Option<u32>,
    /// File bytes the host writes right after the first message.
    pub later: Option<LaterRead>,
}

/// A sans-IO SMB1 server connection.
///
/// # Driving it
///
/// The host owns the socket and the file system. It loops:
///
/// 1. feed what it read with [`handle_input`](Self::handle_input) (any chunking), the
///    answer of each file-system request with [`complete`](Self::complete) (any order),
///    and, when the deadline of [`poll_timeout`](Self::poll_timeout) passes,
///    [`handle_timeout`](Self::handle_timeout); at end of stream,
///    [`handle_eof`](Self::handle_eof);
/// 2. drain [`poll_event`](Self::poll_event) (run each [`ServerEvent::Fs`] request, off the
///    reactor if it blocks) and [`poll_transmit`](Self::poll_transmit) (write each, head
///    then tail);
/// 3. wait for the socket (only while [`wants_input`](Self::wants_input)), the timer and
///    file-system completions.
///
/// After [`ServerEvent::Closed`] the host writes the remaining transmits, closes the
/// socket and keeps completing file-system requests (the core closes every open handle)
/// until [`is_finished`](Self::is_finished).
pub struct ServerConnection {
    cx: Cx,
    tasks: Tasks<Reply>,
    deframer: Deframer,
    transport: Transport,
    netbios_done: bool,
    session_request_seen: bool,
    out: VecDeque<Transmit>,
    out_bytes: usize,
    closing: Option<ConnectionError>,
    cleanup: Option<TaskId>,
    closed_reported: bool,
    last_activity: Instant,
    frame_since: Option<Instant>,
    created: Instant,
}

impl core::fmt::Debug for ServerConnection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerConnection")
            .field("transport", &self.transport)
            .field("tasks", &self.tasks.len())
            .field("closing", &self.closing)
            .finish_non_exhaustive()
    }
}

impl Drop for ServerConnection {
    fn drop(&mut self) {
        let (shared, id) = self.cx.with(|i| (i.shared.clone(), i.conn_id));
        shared.unregister_connection(id);
    }
}

impl ServerConnection {
    /// A new connection on `transport`, with a seed from the host's secure random source.
    pub fn new(
        config: Arc<ServerConfig>,
        shared: SharedState,
        transport: Transport,
        now: Now,
        seed: [u8; 32],
    ) -> Self {
        let conn_id = shared.register_connection();
        let max_frame = config.limits.max_frame;
        let inner = Inner {
            config,
            shared,
            conn_id,
            now,
            rng: Rng::from_seed(seed),
            neg: Negotiated::default(),
            sessions: BTreeMap::new(),
            trees: BTreeMap::new(),
            files: BTreeMap::new(),
            searches: BTreeMap::new(),
            signing: None,
            fs_queue: VecDeque::new(),
            fs_results: BTreeMap::new(),
            op_owner: BTreeMap::new(),
            op_info: BTreeMap::new(),
            host_handles: BTreeMap::new(),
            close_requested: BTreeSet::new(),
            next_op: 1,
            current_task: None,
            timers: BTreeMap::new(),
            cancelled: BTreeSet::new(),
            pending_mids: BTreeMap::new(),
            events: VecDeque::new(),
            next_uid: 100,
            next_tid: 1,
            next_fid: 0x4000,
            next_sid: 1,
        };
        Self {
            cx: Cx {
                inner: Arc::new(spin::Mutex::new(inner)),
            },
            tasks: Tasks::default(),
            deframer: Deframer::new(transport, max_frame),
            transport,
            netbios_done: transport == Transport::Direct,
            session_request_seen: false,
            out: VecDeque::new(),
            out_bytes: 0,
            closing: None,
            cleanup: None,
            closed_reported: false,
            last_activity: now.instant,
            frame_since: None,
            created: now.instant,
        }
    }

    /// This connection's id in the shared state.
    pub fn id(&self) -> u64 {
        self.cx.with(|i| i.conn_id)
    }

    fn limits(&self) -> super::config::Limits {
        self.cx.with(|i| i.config.limits.clone())
    }

    /// Feeds bytes read from the socket.
    pub fn handle_input(&mut self, now: Now, data: &[u8]) -> Result<(), ConnectionError> {
        if let Some(e) = &self.closing {
            return Err(e.clone());
        }
        self.deframer.push(data);
        self.process_input(now)
    }

    /// The input buffer, with at least `room` bytes free, for hosts that read from the
    /// socket straight into it; then call [`process_input`](Self::process_input).
    pub fn input_buffer(&mut self, room: usize) -> &mut bytes::BytesMut {
        self.deframer.input_buffer(room)
    }

    /// Processes what the host read into [`input_buffer`](Self::input_buffer).
    pub fn process_input(&mut self, now: Now) -> Result<(), ConnectionError> {
        if let Some(e) = &self.closing {
            return Err(e.clone());
        }
        self.cx.with(|i| i.now = now);
        loop {
            match self.deframer.next_packet() {
                Ok(Some(p)) => {
                    self.frame_since = None;
                    self.on_packet(now, p);
                    if let Some(e) = &self.closing {
                        return Err(e.clone());
                    }
                }
                Ok(None) => break,
                Err(crate::wire::FrameError::TooLong { len, .. }) => {
                    self.close(ConnectionError::FrameTooLong(len));
                    return Err(ConnectionError::FrameTooLong(len));
                }
                Err(crate::wire::FrameError::Malformed(_)) => {
                    self.close(ConnectionError::Protocol("malformed session packet"));
                    return Err(ConnectionError::Protocol("malformed session packet"));
                }
            }
        }
        if self.deframer.in_frame() {
            self.frame_since.get_or_insert(now.instant);
        } else {
            self.frame_since = None;
        }
        Ok(())
    }

    /// The peer closed its side.
    pub fn handle_eof(&mut self, now: Now) {
        self.cx.with(|i| i.now = now);
        self.close(ConnectionError::PeerClosed);
    }

    /// Asks the connection to close (server shutdown): requests in flight finish first
    /// only in the sense that their file-system work is completed before handles close.
    pub fn shutdown(&mut self, now: Now) {
        self.cx.with(|i| i.now = now);
        self.close(ConnectionError::Shutdown);
    }

    /// Whether the connection has stopped (or is stopping).
    pub fn is_closing(&self) -> bool {
        self.closing.is_some()
    }

    /// Whether the connection is closed, every open handle is closed and no file-system
    /// request is outstanding: the host may drop it.
    pub fn is_finished(&self) -> bool {
        self.closing.is_some()
            && self.cleanup.is_none()
            && self.tasks.is_empty()
            && self
                .cx
                .with(|i| i.fs_queue.is_empty() && i.op_owner.is_empty() && i.op_info.is_empty())
    }

    /// Whether the host should read more input now.
    pub fn wants_input(&self) -> bool {
        let l = self.limits();
        self.closing.is_none()
            && self.tasks.len() < l.max_in_flight
            && self.out_bytes < l.max_outbound
    }

    /// The answer to a file-system request.
    pub fn complete(&mut self, now: Now, id: FsOpId, result: FsResult) {
        let task = self.cx.with(|i| {
            i.now = now;
            // Keep track of what the host holds open, whoever waits for the answer.
            if let Some((share, closes)) = i.op_info.remove(&id.0) {
                if let Some(h) = closes {
                    i.host_handles.remove(&h.0);
                    i.close_requested.remove(&h.0);
                }
                if let Ok(super::fs::FsReply::Opened { handle, .. }) = &result {
                    i.host_handles.insert(handle.0, share);
                }
            }
            let t = i.op_owner.remove(&id.0);
            if t.is_some() {
                i.fs_results.insert(id.0, result);
            }
            t
        });
        if let Some(t) = task {
            self.run(t);
        }
        if self.closing.is_some() {
            self.sweep_handles();
        }
    }

    /// While closing: asks the host to close every handle it still holds for us and that
    /// no close is on its way for (an open answered after the connection ended, or a
    /// close that a stopped request never got to send).
    fn sweep_handles(&mut self) {
        self.cx.with(|i| {
            let stray: Vec<(u64, ShareId)> = i
                .host_handles
                .iter()
                .filter(|(h, _)| !i.close_requested.contains(h))
                .map(|(h, s)| (*h, *s))
                .collect();
            for (h, share) in stray {
                let id = i.next_op;
                i.next_op += 1;
                i.close_requested.insert(h);
                i.op_info.insert(id, (share, Some(Handle(h))));
                i.fs_queue.push_back(FsRequest {
                    id: FsOpId(id),
                    share,
                    call: FsCall::Close {
                        handle: Handle(h),
                        set_written: None,
                    },
                });
            }
        });
    }

    /// The earliest deadline the host should wake us at.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closing.is_some() {
            return None;
        }
        let l = self.limits();
        let mut t = self.last_activity + l.idle_timeout;
        if let Some(f) = self.frame_since {
            t = t.min(f + l.frame_timeout);
        }
        if !self.cx.with(|i| i.sessions.values().any(|s| s.established)) {
            t = t.min(self.created + l.login_timeout);
        }
        if let Some(m) = self.cx.with(|i| i.timers.values().min().copied()) {
            t = t.min(m);
        }
        Some(t)
    }

    /// The clock passed a deadline.
    pub fn handle_timeout(&mut self, now: Now) {
        self.cx.with(|i| i.now = now);
        if self.closing.is_some() {
            return;
        }
        let due: Vec<TaskId> = self.cx.with(|i| {
            i.timers
                .iter()
                .filter(|(_, t)| **t <= now.instant)
                .map(|(k, _)| *k)
                .collect()
        });
        for t in due {
            self.run(t);
        }
        let l = self.limits();
        if let Some(f) = self.frame_since
            && now.instant >= f + l.frame_timeout
        {
            self.close(ConnectionError::FrameTimeout);
            return;
        }
        let busy = !self.tasks.is_empty();
        if !busy && now.instant >= self.last_activity + l.idle_timeout {
            self.close(ConnectionError::IdleTimeout);
            return;
        }
        if !self.cx.with(|i| i.sessions.values().any(|s| s.established))
            && now.instant >= self.created + l.login_timeout
        {
            self.close(ConnectionError::LoginTimeout);
        }
    }

    /// The next event for the host.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        let fs = self.cx.with(|i| i.fs_queue.pop_front());
        if let Some(r) = fs {
            return Some(ServerEvent::Fs(r));
        }
        if let Some(e) = self.cx.with(|i| i.events.pop_front()) {
            return Some(e);
        }
        if let Some(e) = &self.closing
            && !self.closed_reported
        {
            self.closed_reported = true;
            return Some(ServerEvent::Closed(e.clone()));
        }
        None
    }

    /// The next bytes to write.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.out.pop_front()?;
        self.out_bytes -= t.len();
        Some(t)
    }

    fn push_out(&mut self, t: Transmit) {
        self.out_bytes += t.len();
        self.out.push_back(t);
    }

    fn close(&mut self, why: ConnectionError) {
        if self.closing.is_some() {
            return;
        }
        self.closing = Some(why);
        // Stop every request; close every handle and release shared entries.
        self.tasks.clear();
        let cx = self.cx.clone();
        let handles = cx.with(|i| {
            i.timers.clear();
            // Requests the host already has stay outstanding (it answers them; opens
            // answered now are closed by the sweep). Requests it never saw are dropped.
            i.op_owner.clear();
            i.fs_results.clear();
            for r in core::mem::take(&mut i.fs_queue) {
                if let Some((_, Some(h))) = i.op_info.remove(&r.id.0) {
                    i.close_requested.remove(&h.0);
                }
            }
            i.searches.clear();
            let files = core::mem::take(&mut i.files);
            // The cleanup below closes these one after the other.
            for f in files.values() {
                i.close_requested.insert(f.handle.0);
            }
            files
        });
        if handles.is_empty() {
            self.sweep_handles();
            return;
        }
        let id = self.tasks.spawn(async move {
            super::handlers::close_all(&cx, handles).await;
            Reply {
                msgs: Vec::new(),
                seq: None,
                later: None,
            }
        });
        self.cleanup = Some(id);
        self.run(id);
        self.sweep_handles();
    }

    fn run(&mut self, id: TaskId) {
        self.cx.with(|i| i.current_task = Some(id));
        let out = self.tasks.poll(id);
        self.cx.with(|i| {
            i.current_task = None;
            if out.is_some() {
                i.timers.remove(&id);
                let mids: Vec<u16> = i
                    .pending_mids
                    .iter()
                    .filter(|(_, t)| **t == id)
                    .map(|(m, _)| *m)
                    .collect();
                for m in mids {
                    i.pending_mids.remove(&m);
                    i.cancelled.remove(&m);
                }
            }
        });
        if Some(id) == self.cleanup && out.is_some() {
            self.cleanup = None;
            return;
        }
        if let Some(mut reply) = out {
            if self.closing.is_some() {
                return;
            }
            for m in reply.msgs {
                let mut t = self.encode(&m, reply.seq);
                if let Some(l) = reply.later.take() {
                    // The handler offers later bytes only for an unsigned response.
                    if reply.seq.is_some() {
                        self.close(ConnectionError::Internal(
                            "a signed response cannot carry file bytes the host writes",
                        ));
                        return;
                    }
                    t.later = Some(l);
                }
                self.push_out(t);
            }
        }
    }

    fn encode(&mut self, m: &Message<Response>, seq: Option<u32>) -> Transmit {
        let (mut head, tail) = m.encode_framed(self.transport);
        if let Some(seq) = seq {
            let key = self
                .cx
                .with(|i| i.signing.as_ref().map(|s| s.key().to_vec()));
            if let Some(key) = key {
                signing::sign(&key, &mut head[4..], tail.as_deref().unwrap_or(&[]), seq);
            }
        }
        Transmit {
            head: head.freeze(),
            tail,
            later: None,
        }
    }

    fn on_packet(&mut self, now: Now, p: NbssPacket) {
        match p {
            NbssPacket::KeepAlive => {}
            NbssPacket::SessionRequest { called, .. } => {
                // On port 139 it must come first; on direct TCP (445) it is accepted once,
                // before any SMB message, as Samba and Windows do.
                let direct_first = self.transport == Transport::Direct
                    && !self.session_request_seen
                    && !self.cx.with(|i| i.neg.done);
                if !direct_first && (self.transport != Transport::Netbios || self.netbios_done) {
                    self.close(ConnectionError::Protocol(
                        "unexpected NetBIOS session request",
                    ));
                    return;
                }
                self.session_request_seen = true;
                let (accept, name) = self.cx.with(|i| {
                    (
                        i.config.accept_any_called_name,
                        i.config.server_name.clone(),
                    )
                });
                let n = called.name();
                let ok = accept || n == "*SMBSERVER" || n.eq_ignore_ascii_case(&name);
                if ok {
                    self.netbios_done = true;
                    self.push_out(Transmit::whole(
                        NbssPacket::PositiveResponse.encode(Transport::Netbios),
                    ));
                } else {
                    self.push_out(Transmit::whole(
                        NbssPacket::NegativeResponse(NegativeCode::CALLED_NAME_NOT_PRESENT)
                            .encode(Transport::Netbios),
                    ));
                    self.close(ConnectionError::NetbiosRefused);
                }
            }
            NbssPacket::Message(m) => {
                if !self.netbios_done {
                    self.close(ConnectionError::Protocol(
                        "SMB before the NetBIOS session request",
                    ));
                    return;
                }
                self.last_activity = now.instant;
                self.on_message(m);
            }
            _ => self.close(ConnectionError::Protocol("unexpected session packet")),
        }
    }

    fn on_message(&mut self, m: Bytes) {
        if m.len() < 4 || m[..4] != crate::wire::header::PROTOCOL_ID {
            self.close(ConnectionError::Protocol("not an SMB1 message"));
            return;
        }
        let msg = match Message::<Request>::decode(&m) {
            Ok(msg) => msg,
            Err(e) => {
                // Answer with an error if at least the header is readable.
                if m.len() >= crate::wire::HEADER_LEN {
                    let mut r = crate::wire::Reader::new(&m);
                    if let Ok((cmd, h)) = Header::decode(&mut r) {
                        if h.is_reply() {
                            return;
                        }
                        let seq = self.next_seq(&m, &h);
                        let Ok(seq) = seq else { return };
                        let resp = super::handlers::error_message(&self.cx, &h, cmd, e.status());
                        let t = self.encode(&resp, seq);
                        self.push_out(t);
                        return;
                    }
                }
                self.close(ConnectionError::Protocol("undecodable message"));
                return;
            }
        };
        if msg.header.is_reply() {
            return;
        }
        let Ok(seq) = self.next_seq(&m, &msg.header) else {
            return;
        };
        let cx = self.cx.clone();
        let mid = msg.header.mid;
        let is_cancel = msg.command() == crate::wire::Command::NT_CANCEL;
        let id = self.tasks.next_id();
        let target = self.cx.with(|i| {
            if is_cancel {
                i.pending_mids.get(&mid).copied()
            } else {
                i.pending_mids.insert(mid, id);
                None
            }
        });
        let id = self.tasks.spawn(async move {
            let served = super::handlers::serve(&cx, msg).await;
            Reply {
                msgs: served.msgs,
                seq: served.activated.or(seq.map(|s| s.wrapping_add(1))),
                later: served.later,
            }
        });
        self.run(id);
        // Let a cancelled request see its cancellation now.
        if let Some(t) = target {
            self.run(t);
        }
    }

    /// Takes (and checks) the signing sequence number of an incoming request.
    fn next_seq(&mut self, raw: &Bytes, h: &Header) -> Result<Option<u32>, ()> {
        let cmd = raw.get(4).copied().unwrap_or(0);
        let r = self.cx.with(|i| {
            let required = i.config.signing == SigningMode::Required;
            let s = i.signing.as_mut()?;
            let seq = if cmd == crate::wire::Command::NT_CANCEL.0 {
                s.next_unanswered()
            } else {
                s.next_request()
            };
            let ok = signing::verify(s.key(), raw, seq);
            Some((
                seq,
                ok,
                required || h.flags2.has(Flags2::SECURITY_SIGNATURE),
            ))
        });
        match r {
            None => Ok(None),
            Some((seq, true, _)) => Ok(Some(seq)),
            Some((seq, false, enforce)) => {
                if enforce {
                    self.close(ConnectionError::BadSignature);
                    Err(())
                } else {
                    Ok(Some(seq))
                }
            }
        }
    }
}
