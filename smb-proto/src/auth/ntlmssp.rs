//! NTLMSSP messages (MS-NLMP §2.2): NEGOTIATE, CHALLENGE, AUTHENTICATE, AV pairs.
//!
//! Decoders parse by the offsets in the field descriptors and check every length and
//! offset against the message before touching it. Encoders lay the payload out in the
//! order MS-NLMP's examples use.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader};
use crate::wire::strings::{from_utf16le, utf16le};

/// `NTLMSSP\0`.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// Largest NTLMSSP message accepted.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// NegotiateFlags bits.
pub mod flags {
    /// Unicode strings.
    pub const UNICODE: u32 = 0x0000_0001;
    /// OEM strings.
    pub const OEM: u32 = 0x0000_0002;
    /// Request the target name.
    pub const REQUEST_TARGET: u32 = 0x0000_0004;
    /// Message signing.
    pub const SIGN: u32 = 0x0000_0010;
    /// Message sealing.
    pub const SEAL: u32 = 0x0000_0020;
    /// Datagram mode.
    pub const DATAGRAM: u32 = 0x0000_0040;
    /// LM session key.
    pub const LM_KEY: u32 = 0x0000_0080;
    /// NTLM authentication.
    pub const NTLM: u32 = 0x0000_0200;
    /// Anonymous.
    pub const ANONYMOUS: u32 = 0x0000_0800;
    /// Domain name supplied (NEGOTIATE).
    pub const OEM_DOMAIN_SUPPLIED: u32 = 0x0000_1000;
    /// Workstation supplied (NEGOTIATE).
    pub const OEM_WORKSTATION_SUPPLIED: u32 = 0x0000_2000;
    /// Always sign.
    pub const ALWAYS_SIGN: u32 = 0x0000_8000;
    /// Target is a domain.
    pub const TARGET_TYPE_DOMAIN: u32 = 0x0001_0000;
    /// Target is a server.
    pub const TARGET_TYPE_SERVER: u32 = 0x0002_0000;
    /// Extended session security (NTLM2 session response).
    pub const EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
    /// Identify.
    pub const IDENTIFY: u32 = 0x0010_0000;
    /// Non-NT session key.
    pub const REQUEST_NON_NT_SESSION_KEY: u32 = 0x0040_0000;
    /// Target info present.
    pub const TARGET_INFO: u32 = 0x0080_0000;
    /// Version present.
    pub const VERSION: u32 = 0x0200_0000;
    /// 128-bit keys.
    pub const NEGOTIATE_128: u32 = 0x2000_0000;
    /// Key exchange.
    pub const KEY_EXCH: u32 = 0x4000_0000;
    /// 56-bit keys.
    pub const NEGOTIATE_56: u32 = 0x8000_0000;
}

/// AV pair ids.
pub mod av {
    /// End of list.
    pub const EOL: u16 = 0;
    /// NetBIOS computer name.
    pub const NB_COMPUTER_NAME: u16 = 1;
    /// NetBIOS domain name.
    pub const NB_DOMAIN_NAME: u16 = 2;
    /// DNS computer name.
    pub const DNS_COMPUTER_NAME: u16 = 3;
    /// DNS domain name.
    pub const DNS_DOMAIN_NAME: u16 = 4;
    /// DNS tree name.
    pub const DNS_TREE_NAME: u16 = 5;
    /// Flags (0x2: MIC present).
    pub const FLAGS: u16 = 6;
    /// Server timestamp (FILETIME).
    pub const TIMESTAMP: u16 = 7;
    /// Single host data.
    pub const SINGLE_HOST: u16 = 8;
    /// Target name (SPN).
    pub const TARGET_NAME: u16 = 9;
    /// Channel bindings.
    pub const CHANNEL_BINDINGS: u16 = 10;
}

/// MsvAvFlags bit: the AUTHENTICATE message carries a MIC.
pub const AV_FLAG_MIC_PRESENT: u32 = 0x2;

/// One AV pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvPair {
    /// The id (see [`av`]).
    pub id: u16,
    /// The raw value.
    pub value: Vec<u8>,
}

/// A list of AV pairs (target info), without the terminating EOL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AvPairs(pub Vec<AvPair>);

impl AvPairs {
    /// Parses a list; stops at MsvAvEOL. Bytes after it are ignored.
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            if b.len() - i < 4 {
                // Some peers omit the EOL; accept a list that ends exactly here.
                if i == b.len() {
                    break;
                }
                return Err(DecodeError::truncated("AvPair", i));
            }
            let id = u16::from_le_bytes([b[i], b[i + 1]]);
            let len = u16::from_le_bytes([b[i + 2], b[i + 3]]) as usize;
            i += 4;
            if id == av::EOL {
                break;
            }
            if b.len() - i < len {
                return Err(DecodeError::truncated("AvValue", i));
            }
            if out.len() >= 64 {
                return Err(DecodeError::new(DecodeErrorKind::TooLarge, "AvPairs", i));
            }
            out.push(AvPair {
                id,
                value: b[i..i + len].to_vec(),
            });
            i += len;
        }
        Ok(AvPairs(out))
    }

    /// Encodes the list with its EOL.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        for p in &self.0 {
            v.extend_from_slice(&p.id.to_le_bytes());
            v.extend_from_slice(&(p.value.len() as u16).to_le_bytes());
            v.extend_from_slice(&p.value);
        }
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    /// The value of the first pair with this id.
    pub fn get(&self, id: u16) -> Option<&[u8]> {
        self.0.iter().find(|p| p.id == id).map(|p| &p.value[..])
    }

    /// A UTF-16 string value.
    pub fn get_str(&self, id: u16) -> Option<String> {
        self.get(id).and_then(from_utf16le)
    }

    /// The MsvAvTimestamp value.
    pub fn timestamp(&self) -> Option<u64> {
        self.get(av::TIMESTAMP)
            .and_then(|v| v.try_into().ok())
            .map(u64::from_le_bytes)
    }

    /// The MsvAvFlags value.
    pub fn av_flags(&self) -> Option<u32> {
        self.get(av::FLAGS)
            .and_then(|v| v.try_into().ok())
            .map(u32::from_le_bytes)
    }

    /// Adds a UTF-16 string pair.
    pub fn push_str(&mut self, id: u16, s: &str) {
        self.0.push(AvPair {
            id,
            value: utf16le(s),
        });
    }
}

/// Reads a (len, maxlen, offset) field descriptor and returns the bytes it points to.
fn field<'a>(
    msg: &'a [u8],
    r: &mut Reader<'_>,
    name: &'static str,
) -> Result<(&'a [u8], u32), DecodeError> {
    let at = r.pos();
    let len = r.u16(name)? as usize;
    let _max = r.u16(name)?;
    let off = r.u32(name)?;
    let start = off as usize;
    if len == 0 {
        return Ok((&[], off));
    }
    match start.checked_add(len) {
        Some(end) if end <= msg.len() => Ok((&msg[start..end], off)),
        _ => Err(DecodeError::truncated(name, at)),
    }
}

fn check_header(msg: &Bytes, ty: u32) -> Result<Reader<'_>, DecodeError> {
    if msg.len() > MAX_MESSAGE {
        return Err(DecodeError::new(DecodeErrorKind::TooLarge, "NTLMSSP", 0));
    }
    let mut r = Reader::new(msg);
    if r.slice(8, "Signature")? != SIGNATURE {
        return Err(DecodeError::invalid("Signature", 0));
    }
    if r.u32("MessageType")? != ty {
        return Err(DecodeError::invalid("MessageType", 8));
    }
    Ok(r)
}

fn decode_str(b: &[u8], unicode: bool, field: &'static str) -> Result<String, DecodeError> {
    if unicode {
        from_utf16le(b).ok_or(DecodeError::new(DecodeErrorKind::BadString, field, 0))
    } else {
        Ok(b.iter().map(|&c| c as char).collect())
    }
}

fn encode_str(s: &str, unicode: bool) -> Vec<u8> {
    if unicode {
        utf16le(s)
    } else {
        s.chars()
            .map(|c| if (c as u32) < 0x100 { c as u8 } else { b'?' })
            .collect()
    }
}

/// Lays out a message: fixed part, then payload fields, patching their descriptors.
struct Builder {
    buf: Vec<u8>,
}

impl Builder {
    fn new(ty: u32) -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(SIGNATURE);
        buf.extend_from_slice(&ty.to_le_bytes());
        Self { buf }
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn descriptor(&mut self) -> usize {
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0; 8]);
        at
    }
    fn payload(&mut self, desc: usize, data: &[u8]) {
        let off = self.buf.len() as u32;
        let len = data.len() as u16;
        self.buf[desc..desc + 2].copy_from_slice(&len.to_le_bytes());
        self.buf[desc + 2..desc + 4].copy_from_slice(&len.to_le_bytes());
        self.buf[desc + 4..desc + 8].copy_from_slice(&off.to_le_bytes());
        self.buf.extend_from_slice(data);
    }
}

/// NEGOTIATE_MESSAGE (type 1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NegotiateMessage {
    /// Negotiate flags.
    pub flags: u32,
    /// Domain (OEM; only with OEM_DOMAIN_SUPPLIED).
    pub domain: String,
    /// Workstation (OEM; only with OEM_WORKSTATION_SUPPLIED).
    pub workstation: String,
    /// Version (with the VERSION flag).
    pub version: Option<[u8; 8]>,
}

impl NegotiateMessage {
    /// Decodes a message.
    pub fn decode(msg: &Bytes) -> Result<Self, DecodeError> {
        let mut r = check_header(msg, 1)?;
        let flags = r.u32("NegotiateFlags")?;
        let (domain, _) = field(msg, &mut r, "DomainNameFields")?;
        let (ws, _) = field(msg, &mut r, "WorkstationFields")?;
        let version = if flags & flags::VERSION != 0 && r.remaining() >= 8 {
            Some(r.array("Version")?)
        } else {
            None
        };
        Ok(Self {
            flags,
            domain: decode_str(domain, false, "DomainName")?,
            workstation: decode_str(ws, false, "Workstation")?,
            version,
        })
    }

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Builder::new(1);
        b.u32(self.flags);
        let d = b.descriptor();
        let w = b.descriptor();
        if let Some(v) = self.version {
            b.buf.extend_from_slice(&v);
        }
        b.payload(d, &encode_str(&self.domain, false));
        b.payload(w, &encode_str(&self.workstation, false));
        b.buf
    }
}

/// CHALLENGE_MESSAGE (type 2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChallengeMessage {
    /// Target name (server or domain).
    pub target_name: String,
    /// Negotiate flags.
    pub flags: u32,
    /// The 8-byte server challenge.
    pub server_challenge: [u8; 8],
    /// Reserved.
    pub reserved: [u8; 8],
    /// Target info AV pairs (with the TARGET_INFO flag).
    pub target_info: Option<AvPairs>,
    /// The target info bytes exactly as received (what NTLMv2 clients echo).
    pub target_info_raw: Vec<u8>,
    /// Version.
    pub version: Option<[u8; 8]>,
}

impl ChallengeMessage {
    /// Decodes a message.
    pub fn decode(msg: &Bytes) -> Result<Self, DecodeError> {
        let mut r = check_header(msg, 2)?;
        let (tn, tn_off) = field(msg, &mut r, "TargetNameFields")?;
        let flags = r.u32("NegotiateFlags")?;
        let server_challenge = r.array("ServerChallenge")?;
        let reserved = r.array("Reserved")?;
        let unicode = flags & flags::UNICODE != 0;
        let (ti, ti_off) = if r.remaining() >= 8 {
            field(msg, &mut r, "TargetInfoFields")?
        } else {
            (&[][..], 0)
        };
        let payload_start = [(tn.len(), tn_off), (ti.len(), ti_off)]
            .iter()
            .filter(|(l, _)| *l > 0)
            .map(|&(_, o)| o as usize)
            .min()
            .unwrap_or(msg.len());
        let version = if flags & flags::VERSION != 0 && r.remaining() >= 8 && payload_start >= 56 {
            Some(r.array("Version")?)
        } else {
            None
        };
        let target_info = if ti.is_empty() {
            None
        } else {
            Some(AvPairs::decode(ti)?)
        };
        Ok(Self {
            target_name: decode_str(tn, unicode, "TargetName")?,
            flags,
            server_challenge,
            reserved,
            target_info,
            target_info_raw: ti.to_vec(),
            version,
        })
    }

    /// Encodes the message (the target info from `target_info`).
    pub fn encode(&self) -> Vec<u8> {
        let unicode = self.flags & flags::UNICODE != 0;
        let mut b = Builder::new(2);
        let tn = b.descriptor();
        b.u32(self.flags);
        b.buf.extend_from_slice(&self.server_challenge);
        b.buf.extend_from_slice(&self.reserved);
        let ti = b.descriptor();
        if let Some(v) = self.version {
            b.buf.extend_from_slice(&v);
        }
        b.payload(tn, &encode_str(&self.target_name, unicode));
        if let Some(info) = &self.target_info {
            b.payload(ti, &info.encode());
        }
        b.buf
    }
}

/// AUTHENTICATE_MESSAGE (type 3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthenticateMessage {
    /// LM (or LMv2) challenge response.
    pub lm_response: Vec<u8>,
    /// NT (NTLMv1, NTLM2 session or NTLMv2) challenge response.
    pub nt_response: Vec<u8>,
    /// Domain.
    pub domain: String,
    /// User.
    pub user: String,
    /// Workstation.
    pub workstation: String,
    /// RC4-encrypted exported session key (with KEY_EXCH).
    pub encrypted_session_key: Vec<u8>,
    /// Negotiate flags.
    pub flags: u32,
    /// Version.
    pub version: Option<[u8; 8]>,
    /// MIC, when present.
    pub mic: Option<[u8; 16]>,
}

impl AuthenticateMessage {
    /// Offset of the MIC field within the message.
    pub const MIC_OFFSET: usize = 72;

    /// Decodes a message.
    pub fn decode(msg: &Bytes) -> Result<Self, DecodeError> {
        let mut r = check_header(msg, 3)?;
        let (lm, lm_off) = field(msg, &mut r, "LmChallengeResponseFields")?;
        let (nt, nt_off) = field(msg, &mut r, "NtChallengeResponseFields")?;
        let (dom, dom_off) = field(msg, &mut r, "DomainNameFields")?;
        let (user, user_off) = field(msg, &mut r, "UserNameFields")?;
        let (ws, ws_off) = field(msg, &mut r, "WorkstationFields")?;
        let (key, key_off) = if r.remaining() >= 8 {
            field(msg, &mut r, "EncryptedRandomSessionKeyFields")?
        } else {
            (&[][..], 0)
        };
        let flags = if r.remaining() >= 4 {
            r.u32("NegotiateFlags")?
        } else {
            0
        };
        let unicode = flags & flags::UNICODE != 0;
        // The payload starts at the lowest offset of a non-empty field; what lies between
        // the fixed part and it is the version (8 bytes) and the MIC (16 bytes).
        let payload_start = [
            (lm.len(), lm_off),
            (nt.len(), nt_off),
            (dom.len(), dom_off),
            (user.len(), user_off),
            (ws.len(), ws_off),
            (key.len(), key_off),
        ]
        .iter()
        .filter(|(l, _)| *l > 0)
        .map(|&(_, o)| o as usize)
        .min()
        .unwrap_or(msg.len());
        let version = if flags & flags::VERSION != 0 && payload_start >= 72 && r.remaining() >= 8 {
            Some(r.array("Version")?)
        } else {
            None
        };
        let mic = if payload_start >= 88 && msg.len() >= 88 {
            let mut m = [0u8; 16];
            m.copy_from_slice(&msg[72..88]);
            Some(m)
        } else {
            None
        };
        Ok(Self {
            lm_response: lm.to_vec(),
            nt_response: nt.to_vec(),
            domain: decode_str(dom, unicode, "DomainName")?,
            user: decode_str(user, unicode, "UserName")?,
            workstation: decode_str(ws, unicode, "Workstation")?,
            encrypted_session_key: key.to_vec(),
            flags,
            version,
            mic,
        })
    }

    /// Encodes the message (payload order: domain, user, workstation, LM, NT, key).
    pub fn encode(&self) -> Vec<u8> {
        let unicode = self.flags & flags::UNICODE != 0;
        let mut b = Builder::new(3);
        let lm = b.descriptor();
        let nt = b.descriptor();
        let dom = b.descriptor();
        let user = b.descriptor();
        let ws = b.descriptor();
        let key = b.descriptor();
        b.u32(self.flags);
        if let Some(v) = self.version {
            b.buf.extend_from_slice(&v);
        }
        if let Some(m) = self.mic {
            b.buf.extend_from_slice(&m);
        }
        b.payload(dom, &encode_str(&self.domain, unicode));
        b.payload(user, &encode_str(&self.user, unicode));
        b.payload(ws, &encode_str(&self.workstation, unicode));
        b.payload(lm, &self.lm_response);
        b.payload(nt, &self.nt_response);
        b.payload(key, &self.encrypted_session_key);
        b.buf
    }

    /// Whether this is an anonymous AUTHENTICATE (empty user, empty or single-zero LM
    /// response, empty NT response).
    pub fn is_anonymous(&self) -> bool {
        self.user.is_empty()
            && self.nt_response.is_empty()
            && (self.lm_response.is_empty() || self.lm_response == [0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_decode;

    #[test]
    fn challenge_vector_round_trip() {
        let raw = hex_decode("4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000").unwrap();
        let c = ChallengeMessage::decode(&Bytes::from(raw.clone())).unwrap();
        assert_eq!(c.target_name, "Server");
        assert_eq!(c.flags, 0xe28a8233);
        let ti = c.target_info.as_ref().unwrap();
        assert_eq!(ti.get_str(av::NB_DOMAIN_NAME).as_deref(), Some("Domain"));
        assert_eq!(c.encode(), raw);
    }

    #[test]
    fn hostile_offsets_are_errors() {
        let mut raw = hex_decode("4e544c4d5353500003000000").unwrap();
        raw.extend_from_slice(&[0x10, 0, 0x10, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(AuthenticateMessage::decode(&Bytes::from(raw)).is_err());
        assert!(NegotiateMessage::decode(&Bytes::from_static(b"NTLMSSP\0")).is_err());
    }
}

/// NTLMSSP message signing keys for one direction (MS-NLMP §3.4.4.2, extended session
/// security), used here for SPNEGO's mechListMIC.
pub struct Signer {
    sign_key: [u8; 16],
    seal: Option<rc4::Rc4>,
}

impl core::fmt::Debug for Signer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Signer(<redacted>)")
    }
}

/// Direction of an NTLMSSP signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignDirection {
    /// Client to server.
    ClientToServer,
    /// Server to client.
    ServerToClient,
}

impl Signer {
    /// Keys for `dir` from the exported session key and the negotiated flags.
    pub fn new(exported: &[u8; 16], negotiated: u32, dir: SignDirection) -> Self {
        use rc4::KeyInit;
        let (sign, seal) = match dir {
            SignDirection::ClientToServer => (
                &b"session key to client-to-server signing key magic constant\0"[..],
                &b"session key to client-to-server sealing key magic constant\0"[..],
            ),
            SignDirection::ServerToClient => (
                &b"session key to server-to-client signing key magic constant\0"[..],
                &b"session key to server-to-client sealing key magic constant\0"[..],
            ),
        };
        let sign_key = super::crypto::md5(&[exported, sign]);
        let seal_base: &[u8] = if negotiated & flags::NEGOTIATE_128 != 0 {
            &exported[..]
        } else if negotiated & flags::NEGOTIATE_56 != 0 {
            &exported[..7]
        } else {
            &exported[..5]
        };
        let seal_key = super::crypto::md5(&[seal_base, seal]);
        let seal = (negotiated & flags::KEY_EXCH != 0)
            .then(|| rc4::Rc4::new_from_slice(&seal_key).ok())
            .flatten();
        Self { sign_key, seal }
    }

    /// The 16-byte signature of `msg` with sequence number `seq`.
    pub fn sign(&mut self, seq: u32, msg: &[u8]) -> [u8; 16] {
        use rc4::StreamCipher;
        let mac = super::crypto::hmac_md5(&self.sign_key, &[&seq.to_le_bytes(), msg]);
        let mut checksum = [0u8; 8];
        checksum.copy_from_slice(&mac[..8]);
        if let Some(rc) = &mut self.seal {
            rc.apply_keystream(&mut checksum);
        }
        let mut out = [0u8; 16];
        out[..4].copy_from_slice(&1u32.to_le_bytes());
        out[4..12].copy_from_slice(&checksum);
        out[12..].copy_from_slice(&seq.to_le_bytes());
        out
    }
}
