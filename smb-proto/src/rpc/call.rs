//! One call on the server side: what it runs with ([`CallContext`]), what it produces
//! ([`Outcome`]), and the parameter shapes every srvsvc and wkssvc call shares.

use alloc::string::String;
use alloc::vec::Vec;

use super::info::ServerInfo;
use super::ndr::{NdrReader, NdrWriter};
use super::status;
use crate::time::Now;
use crate::wire::codec::DecodeError;

/// Who is calling, as far as the services care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Caller {
    /// An authenticated user: every information level is answered (as smbd does for
    /// any user).
    #[default]
    Authenticated,
    /// An anonymous (null) session: levels that reveal paths and limits (share levels
    /// 2, 501 and 502) are refused with `ERROR_ACCESS_DENIED`, as Windows does.
    Anonymous,
}

/// What a call runs with.
#[derive(Debug, Clone, Copy)]
pub struct CallContext<'a> {
    /// The server and its shares.
    pub info: &'a ServerInfo,
    /// Who is calling.
    pub caller: Caller,
    /// The time (for NetRemoteTOD).
    pub now: Now,
}

/// What a call produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The response stub (NDR, little endian).
    Stub(Vec<u8>),
    /// A fault with this status (see [`status`]); `executed` is false for calls that
    /// were refused before running (the fault carries `PFC_DID_NOT_EXECUTE`).
    Fault {
        /// The fault status.
        status: u32,
        /// Whether the call ran.
        executed: bool,
    },
}

impl Outcome {
    /// The fault for an operation number the interface does not have.
    pub const OP_RANGE: Outcome = Outcome::Fault {
        status: status::NCA_S_OP_RNG_ERROR,
        executed: false,
    };

    /// A result of a decoder: stub data when it decoded, the bad-stub fault when not.
    pub fn from_decode(r: Result<Vec<u8>, DecodeError>) -> Outcome {
        match r {
            Ok(stub) => Outcome::Stub(stub),
            Err(_) => Outcome::Fault {
                status: status::FAULT_BAD_STUB_DATA,
                executed: false,
            },
        }
    }
}

/// A top-level `[in,unique] [string] wchar_t*` parameter (its referent follows it).
pub fn unique_string(
    r: &mut NdrReader<'_>,
    field: &'static str,
) -> Result<Option<String>, DecodeError> {
    let ptr = r.unique_ptr(field)?;
    r.deferred_string(ptr, field)
}

/// A top-level `[in,out,unique] DWORD*` parameter (a resume handle).
pub fn unique_u32(r: &mut NdrReader<'_>, field: &'static str) -> Result<Option<u32>, DecodeError> {
    r.unique_ptr(field)?.map(|_| r.u32(field)).transpose()
}

/// Writes a top-level `[out,unique] DWORD*` parameter.
pub fn write_unique_u32(w: &mut NdrWriter, v: Option<u32>) {
    if let Some(v) = v {
        w.pointer(true);
        w.u32(v);
    } else {
        w.pointer(false);
    }
}
