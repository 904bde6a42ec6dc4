//! NT_TRANSACT QUERY_SECURITY_DESC: the descriptor of an open file or directory. Shares
//! are served as a FAT-like volume: no ACLs are kept, and every file answers the same
//! default descriptor (owner and group BUILTIN\Administrators, a DACL granting Everyone
//! full control), whatever its attributes are.

use bytes::Bytes;

use super::{Answer, HResult, Rc, check_fid, nt_trans};
use crate::server::cx::Cx;
use crate::wire::NtStatus;
use crate::wire::codec::Reader;
use crate::wire::consts::access;
use crate::wire::msg::security::{Ace, Acl, SecurityDescriptor, Sid, secinfo};

/// ACE flags: inherited by files and folders below (for directories).
const OBJECT_AND_CONTAINER_INHERIT: u8 = 0x03;

/// The default descriptor, limited to the parts asked for.
pub(crate) fn default_descriptor(is_dir: bool, which: u32) -> SecurityDescriptor {
    let admins = Sid::new(5, &[32, 544]);
    let everyone = Sid::new(1, &[0]);
    SecurityDescriptor {
        revision: 1,
        control: 0,
        owner: (which & secinfo::OWNER != 0).then(|| admins.clone()),
        group: (which & secinfo::GROUP != 0).then_some(admins),
        sacl: None,
        dacl: (which & secinfo::DACL != 0).then(|| Acl {
            revision: 2,
            aces: alloc::vec![Ace {
                ace_type: 0,
                flags: if is_dir {
                    OBJECT_AND_CONTAINER_INHERIT
                } else {
                    0
                },
                mask: access::FILE_ALL_ACCESS,
                sid: everyone,
            }],
        }),
    }
}

/// QUERY_SECURITY_DESC: parameters FID, reserved, SecurityInformation; the answer's
/// parameter is the descriptor's length, its data the descriptor (or, when the client's
/// buffer is too small, BUFFER_TOO_SMALL with the length alone).
pub(crate) async fn query_security_desc(
    cx: &Cx,
    rc: &Rc,
    params: &Bytes,
    max_data: u32,
) -> HResult {
    let mut r = Reader::new(params);
    let fid = r.u16("FID").map_err(|_| NtStatus::INVALID_PARAMETER)?;
    r.skip(2, "Reserved")
        .map_err(|_| NtStatus::INVALID_PARAMETER)?;
    let which = r
        .u32("SecurityInformation")
        .map_err(|_| NtStatus::INVALID_PARAMETER)?;
    let f = check_fid(cx, rc, fid)?;
    let sd = default_descriptor(f.is_dir, which).encode();
    let needed = Bytes::copy_from_slice(&(sd.len() as u32).to_le_bytes());
    if sd.len() > max_data as usize {
        let mut a = Answer::ok(nt_trans::reply(needed, Bytes::new()));
        a.status = NtStatus::BUFFER_TOO_SMALL;
        return Ok(a);
    }
    Ok(Answer::ok(nt_trans::reply(needed, sd)))
}
