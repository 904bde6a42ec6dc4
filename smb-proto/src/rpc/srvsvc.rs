//! The server service, srvsvc v3.0 (MS-SRVS), server side: the calls it answers and how.
//!
//! Answered like smbd 4.17 answers them (the subtests of smbtorture `rpc.srvsvc` that
//! smbd passes): NetShareEnumAll (15), NetShareGetInfo (16), NetSrvGetInfo (21) levels
//! 100-102, NetDiskEnum (23), NetRemoteTOD (28), NetNameValidate (33), NetShareEnum
//! (36; Samba's name for MS-SRVS NetrShareEnumSticky: the shares that are not hidden),
//! and NetConnEnum (8), NetFileEnum (9), NetSessEnum (12) with the refusal smbd gives a
//! user who is not an administrator. Beyond smbd: NetShareCheck (20), which smbd does
//! not implement, so that the share subtests pass. NetShareAdd (14), NetShareSetInfo (17),
//! NetShareDel (18) and NetShareDelSticky (19) are refused with `ERROR_ACCESS_DENIED`, as
//! smbd refuses them to a user who is not an administrator. NetShareEnum at level 501 is
//! refused with `ERROR_INVALID_LEVEL` as Windows does (smbd answers it). Every other
//! operation gets the `nca_s_op_rng_error` fault smbd gives for the ones it does not
//! implement.

use alloc::string::String;
use alloc::vec::Vec;

use super::call::{CallContext, Caller, Outcome, unique_string, unique_u32, write_unique_u32};
use super::info::{ShareEntry, eq_ignore_case};
use super::ndr::{Endian, NdrReader, NdrWriter};
use super::share_info::{
    ShareInfo, decode_share_ctr, decode_share_info, encode_share_ctr, encode_share_info, has_arm,
};
use super::status::*;
use super::tod::TimeOfDay;
use crate::wire::codec::DecodeError;

/// NetConnEnum.
pub const OP_NET_CONN_ENUM: u16 = 8;
/// NetFileEnum.
pub const OP_NET_FILE_ENUM: u16 = 9;
/// NetSessEnum.
pub const OP_NET_SESS_ENUM: u16 = 12;
/// NetShareEnumAll.
pub const OP_NET_SHARE_ENUM_ALL: u16 = 15;
/// NetShareGetInfo.
pub const OP_NET_SHARE_GET_INFO: u16 = 16;
/// NetShareAdd.
pub const OP_NET_SHARE_ADD: u16 = 14;
/// NetShareSetInfo.
pub const OP_NET_SHARE_SET_INFO: u16 = 17;
/// NetShareDel.
pub const OP_NET_SHARE_DEL: u16 = 18;
/// NetShareDelSticky.
pub const OP_NET_SHARE_DEL_STICKY: u16 = 19;
/// NetShareCheck.
pub const OP_NET_SHARE_CHECK: u16 = 20;
/// NetSrvGetInfo.
pub const OP_NET_SRV_GET_INFO: u16 = 21;
/// NetDiskEnum.
pub const OP_NET_DISK_ENUM: u16 = 23;
/// NetRemoteTOD.
pub const OP_NET_REMOTE_TOD: u16 = 28;
/// NetNameValidate.
pub const OP_NET_NAME_VALIDATE: u16 = 33;
/// NetShareEnum (MS-SRVS: NetrShareEnumSticky).
pub const OP_NET_SHARE_ENUM: u16 = 36;

/// `max_uses` meaning no limit.
const UNLIMITED: u32 = u32::MAX;

/// Characters a share name may not contain (what smbd refuses in NetNameValidate).
const INVALID_SHARE_NAME_CHARS: &str = "\"%*+,/:;<=>?\\|";

/// NetNameValidate name type of a share name (`NAMETYPE_SHARE`).
const NAMETYPE_SHARE: u32 = 9;

/// Runs one srvsvc call: `stub` is the request's reassembled stub data in `endian`.
pub fn call(opnum: u16, stub: &[u8], endian: Endian, ctx: &CallContext<'_>) -> Outcome {
    let mut r = NdrReader::with_endian(stub, endian);
    let r = &mut r;
    Outcome::from_decode(match opnum {
        OP_NET_CONN_ENUM => denied_enum(r, &["path"], &[0, 1], |_| WERR_ACCESS_DENIED),
        OP_NET_FILE_ENUM => denied_enum(r, &["path", "user"], &[2, 3], |level| {
            if level == 3 {
                WERR_ACCESS_DENIED
            } else {
                WERR_INVALID_LEVEL
            }
        }),
        OP_NET_SESS_ENUM => denied_enum(r, &["client", "user"], &[0, 1, 2, 10, 502], |_| {
            WERR_ACCESS_DENIED
        }),
        OP_NET_SHARE_ENUM_ALL => share_enum(r, ctx, true),
        OP_NET_SHARE_ENUM => share_enum(r, ctx, false),
        OP_NET_SHARE_GET_INFO => share_get_info(r, ctx),
        OP_NET_SHARE_ADD => share_change(r, false),
        OP_NET_SHARE_SET_INFO => share_change(r, true),
        OP_NET_SHARE_DEL | OP_NET_SHARE_DEL_STICKY => share_del(r),
        OP_NET_SHARE_CHECK => share_check(r, ctx),
        OP_NET_SRV_GET_INFO => srv_get_info(r, ctx),
        OP_NET_DISK_ENUM => disk_enum(r),
        OP_NET_REMOTE_TOD => remote_tod(r, ctx),
        OP_NET_NAME_VALIDATE => name_validate(r),
        _ => return Outcome::OP_RANGE,
    })
}

/// The information a share gives at `level`.
pub fn share_info(s: &ShareEntry, level: u32) -> ShareInfo {
    let detailed = matches!(level, 2 | 502);
    ShareInfo {
        name: Some(s.name.clone()),
        share_type: s.share_type,
        remark: Some(s.remark.clone()),
        permissions: 0,
        max_uses: UNLIMITED,
        current_uses: s.current_users,
        path: detailed.then(|| s.path.clone()),
        // smbd sends an empty password rather than a null pointer.
        password: detailed.then(String::new),
        flags: 0,
        security_descriptor: None,
        alternate_directory: None,
    }
}

/// Whether an anonymous caller is refused this share information level.
fn restricted(ctx: &CallContext<'_>, level: u32, enum_all: bool) -> bool {
    ctx.caller == Caller::Anonymous && (matches!(level, 2 | 502) || (enum_all && level == 501))
}

/// NetShareEnumAll (all shares) and NetShareEnum (the ones not hidden).
fn share_enum(
    r: &mut NdrReader<'_>,
    ctx: &CallContext<'_>,
    all: bool,
) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    let ctr = decode_share_ctr(r)?;
    r.u32("max_buffer")?;
    let resume = unique_u32(r, "resume_handle")?;
    let level = ctr.level;
    let supported = matches!(level, 0 | 1 | 2 | 502) || (all && level == 501);
    let result = if !supported {
        WERR_INVALID_LEVEL
    } else if restricted(ctx, level, all) {
        WERR_ACCESS_DENIED
    } else {
        WERR_OK
    };
    let mut w = NdrWriter::new();
    if result != WERR_OK {
        encode_share_ctr(level, ctr.entries.as_ref().map(|_| &[][..]), &mut w);
        w.u32(0);
        write_unique_u32(&mut w, resume);
        w.u32(result);
        return Ok(w.into_vec());
    }
    let shares: Vec<&ShareEntry> = ctx
        .info
        .shares
        .iter()
        .filter(|s| all || !s.is_hidden())
        .collect();
    let start = resume.unwrap_or(0) as usize;
    let entries: Vec<ShareInfo> = shares
        .iter()
        .skip(start)
        .map(|s| share_info(s, level))
        .collect();
    encode_share_ctr(level, Some(&entries), &mut w);
    w.u32(shares.len() as u32);
    write_unique_u32(&mut w, resume.map(|_| 0));
    w.u32(WERR_OK);
    Ok(w.into_vec())
}

/// NetShareGetInfo.
fn share_get_info(r: &mut NdrReader<'_>, ctx: &CallContext<'_>) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    let name = r.string("share_name")?;
    let level = r.u32("level")?;
    let share = ctx.info.find_share(&name);
    let result = if share.is_none() {
        NERR_NET_NAME_NOT_FOUND
    } else if !has_arm(level) {
        WERR_INVALID_LEVEL
    } else if restricted(ctx, level, false) {
        WERR_ACCESS_DENIED
    } else {
        WERR_OK
    };
    let info = share
        .filter(|_| result == WERR_OK)
        .map(|s| share_info(s, level));
    let mut w = NdrWriter::new();
    encode_share_info(level, info.as_ref(), &mut w);
    w.u32(result);
    Ok(w.into_vec())
}

/// NetShareAdd and NetShareSetInfo (`named`: the share name comes first): shares come
/// from the configuration and are not changed over RPC; refused as smbd refuses a user
/// who is not an administrator.
fn share_change(r: &mut NdrReader<'_>, named: bool) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    if named {
        r.string("share_name")?;
    }
    let level = r.u32("level")?;
    let at = r.pos();
    if decode_share_info(r)?.0 != level {
        return Err(DecodeError::invalid("info", at));
    }
    let parm_error = unique_u32(r, "parm_error")?;
    let mut w = NdrWriter::new();
    write_unique_u32(&mut w, parm_error.map(|_| 0));
    w.u32(WERR_ACCESS_DENIED);
    Ok(w.into_vec())
}

/// NetShareDel and NetShareDelSticky: shares come from the configuration, never removed.
fn share_del(r: &mut NdrReader<'_>) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    r.string("share_name")?;
    r.u32("reserved")?;
    let mut w = NdrWriter::new();
    w.u32(WERR_ACCESS_DENIED);
    Ok(w.into_vec())
}

/// NetShareCheck: the type of the share whose reported path is `device_name`.
fn share_check(r: &mut NdrReader<'_>, ctx: &CallContext<'_>) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    let device = r.string("device_name")?;
    let found = ctx
        .info
        .shares
        .iter()
        .chain(&ctx.info.unlisted)
        .find(|s| eq_ignore_case(&s.path, &device));
    let mut w = NdrWriter::new();
    w.u32(found.map_or(0, |s| s.share_type));
    w.u32(if found.is_some() {
        WERR_OK
    } else {
        NERR_DEVICE_NOT_SHARED
    });
    Ok(w.into_vec())
}

/// Whether `level` has an arm in the `srvsvc_NetSrvInfo` union.
fn srv_info_has_arm(level: u32) -> bool {
    matches!(
        level,
        100 | 101
            | 102
            | 402
            | 403
            | 502
            | 503
            | 599
            | 1005
            | 1010
            | 1016
            | 1017
            | 1018
            | 1107
            | 1501
            | 1502
            | 1503
            | 1506
            | 1509..=1516
            | 1518
            | 1520..=1525
            | 1528..=1530
            | 1533..=1550
            | 1552..=1556
    )
}

/// NetSrvGetInfo levels 100, 101 and 102 (values of level 102 as smbd reports them).
fn srv_get_info(r: &mut NdrReader<'_>, ctx: &CallContext<'_>) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    let level = r.u32("level")?;
    let i = ctx.info;
    let mut w = NdrWriter::new();
    w.discriminant(level);
    let ok = matches!(level, 100..=102);
    if srv_info_has_arm(level) && w.pointer(ok) {
        w.u32(i.platform_id);
        w.string_ptr(Some(&i.name));
        if level >= 101 {
            w.u32(i.version_major);
            w.u32(i.version_minor);
            w.u32(i.server_type);
            w.string_ptr(Some(&i.comment));
        }
        if level == 102 {
            w.u32(UNLIMITED); // users
            w.u32(15); // disc: autodisconnect minutes
            w.u32(0); // hidden
            w.u32(240); // announce
            w.u32(3000); // anndelta
            w.u32(100_000); // licenses
            w.string_ptr(Some("C:\\")); // userpath
        }
        w.deferred_string(Some(&i.name));
        if level >= 101 {
            w.deferred_string(Some(&i.comment));
        }
        if level == 102 {
            w.deferred_string(Some("C:\\"));
        }
    }
    w.u32(if ok { WERR_OK } else { WERR_INVALID_LEVEL });
    Ok(w.into_vec())
}

/// NetDiskEnum level 0: the disk `C:` and the empty entry that ends the list, like smbd.
fn disk_enum(r: &mut NdrReader<'_>) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    let level = r.u32("level")?;
    r.u32("info.count")?;
    if r.unique_ptr("info.disks")?.is_some() {
        let max = r.conformance("info.disks")?;
        let (_, actual) = r.variance(max, "info.disks")?;
        r.elements(actual, 8, "info.disks", |r| {
            r.u32("disk.offset")?;
            let len = r.u32("disk.length")?;
            r.utf16(len, "disk")
        })?;
    }
    r.u32("maxlen")?;
    let resume = unique_u32(r, "resume_handle")?;
    let mut w = NdrWriter::new();
    if level != 0 {
        w.u32(0);
        w.pointer(false);
        w.u32(0);
        write_unique_u32(&mut w, resume);
        w.u32(WERR_INVALID_LEVEL);
        return Ok(w.into_vec());
    }
    let disks = ["C:", ""];
    w.u32(disks.len() as u32);
    w.pointer(true);
    w.conformance(disks.len() as u32);
    w.u32(0);
    w.u32(disks.len() as u32);
    for d in disks {
        w.u32(0);
        w.u32(d.len() as u32 + 1);
        w.utf16(d);
        w.u16(0);
    }
    let total = disks.len() as u32 - 1;
    w.u32(total);
    write_unique_u32(&mut w, resume.map(|_| total));
    w.u32(WERR_OK);
    Ok(w.into_vec())
}

/// NetRemoteTOD.
fn remote_tod(r: &mut NdrReader<'_>, ctx: &CallContext<'_>) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    let mut w = NdrWriter::new();
    w.pointer(true);
    TimeOfDay::at(ctx.now).encode(&mut w);
    w.u32(WERR_OK);
    Ok(w.into_vec())
}

/// NetNameValidate: share names (type 9) without the characters smbd refuses; other
/// name types are an unknown level, as in smbd.
fn name_validate(r: &mut NdrReader<'_>) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    let name = r.string("name")?;
    let name_type = r.u32("name_type")?;
    let flags = r.u32("flags")?;
    let result = if flags != 0 && flags != 0x8000_0000 {
        WERR_INVALID_PARAMETER
    } else if name_type != NAMETYPE_SHARE {
        WERR_INVALID_LEVEL
    } else if name.contains(|c| INVALID_SHARE_NAME_CHARS.contains(c)) {
        WERR_INVALID_NAME
    } else {
        WERR_OK
    };
    let mut w = NdrWriter::new();
    w.u32(result);
    Ok(w.into_vec())
}

/// NetConnEnum, NetFileEnum and NetSessEnum: parsed, and refused with `status(level)`;
/// the container comes back empty, as smbd sends it to a user who is not an
/// administrator. `strings` names the optional string parameters after `server_unc`,
/// `arms` the levels of the container union.
fn denied_enum(
    r: &mut NdrReader<'_>,
    strings: &[&'static str],
    arms: &[u32],
    status: impl Fn(u32) -> u32,
) -> Result<Vec<u8>, DecodeError> {
    unique_string(r, "server_unc")?;
    for s in strings {
        unique_string(r, s)?;
    }
    let level = r.u32("info_ctr.level")?;
    let at = r.pos();
    if r.discriminant("info_ctr.ctr")? != level {
        return Err(DecodeError::invalid("info_ctr.ctr", at));
    }
    let has_arm = arms.contains(&level);
    let ctr = has_arm && r.unique_ptr("info_ctr.ctr")?.is_some();
    if ctr {
        r.u32("ctr.count")?;
        let at = r.pos();
        if r.unique_ptr("ctr.array")?.is_some() {
            // A client sends an empty container; entries would be of many shapes.
            return Err(DecodeError::invalid("ctr.array", at));
        }
    }
    r.u32("max_buffer")?;
    let resume = unique_u32(r, "resume_handle")?;
    let result = if has_arm {
        status(level)
    } else {
        WERR_INVALID_LEVEL
    };
    let mut w = NdrWriter::new();
    w.u32(level);
    w.discriminant(level);
    if has_arm && w.pointer(ctr) {
        w.u32(0);
        w.pointer(false);
    }
    w.u32(0);
    write_unique_u32(&mut w, resume);
    w.u32(result);
    Ok(w.into_vec())
}
