//! Extended attributes, kept as `user.` xattrs of the file or directory.

use std::fs::File;
use std::io;

use bytes::Bytes;
use smb_proto::server::fs::{Ea, FileSystem, ShareId, Target};
use smb_proto::wire::NtStatus;

use super::LocalFs;
use super::lookup::{here, open_either};
use super::status::st;

impl LocalFs {
    /// An fd for a target (file or directory), for extended attributes.
    pub(super) fn target_fd(&self, share: ShareId, target: &Target) -> Result<File, NtStatus> {
        let (s, rel, file) = match target {
            Target::Path(p) => {
                let s = self.share(share)?;
                (s, s.existing(p)?, None)
            }
            Target::Handle(h) => {
                let (sh, rel, f) = self.handles.get(*h)?;
                (self.share(sh)?, rel, f)
            }
        };
        if let Some(f) = file {
            return f.try_clone().map_err(st);
        }
        open_either(&s.dir, here(&rel)).map(|(f, _)| f).map_err(st)
    }

    /// The `user.` xattrs of a target, without the prefix ([`FileSystem::get_eas`]).
    pub(super) fn xattrs(&self, share: ShareId, target: &Target) -> Result<Vec<Ea>, NtStatus> {
        let fd = self.target_fd(share, target)?;
        let xerr = |e: rustix::io::Errno| match e {
            rustix::io::Errno::OPNOTSUPP => NtStatus::EAS_NOT_SUPPORTED,
            e => st(io::Error::from(e)),
        };
        let mut names = vec![0u8; 64 * 1024];
        let n = rustix::fs::flistxattr(&fd, &mut names).map_err(xerr)?;
        let mut out = Vec::new();
        for raw in names[..n].split(|&b| b == 0).filter(|x| !x.is_empty()) {
            let Ok(name) = std::str::from_utf8(raw) else {
                continue;
            };
            let Some(short) = name.strip_prefix("user.") else {
                continue;
            };
            if name == super::dosattr::XATTR {
                continue;
            }
            let mut val = vec![0u8; 64 * 1024];
            if let Ok(len) = rustix::fs::fgetxattr(&fd, name, &mut val) {
                val.truncate(len);
                out.push(Ea {
                    name: short.to_string(),
                    value: Bytes::from(val),
                });
            }
        }
        Ok(out)
    }

    /// Sets (or, with empty values, removes) `user.` xattrs ([`FileSystem::set_eas`]).
    pub(super) fn set_xattrs(
        &self,
        share: ShareId,
        target: &Target,
        eas: &[Ea],
    ) -> Result<(), NtStatus> {
        self.writable(share)?;
        let fd = self.target_fd(share, target)?;
        let xerr = |e: rustix::io::Errno| match e {
            rustix::io::Errno::OPNOTSUPP => NtStatus::EAS_NOT_SUPPORTED,
            rustix::io::Errno::NODATA => NtStatus::SUCCESS,
            e => st(io::Error::from(e)),
        };
        // Names are case-insensitive on the wire: reuse an existing name's case.
        let existing = self.get_eas(share, target).unwrap_or_default();
        let private = super::dosattr::XATTR.trim_start_matches("user.");
        if eas.iter().any(|e| e.name.eq_ignore_ascii_case(private)) {
            // Where the DOS attributes live: not an EA a client may write.
            return Err(NtStatus::ACCESS_DENIED);
        }
        for e in eas {
            let name = existing
                .iter()
                .find(|x| x.name.eq_ignore_ascii_case(&e.name))
                .map_or(e.name.clone(), |x| x.name.clone());
            let full = format!("user.{name}");
            let r = if e.value.is_empty() {
                rustix::fs::fremovexattr(&fd, full.as_str())
            } else {
                rustix::fs::fsetxattr(
                    &fd,
                    full.as_str(),
                    &e.value,
                    rustix::fs::XattrFlags::empty(),
                )
            };
            if let Err(err) = r {
                let s = xerr(err);
                if s != NtStatus::SUCCESS {
                    return Err(s);
                }
            }
        }
        Ok(())
    }
}
