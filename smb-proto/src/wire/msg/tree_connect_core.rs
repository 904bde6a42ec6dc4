//! `SMB_COM_TREE_CONNECT` (0x70): the core-protocol tree connect, three BufferFormat
//! strings; the TID comes back in the parameters.

use alloc::string::String;

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

use super::format::{read_format_string, write_format_string};

/// TREE_CONNECT (core) request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeConnectRequest {
    /// The share: `\\SERVER\SHARE`.
    pub path: String,
    /// The share password (plaintext; empty under user-level security).
    pub password: String,
    /// The service: `A:`, `LPT1:`, `IPC`, `COMM` or `?????`.
    pub service: String,
}

impl Body for TreeConnectRequest {
    const COMMAND: Command = Command::TREE_CONNECT;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[0])?;
        Ok(Self {
            path: read_format_string(b, "Path")?,
            password: read_format_string(b, "Password")?,
            service: read_format_string(b, "Service")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.start_data();
        write_format_string(b, &self.path);
        write_format_string(b, &self.password);
        write_format_string(b, &self.service);
    }
}

/// TREE_CONNECT (core) response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TreeConnectResponse {
    /// Largest message the server accepts.
    pub max_buffer_size: u16,
    /// The new tree id (the header's TID is not used by the core protocol).
    pub tid: u16,
}

impl Body for TreeConnectResponse {
    const COMMAND: Command = Command::TREE_CONNECT;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[2])?;
        Ok(Self {
            max_buffer_size: b.params.u16("MaxBufferSize")?,
            tid: b.params.u16("TID")?,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.max_buffer_size);
        b.w.u16(self.tid);
        b.start_data();
    }
}
