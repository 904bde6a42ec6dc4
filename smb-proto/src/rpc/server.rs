//! The server end of one named pipe: a sans-IO DCE/RPC endpoint.
//!
//! The SMB layer creates a [`PipeEndpoint`] when a client opens a pipe whose name
//! [`lookup_pipe`] knows (and answers `STATUS_OBJECT_NAME_NOT_FOUND` for the others),
//! passes it whatever the client writes (WRITE_ANDX, or the write half of
//! TransactNmPipe) with [`PipeEndpoint::write`], and answers reads from
//! [`PipeEndpoint::read`]. The pipe is in message mode: one read returns bytes of one
//! response PDU at most, and [`PipeRead::more`] says that the PDU did not fit, which the
//! SMB layer answers with `STATUS_BUFFER_OVERFLOW` (the client reads the rest next).
//!
//! ```
//! use std::sync::Arc;
//! use smb_proto::rpc::client;
//! use smb_proto::rpc::info::{ServerInfo, ShareEntry};
//! use smb_proto::rpc::server::{lookup_pipe, PipeEndpoint};
//! use smb_proto::rpc::Caller;
//! use smb_proto::time::{Instant, Now};
//!
//! let info = Arc::new(ServerInfo::new("FILES", "WORKGROUP", vec![
//!     ShareEntry::disk("share", "Team files"),
//!     ShareEntry::ipc("IPC Service"),
//! ]));
//! let now = Now::new(Instant::from_nanos(0), 133_485_408_000_000_000);
//! let iface = lookup_pipe("\\PIPE\\srvsvc").unwrap();
//! let mut pipe = PipeEndpoint::new(iface, info, Caller::Authenticated, 0x1234);
//!
//! pipe.write(now, &client::bind_srvsvc(1)).unwrap();
//! let ack = pipe.read(4280);
//! assert!(!ack.more);
//! let max_frag = client::parse_bind_ack(&ack.data).unwrap();
//!
//! pipe.write(now, &client::net_share_enum_all(2, "\\\\FILES")).unwrap();
//! let mut reply = client::ShareEnumReply::new(2);
//! while !reply.is_complete() {
//!     reply.push(&pipe.read(usize::from(max_frag)).data).unwrap();
//! }
//! let shares = reply.finish().unwrap();
//! assert_eq!(shares[0].name, "share");
//! assert_eq!(shares[1].share_type, 0x8000_0003);
//! ```

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::bind::{BindAck, BindNak, nak_reason};
use super::call::{CallContext, Caller, Outcome};
use super::info::{ServerInfo, eq_ignore_case};
use super::negotiate::{NegotiationError, check_known, negotiate};
use super::pdu::{
    Body, Fault, HEADER_LEN, Header, PacketType, Pdu, RESPONSE_HEADER_LEN, Request, Response,
    flags, frag_length,
};
use super::status::{FAULT_ACCESS_DENIED, NCA_S_PROTO_ERROR, NCA_S_UNKNOWN_IF};
use super::uuid::{SRVSVC, SyntaxId, WKSSVC};
use super::{srvsvc, wkssvc};
use crate::time::Now;
use crate::wire::status::NtStatus;

/// The largest fragment this endpoint accepts in a request, and the most it sends (what
/// Windows and Samba use over SMB).
pub const MAX_FRAG: u16 = 4280;
/// The smallest fragment size negotiated, whatever the client proposes.
pub const MIN_FRAG: u16 = 2048;
/// The largest request stub reassembled from fragments; a larger call is refused.
pub const MAX_REQUEST_STUB: usize = 256 * 1024;
/// Unread response bytes beyond which writes are refused until the client reads.
pub const MAX_PENDING_OUTPUT: usize = 1024 * 1024;

/// The interfaces served, one per pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// `\PIPE\srvsvc`: the server service.
    Srvsvc,
    /// `\PIPE\wkssvc`: the workstation service.
    Wkssvc,
}

impl Interface {
    /// The interface's syntax identifier.
    pub fn syntax(self) -> SyntaxId {
        match self {
            Interface::Srvsvc => SRVSVC,
            Interface::Wkssvc => WKSSVC,
        }
    }

    /// The pipe's name (without `\PIPE\`).
    pub fn pipe_name(self) -> &'static str {
        match self {
            Interface::Srvsvc => "srvsvc",
            Interface::Wkssvc => "wkssvc",
        }
    }
}

/// The interface behind a pipe name as a client opens it on IPC$: `srvsvc`, `\srvsvc`,
/// `\PIPE\srvsvc` or `PIPE\srvsvc`, in any case. `None`: the SMB layer answers
/// `STATUS_OBJECT_NAME_NOT_FOUND`.
///
/// ```
/// use smb_proto::rpc::server::{lookup_pipe, Interface};
/// assert_eq!(lookup_pipe("\\PIPE\\SrvSvc"), Some(Interface::Srvsvc));
/// assert_eq!(lookup_pipe("wkssvc"), Some(Interface::Wkssvc));
/// assert_eq!(lookup_pipe("\\lsarpc"), None);
/// ```
pub fn lookup_pipe(name: &str) -> Option<Interface> {
    let name = name.strip_prefix('\\').unwrap_or(name);
    let name = match name.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("PIPE\\") => &name[5..],
        _ => name,
    };
    [Interface::Srvsvc, Interface::Wkssvc]
        .into_iter()
        .find(|i| eq_ignore_case(i.pipe_name(), name))
}

/// Why a write was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeError {
    /// The endpoint closed the association after a protocol error (the client must open
    /// the pipe again).
    Disconnected,
    /// More than [`MAX_PENDING_OUTPUT`] bytes wait to be read.
    Busy,
}

impl PipeError {
    /// The status the SMB layer answers the write with.
    pub fn status(self) -> NtStatus {
        match self {
            PipeError::Disconnected => NtStatus::PIPE_DISCONNECTED,
            PipeError::Busy => NtStatus::PIPE_BUSY,
        }
    }
}

/// The result of a read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PipeRead {
    /// Bytes of the current response PDU (empty when nothing is waiting).
    pub data: Vec<u8>,
    /// The PDU continues (answer `STATUS_BUFFER_OVERFLOW`).
    pub more: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Unbound,
    Bound,
    Closed,
}

/// A fragmented request being reassembled.
#[derive(Debug)]
struct Partial {
    header: Header,
    context_id: u16,
    opnum: u16,
    stub: Vec<u8>,
}

/// One open pipe.
#[derive(Debug)]
pub struct PipeEndpoint {
    interface: Interface,
    info: Arc<ServerInfo>,
    caller: Caller,
    assoc_group_id: u32,
    state: State,
    contexts: Vec<u16>,
    max_frag: u16,
    input: Vec<u8>,
    output: VecDeque<Vec<u8>>,
    read_offset: usize,
    pending: usize,
    partial: Option<Partial>,
}

impl PipeEndpoint {
    /// A pipe serving `interface` with `info`, for `caller`. `assoc_group_id` is the
    /// association group announced to a client that asks for a new one.
    pub fn new(
        interface: Interface,
        info: Arc<ServerInfo>,
        caller: Caller,
        assoc_group_id: u32,
    ) -> Self {
        PipeEndpoint {
            interface,
            info,
            caller,
            assoc_group_id,
            state: State::Unbound,
            contexts: Vec::new(),
            max_frag: MAX_FRAG,
            input: Vec::new(),
            output: VecDeque::new(),
            read_offset: 0,
            pending: 0,
            partial: None,
        }
    }

    /// The interface served.
    pub fn interface(&self) -> Interface {
        self.interface
    }

    /// Whether the endpoint closed the association after a protocol error; whatever was
    /// queued before can still be read.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Bytes waiting to be read.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Takes bytes the client wrote. Complete PDUs are handled at once and their answers
    /// queued for [`PipeEndpoint::read`]; a partial PDU waits for the rest.
    pub fn write(&mut self, now: Now, data: &[u8]) -> Result<(), PipeError> {
        if self.state == State::Closed {
            return Err(PipeError::Disconnected);
        }
        if self.pending > MAX_PENDING_OUTPUT {
            return Err(PipeError::Busy);
        }
        self.input.extend_from_slice(data);
        while self.state != State::Closed {
            // Not DCE/RPC 5.0 or 5.1: do not wait for a length that means nothing.
            if self.input.first().is_some_and(|&v| v != 5)
                || self.input.get(1).is_some_and(|&v| v > 1)
            {
                self.close();
                break;
            }
            let Some(len) = frag_length(&self.input) else {
                break;
            };
            if len < HEADER_LEN {
                self.close();
                break;
            }
            if self.input.len() < len {
                break;
            }
            let pdu: Vec<u8> = self.input.drain(..len).collect();
            self.handle(now, &pdu);
        }
        Ok(())
    }

    /// Up to `max` bytes of the next response PDU.
    pub fn read(&mut self, max: usize) -> PipeRead {
        let Some(front) = self.output.front() else {
            return PipeRead::default();
        };
        let n = (front.len() - self.read_offset).min(max);
        let data = front[self.read_offset..self.read_offset + n].to_vec();
        self.read_offset += n;
        self.pending -= n;
        let more = self.read_offset < front.len();
        if !more {
            self.output.pop_front();
            self.read_offset = 0;
        }
        PipeRead { data, more }
    }

    fn close(&mut self) {
        self.state = State::Closed;
        self.input.clear();
        self.partial = None;
    }

    fn send(&mut self, header: Header, body: Body) {
        let pdu = Pdu {
            header,
            body,
            auth: None,
        };
        // Every PDU built here is at most MAX_FRAG long or a bind answer to a bind that
        // fitted in a fragment; one that cannot be encoded is dropped.
        if let Ok(bytes) = pdu.encode() {
            self.pending += bytes.len();
            self.output.push_back(bytes);
        }
    }

    fn fault(&mut self, call_id: u32, context_id: u16, status: u32, not_executed: bool) {
        let mut header = Header::new(call_id);
        if not_executed {
            header.flags |= flags::DID_NOT_EXECUTE;
        }
        self.send(header, Body::Fault(Fault::new(context_id, status)));
    }

    fn nak(&mut self, call_id: u32, reason: u16) {
        self.send(Header::new(call_id), Body::BindNak(BindNak::new(reason)));
        self.close();
    }

    /// A protocol error: a fault that did not execute, then the association is closed.
    fn protocol_error(&mut self, call_id: u32, context_id: u16, status: u32, not_executed: bool) {
        self.fault(call_id, context_id, status, not_executed);
        self.close();
    }

    fn handle(&mut self, now: Now, bytes: &[u8]) {
        let Ok(pdu) = Pdu::decode(bytes) else {
            // Samba and Windows drop the connection on a PDU they cannot parse.
            self.close();
            return;
        };
        let call_id = pdu.header.call_id;
        if self.state == State::Unbound {
            let Body::Bind(bind) = &pdu.body else {
                return self.nak(call_id, nak_reason::PROTOCOL_VERSION_NOT_SUPPORTED);
            };
            return self.bind(&pdu, bind);
        }
        match &pdu.body {
            Body::Bind(_) => self.nak(call_id, nak_reason::NOT_SPECIFIED),
            Body::AlterContext(alter) => {
                if pdu.auth.is_some() {
                    return self.protocol_error(call_id, 0, NCA_S_PROTO_ERROR, true);
                }
                let iface = self.interface.syntax();
                let n = check_known(&alter.contexts, iface, &self.contexts)
                    .and_then(|()| negotiate(&alter.contexts, iface, &self.contexts, false));
                let Ok(n) = n else {
                    return self.protocol_error(call_id, 0, NCA_S_PROTO_ERROR, true);
                };
                self.contexts.extend(n.accepted);
                let ack = self.ack(alter.max_xmit_frag, alter.max_recv_frag, n.results, false);
                self.send(Header::new(call_id), Body::AlterContextResp(ack));
            }
            Body::Request(req) => {
                if bytes.len() > usize::from(MAX_FRAG) {
                    return self.protocol_error(call_id, req.context_id, NCA_S_PROTO_ERROR, false);
                }
                if pdu.auth.is_some() {
                    return self.protocol_error(
                        call_id,
                        req.context_id,
                        FAULT_ACCESS_DENIED,
                        false,
                    );
                }
                self.request(now, pdu.header, req);
            }
            // Nothing to cancel: calls run to completion as they arrive. No auth3 either.
            Body::Other(PacketType::CoCancel | PacketType::Orphaned | PacketType::Auth3, _) => {}
            _ => self.protocol_error(call_id, 0, NCA_S_PROTO_ERROR, true),
        }
    }

    fn ack(
        &mut self,
        xmit: u16,
        recv: u16,
        results: Vec<super::bind::ContextResult>,
        bind: bool,
    ) -> BindAck {
        // Windows answers the same value in both fields: the smaller of the client's two,
        // at least 2048, at most 4280, rounded down to a multiple of 8.
        let frag = xmit.min(recv).clamp(MIN_FRAG, MAX_FRAG) & 0xFFF8;
        self.max_frag = frag;
        let mut secondary_address = Vec::new();
        if bind {
            secondary_address.extend_from_slice(b"\\PIPE\\");
            secondary_address.extend_from_slice(self.interface.pipe_name().as_bytes());
            secondary_address.push(0);
        }
        BindAck {
            max_xmit_frag: frag,
            max_recv_frag: frag,
            assoc_group_id: self.assoc_group_id,
            secondary_address,
            results,
            trailing: Vec::new(),
        }
    }

    fn bind(&mut self, pdu: &Pdu, bind: &super::bind::Bind) {
        let call_id = pdu.header.call_id;
        if pdu.auth.is_some() {
            return self.nak(call_id, nak_reason::AUTHENTICATION_TYPE_NOT_RECOGNIZED);
        }
        let n = match negotiate(&bind.contexts, self.interface.syntax(), &[], true) {
            Ok(n) => n,
            Err(NegotiationError::NoContexts) => {
                return self.nak(call_id, nak_reason::PROTOCOL_VERSION_NOT_SUPPORTED);
            }
            Err(_) => return self.nak(call_id, nak_reason::NOT_SPECIFIED),
        };
        self.contexts.extend(n.accepted);
        if bind.assoc_group_id != 0 {
            // Pipes share no state here: the client's group is taken as it is.
            self.assoc_group_id = bind.assoc_group_id;
        }
        let ack = self.ack(bind.max_xmit_frag, bind.max_recv_frag, n.results, true);
        self.send(Header::new(call_id), Body::BindAck(ack));
        self.state = State::Bound;
    }

    fn request(&mut self, now: Now, header: Header, req: &Request) {
        let call_id = header.call_id;
        let first = header.flags & flags::FIRST_FRAG != 0;
        let last = header.flags & flags::LAST_FRAG != 0;
        if first {
            if let Some(p) = &self.partial {
                let (id, ctx) = (p.header.call_id, p.context_id);
                return self.protocol_error(id, ctx, NCA_S_PROTO_ERROR, false);
            }
            if !self.contexts.contains(&req.context_id) {
                return self.fault(call_id, req.context_id, NCA_S_UNKNOWN_IF, true);
            }
            if !last && req.alloc_hint as usize > MAX_REQUEST_STUB {
                return self.protocol_error(call_id, req.context_id, FAULT_ACCESS_DENIED, false);
            }
            self.partial = Some(Partial {
                header,
                context_id: req.context_id,
                opnum: req.opnum,
                stub: Vec::new(),
            });
        }
        let Some(p) = self
            .partial
            .as_mut()
            .filter(|p| p.header.call_id == call_id)
        else {
            return self.protocol_error(call_id, req.context_id, NCA_S_PROTO_ERROR, false);
        };
        if p.header.drep != header.drep {
            let (id, ctx) = (p.header.call_id, p.context_id);
            return self.protocol_error(id, ctx, NCA_S_PROTO_ERROR, true);
        }
        if p.stub.len() + req.stub.len() > MAX_REQUEST_STUB {
            let (id, ctx) = (p.header.call_id, p.context_id);
            return self.protocol_error(id, ctx, FAULT_ACCESS_DENIED, false);
        }
        p.stub.extend_from_slice(&req.stub);
        if !last {
            return;
        }
        let Some(p) = self.partial.take() else {
            return;
        };
        let ctx = CallContext {
            info: &self.info,
            caller: self.caller,
            now,
        };
        let endian = p.header.endian();
        let outcome = match self.interface {
            Interface::Srvsvc => srvsvc::call(p.opnum, &p.stub, endian, &ctx),
            Interface::Wkssvc => wkssvc::call(p.opnum, &p.stub, endian, &ctx),
        };
        match outcome {
            Outcome::Stub(stub) => self.respond(call_id, p.context_id, &stub),
            Outcome::Fault { status, executed } => {
                self.fault(call_id, p.context_id, status, !executed)
            }
        }
    }

    /// Queues the response to a call, in fragments of at most the negotiated size.
    fn respond(&mut self, call_id: u32, context_id: u16, stub: &[u8]) {
        // Stub bytes per fragment: a multiple of 16, as Windows and Samba send them.
        let chunk = (usize::from(self.max_frag) - RESPONSE_HEADER_LEN) & !15;
        let mut offset = 0;
        loop {
            let n = (stub.len() - offset).min(chunk);
            let mut header = Header::new(call_id);
            header.flags = 0;
            if offset == 0 {
                header.flags |= flags::FIRST_FRAG;
            }
            if offset + n == stub.len() {
                header.flags |= flags::LAST_FRAG;
            }
            let body = Body::Response(Response {
                alloc_hint: (stub.len() - offset) as u32,
                // Windows keeps only the low byte of the context ID here.
                context_id: context_id & 0xFF,
                cancel_count: 0,
                reserved: 0,
                stub: stub[offset..offset + n].to_vec(),
            });
            self.send(header, body);
            offset += n;
            if offset == stub.len() {
                break;
            }
        }
    }
}
