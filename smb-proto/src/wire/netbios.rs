//! NetBIOS session service framing (RFC 1001/1002) and direct TCP framing (port 445).
//!
//! Every SMB message travels behind a 4-byte header: a packet type and a big-endian length.
//! On port 139 the length has 17 bits (the low bit of the flags byte extends it); on port
//! 445 the type byte is zero and the length has 24 bits. [`Deframer`] splits a byte stream
//! received in arbitrary chunks into packets and refuses a frame whose announced length is
//! above a configured maximum as soon as the 4-byte header has arrived, before buffering it.

use bytes::{Buf, Bytes, BytesMut};
use core::fmt;

use super::codec::{DecodeError, Reader, Writer};

/// Length of the session service header.
pub const NBSS_HEADER_LEN: usize = 4;

/// Largest trailer length on the NetBIOS transport (17 bits).
pub const NETBIOS_MAX_LEN: usize = 0x1_FFFF;

/// Largest trailer length on direct TCP (24 bits).
pub const DIRECT_MAX_LEN: usize = 0xFF_FFFF;

/// Session service packet types.
pub mod packet_type {
    /// Session message (carries an SMB message).
    pub const SESSION_MESSAGE: u8 = 0x00;
    /// Session request (called and calling names).
    pub const SESSION_REQUEST: u8 = 0x81;
    /// Positive session response.
    pub const POSITIVE_RESPONSE: u8 = 0x82;
    /// Negative session response (one error byte).
    pub const NEGATIVE_RESPONSE: u8 = 0x83;
    /// Retarget session response (IPv4 address and port).
    pub const RETARGET_RESPONSE: u8 = 0x84;
    /// Session keep-alive.
    pub const KEEP_ALIVE: u8 = 0x85;
}

/// Error codes of a negative session response (open set).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct NegativeCode(pub u8);

impl NegativeCode {
    /// Not listening on called name.
    pub const NOT_LISTENING_ON_CALLED_NAME: NegativeCode = NegativeCode(0x80);
    /// Not listening for calling name.
    pub const NOT_LISTENING_FOR_CALLING_NAME: NegativeCode = NegativeCode(0x81);
    /// Called name not present.
    pub const CALLED_NAME_NOT_PRESENT: NegativeCode = NegativeCode(0x82);
    /// Called name present, but insufficient resources.
    pub const INSUFFICIENT_RESOURCES: NegativeCode = NegativeCode(0x83);
    /// Unspecified error.
    pub const UNSPECIFIED: NegativeCode = NegativeCode(0x8F);

    /// A description of a known code.
    pub fn description(self) -> &'static str {
        match self.0 {
            0x80 => "not listening on called name",
            0x81 => "not listening for calling name",
            0x82 => "called name not present",
            0x83 => "called name present, but insufficient resources",
            0x8F => "unspecified error",
            _ => "unknown error",
        }
    }
}

/// Which length form the 4-byte header uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Transport {
    /// NetBIOS over TCP (port 139): 17-bit length.
    Netbios,
    /// Direct TCP (port 445): 24-bit length.
    #[default]
    Direct,
}

impl Transport {
    /// Largest length this transport can express.
    pub fn max_len(self) -> usize {
        match self {
            Transport::Netbios => NETBIOS_MAX_LEN,
            Transport::Direct => DIRECT_MAX_LEN,
        }
    }
}

/// A 16-byte NetBIOS name: up to 15 characters padded with spaces, and a suffix byte.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NetbiosName {
    /// The 16 raw bytes (name padded with spaces, then the suffix).
    pub raw: [u8; 16],
    /// Scope labels following the name, as encoded (length-prefixed labels, no final 0).
    pub scope: Bytes,
}

impl fmt::Debug for NetbiosName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}<{:02x}>", self.name(), self.suffix())
    }
}

impl NetbiosName {
    /// Suffix of the file server service.
    pub const SERVER: u8 = 0x20;
    /// Suffix of a workstation.
    pub const WORKSTATION: u8 = 0x00;

    /// Builds a name: uppercased, truncated to 15 bytes, padded with spaces, then `suffix`.
    /// The special name `*` is `*` followed by 15 NULs.
    pub fn new(name: &str, suffix: u8) -> Self {
        let mut raw = [b' '; 16];
        if name == "*" {
            raw = [0; 16];
            raw[0] = b'*';
            return Self {
                raw,
                scope: Bytes::new(),
            };
        }
        for (i, c) in name.bytes().take(15).enumerate() {
            raw[i] = c.to_ascii_uppercase();
        }
        raw[15] = suffix;
        Self {
            raw,
            scope: Bytes::new(),
        }
    }

    /// The name part with trailing spaces (and NULs) removed.
    pub fn name(&self) -> alloc::string::String {
        let end = self.raw[..15]
            .iter()
            .rposition(|&b| b != b' ' && b != 0)
            .map_or(0, |p| p + 1);
        self.raw[..end].iter().map(|&b| b as char).collect()
    }

    /// The suffix byte.
    pub fn suffix(&self) -> u8 {
        self.raw[15]
    }

    /// The 32-character first-level encoding.
    pub fn first_level(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, b) in self.raw.iter().enumerate() {
            out[2 * i] = b'A' + (b >> 4);
            out[2 * i + 1] = b'A' + (b & 0x0F);
        }
        out
    }

    /// Encodes the name on the wire: length 0x20, 32 characters, scope, terminating 0.
    pub fn encode(&self, w: &mut Writer) {
        w.u8(32);
        w.bytes(&self.first_level());
        w.bytes(&self.scope);
        w.u8(0);
    }

    /// Decodes a wire-encoded name.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let at = r.pos();
        if r.u8("NameLength")? != 32 {
            return Err(DecodeError::invalid("NameLength", at));
        }
        let enc = r.slice(32, "Name")?;
        let mut raw = [0u8; 16];
        for i in 0..16 {
            let hi = enc[2 * i].wrapping_sub(b'A');
            let lo = enc[2 * i + 1].wrapping_sub(b'A');
            if hi > 15 || lo > 15 {
                return Err(DecodeError::invalid("Name", at + 1 + 2 * i));
            }
            raw[i] = (hi << 4) | lo;
        }
        let scope_start = r.pos();
        loop {
            let at = r.pos();
            let n = r.u8("Scope")?;
            if n == 0 {
                break;
            }
            if n > 63 {
                return Err(DecodeError::invalid("Scope", at));
            }
            r.skip(n as usize, "Scope")?;
        }
        let scope = r.buffer().slice(scope_start..r.pos() - 1);
        Ok(Self { raw, scope })
    }
}

/// One session service packet.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum NbssPacket {
    /// A session message: the SMB message (header not included).
    Message(Bytes),
    /// A session request with the called and calling names.
    SessionRequest {
        /// The name of the server being called (e.g. `*SMBSERVER<20>`).
        called: NetbiosName,
        /// The name of the calling client (suffix 0x00).
        calling: NetbiosName,
    },
    /// Positive session response.
    PositiveResponse,
    /// Negative session response with its error code.
    NegativeResponse(NegativeCode),
    /// Retarget: connect to this IPv4 address and port instead.
    Retarget {
        /// IPv4 address.
        addr: [u8; 4],
        /// TCP port.
        port: u16,
    },
    /// Keep-alive (ignored by receivers).
    KeepAlive,
    /// Any other packet type, kept with its trailer.
    Unknown {
        /// Packet type byte.
        ty: u8,
        /// Flags byte as received.
        flags: u8,
        /// Trailer bytes.
        payload: Bytes,
    },
}

impl NbssPacket {
    /// Decodes a packet from its type, flags byte and trailer.
    pub fn from_parts(ty: u8, flags: u8, payload: Bytes) -> Result<Self, DecodeError> {
        use packet_type::*;
        Ok(match ty {
            SESSION_MESSAGE => NbssPacket::Message(payload),
            SESSION_REQUEST => {
                let mut r = Reader::new(&payload);
                let called = NetbiosName::decode(&mut r)?;
                let calling = NetbiosName::decode(&mut r)?;
                if !r.is_empty() {
                    return Err(DecodeError::invalid("SessionRequest", r.pos()));
                }
                NbssPacket::SessionRequest { called, calling }
            }
            POSITIVE_RESPONSE if payload.is_empty() => NbssPacket::PositiveResponse,
            NEGATIVE_RESPONSE if payload.len() == 1 => {
                NbssPacket::NegativeResponse(NegativeCode(payload[0]))
            }
            RETARGET_RESPONSE if payload.len() == 6 => NbssPacket::Retarget {
                addr: [payload[0], payload[1], payload[2], payload[3]],
                port: u16::from_be_bytes([payload[4], payload[5]]),
            },
            KEEP_ALIVE if payload.is_empty() => NbssPacket::KeepAlive,
            POSITIVE_RESPONSE | NEGATIVE_RESPONSE | RETARGET_RESPONSE | KEEP_ALIVE => {
                return Err(DecodeError::invalid("Length", 2));
            }
            _ => NbssPacket::Unknown { ty, flags, payload },
        })
    }

    /// Encodes the whole packet, header included.
    pub fn encode(&self, transport: Transport) -> Bytes {
        use packet_type::*;
        let mut w = Writer::new();
        let (ty, flags) = match self {
            NbssPacket::Message(_) => (SESSION_MESSAGE, 0),
            NbssPacket::SessionRequest { .. } => (SESSION_REQUEST, 0),
            NbssPacket::PositiveResponse => (POSITIVE_RESPONSE, 0),
            NbssPacket::NegativeResponse(_) => (NEGATIVE_RESPONSE, 0),
            NbssPacket::Retarget { .. } => (RETARGET_RESPONSE, 0),
            NbssPacket::KeepAlive => (KEEP_ALIVE, 0),
            NbssPacket::Unknown { ty, flags, .. } => (*ty, *flags),
        };
        w.u8(ty);
        w.u8(flags);
        w.u16(0);
        match self {
            NbssPacket::Message(m) => w.bytes(m),
            NbssPacket::SessionRequest { called, calling } => {
                called.encode(&mut w);
                calling.encode(&mut w);
            }
            NbssPacket::NegativeResponse(c) => w.u8(c.0),
            NbssPacket::Retarget { addr, port } => {
                w.bytes(addr);
                w.u16_be(*port);
            }
            NbssPacket::Unknown { payload, .. } => w.bytes(payload),
            NbssPacket::PositiveResponse | NbssPacket::KeepAlive => {}
        }
        let len = w.pos() - NBSS_HEADER_LEN;
        let mut out = w.into_bytes_mut();
        write_header(&mut out[..4], ty, len, transport, flags);
        out.freeze()
    }
}

/// Writes a 4-byte session header for a trailer of `len` bytes.
///
/// With [`Transport::Netbios`] the 17th length bit goes into the flags byte; with
/// [`Transport::Direct`] byte 1 holds bits 16..24 of the length. `flags` is OR-ed in for
/// unknown packet types only.
pub fn write_header(out: &mut [u8], ty: u8, len: usize, transport: Transport, flags: u8) {
    debug_assert!(len <= transport.max_len());
    out[0] = ty;
    out[1] = match transport {
        Transport::Netbios => ((len >> 16) as u8 & 1) | flags,
        Transport::Direct => (len >> 16) as u8,
    };
    out[2] = (len >> 8) as u8;
    out[3] = len as u8;
}

/// The 4-byte header for a session message of `len` bytes.
pub fn message_header(len: usize, transport: Transport) -> [u8; 4] {
    let mut h = [0u8; 4];
    write_header(&mut h, packet_type::SESSION_MESSAGE, len, transport, 0);
    h
}

/// Deframing errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The header announced a frame longer than the configured maximum.
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    TooLong {
        /// Announced length.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
    /// A packet that is malformed for its type.
    #[error("malformed session packet: {0}")]
    Malformed(DecodeError),
}

/// Splits a byte stream into session service packets.
///
/// Feed it bytes with [`Deframer::push`] in any chunking and take packets out with
/// [`Deframer::next_packet`]. Message payloads are zero-copy views of the internal buffer.
#[derive(Debug)]
pub struct Deframer {
    buf: BytesMut,
    transport: Transport,
    max_frame: usize,
    whole_frames: bool,
}

impl Deframer {
    /// A deframer that refuses frames above `max_frame` bytes (not counting the header).
    pub fn new(transport: Transport, max_frame: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            transport,
            max_frame: max_frame.min(transport.max_len()),
            whole_frames: false,
        }
    }

    /// Makes room for the whole of a frame once its header has arrived (within the
    /// maximum), instead of growing with what arrives: no copying of a large frame's
    /// first part each time the buffer grows. For a client, whose peer is the server it
    /// chose; a server keeps the default (off), so that a peer that announces a large
    /// frame and stalls costs only what it sent.
    pub fn set_reserve_whole_frames(&mut self, on: bool) {
        self.whole_frames = on;
    }

    /// Reserves the rest of the frame in progress (see
    /// [`set_reserve_whole_frames`](Self::set_reserve_whole_frames)).
    fn reserve_frame(&mut self, extra: usize) {
        let mut want = extra;
        if self.whole_frames
            && let Some(len) = self.announced()
            && len <= self.max_frame
        {
            want = want.max((NBSS_HEADER_LEN + len).saturating_sub(self.buf.len()));
        }
        self.buf.reserve(want);
    }

    /// The transport's length form.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// Changes the maximum accepted frame length.
    pub fn set_max_frame(&mut self, max_frame: usize) {
        self.max_frame = max_frame.min(self.transport.max_len());
    }

    /// The maximum accepted frame length.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        // Growth follows what actually arrives (not the announced length, unless
        // whole-frame reservation is on), so a peer that announces a large frame and
        // stalls costs only what it sent.
        self.reserve_frame(data.len());
        self.buf.extend_from_slice(data);
    }

    /// The buffer itself, with at least `room` bytes of spare capacity, for a host that
    /// reads from its socket straight into it (tokio's `read_buf`, for instance) instead
    /// of handing bytes to [`push`](Self::push): one copy less. Call
    /// [`next_packet`](Self::next_packet) afterwards. Growth still follows what arrives
    /// (unless whole-frame reservation is on).
    pub fn input_buffer(&mut self, room: usize) -> &mut BytesMut {
        self.reserve_frame(room);
        &mut self.buf
    }

    /// How many more bytes complete what is in progress: the 4-byte header, or the
    /// frame it announces (`usize::MAX` when the announced frame is over the maximum).
    /// Pushing at most this much at a time, and taking packets out in between, keeps
    /// each frame in a buffer of its own size (see
    /// [`set_reserve_whole_frames`](Self::set_reserve_whole_frames)).
    pub fn wanted(&self) -> usize {
        match self.announced() {
            None => NBSS_HEADER_LEN - self.buf.len(),
            Some(len) if len > self.max_frame => usize::MAX,
            Some(len) => (NBSS_HEADER_LEN + len)
                .saturating_sub(self.buf.len())
                .max(1),
        }
    }

    /// Bytes buffered and not yet returned as packets.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether a frame has begun (some bytes of it buffered) but not completed.
    pub fn in_frame(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Length announced by a complete header at the front of the buffer.
    fn announced(&self) -> Option<usize> {
        if self.buf.len() < NBSS_HEADER_LEN {
            return None;
        }
        let b = &self.buf;
        let hi = match self.transport {
            Transport::Netbios => (b[1] & 1) as usize,
            Transport::Direct => b[1] as usize,
        };
        Some(hi << 16 | (b[2] as usize) << 8 | b[3] as usize)
    }

    /// Checks the header at the front of the buffer against the maximum without waiting for
    /// the trailer. Call after every push to close connections that announce huge frames.
    pub fn check(&self) -> Result<(), FrameError> {
        match self.announced() {
            Some(len) if len > self.max_frame => Err(FrameError::TooLong {
                len,
                max: self.max_frame,
            }),
            _ => Ok(()),
        }
    }

    /// Takes the next complete packet, if one is buffered.
    pub fn next_packet(&mut self) -> Result<Option<NbssPacket>, FrameError> {
        self.check()?;
        let Some(len) = self.announced() else {
            return Ok(None);
        };
        if self.buf.len() < NBSS_HEADER_LEN + len {
            return Ok(None);
        }
        let ty = self.buf[0];
        let flags = match self.transport {
            Transport::Netbios => self.buf[1] & !1,
            Transport::Direct => 0,
        };
        let mut frame = self.buf.split_to(NBSS_HEADER_LEN + len);
        frame.advance(NBSS_HEADER_LEN);
        NbssPacket::from_parts(ty, flags, frame.freeze())
            .map(Some)
            .map_err(FrameError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::{hex_decode, hex_encode};

    #[test]
    fn name_encoding_vectors() {
        assert_eq!(
            &NetbiosName::new("FRED", 0x20).first_level(),
            b"EGFCEFEECACACACACACACACACACACACA"
        );
        assert_eq!(
            &NetbiosName::new("*SMBSERVER", 0x20).first_level(),
            b"CKFDENECFDEFFCFGEFFCCACACACACACA"
        );
        assert_eq!(
            &NetbiosName::new("*", 0).first_level(),
            b"CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        );
        assert_eq!(
            &NetbiosName::new("client", 0).first_level(),
            b"EDEMEJEFEOFECACACACACACACACACAAA"
        );
    }

    #[test]
    fn session_request_vector() {
        let want = "8100004420434b4644454e454346444546464346474546464343414341434143414341434100204544454d454a4546454f4645434143414341434143414341434143414341414100";
        let p = NbssPacket::SessionRequest {
            called: NetbiosName::new("*SMBSERVER", 0x20),
            calling: NetbiosName::new("CLIENT", 0),
        };
        assert_eq!(hex_encode(&p.encode(Transport::Netbios)), want);
        let mut d = Deframer::new(Transport::Netbios, 1 << 17);
        d.push(&hex_decode(want).unwrap());
        assert_eq!(d.next_packet().unwrap(), Some(p));
        assert_eq!(d.next_packet().unwrap(), None);
    }

    #[test]
    fn wanted_counts_to_the_end_of_the_header_then_of_the_frame() {
        let mut d = Deframer::new(Transport::Direct, 1000);
        d.set_reserve_whole_frames(true);
        assert_eq!(d.wanted(), 4);
        let a = NbssPacket::Message(Bytes::from(alloc::vec![1u8; 300])).encode(Transport::Direct);
        let b = NbssPacket::Message(Bytes::from(alloc::vec![2u8; 5])).encode(Transport::Direct);
        let mut stream = a.to_vec();
        stream.extend_from_slice(&b);
        let mut rest = &stream[..];
        let mut got = alloc::vec::Vec::new();
        d.push(&rest[..2]);
        rest = &rest[2..];
        assert_eq!(d.wanted(), 2);
        while !rest.is_empty() {
            let take = d.wanted().min(rest.len());
            d.push(&rest[..take]);
            rest = &rest[take..];
            while let Some(p) = d.next_packet().unwrap() {
                got.push(p);
            }
        }
        assert_eq!(
            got,
            [
                NbssPacket::Message(Bytes::from(alloc::vec![1u8; 300])),
                NbssPacket::Message(Bytes::from(alloc::vec![2u8; 5]))
            ]
        );
        // A frame over the maximum: no limit is suggested, and the frame is refused.
        d.push(&[0, 0, 0x10, 0]);
        assert_eq!(d.wanted(), usize::MAX);
        assert!(d.next_packet().is_err());
    }

    #[test]
    fn small_packets() {
        let mut d = Deframer::new(Transport::Netbios, 1 << 17);
        d.push(&hex_decode("82000000").unwrap());
        d.push(&hex_decode("8300000182850000").unwrap());
        d.push(&hex_decode("00").unwrap());
        assert_eq!(d.next_packet().unwrap(), Some(NbssPacket::PositiveResponse));
        assert_eq!(
            d.next_packet().unwrap(),
            Some(NbssPacket::NegativeResponse(
                NegativeCode::CALLED_NAME_NOT_PRESENT
            ))
        );
        assert_eq!(d.next_packet().unwrap(), Some(NbssPacket::KeepAlive));
        assert_eq!(
            hex_encode(
                &NbssPacket::NegativeResponse(NegativeCode(0x82)).encode(Transport::Netbios)
            ),
            "8300000182"
        );
        let r = NbssPacket::Retarget {
            addr: [10, 0, 0, 1],
            port: 139,
        };
        let mut d = Deframer::new(Transport::Netbios, 100);
        d.push(&r.encode(Transport::Netbios));
        assert_eq!(d.next_packet().unwrap(), Some(r));
    }

    #[test]
    fn lengths_17_and_24_bits() {
        let big = Bytes::from(alloc::vec![7u8; 0x1_0005]);
        let enc = NbssPacket::Message(big.clone()).encode(Transport::Netbios);
        assert_eq!(&enc[..4], &[0x00, 0x01, 0x00, 0x05]);
        let enc24 =
            NbssPacket::Message(Bytes::from(alloc::vec![1u8; 0x2_0001])).encode(Transport::Direct);
        assert_eq!(&enc24[..4], &[0x00, 0x02, 0x00, 0x01]);
        let mut d = Deframer::new(Transport::Direct, 0x30000);
        // byte at a time
        for b in enc24.iter() {
            d.push(&[*b]);
        }
        match d.next_packet().unwrap() {
            Some(NbssPacket::Message(m)) => assert_eq!(m.len(), 0x2_0001),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_oversized_frame_from_header_alone() {
        let mut d = Deframer::new(Transport::Direct, 1000);
        d.push(&[0x00, 0x00, 0x03, 0xE9]);
        assert_eq!(
            d.next_packet(),
            Err(FrameError::TooLong {
                len: 1001,
                max: 1000
            })
        );
        assert_eq!(d.buffered(), 4);
    }
}
