//! `SMB_COM_TREE_CONNECT_ANDX` (0x75): connect to a share by UNC path.

use alloc::string::String;
use bytes::Bytes;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};
use crate::wire::strings::{
    read_aligned_str, read_oem, read_opt_aligned_str, write_aligned_str, write_str,
};

/// Request flag: disconnect the TID in the header first.
pub const TREE_CONNECT_DISCONNECT_TID: u16 = 0x0001;
/// Request flag: extended signatures.
pub const TREE_CONNECT_EXTENDED_SIGNATURES: u16 = 0x0004;
/// Request flag: ask for the extended (WordCount 7) response.
pub const TREE_CONNECT_EXTENDED_RESPONSE: u16 = 0x0008;

/// OptionalSupport: exclusive search bits supported.
pub const SMB_SUPPORT_SEARCH_BITS: u16 = 0x0001;
/// OptionalSupport: share is in DFS.
pub const SMB_SHARE_IS_IN_DFS: u16 = 0x0002;
/// OptionalSupport: client-side caching disabled.
pub const SMB_CSC_NO_CACHING: u16 = 0x000C;
/// OptionalSupport: unique file names.
pub const SMB_UNIQUE_FILE_NAME: u16 = 0x0010;
/// OptionalSupport: extended signatures.
pub const SMB_EXTENDED_SIGNATURES: u16 = 0x0020;

/// TREE_CONNECT_ANDX request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeConnectAndXRequest {
    /// `TREE_CONNECT_*` flags.
    pub flags: u16,
    /// Share password (share-level security); a single NUL under user-level security.
    pub password: Bytes,
    /// UNC path, e.g. `\\SERVER\SHARE`.
    pub path: String,
    /// Service: `A:`, `LPT1:`, `IPC`, `COMM` or `?????`.
    pub service: String,
}

impl Body for TreeConnectAndXRequest {
    const COMMAND: Command = Command::TREE_CONNECT_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[4])?;
        let unicode = b.unicode();
        let flags = b.params.u16("Flags")?;
        let pw_len = b.params.u16("PasswordLength")? as usize;
        let password = b.data.bytes(pw_len, "Password")?;
        let path = read_aligned_str(&mut b.data, unicode, "Path")?;
        let service = read_oem(&mut b.data, "Service")?;
        Ok(Self {
            flags,
            password,
            path,
            service,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        b.w.u16(self.flags);
        b.w.u16(self.password.len() as u16);
        b.start_data();
        b.w.bytes(&self.password);
        write_aligned_str(b.w, &self.path, unicode);
        write_str(b.w, &self.service, false);
    }
}

/// TREE_CONNECT_ANDX response (WordCount 3, or 7 for the extended form, or 2 for the
/// pre-NT form that LANMAN servers send).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeConnectAndXResponse {
    /// `SMB_SUPPORT_*` / `SMB_CSC_*` bits; `None` in the WordCount 2 (LANMAN) form.
    pub optional_support: Option<u16>,
    /// Extended form: maximal and guest maximal share access rights.
    pub extended: Option<(u32, u32)>,
    /// Service of the share (`A:`, `IPC`...).
    pub service: String,
    /// Native file system (e.g. `NTFS`); absent for some IPC responses.
    pub native_file_system: Option<String>,
}

impl Body for TreeConnectAndXResponse {
    const COMMAND: Command = Command::TREE_CONNECT_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        // WordCount 2 (the AndX header alone, no OptionalSupport) comes from pre-NT
        // servers; the support bits only inform.
        b.expect_word_count(&[2, 3, 7])?;
        let unicode = b.unicode();
        let optional_support = if b.word_count == 2 {
            None
        } else {
            Some(b.params.u16("OptionalSupport")?)
        };
        let extended = if b.word_count == 7 {
            Some((
                b.params.u32("MaximalShareAccessRights")?,
                b.params.u32("GuestMaximalShareAccessRights")?,
            ))
        } else {
            None
        };
        let service = read_oem(&mut b.data, "Service")?;
        let native_file_system = read_opt_aligned_str(&mut b.data, unicode, "NativeFileSystem")?;
        Ok(Self {
            optional_support,
            extended,
            service,
            native_file_system,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        let unicode = b.unicode();
        if let Some(o) = self.optional_support.or(self.extended.map(|_| 0)) {
            b.w.u16(o);
        }
        if let Some((max, guest)) = self.extended {
            b.w.u32(max);
            b.w.u32(guest);
        }
        b.start_data();
        write_str(b.w, &self.service, false);
        if let Some(fs) = &self.native_file_system {
            write_aligned_str(b.w, fs, unicode);
        }
    }
}
