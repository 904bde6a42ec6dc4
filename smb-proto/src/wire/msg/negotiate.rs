//! `SMB_COM_NEGOTIATE` (0x72): dialect selection, server limits, the challenge or the
//! SPNEGO token.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_oem, read_str, write_oem_raw, write_str};

/// The dialect this crate speaks.
pub const NT_LM_0_12: &str = "NT LM 0.12";

/// Dialect index meaning "none of the offered dialects".
pub const NO_DIALECT: u16 = 0xFFFF;

/// Capability bits (negotiate response and session setup request).
pub mod caps {
    /// Raw reads and writes.
    pub const RAW_MODE: u32 = 0x0000_0001;
    /// Multiplexed raw mode.
    pub const MPX_MODE: u32 = 0x0000_0002;
    /// UTF-16 strings.
    pub const UNICODE: u32 = 0x0000_0004;
    /// 64-bit file offsets.
    pub const LARGE_FILES: u32 = 0x0000_0008;
    /// NT LM 0.12 commands (NT_CREATE_ANDX, NT_TRANSACT...).
    pub const NT_SMBS: u32 = 0x0000_0010;
    /// Remote API (RAP) support.
    pub const RPC_REMOTE_APIS: u32 = 0x0000_0020;
    /// 32-bit NT status codes.
    pub const STATUS32: u32 = 0x0000_0040;
    /// Level II oplocks.
    pub const LEVEL_II_OPLOCKS: u32 = 0x0000_0080;
    /// LOCK_AND_READ.
    pub const LOCK_AND_READ: u32 = 0x0000_0100;
    /// NT find (TRANS2 find levels).
    pub const NT_FIND: u32 = 0x0000_0200;
    /// DFS.
    pub const DFS: u32 = 0x0000_1000;
    /// Pass-through information levels.
    pub const INFOLEVEL_PASSTHRU: u32 = 0x0000_2000;
    /// READ_ANDX larger than MaxBufferSize.
    pub const LARGE_READX: u32 = 0x0000_4000;
    /// WRITE_ANDX larger than MaxBufferSize.
    pub const LARGE_WRITEX: u32 = 0x0000_8000;
    /// Light-weight I/O.
    pub const LWIO: u32 = 0x0001_0000;
    /// CIFS UNIX extensions.
    pub const UNIX: u32 = 0x0080_0000;
    /// Dynamic reauthentication (client capability in Samba).
    pub const DYNAMIC_REAUTH: u32 = 0x2000_0000;
    /// Extended security (SPNEGO in session setup).
    pub const EXTENDED_SECURITY: u32 = 0x8000_0000;
}

/// SecurityMode bits of the negotiate response.
pub mod security_mode {
    /// User-level security (clear: share level).
    pub const USER: u8 = 0x01;
    /// Challenge/response passwords (clear: plaintext).
    pub const ENCRYPT_PASSWORDS: u8 = 0x02;
    /// Message signing is enabled.
    pub const SIGNATURES_ENABLED: u8 = 0x04;
    /// Message signing is required.
    pub const SIGNATURES_REQUIRED: u8 = 0x08;
}

/// NEGOTIATE request: the dialects the client speaks, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NegotiateRequest {
    /// Dialect names (OEM strings), e.g. `NT LM 0.12`.
    pub dialects: Vec<String>,
}

impl Body for NegotiateRequest {
    const COMMAND: Command = Command::NEGOTIATE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[0])?;
        let mut dialects = Vec::new();
        while b.data.peek_u8() == Some(0x02) {
            // Keep a bound on the list; real clients offer fewer than a dozen.
            if dialects.len() >= 64 {
                return Err(DecodeError::new(
                    crate::wire::codec::DecodeErrorKind::TooLarge,
                    "Dialects",
                    b.data.pos(),
                ));
            }
            b.data.u8("BufferFormat")?;
            dialects.push(read_oem(&mut b.data, "DialectString")?);
        }
        Ok(Self { dialects })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.start_data();
        for d in &self.dialects {
            b.w.u8(0x02);
            write_oem_raw(b.w, d);
            b.w.u8(0);
        }
    }
}

/// NEGOTIATE response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NegotiateResponse {
    /// WordCount 1: only a dialect index (0xFFFF: no dialect acceptable; or an index of a
    /// core dialect).
    DialectOnly {
        /// Index into the request's dialect list.
        dialect_index: u16,
    },
    /// WordCount 17: the NT LM 0.12 response.
    NtLm(NtLmNegotiate),
    /// WordCount 13: the LANMAN1.0 / LANMAN2.1 response.
    LanMan(super::negotiate_lanman::LanManNegotiate),
    /// Any other form, kept untyped.
    Other {
        /// Parameter words.
        words: Bytes,
        /// Data bytes.
        data: Bytes,
    },
}

/// The NT LM 0.12 negotiate response parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NtLmNegotiate {
    /// Index of the chosen dialect in the request.
    pub dialect_index: u16,
    /// [`security_mode`] bits.
    pub security_mode: u8,
    /// Most requests the client may have outstanding.
    pub max_mpx_count: u16,
    /// Most virtual circuits.
    pub max_number_vcs: u16,
    /// Largest message the server accepts.
    pub max_buffer_size: u32,
    /// Largest raw-mode buffer.
    pub max_raw_size: u32,
    /// Server-chosen session key, echoed by the client in session setup.
    pub session_key: u32,
    /// [`caps`] bits.
    pub capabilities: u32,
    /// Server time (FILETIME, UTC).
    pub system_time: u64,
    /// Server time zone in minutes.
    pub server_time_zone: i16,
    /// The challenge form or the extended security form.
    pub security: NegotiateSecurity,
}

impl NtLmNegotiate {
    /// Whether the server offers extended security.
    pub fn extended_security(&self) -> bool {
        matches!(self.security, NegotiateSecurity::Extended { .. })
    }

    /// The 8-byte challenge of the non-extended form.
    pub fn challenge(&self) -> Option<[u8; 8]> {
        match &self.security {
            NegotiateSecurity::Challenge { challenge, .. } if challenge.len() == 8 => {
                let mut c = [0u8; 8];
                c.copy_from_slice(challenge);
                Some(c)
            }
            _ => None,
        }
    }
}

/// The data part of an NT LM 0.12 negotiate response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NegotiateSecurity {
    /// Non-extended security: the challenge and names.
    Challenge {
        /// The challenge (8 bytes with encrypted passwords, else empty).
        challenge: Bytes,
        /// The server's domain (or workgroup).
        domain_name: String,
        /// The server's name, if sent.
        server_name: Option<String>,
    },
    /// Extended security (CAP_EXTENDED_SECURITY): server GUID and SPNEGO token.
    Extended {
        /// The server GUID.
        server_guid: [u8; 16],
        /// The SPNEGO NegTokenInit (may be empty).
        security_blob: Bytes,
    },
}

impl Default for NegotiateSecurity {
    fn default() -> Self {
        NegotiateSecurity::Challenge {
            challenge: Bytes::new(),
            domain_name: String::new(),
            server_name: None,
        }
    }
}

/// Whether the names of a non-extended NT LM 0.12 negotiate response are UTF-16: when the
/// server announces CAP_UNICODE (Samba and Windows then write them in UTF-16 even to a
/// client whose request did not set FLAGS2_UNICODE, and nmap reads them so), or when the
/// header says so.
fn names_unicode(header_unicode: bool, capabilities: u32) -> bool {
    header_unicode || capabilities & caps::UNICODE != 0
}

impl Body for NegotiateResponse {
    const COMMAND: Command = Command::NEGOTIATE;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        match b.word_count {
            1 => Ok(NegotiateResponse::DialectOnly {
                dialect_index: b.params.u16("DialectIndex")?,
            }),
            17 => {
                let p = &mut b.params;
                let mut n = NtLmNegotiate {
                    dialect_index: p.u16("DialectIndex")?,
                    security_mode: p.u8("SecurityMode")?,
                    max_mpx_count: p.u16("MaxMpxCount")?,
                    max_number_vcs: p.u16("MaxNumberVcs")?,
                    max_buffer_size: p.u32("MaxBufferSize")?,
                    max_raw_size: p.u32("MaxRawSize")?,
                    session_key: p.u32("SessionKey")?,
                    capabilities: p.u32("Capabilities")?,
                    system_time: p.u64("SystemTime")?,
                    server_time_zone: p.u16("ServerTimeZone")? as i16,
                    security: NegotiateSecurity::default(),
                };
                let challenge_length = p.u8("ChallengeLength")?;
                let d = &mut b.data;
                n.security = if n.capabilities & caps::EXTENDED_SECURITY != 0 {
                    NegotiateSecurity::Extended {
                        server_guid: d.array("ServerGUID")?,
                        security_blob: d.rest(),
                    }
                } else {
                    let challenge = d.bytes(challenge_length as usize, "Challenge")?;
                    // Windows and Samba write the names as UTF-16 without alignment padding,
                    // whether or not the header says Unicode (the client may not have
                    // asked for it): CAP_UNICODE is what tells.
                    let unicode = names_unicode(b.header.flags2.is_unicode(), n.capabilities);
                    let domain_name = read_str(d, unicode, "DomainName")?;
                    let server_name = if d.remaining() >= if unicode { 2 } else { 1 } {
                        Some(read_str(d, unicode, "ServerName")?)
                    } else {
                        None
                    };
                    NegotiateSecurity::Challenge {
                        challenge,
                        domain_name,
                        server_name,
                    }
                };
                Ok(NegotiateResponse::NtLm(n))
            }
            13 => {
                super::negotiate_lanman::LanManNegotiate::decode(b).map(NegotiateResponse::LanMan)
            }
            _ => Ok(NegotiateResponse::Other {
                words: b.params.rest(),
                data: b.data.rest(),
            }),
        }
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        match self {
            NegotiateResponse::DialectOnly { dialect_index } => {
                b.w.u16(*dialect_index);
                b.start_data();
            }
            NegotiateResponse::NtLm(n) => {
                b.w.u16(n.dialect_index);
                b.w.u8(n.security_mode);
                b.w.u16(n.max_mpx_count);
                b.w.u16(n.max_number_vcs);
                b.w.u32(n.max_buffer_size);
                b.w.u32(n.max_raw_size);
                b.w.u32(n.session_key);
                b.w.u32(n.capabilities);
                b.w.u64(n.system_time);
                b.w.u16(n.server_time_zone as u16);
                match &n.security {
                    NegotiateSecurity::Extended {
                        server_guid,
                        security_blob,
                    } => {
                        b.w.u8(0);
                        b.start_data();
                        b.w.bytes(server_guid);
                        b.w.bytes(security_blob);
                    }
                    NegotiateSecurity::Challenge {
                        challenge,
                        domain_name,
                        server_name,
                    } => {
                        b.w.u8(challenge.len() as u8);
                        b.start_data();
                        let unicode = names_unicode(b.unicode(), n.capabilities);
                        b.w.bytes(challenge);
                        write_str(b.w, domain_name, unicode);
                        if let Some(s) = server_name {
                            write_str(b.w, s, unicode);
                        }
                    }
                }
            }
            NegotiateResponse::LanMan(n) => n.encode(b),
            NegotiateResponse::Other { words, data } => {
                b.w.bytes(words);
                b.start_data();
                b.w.bytes(data);
            }
        }
    }
}
