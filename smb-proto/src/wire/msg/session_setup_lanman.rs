//! The pre-NT form of the `SMB_COM_SESSION_SETUP_ANDX` request (WordCount 10): one
//! password field holding an LM response, or a plaintext password.

use alloc::string::String;
use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::message::{BlockDecoder, BlockEncoder};
use crate::wire::strings::{read_aligned_str, read_opt_aligned_str, write_aligned_str};

/// The LANMAN1.0 / LANMAN2.1 session setup request (MS-CIFS 2.2.4.53.1, WordCount 10).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionSetupLanMan {
    /// The client's receive buffer size.
    pub max_buffer_size: u16,
    /// Requests the client will have outstanding.
    pub max_mpx_count: u16,
    /// Virtual circuit number.
    pub vc_number: u16,
    /// Copy of the negotiate response's SessionKey.
    pub session_key: u32,
    /// Reserved (0).
    pub reserved: u32,
    /// The LM response (24 bytes), or the plaintext password in the OEM code page.
    pub password: Bytes,
    /// The account name.
    pub account_name: String,
    /// The account's domain.
    pub primary_domain: String,
    /// The client's operating system.
    pub native_os: Option<String>,
    /// The client's LAN manager.
    pub native_lan_man: Option<String>,
}

impl SessionSetupLanMan {
    pub(super) fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        let unicode = b.unicode();
        let p = &mut b.params;
        let max_buffer_size = p.u16("MaxBufferSize")?;
        let max_mpx_count = p.u16("MaxMpxCount")?;
        let vc_number = p.u16("VcNumber")?;
        let session_key = p.u32("SessionKey")?;
        let pw_len = p.u16("PasswordLength")? as usize;
        let reserved = p.u32("Reserved")?;
        let d = &mut b.data;
        let password = d.bytes(pw_len, "Password")?;
        Ok(Self {
            max_buffer_size,
            max_mpx_count,
            vc_number,
            session_key,
            reserved,
            password,
            account_name: read_aligned_str(d, unicode, "AccountName")?,
            primary_domain: read_aligned_str(d, unicode, "PrimaryDomain")?,
            native_os: read_opt_aligned_str(d, unicode, "NativeOS")?,
            native_lan_man: read_opt_aligned_str(d, unicode, "NativeLanMan")?,
        })
    }

    pub(super) fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        b.w.u16(self.max_buffer_size);
        b.w.u16(self.max_mpx_count);
        b.w.u16(self.vc_number);
        b.w.u32(self.session_key);
        b.w.u16(self.password.len() as u16);
        b.w.u32(self.reserved);
        b.start_data();
        b.w.bytes(&self.password);
        write_aligned_str(b.w, &self.account_name, unicode);
        write_aligned_str(b.w, &self.primary_domain, unicode);
        for x in [&self.native_os, &self.native_lan_man]
            .into_iter()
            .flatten()
        {
            write_aligned_str(b.w, x, unicode);
        }
    }
}
