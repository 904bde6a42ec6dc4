//! The pre-NT form of the `SMB_COM_NEGOTIATE` response (WordCount 13): what LANMAN1.0,
//! LM1.2X002 and LANMAN2.1 servers answer.

use alloc::string::String;
use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::message::{BlockDecoder, BlockEncoder};
use crate::wire::strings::{read_oem, write_str};

/// `RawMode` bit: the server accepts READ_RAW.
pub const RAW_MODE_READ: u16 = 0x0001;
/// `RawMode` bit: the server accepts WRITE_RAW.
pub const RAW_MODE_WRITE: u16 = 0x0002;

/// The LANMAN negotiate response parameters (MS-CIFS 2.2.4.52.2, the LANMAN2.1 form; the
/// LANMAN1.0 form is the same without the domain).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LanManNegotiate {
    /// Index of the chosen dialect in the request.
    pub dialect_index: u16,
    /// `security_mode` bits (user level, challenge/response) in a 16-bit field.
    pub security_mode: u16,
    /// Largest message the server accepts.
    pub max_buffer_size: u16,
    /// Most requests the client may have outstanding.
    pub max_mpx_count: u16,
    /// Most virtual circuits.
    pub max_number_vcs: u16,
    /// [`RAW_MODE_READ`], [`RAW_MODE_WRITE`].
    pub raw_mode: u16,
    /// Server-chosen session key, echoed by the client in session setup.
    pub session_key: u32,
    /// Server time (SMB_TIME).
    pub server_time: u16,
    /// Server date (SMB_DATE).
    pub server_date: u16,
    /// Server time zone, minutes west of UTC.
    pub server_time_zone: i16,
    /// Reserved word after the challenge length.
    pub reserved: u16,
    /// The challenge (8 bytes with challenge/response, else empty).
    pub challenge: Bytes,
    /// The server's domain (LANMAN2.1; absent from LANMAN1.0 and from Samba's answers).
    pub domain: Option<String>,
}

impl LanManNegotiate {
    /// The 8-byte challenge, when the server wants challenge/response passwords.
    pub fn challenge8(&self) -> Option<[u8; 8]> {
        <[u8; 8]>::try_from(&self.challenge[..]).ok()
    }

    pub(super) fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        let p = &mut b.params;
        let mut n = Self {
            dialect_index: p.u16("DialectIndex")?,
            security_mode: p.u16("SecurityMode")?,
            max_buffer_size: p.u16("MaxBufferSize")?,
            max_mpx_count: p.u16("MaxMpxCount")?,
            max_number_vcs: p.u16("MaxNumberVcs")?,
            raw_mode: p.u16("RawMode")?,
            session_key: p.u32("SessionKey")?,
            server_time: p.u16("ServerTime")?,
            server_date: p.u16("ServerDate")?,
            server_time_zone: p.u16("ServerTimeZone")? as i16,
            ..Default::default()
        };
        let len = p.u16("EncryptionKeyLength")? as usize;
        n.reserved = p.u16("Reserved")?;
        n.challenge = b.data.bytes(len, "EncryptionKey")?;
        if !b.data.is_empty() {
            n.domain = Some(read_oem(&mut b.data, "PrimaryDomain")?);
        }
        Ok(n)
    }

    pub(super) fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.dialect_index);
        b.w.u16(self.security_mode);
        b.w.u16(self.max_buffer_size);
        b.w.u16(self.max_mpx_count);
        b.w.u16(self.max_number_vcs);
        b.w.u16(self.raw_mode);
        b.w.u32(self.session_key);
        b.w.u16(self.server_time);
        b.w.u16(self.server_date);
        b.w.u16(self.server_time_zone as u16);
        b.w.u16(self.challenge.len() as u16);
        b.w.u16(self.reserved);
        b.start_data();
        b.w.bytes(&self.challenge);
        if let Some(d) = &self.domain {
            write_str(b.w, d, false);
        }
    }
}
