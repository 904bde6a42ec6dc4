//! The workstation service, wkssvc v1.0 (MS-WKST), server side: NetWkstaGetInfo.
//!
//! Levels 100 and 101 are answered; level 102 (which adds the count of logged-on users)
//! is refused with `ERROR_ACCESS_DENIED`, as smbd refuses it to a user who is not an
//! administrator. Other operations get the `nca_s_op_rng_error` fault.

use alloc::vec::Vec;

use super::call::{CallContext, Outcome, unique_string};
use super::ndr::{Endian, NdrReader, NdrWriter};
use super::status::{WERR_ACCESS_DENIED, WERR_INVALID_LEVEL, WERR_OK};
use crate::wire::codec::DecodeError;

/// NetWkstaGetInfo.
pub const OP_NET_WKSTA_GET_INFO: u16 = 0;

/// Runs one wkssvc call.
pub fn call(opnum: u16, stub: &[u8], endian: Endian, ctx: &CallContext<'_>) -> Outcome {
    match opnum {
        OP_NET_WKSTA_GET_INFO => Outcome::from_decode(wksta_get_info(
            &mut NdrReader::with_endian(stub, endian),
            ctx,
        )),
        _ => Outcome::OP_RANGE,
    }
}

/// Whether `level` has an arm in the `wkssvc_NetWkstaInfo` union.
fn has_arm(level: u32) -> bool {
    matches!(
        level,
        100 | 101
            | 102
            | 502
            | 1010..=1013
            | 1018
            | 1023
            | 1027
            | 1028
            | 1032
            | 1033
            | 1041..=1062
    )
}

fn wksta_get_info(r: &mut NdrReader<'_>, ctx: &CallContext<'_>) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_name")?;
    let level = r.u32("level")?;
    let result = match level {
        100 | 101 => WERR_OK,
        102 => WERR_ACCESS_DENIED,
        _ => WERR_INVALID_LEVEL,
    };
    let i = ctx.info;
    let mut w = NdrWriter::new();
    w.discriminant(level);
    if has_arm(level) && w.pointer(result == WERR_OK) {
        w.u32(i.platform_id);
        w.string_ptr(Some(&i.name));
        w.string_ptr(Some(&i.domain));
        w.u32(i.version_major);
        w.u32(i.version_minor);
        if level == 101 {
            w.string_ptr(Some(""));
        }
        w.deferred_string(Some(&i.name));
        w.deferred_string(Some(&i.domain));
        if level == 101 {
            w.deferred_string(Some(""));
        }
    }
    w.u32(result);
    Ok(w.into_vec())
}
