//! `SMB_COM_SESSION_SETUP_ANDX` (0x73): authentication, with passwords (WordCount 13) or
//! with an extended-security blob (WordCount 12).

use alloc::string::String;
use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{read_aligned_str, read_opt_aligned_str, write_aligned_str};

/// `Action` bit: logged on as guest.
pub const ACTION_GUEST: u16 = 0x0001;
/// `Action` bit: the LM session key is used for signing.
pub const ACTION_USE_LANMAN_KEY: u16 = 0x0002;

/// Parameters shared by both request forms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionSetupCommon {
    /// The client's receive buffer size.
    pub max_buffer_size: u16,
    /// Requests the client will have outstanding.
    pub max_mpx_count: u16,
    /// Virtual circuit number (0 for the first).
    pub vc_number: u16,
    /// Copy of the negotiate response's SessionKey.
    pub session_key: u32,
    /// Reserved (0).
    pub reserved: u32,
    /// Client capabilities.
    pub capabilities: u32,
}

/// SESSION_SETUP_ANDX request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionSetupAndXRequest {
    /// WordCount 13: LM/NTLM/NTLMv2 responses (or plaintext) in the password fields.
    NtLm(SessionSetupNtLm),
    /// WordCount 12: an extended-security (SPNEGO/NTLMSSP) blob.
    Extended(SessionSetupExtended),
    /// WordCount 10: the pre-NT (LANMAN) form with one password field.
    LanMan(super::session_setup_lanman::SessionSetupLanMan),
    /// Any other word count, kept untyped.
    Other {
        /// Parameter words after the AndX header.
        words: Bytes,
        /// Data bytes.
        data: Bytes,
    },
}

/// The WordCount-13 session setup request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionSetupNtLm {
    /// Shared parameters.
    pub common: SessionSetupCommon,
    /// The case-insensitive (LM / LMv2) response, or an OEM plaintext password.
    pub oem_password: Bytes,
    /// The case-sensitive (NTLM / NTLMv2) response, or a Unicode plaintext password.
    pub unicode_password: Bytes,
    /// The account name.
    pub account_name: String,
    /// The account's domain.
    pub primary_domain: String,
    /// The client's operating system.
    pub native_os: Option<String>,
    /// The client's LAN manager.
    pub native_lan_man: Option<String>,
}

/// The WordCount-12 (extended security) session setup request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionSetupExtended {
    /// Shared parameters.
    pub common: SessionSetupCommon,
    /// The security blob (SPNEGO token or raw NTLMSSP).
    pub security_blob: Bytes,
    /// The client's operating system.
    pub native_os: Option<String>,
    /// The client's LAN manager.
    pub native_lan_man: Option<String>,
}

impl Body for SessionSetupAndXRequest {
    const COMMAND: Command = Command::SESSION_SETUP_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        let unicode = b.unicode();
        let p = &mut b.params;
        match b.word_count {
            13 => {
                let mut common = SessionSetupCommon {
                    max_buffer_size: p.u16("MaxBufferSize")?,
                    max_mpx_count: p.u16("MaxMpxCount")?,
                    vc_number: p.u16("VcNumber")?,
                    session_key: p.u32("SessionKey")?,
                    ..Default::default()
                };
                let oem_len = p.u16("OEMPasswordLen")? as usize;
                let uni_len = p.u16("UnicodePasswordLen")? as usize;
                common.reserved = p.u32("Reserved")?;
                common.capabilities = p.u32("Capabilities")?;
                let d = &mut b.data;
                let oem_password = d.bytes(oem_len, "OEMPassword")?;
                let unicode_password = d.bytes(uni_len, "UnicodePassword")?;
                let account_name = read_aligned_str(d, unicode, "AccountName")?;
                let primary_domain = read_aligned_str(d, unicode, "PrimaryDomain")?;
                let native_os = read_opt_aligned_str(d, unicode, "NativeOS")?;
                let native_lan_man = read_opt_aligned_str(d, unicode, "NativeLanMan")?;
                Ok(Self::NtLm(SessionSetupNtLm {
                    common,
                    oem_password,
                    unicode_password,
                    account_name,
                    primary_domain,
                    native_os,
                    native_lan_man,
                }))
            }
            12 => {
                let mut common = SessionSetupCommon {
                    max_buffer_size: p.u16("MaxBufferSize")?,
                    max_mpx_count: p.u16("MaxMpxCount")?,
                    vc_number: p.u16("VcNumber")?,
                    session_key: p.u32("SessionKey")?,
                    ..Default::default()
                };
                let blob_len = p.u16("SecurityBlobLength")? as usize;
                common.reserved = p.u32("Reserved")?;
                common.capabilities = p.u32("Capabilities")?;
                let d = &mut b.data;
                let security_blob = d.bytes(blob_len, "SecurityBlob")?;
                let native_os = read_opt_aligned_str(d, unicode, "NativeOS")?;
                let native_lan_man = read_opt_aligned_str(d, unicode, "NativeLanMan")?;
                Ok(Self::Extended(SessionSetupExtended {
                    common,
                    security_blob,
                    native_os,
                    native_lan_man,
                }))
            }
            10 => super::session_setup_lanman::SessionSetupLanMan::decode(b).map(Self::LanMan),
            _ => Ok(Self::Other {
                words: b.params.rest(),
                data: b.data.rest(),
            }),
        }
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        match self {
            Self::NtLm(s) => {
                let c = &s.common;
                b.w.u16(c.max_buffer_size);
                b.w.u16(c.max_mpx_count);
                b.w.u16(c.vc_number);
                b.w.u32(c.session_key);
                b.w.u16(s.oem_password.len() as u16);
                b.w.u16(s.unicode_password.len() as u16);
                b.w.u32(c.reserved);
                b.w.u32(c.capabilities);
                b.start_data();
                b.w.bytes(&s.oem_password);
                b.w.bytes(&s.unicode_password);
                write_aligned_str(b.w, &s.account_name, unicode);
                write_aligned_str(b.w, &s.primary_domain, unicode);
                for x in [&s.native_os, &s.native_lan_man].into_iter().flatten() {
                    write_aligned_str(b.w, x, unicode);
                }
            }
            Self::Extended(s) => {
                let c = &s.common;
                b.w.u16(c.max_buffer_size);
                b.w.u16(c.max_mpx_count);
                b.w.u16(c.vc_number);
                b.w.u32(c.session_key);
                b.w.u16(s.security_blob.len() as u16);
                b.w.u32(c.reserved);
                b.w.u32(c.capabilities);
                b.start_data();
                b.w.bytes(&s.security_blob);
                for x in [&s.native_os, &s.native_lan_man].into_iter().flatten() {
                    write_aligned_str(b.w, x, unicode);
                }
            }
            Self::LanMan(s) => s.encode(b),
            Self::Other { words, data } => {
                b.w.bytes(words);
                b.start_data();
                b.w.bytes(data);
            }
        }
    }
}

/// SESSION_SETUP_ANDX response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionSetupAndXResponse {
    /// [`ACTION_GUEST`], [`ACTION_USE_LANMAN_KEY`].
    pub action: u16,
    /// The security blob (`Some` for the WordCount-4 extended form).
    pub security_blob: Option<Bytes>,
    /// The server's operating system.
    pub native_os: Option<String>,
    /// The server's LAN manager.
    pub native_lan_man: Option<String>,
    /// The server's domain.
    pub primary_domain: Option<String>,
}

impl Body for SessionSetupAndXResponse {
    const COMMAND: Command = Command::SESSION_SETUP_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[3, 4])?;
        let unicode = b.unicode();
        let action = b.params.u16("Action")?;
        let security_blob = if b.word_count == 4 {
            let n = b.params.u16("SecurityBlobLength")? as usize;
            Some(b.data.bytes(n, "SecurityBlob")?)
        } else {
            None
        };
        let d = &mut b.data;
        Ok(Self {
            action,
            security_blob,
            native_os: read_opt_aligned_str(d, unicode, "NativeOS")?,
            native_lan_man: read_opt_aligned_str(d, unicode, "NativeLanMan")?,
            primary_domain: read_opt_aligned_str(d, unicode, "PrimaryDomain")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        b.w.u16(self.action);
        if let Some(blob) = &self.security_blob {
            b.w.u16(blob.len() as u16);
        }
        b.start_data();
        if let Some(blob) = &self.security_blob {
            b.w.bytes(blob);
        }
        for x in [&self.native_os, &self.native_lan_man, &self.primary_domain]
            .into_iter()
            .flatten()
        {
            write_aligned_str(b.w, x, unicode);
        }
    }
}
