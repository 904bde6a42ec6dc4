//! srvsvc share information (`SHARE_INFO_*`, MS-SRVS 2.2.4.22-2.2.4.30) in NDR: the
//! structures of every level, the `srvsvc_NetShareInfo` union (one share) and the
//! `srvsvc_NetShareInfoCtr` container (a list), for both the server and the client.

use alloc::string::String;
use alloc::vec::Vec;

use super::ndr::{NdrReader, NdrWriter};
use crate::wire::codec::DecodeError;

/// The levels that have an arm in the share information unions; any other level is
/// the empty default arm.
pub const SHARE_INFO_ARMS: &[u32] = &[0, 1, 2, 501, 502, 1004, 1005, 1006, 1007, 1501];

/// Whether `level` has an arm in the share information unions.
pub fn has_arm(level: u32) -> bool {
    SHARE_INFO_ARMS.contains(&level)
}

/// One share's information; each level carries a subset of these fields (the others
/// are left at their defaults when decoding).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShareInfo {
    /// `netname` (levels 0, 1, 2, 501, 502).
    pub name: Option<String>,
    /// `type` (levels 1, 2, 501, 502).
    pub share_type: u32,
    /// `remark` (levels 1, 2, 501, 502, 1004).
    pub remark: Option<String>,
    /// `permissions` (levels 2, 502).
    pub permissions: u32,
    /// `max_uses` (levels 2, 502, 1006).
    pub max_uses: u32,
    /// `current_uses` (levels 2, 502).
    pub current_uses: u32,
    /// `path` (levels 2, 502).
    pub path: Option<String>,
    /// `passwd` (levels 2, 502).
    pub password: Option<String>,
    /// `flags`: CSC policy (501), DFS/CSC flags (1005), flags (1007).
    pub flags: u32,
    /// The security descriptor bytes (levels 502, 1501).
    pub security_descriptor: Option<Vec<u8>>,
    /// `alternate_directory_name` (level 1007).
    pub alternate_directory: Option<String>,
}

/// Referent IDs of a structure's pointers, in the order they were read.
#[derive(Debug, Clone, Copy, Default)]
pub struct SharePointers([Option<u32>; 5]);

const NAME: usize = 0;
const REMARK: usize = 1;
const PATH: usize = 2;
const PASSWORD: usize = 3;
const EXTRA: usize = 4;

impl ShareInfo {
    /// Smallest fixed part at any level (one pointer or one integer).
    pub const MIN_FIXED: usize = 4;

    /// Writes the fixed part of the level's structure (pointers as referent IDs).
    pub fn encode_fixed(&self, level: u32, w: &mut NdrWriter) {
        match level {
            0 => w.string_ptr(self.name.as_deref()),
            1 | 501 => {
                w.string_ptr(self.name.as_deref());
                w.u32(self.share_type);
                w.string_ptr(self.remark.as_deref());
                if level == 501 {
                    w.u32(self.flags);
                }
            }
            2 | 502 => {
                w.string_ptr(self.name.as_deref());
                w.u32(self.share_type);
                w.string_ptr(self.remark.as_deref());
                w.u32(self.permissions);
                w.u32(self.max_uses);
                w.u32(self.current_uses);
                w.string_ptr(self.path.as_deref());
                w.string_ptr(self.password.as_deref());
                if level == 502 {
                    self.encode_sd_buf(w);
                }
            }
            1004 => w.string_ptr(self.remark.as_deref()),
            1005 => w.u32(self.flags),
            1006 => w.u32(self.max_uses),
            1007 => {
                w.u32(self.flags);
                w.string_ptr(self.alternate_directory.as_deref());
            }
            1501 => self.encode_sd_buf(w),
            _ => {}
        }
    }

    fn encode_sd_buf(&self, w: &mut NdrWriter) {
        let sd = self.security_descriptor.as_deref();
        w.u32(sd.map_or(0, |s| s.len() as u32));
        w.pointer(sd.is_some());
    }

    /// Writes the deferred referents of the fixed part written by
    /// [`ShareInfo::encode_fixed`].
    pub fn encode_deferred(&self, level: u32, w: &mut NdrWriter) {
        match level {
            0 => w.deferred_string(self.name.as_deref()),
            1 | 501 | 2 | 502 => {
                w.deferred_string(self.name.as_deref());
                w.deferred_string(self.remark.as_deref());
                if level == 2 || level == 502 {
                    w.deferred_string(self.path.as_deref());
                    w.deferred_string(self.password.as_deref());
                }
                if level == 502 {
                    self.encode_sd(w);
                }
            }
            1004 => w.deferred_string(self.remark.as_deref()),
            1007 => w.deferred_string(self.alternate_directory.as_deref()),
            1501 => self.encode_sd(w),
            _ => {}
        }
    }

    fn encode_sd(&self, w: &mut NdrWriter) {
        if let Some(sd) = &self.security_descriptor {
            w.conformance(sd.len() as u32);
            w.bytes(sd);
        }
    }

    /// Reads the fixed part of the level's structure.
    pub fn decode_fixed(
        level: u32,
        r: &mut NdrReader<'_>,
    ) -> Result<(ShareInfo, SharePointers), DecodeError> {
        let mut s = ShareInfo::default();
        let mut p = SharePointers::default();
        match level {
            0 => p.0[NAME] = r.unique_ptr("shi0_netname")?,
            1 | 501 | 2 | 502 => {
                p.0[NAME] = r.unique_ptr("shi_netname")?;
                s.share_type = r.u32("shi_type")?;
                p.0[REMARK] = r.unique_ptr("shi_remark")?;
                if level == 501 {
                    s.flags = r.u32("shi501_flags")?;
                }
                if level == 2 || level == 502 {
                    s.permissions = r.u32("shi_permissions")?;
                    s.max_uses = r.u32("shi_max_uses")?;
                    s.current_uses = r.u32("shi_current_uses")?;
                    p.0[PATH] = r.unique_ptr("shi_path")?;
                    p.0[PASSWORD] = r.unique_ptr("shi_passwd")?;
                }
                if level == 502 {
                    r.u32("shi502_reserved")?;
                    p.0[EXTRA] = r.unique_ptr("shi502_security_descriptor")?;
                }
            }
            1004 => p.0[REMARK] = r.unique_ptr("shi1004_remark")?,
            1005 => s.flags = r.u32("shi1005_flags")?,
            1006 => s.max_uses = r.u32("shi1006_max_uses")?,
            1007 => {
                s.flags = r.u32("shi1007_flags")?;
                p.0[EXTRA] = r.unique_ptr("shi1007_alternate_directory_name")?;
            }
            1501 => {
                r.u32("shi1501_reserved")?;
                p.0[EXTRA] = r.unique_ptr("shi1501_security_descriptor")?;
            }
            _ => {}
        }
        Ok((s, p))
    }

    /// Reads the deferred referents of a fixed part read by [`ShareInfo::decode_fixed`].
    pub fn decode_deferred(
        &mut self,
        level: u32,
        p: &SharePointers,
        r: &mut NdrReader<'_>,
    ) -> Result<(), DecodeError> {
        self.name = r.deferred_string(p.0[NAME], "shi_netname")?;
        self.remark = r.deferred_string(p.0[REMARK], "shi_remark")?;
        self.path = r.deferred_string(p.0[PATH], "shi_path")?;
        self.password = r.deferred_string(p.0[PASSWORD], "shi_passwd")?;
        if p.0[EXTRA].is_some() {
            if level == 1007 {
                self.alternate_directory = r.deferred_string(p.0[EXTRA], "shi1007_name")?;
            } else {
                let sd = r.conformant_array(1, "security_descriptor", |r| r.u8("sd"))?;
                self.security_descriptor = Some(sd);
            }
        }
        Ok(())
    }
}

/// Writes a `srvsvc_NetShareInfo` union (NetShareGetInfo's result): the discriminant,
/// then for a level with an arm a pointer to the structure (null when `info` is `None`)
/// and its referent.
pub fn encode_share_info(level: u32, info: Option<&ShareInfo>, w: &mut NdrWriter) {
    w.discriminant(level);
    if has_arm(level) && w.pointer(info.is_some()) {
        if let Some(i) = info {
            i.encode_fixed(level, w);
            i.encode_deferred(level, w);
        }
    }
}

/// Reads a `srvsvc_NetShareInfo` union: the level and the structure, if any.
pub fn decode_share_info(r: &mut NdrReader<'_>) -> Result<(u32, Option<ShareInfo>), DecodeError> {
    let level = r.discriminant("share_info.level")?;
    if !has_arm(level) || r.unique_ptr("share_info")?.is_none() {
        return Ok((level, None));
    }
    let (mut s, p) = ShareInfo::decode_fixed(level, r)?;
    s.decode_deferred(level, &p, r)?;
    Ok((level, Some(s)))
}

/// Writes a `srvsvc_NetShareInfoCtr` (the in/out container of NetShareEnum and
/// NetShareEnumAll): level, discriminant, and for a level with an arm a pointer to
/// `{count, array}` (null when `entries` is `None`).
pub fn encode_share_ctr(level: u32, entries: Option<&[ShareInfo]>, w: &mut NdrWriter) {
    w.u32(level);
    w.discriminant(level);
    if !has_arm(level) || !w.pointer(entries.is_some()) {
        return;
    }
    let entries = entries.unwrap_or_default();
    w.u32(entries.len() as u32);
    if w.pointer(!entries.is_empty()) {
        w.conformance(entries.len() as u32);
        for e in entries {
            e.encode_fixed(level, w);
        }
        for e in entries {
            e.encode_deferred(level, w);
        }
    }
}

/// A decoded `srvsvc_NetShareInfoCtr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareCtr {
    /// The level.
    pub level: u32,
    /// The entries; `None` when the container pointer is null or the level has no arm.
    pub entries: Option<Vec<ShareInfo>>,
}

/// Reads a `srvsvc_NetShareInfoCtr`.
pub fn decode_share_ctr(r: &mut NdrReader<'_>) -> Result<ShareCtr, DecodeError> {
    let level = r.u32("info_ctr.level")?;
    let at = r.pos();
    if r.discriminant("info_ctr.ctr")? != level {
        return Err(DecodeError::invalid("info_ctr.ctr", at));
    }
    if !has_arm(level) || r.unique_ptr("info_ctr.ctr")?.is_none() {
        return Ok(ShareCtr {
            level,
            entries: None,
        });
    }
    let count = r.u32("ctr.count")?;
    let mut entries = Vec::new();
    if r.unique_ptr("ctr.array")?.is_some() {
        let at = r.pos();
        let max = r.conformance("ctr.array")?;
        if max < count {
            return Err(DecodeError::invalid("ctr.array", at));
        }
        let fixed = r.elements(max, ShareInfo::MIN_FIXED, "ctr.array", |r| {
            ShareInfo::decode_fixed(level, r)
        })?;
        entries.reserve(fixed.len());
        for (mut s, p) in fixed {
            s.decode_deferred(level, &p, r)?;
            entries.push(s);
        }
    }
    entries.truncate(count as usize);
    Ok(ShareCtr {
        level,
        entries: Some(entries),
    })
}
