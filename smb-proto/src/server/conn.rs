//! The server connection: framing in and out, request tasks, file-system completions,
//! timers and limits.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::marker::PhantomData;
use core::task::Waker;

use super::config::{ServerConfig, SigningMode};
use super::cx::Cx;
use super::event::ServerEvent;
use super::fs::{ErasedLater, FsCall, FsOpId, FsReply, FsRequest, FsResult, Handle, ShareId};
use super::shared::SharedState;
use super::state::Inner;
use crate::error::{ConnectionError, TimeLimit};
use crate::exec::{TaskId, Tasks};
use crate::rng::Rng;
use crate::signing;
use crate::time::{Instant, Now};
use crate::transmit::{LaterRead, NoLater, Transmit};
use crate::wire::netbios::{NbssPacket, NegativeCode, Transport};
use crate::wire::{Deframer, Flags2, Header, Message, Request, Response};

/// What a finished request task hands back: the responses, and the signing sequence
/// number their signatures use.
pub(crate) struct Reply {
    pub msgs: Vec<Message<Response>>,
    pub seq: Option<u32>,
    /// File bytes the host writes right after the first message.
    pub later: Option<LaterRead<ErasedLater>>,
    /// A session message without an SMB header, sent instead of `msgs` (READ_RAW).
    pub raw: Option<Bytes>,
}

/// [`ServerConnection::complete`] was given an id no request of this connection has
/// (never handed out, or answered already).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no file-system request {0:?} is outstanding on this connection")]
pub struct UnknownFsOp(pub FsOpId);

/// A sans-IO SMB1 server connection.
///
/// The host owns the socket and the file system, and drives the connection in the order
/// the crate documentation gives ([the drive loop](crate#the-drive-loop)): inputs
/// ([`handle_input`](Self::handle_input), [`complete`](Self::complete),
/// [`handle_timeout`](Self::handle_timeout), [`handle_wake`](Self::handle_wake),
/// [`handle_eof`](Self::handle_eof)), then [`poll_event`](Self::poll_event) and
/// [`poll_transmit`](Self::poll_transmit) until both are empty, then a wait on the socket
/// (only while [`wants_input`](Self::wants_input)), the deadline of
/// [`poll_timeout`](Self::poll_timeout), file-system completions and the waker given to
/// [`poll_wake`](Self::poll_wake) just before the wait: other connections of the server
/// wake it when they have news for this one (an oplock break to send, a change a pending
/// change-notify request sees, the end of a break an open waits for).
/// Each [`ServerEvent::Fs`] request is run against the file system (off the reactor if
/// it blocks) and answered with `complete`, in any order.
///
/// After [`ServerEvent::Closed`] the host writes the remaining transmits, closes the
/// socket and keeps completing file-system requests (the core closes every open handle)
/// until [`is_finished`](Self::is_finished).
///
/// `L` is the file system's [`Later`](super::fs::FileSystem::Later) type: the source of
/// file bytes the host sends itself after a response ([`Transmit::later`]).
pub struct ServerConnection<L = NoLater> {
    cx: Cx,
    tasks: Tasks<Reply>,
    deframer: Deframer,
    transport: Transport,
    netbios_done: bool,
    session_request_seen: bool,
    out: VecDeque<Transmit<L>>,
    out_bytes: usize,
    closing: Option<ConnectionError>,
    cleanup: Option<TaskId>,
    closed_reported: bool,
    last_activity: Instant,
    frame_since: Option<Instant>,
    created: Instant,
    _later: PhantomData<fn() -> L>,
}

impl<L> core::fmt::Debug for ServerConnection<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerConnection")
            .field("transport", &self.transport)
            .field("tasks", &self.tasks.len())
            .field("closing", &self.closing)
            .finish_non_exhaustive()
    }
}

impl<L> Drop for ServerConnection<L> {
    fn drop(&mut self) {
        let (shared, id) = self.cx.with(|i| (i.shared.clone(), i.conn_id));
        shared.unregister_connection(id);
    }
}

impl<L: Send + 'static> ServerConnection<L> {
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
        let inner = Inner::new(config, shared, conn_id, now, Rng::from_seed(seed));
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
            _later: PhantomData,
        }
    }

    /// Replaces the configuration for what comes next on this connection: logons, tree
    /// connects, share listings, limits. Sessions and trees made before keep what they
    /// were given. The new configuration must keep the shares the host's file system
    /// serves at the same indices (hosts swap it only when the file system stays).
    pub fn set_config(&mut self, config: Arc<ServerConfig>) {
        self.cx.with(|i| i.config = config);
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
        self.pump();
        Ok(())
    }

    /// The peer closed its side.
    pub fn handle_eof(&mut self, now: Now) {
        self.cx.with(|i| i.now = now);
        self.close(ConnectionError::Closed);
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

    /// The answer to a file-system request (any order). Fails, changing nothing, when no
    /// request with that id is outstanding.
    pub fn complete(
        &mut self,
        now: Now,
        id: FsOpId,
        result: FsResult<L>,
    ) -> Result<(), UnknownFsOp> {
        let result: FsResult<ErasedLater> =
            result.map(|r| r.map_later(|l| Box::new(l) as ErasedLater));
        let task = self.cx.with(|i| {
            i.now = now;
            // Keep track of what the host holds open, whoever waits for the answer.
            let (share, closes) = i.op_info.remove(&id.0).ok_or(UnknownFsOp(id))?;
            super::changes::completed(i, id.0, &result);
            if let Some(h) = closes {
                i.host_handles.remove(&h.0);
                i.close_requested.remove(&h.0);
            }
            if let Ok(FsReply::Opened { handle, .. }) = &result {
                i.host_handles.insert(handle.0, share);
            }
            let result = super::access::filter(i, id.0, share, result);
            super::audit::completed(i, id.0, &result);
            let t = i.op_owner.remove(&id.0);
            if t.is_some() {
                i.fs_results.insert(id.0, result);
            }
            Ok(t)
        })?;
        if let Some(t) = task {
            self.run(t);
        }
        if self.closing.is_some() {
            self.sweep_handles();
        }
        self.pump();
        Ok(())
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
                        abandoned: true,
                    },
                });
            }
        });
    }

    /// The earliest deadline the host should wake us at.
    #[must_use]
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
        self.pump();
        let l = self.limits();
        if let Some(f) = self.frame_since
            && now.instant >= f + l.frame_timeout
        {
            self.close(ConnectionError::Timeout(TimeLimit::Frame));
            return;
        }
        let busy = !self.tasks.is_empty();
        if !busy && now.instant >= self.last_activity + l.idle_timeout {
            self.close(ConnectionError::Timeout(TimeLimit::Idle));
            return;
        }
        if !self.cx.with(|i| i.sessions.values().any(|s| s.established))
            && now.instant >= self.created + l.login_timeout
        {
            self.close(ConnectionError::Timeout(TimeLimit::Login));
        }
    }

    /// Registers `waker` to be woken when another connection has news for this one (an
    /// oplock break to send, a change a waiting change-notify request sees, the end of a
    /// break an open waits for); returns whether news is waiting already. Call it before
    /// each wait (it keeps the last waker) and, when it returns `true` or the waker was
    /// woken, call [`handle_wake`](Self::handle_wake).
    pub fn poll_wake(&self, waker: &Waker) -> bool {
        self.wake_handle().poll_wake(waker)
    }

    /// [`poll_wake`](Self::poll_wake) apart from the connection, for a host that waits
    /// where it cannot borrow the connection (an async task's poll function).
    pub fn wake_handle(&self) -> super::WakeHandle {
        let (shared, id) = self.cx.with(|i| (i.shared.clone(), i.conn_id));
        super::WakeHandle::new(shared, id)
    }

    /// Reads the news other connections left for this one (see
    /// [`poll_wake`](Self::poll_wake)); an input like the others: drain the outputs after.
    pub fn handle_wake(&mut self, now: Now) {
        self.cx.with(|i| i.now = now);
        self.pump();
    }

    /// Reads this connection's mail until none is left: sends the oplock breaks, polls
    /// again the requests waiting for the shared state.
    fn pump(&mut self) {
        let (shared, id) = self.cx.with(|i| (i.shared.clone(), i.conn_id));
        for _ in 0..64 {
            let mail = shared.take_mail(id);
            if mail.breaks.is_empty() && !mail.woken {
                return;
            }
            if self.closing.is_some() {
                continue;
            }
            for (fid, level) in mail.breaks {
                self.send_break(fid, level);
            }
            if mail.woken {
                let waiting: Vec<TaskId> = self.cx.with(|i| i.waiting.iter().copied().collect());
                for t in waiting {
                    self.run(t);
                }
            }
        }
    }

    /// Sends an oplock break request (LOCKING_ANDX, MID 0xFFFF) for an open of ours.
    fn send_break(&mut self, fid: u16, level: u8) {
        let Some(tid) = self.cx.with(|i| i.files.get(&fid).map(|f| f.tid)) else {
            return;
        };
        let msg = super::handlers::break_message(tid, fid, level);
        let (head, tail) = msg.encode_framed(self.transport);
        self.push_out(Transmit {
            head: head.freeze(),
            tail,
            later: None,
        });
        self.cx
            .with(|i| i.events.push_back(ServerEvent::OplockBreak { fid, level }));
    }

    /// The next event for the host.
    #[must_use]
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
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit<L>> {
        let t = self.out.pop_front()?;
        self.out_bytes -= t.len();
        Some(t)
    }

    fn push_out(&mut self, t: Transmit<L>) {
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
                super::changes::dropped(i, r.id.0);
                if let Some((_, Some(h))) = i.op_info.remove(&r.id.0) {
                    i.close_requested.remove(&h.0);
                }
            }
            i.waiting.clear();
            i.searches.clear();
            // The locks go now; the handles close one after the other below.
            i.shared.release_locks_of(i.conn_id);
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
            super::handlers::close_all(&cx, handles, true).await;
            Reply {
                msgs: Vec::new(),
                seq: None,
                later: None,
                raw: None,
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
                super::access::task_done(i, id);
                i.waiting.remove(&id);
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
            if let Some(raw) = reply.raw.take() {
                self.push_out(Transmit::whole(
                    NbssPacket::Message(raw).encode(self.transport),
                ));
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
                    // Only the host's own type ever goes in (see `complete`).
                    match l.source.downcast::<L>() {
                        Ok(source) => {
                            t.later = Some(LaterRead {
                                len: l.len,
                                source: *source,
                            })
                        }
                        Err(_) => {
                            self.close(ConnectionError::Internal(
                                "file bytes of a type the host did not give",
                            ));
                            return;
                        }
                    }
                }
                self.push_out(t);
            }
        }
    }

    fn encode(&mut self, m: &Message<Response>, seq: Option<u32>) -> Transmit<L> {
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
                    self.close(ConnectionError::NetbiosRefused(
                        NegativeCode::CALLED_NAME_NOT_PRESENT,
                    ));
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
        // After a WRITE_RAW interim response the next message is the raw data.
        if let Some(w) = self.cx.with(|i| i.lanman.raw_write.take()) {
            let cx = self.cx.clone();
            let id = self.tasks.spawn(async move {
                Reply {
                    msgs: super::handlers::raw_write_data(&cx, w, m).await,
                    seq: None,
                    later: None,
                    raw: None,
                }
            });
            self.run(id);
            return;
        }
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
                raw: served.raw,
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
