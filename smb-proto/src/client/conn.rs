//! The client connection: MIDs and credits, request queue, replies matched by MID,
//! signing, timeouts, and the operation tasks.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::types::*;
use crate::exec::{TaskId, Tasks};
use crate::rng::Rng;
use crate::signing::{self, SigningState};

use crate::time::{Instant, Now};
use crate::transmit::Transmit;
use crate::wire::msg::{Trans2Response, TransAssembler, TransResponseBody, TransactionResponse};
use crate::wire::netbios::{NbssPacket, Transport};
use crate::wire::{Deframer, Header, Message, Request, Response};

/// A request waiting to be sent or answered.
struct Pending {
    waiter: u64,
    deadline: Instant,
    seq: Option<u32>,
}

/// Negotiated state, filled by the handshake.
#[derive(Debug, Clone, Default)]
pub(crate) struct Negotiated {
    pub unicode: bool,
    pub extended: bool,
    pub caps: u32,
    pub max_mpx: u16,
    pub max_buffer: u32,
    pub uid: u16,
    pub connected: bool,
    /// Signing was decided on at NEGOTIATE (announced in Flags2 from then on).
    pub sign: bool,
    /// A pre-NT dialect was negotiated (no Unicode, no NT status codes, OEM names).
    pub lanman: Option<crate::wire::dialect::Protocol>,
}

pub(crate) struct Inner {
    pub config: ClientConfig,
    pub now: Now,
    pub rng: Rng,
    pub neg: Negotiated,
    pub signing: Option<SigningState>,
    /// Messages waiting for a free slot (the waiter id, the message, the deadline).
    queue: VecDeque<(u64, Message<Request>, Instant)>,
    inflight: BTreeMap<u16, Pending>,
    partial: BTreeMap<u16, (TransAssembler, Message<Response>)>,
    replies: BTreeMap<u64, Result<Message<Response>, SmbError>>,
    waiters: BTreeMap<u64, TaskId>,
    next_waiter: u64,
    next_mid: u16,
    pub current_task: Option<TaskId>,
    pub timers: BTreeMap<TaskId, Instant>,
    /// A NetBIOS session-service answer for the handshake.
    pub nbss: Option<NbssPacket>,
    nbss_waiter: Option<TaskId>,
    /// Frames to send verbatim (the NetBIOS session request).
    raw_out: VecDeque<Bytes>,
    pub closed: Option<ConnectionError>,
}

/// Handle the operation tasks use.
#[derive(Clone)]
pub(crate) struct Cx {
    pub inner: Arc<spin::Mutex<Inner>>,
}

impl Cx {
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.lock())
    }

    /// Queues a request and waits for its reply (any status; the caller checks it).
    pub fn call(&self, msg: Message<Request>) -> ReplyWait {
        let waiter = self.with(|i| {
            let w = i.next_waiter;
            i.next_waiter += 1;
            if let Some(e) = &i.closed {
                i.replies.insert(w, Err(SmbError::Connection(e.clone())));
                return w;
            }
            if let Some(t) = i.current_task {
                i.waiters.insert(w, t);
            }
            let deadline = i.now.instant + i.config.request_timeout;
            i.queue.push_back((w, msg, deadline));
            w
        });
        ReplyWait {
            cx: self.clone(),
            waiter,
        }
    }

    /// Sends a raw NetBIOS session packet and waits for the session-service answer.
    pub fn nbss_exchange(&self, p: NbssPacket) -> NbssWait {
        self.with(|i| {
            i.raw_out.push_back(p.encode(Transport::Netbios));
            i.nbss = None;
            i.nbss_waiter = i.current_task;
        });
        NbssWait { cx: self.clone() }
    }

    /// A request header with our ids.
    pub fn header(&self, tid: u16) -> Header {
        self.with(|i| {
            let mut h = Header {
                flags: crate::wire::Flags(0x18),
                ..Default::default()
            };
            let mut f2 = crate::wire::Flags2::NT_STATUS
                | crate::wire::Flags2::LONG_NAMES
                | crate::wire::Flags2::EAS
                | crate::wire::Flags2::IS_LONG_NAME;
            if i.neg.unicode || !i.neg.connected {
                f2 |= crate::wire::Flags2::UNICODE;
            }
            if i.neg.extended {
                f2 |= crate::wire::Flags2::EXTENDED_SECURITY;
            }
            if i.signing.is_some() || i.neg.sign || i.config.signing == SigningPolicy::Required {
                f2 |= crate::wire::Flags2::SECURITY_SIGNATURE;
            }
            if let Some(p) = i.neg.lanman {
                // What a LAN Manager redirector sets: long names from LANMAN2 on.
                f2 = if p >= crate::wire::dialect::Protocol::Lanman2 {
                    crate::wire::Flags2::LONG_NAMES | crate::wire::Flags2::EAS
                } else {
                    0
                };
            }
            h.flags2 = crate::wire::Flags2(f2);
            h.set_pid(i.config.pid);
            h.uid = i.neg.uid;
            h.tid = tid;
            h
        })
    }
}

/// Future of a reply.
pub(crate) struct ReplyWait {
    cx: Cx,
    waiter: u64,
}

impl Future for ReplyWait {
    type Output = Result<Message<Response>, SmbError>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.cx.with(|i| i.replies.remove(&self.waiter)) {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }
}

/// Future of a NetBIOS session-service answer.
pub(crate) struct NbssWait {
    cx: Cx,
}

impl Future for NbssWait {
    type Output = Result<NbssPacket, ConnectionError>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.cx.with(|i| {
            if let Some(p) = i.nbss.take() {
                return Poll::Ready(Ok(p));
            }
            if let Some(e) = &i.closed {
                return Poll::Ready(Err(e.clone()));
            }
            Poll::Pending
        })
    }
}

/// A sans-IO SMB1 client connection.
///
/// The host owns the socket. It starts operations, each of which returns an
/// [`Operation`] at once and completes later with a [`ClientEvent::Completed`] carrying
/// the same id ([`Operation::result`] gives the typed result), and drives the connection
/// in the order the crate documentation gives ([the drive loop](crate#the-drive-loop)):
/// inputs ([`handle_input`](Self::handle_input), [`handle_timeout`](Self::handle_timeout)
/// when the deadline of [`poll_timeout`](Self::poll_timeout) passes,
/// [`handle_eof`](Self::handle_eof)), then [`poll_event`](Self::poll_event) and
/// [`poll_transmit`](Self::poll_transmit) until both are empty, then a wait on the
/// socket, the deadline and the application. Each operation completes exactly once.
///
/// Operations may be started at any time, also before [`connect`](Self::connect)
/// finished: they queue and go out once the session exists.
pub struct ClientConnection {
    cx: Cx,
    tasks: Tasks<(RequestId, Result<Reply, SmbError>)>,
    deframer: Deframer,
    transport: Transport,
    out: VecDeque<Transmit>,
    events: VecDeque<ClientEvent>,
    next_id: u64,
    closed_reported: bool,
}

impl core::fmt::Debug for ClientConnection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientConnection")
            .field("transport", &self.transport)
            .field("operations", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl ClientConnection {
    /// A connection (nothing is sent until [`connect`](Self::connect)).
    pub fn new(config: ClientConfig, now: Now, seed: [u8; 32]) -> Self {
        let transport = if config.netbios.is_some() {
            Transport::Netbios
        } else {
            Transport::Direct
        };
        let inner = Inner {
            config,
            now,
            rng: Rng::from_seed(seed),
            neg: Negotiated::default(),
            signing: None,
            queue: VecDeque::new(),
            inflight: BTreeMap::new(),
            partial: BTreeMap::new(),
            replies: BTreeMap::new(),
            waiters: BTreeMap::new(),
            next_waiter: 1,
            next_mid: 1,
            current_task: None,
            timers: BTreeMap::new(),
            nbss: None,
            nbss_waiter: None,
            raw_out: VecDeque::new(),
            closed: None,
        };
        Self {
            cx: Cx {
                inner: Arc::new(spin::Mutex::new(inner)),
            },
            tasks: Tasks::default(),
            deframer: {
                let mut d = Deframer::new(transport, 0xFF_FFFF);
                d.set_reserve_whole_frames(true);
                d
            },
            transport,
            out: VecDeque::new(),
            events: VecDeque::new(),
            next_id: 1,
            closed_reported: false,
        }
    }

    /// Starts an operation written as async code over the task context.
    pub(crate) fn start<T: FromReply, F>(
        &mut self,
        now: Now,
        f: impl FnOnce(Cx) -> F,
    ) -> Operation<T>
    where
        F: Future<Output = Result<Reply, SmbError>> + Send + 'static,
    {
        self.cx.with(|i| i.now = now);
        let id = RequestId(self.next_id);
        self.next_id += 1;
        let fut = f(self.cx.clone());
        let t = self.tasks.spawn(async move { (id, fut.await) });
        self.run(t);
        self.pump();
        Operation::new(id)
    }

    /// Whether the session is established.
    pub fn is_connected(&self) -> bool {
        self.cx.with(|i| i.neg.connected && i.closed.is_none())
    }

    /// Whether the connection is closed.
    pub fn is_closed(&self) -> bool {
        self.cx.with(|i| i.closed.is_some())
    }

    /// Feeds bytes read from the socket.
    pub fn handle_input(&mut self, now: Now, data: &[u8]) -> Result<(), ConnectionError> {
        self.cx.with(|i| i.now = now);
        if let Some(e) = self.cx.with(|i| i.closed.clone()) {
            return Err(e);
        }
        // Frame by frame: each push ends at a frame's end at most, so a large frame sits
        // in a buffer of its own size and the next one never forces it to be copied.
        let mut rest = data;
        while !rest.is_empty() {
            let take = self.deframer.wanted().min(rest.len());
            self.deframer.push(&rest[..take]);
            rest = &rest[take..];
            self.drain_frames()?;
        }
        self.pump();
        Ok(())
    }

    /// The input buffer, with at least `room` bytes of spare capacity (and, during a
    /// large frame, room for the rest of it), for a host that reads from its socket
    /// straight into it instead of handing bytes to
    /// [`handle_input`](Self::handle_input): one copy less. Call
    /// [`process_input`](Self::process_input) after each read.
    pub fn input_buffer(&mut self, room: usize) -> &mut bytes::BytesMut {
        self.deframer.input_buffer(room)
    }

    /// Processes what the host read into [`input_buffer`](Self::input_buffer).
    pub fn process_input(&mut self, now: Now) -> Result<(), ConnectionError> {
        self.cx.with(|i| i.now = now);
        if let Some(e) = self.cx.with(|i| i.closed.clone()) {
            return Err(e);
        }
        self.drain_frames()?;
        self.pump();
        Ok(())
    }

    /// Takes every complete packet out of the deframer and handles it.
    fn drain_frames(&mut self) -> Result<(), ConnectionError> {
        loop {
            match self.deframer.next_packet() {
                Ok(Some(NbssPacket::Message(m))) => self.on_message(m),
                Ok(Some(NbssPacket::KeepAlive)) => {}
                Ok(Some(p)) => {
                    let waiter = self.cx.with(|i| {
                        i.nbss = Some(p);
                        i.nbss_waiter.take()
                    });
                    match waiter {
                        Some(t) => self.run(t),
                        None => self.fail(ConnectionError::Protocol("unexpected session packet")),
                    }
                }
                Ok(None) => break,
                Err(crate::wire::FrameError::TooLong { len, .. }) => {
                    self.fail(ConnectionError::FrameTooLong(len))
                }
                Err(crate::wire::FrameError::Malformed(_)) => {
                    self.fail(ConnectionError::Protocol("malformed session packet"))
                }
            }
            if let Some(e) = self.cx.with(|i| i.closed.clone()) {
                self.pump();
                return Err(e);
            }
        }
        Ok(())
    }

    /// The server closed the connection.
    pub fn handle_eof(&mut self, now: Now) {
        self.cx.with(|i| i.now = now);
        self.fail(ConnectionError::Closed);
    }

    /// The deadline of [`poll_timeout`](Self::poll_timeout) passed.
    pub fn handle_timeout(&mut self, now: Now) {
        self.cx.with(|i| i.now = now);
        // Requests past their deadline fail with Timeout.
        let expired: Vec<(u64, Option<TaskId>)> = self.cx.with(|i| {
            let mut v = Vec::new();
            let late: Vec<u16> = i
                .inflight
                .iter()
                .filter(|(_, p)| p.deadline <= now.instant)
                .map(|(m, _)| *m)
                .collect();
            for m in late {
                if let Some(p) = i.inflight.remove(&m) {
                    i.partial.remove(&m);
                    v.push(p.waiter);
                }
            }
            let (late_q, keep): (Vec<_>, Vec<_>) =
                i.queue.drain(..).partition(|(_, _, d)| *d <= now.instant);
            i.queue = keep.into();
            v.extend(late_q.into_iter().map(|(w, _, _)| w));
            v.into_iter()
                .map(|w| {
                    i.replies.insert(w, Err(SmbError::Timeout));
                    (w, i.waiters.remove(&w))
                })
                .collect()
        });
        for (_, t) in expired {
            if let Some(t) = t {
                self.run(t);
            }
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
    }

    /// The earliest deadline.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.cx.with(|i| {
            if i.closed.is_some() {
                return None;
            }
            let a = i.inflight.values().map(|p| p.deadline).min();
            let b = i.queue.iter().map(|(_, _, d)| *d).min();
            let c = i.timers.values().min().copied();
            [a, b, c].into_iter().flatten().min()
        })
    }

    /// The next bytes to write.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        if !self.closed_reported
            && let Some(e) = self.cx.with(|i| i.closed.clone())
            && self.tasks.is_empty()
        {
            self.closed_reported = true;
            return Some(ClientEvent::Closed(e));
        }
        None
    }

    fn fail(&mut self, e: ConnectionError) {
        let waiters: Vec<Option<TaskId>> = self.cx.with(|i| {
            if i.closed.is_some() {
                return Vec::new();
            }
            i.closed = Some(e.clone());
            let mut ws: Vec<u64> = i.inflight.values().map(|p| p.waiter).collect();
            ws.extend(i.queue.iter().map(|(w, _, _)| *w));
            i.inflight.clear();
            i.queue.clear();
            i.partial.clear();
            for w in &ws {
                i.replies.insert(*w, Err(SmbError::Connection(e.clone())));
            }
            let mut ts: Vec<Option<TaskId>> = ws.iter().map(|w| i.waiters.remove(w)).collect();
            ts.push(i.nbss_waiter.take());
            ts.extend(i.timers.keys().map(|k| Some(*k)));
            ts
        });
        for t in waiters.into_iter().flatten() {
            self.run(t);
        }
        // Anything still waiting cannot be answered any more.
        for t in self.tasks.ids() {
            self.run(t);
        }
    }

    fn run(&mut self, id: TaskId) {
        self.cx.with(|i| i.current_task = Some(id));
        let out = self.tasks.poll(id);
        self.cx.with(|i| {
            i.current_task = None;
            if out.is_some() {
                i.timers.remove(&id);
            }
        });
        if let Some((rid, result)) = out {
            self.events
                .push_back(ClientEvent::Completed { id: rid, result });
        }
    }

    /// Moves queued requests onto the wire as far as credits allow.
    fn pump(&mut self) {
        loop {
            let raw = self.cx.with(|i| i.raw_out.pop_front());
            match raw {
                Some(b) => self.out.push_back(Transmit::whole(b)),
                None => break,
            }
        }
        loop {
            let next = self.cx.with(|i| {
                if i.closed.is_some() {
                    return None;
                }
                let limit = if i.neg.max_mpx == 0 {
                    1
                } else {
                    i.neg.max_mpx.min(i.config.max_in_flight).max(1)
                } as usize;
                if i.inflight.len() >= limit {
                    return None;
                }
                let (w, mut msg, deadline) = i.queue.pop_front()?;
                // Allocate a MID not in use (never 0 or 0xFFFF).
                let mut mid = i.next_mid;
                while mid == 0 || mid == 0xFFFF || i.inflight.contains_key(&mid) {
                    mid = mid.wrapping_add(1);
                }
                i.next_mid = mid.wrapping_add(1);
                msg.header.mid = mid;
                let is_cancel = msg.command() == crate::wire::Command::NT_CANCEL;
                let seq = i.signing.as_mut().map(|s| {
                    if is_cancel {
                        s.next_unanswered()
                    } else {
                        s.next_request()
                    }
                });
                let key = i.signing.as_ref().map(|s| s.key().to_vec());
                if !is_cancel {
                    i.inflight.insert(
                        mid,
                        Pending {
                            waiter: w,
                            deadline,
                            seq,
                        },
                    );
                }
                Some((msg, seq, key))
            });
            let Some((msg, seq, key)) = next else { break };
            let (mut head, tail) = msg.encode_framed(self.transport);
            if let (Some(seq), Some(key)) = (seq, key) {
                signing::sign(&key, &mut head[4..], tail.as_deref().unwrap_or(&[]), seq);
            } else if msg
                .header
                .flags2
                .has(crate::wire::Flags2::SECURITY_SIGNATURE)
            {
                // Signing negotiated but no key yet: the customary placeholder.
                head[4 + 14..4 + 22].copy_from_slice(b"BSRSPYL ");
            }
            self.out.push_back(Transmit {
                head: head.freeze(),
                tail,
                later: None,
            });
        }
    }

    fn on_message(&mut self, m: Bytes) {
        let msg = match Message::<Response>::decode(&m) {
            Ok(x) => x,
            Err(_) => {
                // An undecodable reply fails its request if we can tell which one it is.
                if m.len() >= 32 && m[..4] == crate::wire::header::PROTOCOL_ID {
                    let mid = u16::from_le_bytes([m[30], m[31]]);
                    self.deliver(mid, Err(SmbError::Protocol("malformed reply")));
                    return;
                }
                self.fail(ConnectionError::Protocol("a reply that is not SMB1"));
                return;
            }
        };
        if !msg.header.is_reply() {
            return;
        }
        let mid = msg.header.mid;
        // Signature check.
        let check = self.cx.with(|i| {
            let p = i.inflight.get(&mid)?;
            let seq = p.seq?;
            let key = i.signing.as_ref()?.key().to_vec();
            Some(signing::verify(&key, &m, seq.wrapping_add(1)))
        });
        if check == Some(false) {
            self.fail(ConnectionError::BadSignature);
            return;
        }
        // Multi-part transaction replies are reassembled first.
        let complete = match self.assemble(mid, msg) {
            Some(m) => m,
            None => return,
        };
        self.deliver(mid, Ok(complete));
    }

    fn assemble(&mut self, mid: u16, msg: Message<Response>) -> Option<Message<Response>> {
        let body = match msg.body() {
            Response::Trans2(Trans2Response(b)) | Response::Transaction(TransactionResponse(b)) => {
                b.clone()
            }
            _ => return Some(msg),
        };
        let TransResponseBody::Reply { header, payload } = body else {
            return Some(msg);
        };
        let single = header.parameter_displacement == 0
            && header.data_displacement == 0
            && payload.parameters.len() == header.total_parameter_count as usize
            && payload.data.len() == header.total_data_count as usize;
        if single {
            return Some(msg);
        }
        let done = self.cx.with(|i| {
            let entry = match i.partial.remove(&mid) {
                Some(e) => e,
                None => match TransAssembler::new(
                    header.total_parameter_count as usize,
                    header.total_data_count as usize,
                    1 << 24,
                ) {
                    Ok(a) => (a, msg.clone()),
                    Err(_) => return Err(()),
                },
            };
            let (mut a, first) = entry;
            if a.add(
                header.parameter_displacement as usize,
                &payload.parameters,
                header.data_displacement as usize,
                &payload.data,
            )
            .is_err()
            {
                return Err(());
            }
            if a.is_complete() {
                Ok(Some((a, first)))
            } else {
                i.partial.insert(mid, (a, first));
                Ok(None)
            }
        });
        match done {
            Err(()) => {
                self.deliver(
                    mid,
                    Err(SmbError::Protocol("bad multi-part transaction reply")),
                );
                None
            }
            Ok(None) => None,
            Ok(Some((a, first))) => {
                let (p, d) = a.finish();
                let mut m = first;
                let body = TransResponseBody::reply(alloc::vec![], p, d);
                m.blocks[0].body = match m.blocks[0].body {
                    Response::Transaction(_) => Response::Transaction(TransactionResponse(body)),
                    _ => Response::Trans2(Trans2Response(body)),
                };
                Some(m)
            }
        }
    }

    fn deliver(&mut self, mid: u16, r: Result<Message<Response>, SmbError>) {
        let task = self.cx.with(|i| {
            let p = i.inflight.remove(&mid)?;
            i.replies.insert(p.waiter, r);
            i.waiters.remove(&p.waiter)
        });
        if let Some(t) = task {
            self.run(t);
        }
        self.pump();
    }
}
