//! A raw SMB1 client for tests: it builds the requests a test chooses (NT_CREATE_ANDX
//! with oplock flags, LOCKING_ANDX acknowledgements, NT_TRANSACT_NOTIFY_CHANGE,
//! NT_CANCEL...) as framed bytes, and keeps everything a server sends back, responses
//! and oplock break requests alike. It moves no bytes itself: the in-memory
//! [`Hub`](super::hub::Hub) and the real-peer tests (over TCP) do.

use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::msg::negotiate::{NT_LM_0_12, caps};
use crate::wire::msg::*;
use crate::wire::{
    Deframer, Flags2, Header, Message, NbssPacket, NtStatus, Request, Response, Transport,
};

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

/// The client side of one connection.
#[derive(Debug)]
pub struct RawClient {
    /// The session's UID.
    pub uid: u16,
    /// The tree's TID.
    pub tid: u16,
    /// The PID requests carry.
    pub pid: u32,
    /// The capabilities the session setup announces (CAP_LEVEL_II_OPLOCKS or not).
    pub caps: u32,
    next_mid: u16,
    deframer: Deframer,
    /// Everything received and not taken yet.
    pub inbox: Vec<Received>,
}

impl RawClient {
    /// A client; `level2`: it takes level II oplocks.
    pub fn new(pid: u32, level2: bool) -> Self {
        Self {
            uid: 0,
            tid: 0,
            pid,
            caps: caps::UNICODE
                | caps::NT_SMBS
                | caps::STATUS32
                | caps::LARGE_FILES
                | if level2 { caps::LEVEL_II_OPLOCKS } else { 0 },
            next_mid: 1,
            deframer: Deframer::new(Transport::Direct, 1 << 24),
            inbox: Vec::new(),
        }
    }

    /// The next MID (never 0 or 0xFFFF).
    pub fn next_mid(&mut self) -> u16 {
        let mid = self.next_mid;
        self.next_mid = match self.next_mid.wrapping_add(1) {
            0 | 0xFFFF => 1,
            m => m,
        };
        mid
    }

    /// A request with `mid`, framed for direct TCP.
    pub fn frame(&self, mid: u16, body: impl Into<Request>) -> Vec<u8> {
        let mut h = Header {
            flags2: Flags2(Flags2::UNICODE | Flags2::NT_STATUS | Flags2::LONG_NAMES),
            tid: self.tid,
            uid: self.uid,
            mid,
            ..Default::default()
        };
        h.set_pid(self.pid);
        let (head, tail) = Message::new(h, body.into()).encode_framed(Transport::Direct);
        let mut bytes = head.to_vec();
        if let Some(t) = tail {
            bytes.extend_from_slice(&t);
        }
        bytes
    }

    /// Bytes from the server: whole messages go to the inbox.
    pub fn receive(&mut self, bytes: &[u8]) {
        self.deframer.push(bytes);
        while let Ok(Some(pkt)) = self.deframer.next_packet() {
            if let NbssPacket::Message(m) = pkt {
                let reply = m.get(9).is_some_and(|f| f & 0x80 != 0);
                let r = if reply {
                    Received::Response(Message::decode(&m).expect("a response that decodes"))
                } else {
                    Received::Request(Message::decode(&m).expect("a request that decodes"))
                };
                self.inbox.push(r);
            }
        }
    }

    /// Takes the response to `mid` if it arrived.
    pub fn take_response(&mut self, mid: u16) -> Option<Message<Response>> {
        let i = self
            .inbox
            .iter()
            .position(|r| matches!(r, Received::Response(m) if m.header.mid == mid))?;
        match self.inbox.remove(i) {
            Received::Response(m) => Some(m),
            Received::Request(_) => None,
        }
    }

    /// Takes the oplock break requests received.
    pub fn take_breaks(&mut self) -> Vec<Break> {
        let mut out = Vec::new();
        self.inbox.retain(|r| match r {
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

    /// Logs on as guest and connects `share` through `call` (which sends a request and
    /// returns its response).
    pub fn handshake(
        &mut self,
        share: &str,
        mut call: impl FnMut(&mut Self, Request) -> Message<Response>,
    ) {
        call(
            self,
            NegotiateRequest {
                dialects: alloc::vec![NT_LM_0_12.into()],
            }
            .into(),
        );
        let common = SessionSetupCommon {
            max_buffer_size: 16644,
            max_mpx_count: 50,
            capabilities: self.caps,
            ..Default::default()
        };
        let r = call(
            self,
            SessionSetupAndXRequest::NtLm(SessionSetupNtLm {
                common,
                ..Default::default()
            })
            .into(),
        );
        assert_eq!(r.header.nt_status(), NtStatus::SUCCESS, "guest logon");
        self.uid = r.header.uid;
        let r = call(
            self,
            TreeConnectAndXRequest {
                flags: 0,
                password: Bytes::from_static(b"\0"),
                path: alloc::format!("\\\\SERVER\\{share}"),
                service: "?????".into(),
            }
            .into(),
        );
        assert_eq!(r.header.nt_status(), NtStatus::SUCCESS, "tree connect");
        self.tid = r.header.tid;
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
