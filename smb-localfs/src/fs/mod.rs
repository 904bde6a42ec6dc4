//! `LocalFs`: the server's file-system backend over local folders.
//!
//! Every access goes through a [`cap_std::fs::Dir`] opened on the share root. cap-std
//! resolves each path one component at a time relative to that directory handle and
//! refuses any step that would leave it — `..` above the root, an absolute symbolic link,
//! a relative link pointing outside — so a symbolic link inside a share can never lead a
//! client out of it (Samba's `wide links = no`), and a folder swapped for a link between
//! two requests is caught at the moment of use. Links that stay inside the share work.
//! No `unsafe` here, and none is needed.
//!
//! Names are looked up case-insensitively, as SMB clients expect: when a component does
//! not exist with the exact case, a unique match differing only in case is used.
//!
//! Attributes: directories report DIRECTORY, files ARCHIVE; a file whose owner-write bit
//! is clear reports READONLY (and setting READONLY clears the write bits). Dot-files are
//! not reported HIDDEN; HIDDEN and SYSTEM set by a client are kept in execute bits
//! (others-execute without owner-execute means HIDDEN, group-execute without
//! owner-execute SYSTEM).
//!
//! Written data is on disk when a flush is answered, and, on shares whose [`Durability`]
//! is `Close` (the default), when the close of a written handle is answered; there, while
//! a handle is being written, its data goes to the disk in the background every 32 MiB.
//! On `Os` shares a close leaves written data to the operating system's writeback. Reads land in pooled buffers; reads of [`LATER_MIN`] bytes or more, where the
//! core allows it, are offered to the host as a file range ([`FileRange`]) to send itself.

mod dosattr;
mod eas;
mod flush;
mod handles;
mod lookup;
mod meta;
mod pool;
mod status;
pub mod watch;

use std::io;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::later::FileRange;
use bytes::Bytes;
use cap_fs_ext::{DirExt, SystemTimeSpec};
use cap_std::fs::OpenOptions;
use smb_proto::server::fs::{
    CreateAction, Disposition, Ea, FileInfo, FileSystem, FsCall, FsInfo, Handle, Kind, LaterRead,
    OpenCall, SetInfo, ShareId, SharePath, Target,
};
use smb_proto::wire::NtStatus;
use smb_proto::wire::consts::ext_attr;

pub use flush::Durability;
use handles::Handles;
use lookup::{Share, here, open_either};
use meta::{cap_info, info, mode_with_attributes, name_of, systime};
pub use status::map_io;
use status::st;

/// The local-folder backend (thread-safe; share it between connections).
#[derive(Debug)]
pub struct LocalFs {
    shares: Vec<Share>,
    handles: Handles,
    max_handles: usize,
    watch: bool,
}

impl LocalFs {
    /// A backend serving `shares` (root folder, read-only flag), indexed by [`ShareId`].
    pub fn new(shares: &[(PathBuf, bool)]) -> io::Result<Self> {
        let mut v = Vec::new();
        for (root, read_only) in shares {
            v.push(Share::open(root, *read_only)?);
        }
        Ok(Self {
            shares: v,
            handles: Handles::new(),
            max_handles: 65536,
            watch: true,
        })
    }

    /// Whether the server watches the shared folders for changes others make on disk
    /// (inotify), so that change-notify requests see them too (default: on).
    pub fn set_watch_disk(&mut self, on: bool) {
        self.watch = on;
    }

    /// Sets what share `share` (an index as given to [`new`](Self::new)) promises about
    /// written data (default [`Durability::Close`]); false when there is no such share.
    pub fn set_durability(&mut self, share: ShareId, durability: Durability) -> bool {
        match self.shares.get_mut(share.0 as usize) {
            Some(s) => {
                s.durability = durability;
                true
            }
            None => false,
        }
    }

    /// What share `share` promises about written data (`None`: no such share).
    pub fn durability(&self, share: ShareId) -> Option<Durability> {
        self.shares.get(share.0 as usize).map(|s| s.durability)
    }

    /// Whether closing `handle` waits for the disk (`None`: no such handle).
    fn close_syncs(&self, handle: Handle) -> Option<bool> {
        let (share, written) = self.handles.share_written(handle)?;
        let d = self.durability(share).unwrap_or_default();
        Some(written && d.syncs_at_close())
    }

    /// Changes the most handles open at once (default 65536).
    pub fn set_max_handles(&mut self, n: usize) {
        self.max_handles = n;
    }

    /// Number of open handles.
    pub fn open_handles(&self) -> usize {
        self.handles.len()
    }

    fn share(&self, id: ShareId) -> Result<&Share, NtStatus> {
        self.shares
            .get(id.0 as usize)
            .ok_or(NtStatus::BAD_NETWORK_NAME)
    }

    fn writable(&self, id: ShareId) -> Result<&Share, NtStatus> {
        let s = self.share(id)?;
        if s.read_only {
            return Err(NtStatus::ACCESS_DENIED);
        }
        Ok(s)
    }
}

/// Reads and writes up to this size count as quick ([`FileSystem::is_quick`]).
const QUICK_IO: u32 = 256 * 1024;

/// Reads of at least this many bytes are left to the host when the core allows it
/// ([`FileSystem::read_later`]); smaller ones cost less as one vectored write.
pub const LATER_MIN: u32 = 64 * 1024;

impl FileSystem for LocalFs {
    /// Large reads are sent from the file itself (`sendfile`).
    type Later = FileRange;

    /// Watches the shared folders clients watch with inotify, on a thread of its own
    /// (see [`watch`]).
    fn watch_changes(
        &self,
        shared: &smb_proto::server::SharedState,
    ) -> Option<Box<dyn std::any::Any + Send>> {
        if !self.watch {
            return None;
        }
        let roots = self.shares.iter().map(|s| s.root.clone()).collect();
        watch::start(roots, shared.clone())
            .ok()
            .map(|w| Box::new(w) as Box<dyn std::any::Any + Send>)
    }

    fn is_quick(&self, call: &FsCall) -> bool {
        match call {
            FsCall::Open(o) => matches!(
                o.disposition,
                Disposition::Open | Disposition::OpenIf | Disposition::Create
            ),
            // A read left to the host (see `read_later`) only looks at the file's size
            // here; its bytes move when the response is written.
            FsCall::Read { len, later_ok, .. } => {
                *len <= QUICK_IO || (*later_ok && *len >= LATER_MIN)
            }
            FsCall::Write {
                data,
                write_through,
                ..
            } => !write_through && data.len() <= QUICK_IO as usize,
            // A close that flushes written data waits for the disk; other closes are quick.
            FsCall::Close { handle, .. } => self.close_syncs(*handle) == Some(false),
            FsCall::Stat { .. }
            | FsCall::Mkdir { .. }
            | FsCall::Rmdir { .. }
            | FsCall::Rename { .. }
            | FsCall::Link { .. }
            | FsCall::FsInfo
            | FsCall::GetEas { .. } => true,
            // Listings can be long, deletes free extents, set-info may truncate,
            // flushes wait for the disk.
            FsCall::ReadDir { .. }
            | FsCall::Delete { .. }
            | FsCall::SetInfo { .. }
            | FsCall::SetEas { .. }
            | FsCall::Flush { .. } => false,
        }
    }

    fn open(
        &self,
        share: ShareId,
        call: &OpenCall,
    ) -> Result<(Handle, FileInfo, CreateAction), NtStatus> {
        let s = self.share(share)?;
        if self.open_handles() >= self.max_handles {
            return Err(NtStatus::TOO_MANY_OPENED_FILES);
        }
        // The usual case first: an existing name, spelled as it is on disk, opened to
        // read: one open does the look-up and the open. Anything else takes the
        // case-insensitive look-up.
        let exact: PathBuf = call.path.components().collect();
        let fast = if !exact.as_os_str().is_empty()
            && matches!(call.disposition, Disposition::Open | Disposition::OpenIf)
        {
            s.meta_open(&exact).ok()
        } else {
            None
        };
        let (rel, existing, mut reader) = match fast {
            Some((m, f)) => (exact, Some(m), f),
            None => {
                let (rel, exists) = s.resolve(&call.path)?;
                if exists {
                    let (m, f) = s.meta_open(&rel)?;
                    let f = f.filter(|_| !rel.as_os_str().is_empty());
                    (rel, Some(m), f)
                } else {
                    (rel, None, None)
                }
            }
        };
        let is_root = rel.as_os_str().is_empty();
        use Disposition::*;
        let action = match (&existing, call.disposition) {
            (Some(_), Create) => return Err(NtStatus::OBJECT_NAME_COLLISION),
            (Some(_), Open | OpenIf) => CreateAction::Opened,
            (Some(_), Overwrite | OverwriteIf) => CreateAction::Overwritten,
            (Some(_), Supersede) => CreateAction::Superseded,
            (None, Open | Overwrite) => return Err(NtStatus::OBJECT_NAME_NOT_FOUND),
            (None, Create | OpenIf | OverwriteIf | Supersede) => CreateAction::Created,
        };
        if let Some(m) = &existing {
            match call.kind {
                Kind::Directory if !m.is_dir() => return Err(NtStatus::NOT_A_DIRECTORY),
                Kind::File if m.is_dir() => return Err(NtStatus::FILE_IS_A_DIRECTORY),
                _ => {}
            }
            if m.is_dir() && action != CreateAction::Opened {
                return Err(NtStatus::INVALID_PARAMETER);
            }
        }
        let modifying = call.write || action != CreateAction::Opened;
        if modifying && s.read_only {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let dir_open = existing.as_ref().is_some_and(|m| m.is_dir())
            || (existing.is_none() && call.kind == Kind::Directory)
            || is_root;
        let file = if dir_open {
            if existing.is_none() {
                s.dir.create_dir(&rel).map_err(st)?;
            } else {
                // Check it can be reached (and stays in the share).
                s.dir.open_dir(here(&rel)).map_err(st)?;
            }
            None
        } else {
            let mut o = OpenOptions::new();
            o.read(true);
            if call.write || action != CreateAction::Opened {
                o.write(true);
                reader = None;
            }
            match action {
                CreateAction::Created => {
                    o.create_new(true);
                }
                CreateAction::Overwritten | CreateAction::Superseded => {
                    o.truncate(true);
                }
                CreateAction::Opened => {}
            }
            let opened = match reader.take() {
                // Opened for reading already, to look at it: the same open.
                Some(f) => Ok(f),
                None => s.dir.open_with(&rel, &o).map(|f| f.into_std()),
            };
            let f = match opened {
                Ok(f) => f,
                // A file we may write but not read (or the reverse): retry write-only.
                Err(e)
                    if e.kind() == io::ErrorKind::PermissionDenied && call.write && !call.read =>
                {
                    o.read(false);
                    s.dir.open_with(&rel, &o).map_err(st)?.into_std()
                }
                Err(e) => return Err(st(e)),
            };
            let dos = ext_attr::READONLY | ext_attr::HIDDEN | ext_attr::SYSTEM;
            // A new file takes the attributes asked for; so does an overwritten one
            // (Windows replaces them on overwrite and supersede).
            if action != CreateAction::Opened
                && (call.create_attributes & dos != 0 || action != CreateAction::Created)
            {
                let mut p = f.metadata().map_err(st)?.permissions();
                p.set_mode(mode_with_attributes(p.mode(), call.create_attributes));
                f.set_permissions(p).map_err(st)?;
            }
            Some(Arc::new(f))
        };
        let m = match (&file, existing) {
            // Unchanged since it was looked at through this very handle.
            (Some(_), Some(m)) if action == CreateAction::Opened && !call.write => m,
            (Some(f), _) => f.metadata().map_err(st)?,
            (None, _) => s.meta(&rel)?,
        };
        let mut fi = info(&name_of(&rel), &m);
        // What clients set that the disk cannot hold (a creation time, DOS bits) is kept
        // in an extended attribute: an open reports it as a query would.
        if action != CreateAction::Created {
            match &file {
                Some(f) => dosattr::apply(&mut fi, &dosattr::read(f)),
                None => {
                    if let Ok((f, _)) = open_either(&s.dir, here(&rel)) {
                        dosattr::apply(&mut fi, &dosattr::read(&f));
                    }
                }
            }
        }
        let handle = self.handles.insert(share, rel, file)?;
        Ok((handle, fi, action))
    }

    fn read(&self, handle: Handle, offset: u64, len: u32) -> Result<Bytes, NtStatus> {
        let (_, _, f) = self.handles.get(handle)?;
        let f = f.ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
        pool::read_at(&pool::READ_POOL, &f, offset, len).map_err(st)
    }

    fn read_later(
        &self,
        handle: Handle,
        offset: u64,
        len: u32,
    ) -> Result<Option<LaterRead<FileRange>>, NtStatus> {
        if len < LATER_MIN {
            return Ok(None);
        }
        let (_, _, f) = self.handles.get(handle)?;
        let f = f.ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
        let meta = f.metadata().map_err(st)?;
        if !meta.is_file() {
            return Ok(None);
        }
        // What the file holds now; should it shrink before the bytes are sent, zeros
        // stand in for the rest (see `write_later`).
        let n = meta.len().saturating_sub(offset).min(len as u64) as u32;
        if n < LATER_MIN {
            return Ok(None);
        }
        // Start reading what is not cached yet, so that sending it (on an event loop)
        // seldom waits for the disk.
        let _ = rustix::fs::fadvise(
            &*f,
            offset,
            core::num::NonZeroU64::new(n as u64),
            rustix::fs::Advice::WillNeed,
        );
        Ok(Some(LaterRead {
            len: n,
            source: FileRange::new(f, offset),
        }))
    }

    fn write(
        &self,
        handle: Handle,
        offset: u64,
        data: &[u8],
        write_through: bool,
    ) -> Result<u32, NtStatus> {
        let (share, _, f) = self.handles.get(handle)?;
        let s = self.writable(share)?;
        let f = f.ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
        // Marked before the write: a close racing with it still flushes.
        self.handles.mark_written(handle);
        f.write_all_at(data, offset).map_err(st)?;
        if write_through {
            flush::sync(&f).map_err(st)?;
        } else if s.durability.syncs_at_close() {
            self.background_flush(handle, data.len() as u64, &f);
        }
        Ok(data.len() as u32)
    }

    fn flush(&self, handle: Handle) -> Result<(), NtStatus> {
        let (_, _, f) = self.handles.get(handle)?;
        if let Some(f) = f {
            flush::sync(&f).map_err(st)?;
        }
        Ok(())
    }

    fn close(&self, handle: Handle, set_written: Option<u64>) -> Result<(), NtStatus> {
        let o = self.handles.remove(handle)?;
        let durability = self.durability(o.share).unwrap_or_default();
        if let Some(f) = &o.file {
            if o.written && durability.syncs_at_close() {
                flush::sync(f).map_err(st)?;
            }
            if let Some(t) = set_written {
                let _ = f.set_modified(systime(t));
            }
        }
        Ok(())
    }

    fn stat(&self, share: ShareId, target: &Target) -> Result<FileInfo, NtStatus> {
        match target {
            Target::Path(p) => {
                let s = self.share(share)?;
                let rel = s.existing(p)?;
                let m = s.meta(&rel)?;
                let mut fi = info(&name_of(&rel), &m);
                if m.is_file() || m.is_dir() {
                    if let Ok((f, _)) = open_either(&s.dir, here(&rel)) {
                        dosattr::apply(&mut fi, &dosattr::read(&f));
                    }
                }
                Ok(fi)
            }
            Target::Handle(h) => {
                let (share, rel, f) = self.handles.get(*h)?;
                let m = match &f {
                    Some(f) => f.metadata().map_err(st)?,
                    None => self.share(share)?.meta(&rel)?,
                };
                let mut fi = info(&name_of(&rel), &m);
                if let Ok(fd) = self.target_fd(share, target) {
                    dosattr::apply(&mut fi, &dosattr::read(&fd));
                }
                Ok(fi)
            }
        }
    }

    fn read_dir(&self, share: ShareId, path: &SharePath) -> Result<Vec<FileInfo>, NtStatus> {
        let s = self.share(share)?;
        let rel = s.existing(path)?;
        let d = if rel.as_os_str().is_empty() {
            s.dir.try_clone().map_err(st)?
        } else {
            s.dir.open_dir(&rel).map_err(st)?
        };
        let mut out = Vec::new();
        for e in d.entries().map_err(st)? {
            let Ok(e) = e else { continue };
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            // Not a link: one stat through the directory handle.
            if e.file_type().is_ok_and(|t| !t.is_symlink()) {
                if let Ok(m) = d.symlink_metadata(name) {
                    let mut fi = cap_info(name, &m);
                    if m.is_file() || m.is_dir() {
                        if let Some(v) = dosattr::read_entry(&d, name) {
                            dosattr::apply(&mut fi, &v);
                        } else if let Ok((f, _)) = open_either(&d, Path::new(name)) {
                            dosattr::apply(&mut fi, &dosattr::read(&f));
                        }
                    }
                    out.push(fi);
                }
                continue;
            }
            // A link: opened through the directory handle, which follows links that stay
            // inside; entries whose link leads outside (or that vanished) are left out.
            if let Ok((f, _)) = open_either(&d, Path::new(name)) {
                if let Ok(m) = f.metadata() {
                    let mut fi = info(name, &m);
                    dosattr::apply(&mut fi, &dosattr::read(&f));
                    out.push(fi);
                }
            }
        }
        Ok(out)
    }

    fn set_info(&self, share: ShareId, target: &Target, set: &SetInfo) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let (rel, file) = match target {
            Target::Path(p) => (s.existing(p)?, None),
            Target::Handle(h) => {
                let (_, rel, f) = self.handles.get(*h)?;
                (rel, f)
            }
        };
        if let Some(size) = set.size {
            match &file {
                Some(f) => f.set_len(size).map_err(st)?,
                None => {
                    let f = s
                        .dir
                        .open_with(&rel, OpenOptions::new().write(true))
                        .map_err(st)?;
                    f.into_std().set_len(size).map_err(st)?;
                }
            }
        }
        let t = set.times;
        if t.accessed.is_some() || t.written.is_some() {
            let spec = |v: Option<u64>| {
                v.map(|x| SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(systime(x))))
            };
            s.dir
                .set_times(here(&rel), spec(t.accessed), spec(t.written))
                .map_err(st)?;
        }
        // ARCHIVE, a directory's attributes and the creation time are kept beside the file;
        // a file the owner may not write takes no extended attribute either, so that is
        // stored while the file is writable (before READONLY is set, after it is cleared).
        let store = || -> Result<(), NtStatus> {
            if set.attributes.is_some() || t.created.is_some() {
                let fd = self.target_fd(share, target)?;
                let new = dosattr::updated(dosattr::read(&fd), set.attributes, t.created);
                dosattr::write(&fd, &new)?;
            }
            Ok(())
        };
        let clears_readonly = set.attributes.is_some_and(|a| a & ext_attr::READONLY == 0);
        if !clears_readonly {
            store()?;
        }
        if let Some(a) = set.attributes {
            let m = s.meta(&rel)?;
            if !m.is_dir() {
                let mode = mode_with_attributes(m.permissions().mode(), a);
                s.dir
                    .set_permissions(
                        here(&rel),
                        cap_std::fs::Permissions::from_std(std::fs::Permissions::from_mode(mode)),
                    )
                    .map_err(st)?;
            }
        }
        if clears_readonly {
            store()?;
        }
        Ok(())
    }

    fn rename(
        &self,
        share: ShareId,
        from: &SharePath,
        to: &SharePath,
        replace: bool,
    ) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let src = s.existing(from)?;
        let (dst, dst_exists) = s.resolve(to)?;
        // A rename that only changes case resolves `to` to the source itself.
        let same = dst_exists && dst == src;
        let dst = if same {
            PathBuf::from(to.as_str())
        } else {
            dst
        };
        if dst_exists && !same {
            if !replace {
                return Err(NtStatus::OBJECT_NAME_COLLISION);
            }
            if s.dir.symlink_metadata(&dst).map_err(st)?.is_dir() {
                return Err(NtStatus::ACCESS_DENIED);
            }
        }
        s.dir.rename(&src, &s.dir, &dst).map_err(st)?;
        self.handles.renamed(share, &src, &dst);
        Ok(())
    }

    fn link(&self, share: ShareId, from: &SharePath, to: &SharePath) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let src = s.existing(from)?;
        let (dst, exists) = s.resolve(to)?;
        if exists {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        if s.dir.symlink_metadata(&src).map_err(st)?.is_dir() {
            return Err(NtStatus::FILE_IS_A_DIRECTORY);
        }
        s.dir.hard_link(&src, &s.dir, &dst).map_err(st)
    }

    fn delete(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let rel = s.existing(path)?;
        if s.dir.symlink_metadata(&rel).map_err(st)?.is_dir() {
            return Err(NtStatus::FILE_IS_A_DIRECTORY);
        }
        s.dir.remove_file(&rel).map_err(st)
    }

    fn mkdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let (rel, exists) = s.resolve(path)?;
        if exists {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        s.dir.create_dir(&rel).map_err(st)
    }

    fn rmdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let rel = s.existing(path)?;
        if rel.as_os_str().is_empty() {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if !s.dir.symlink_metadata(&rel).map_err(st)?.is_dir() {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        s.dir.remove_dir(&rel).map_err(st)
    }

    fn get_eas(&self, share: ShareId, target: &Target) -> Result<Vec<Ea>, NtStatus> {
        self.xattrs(share, target)
    }

    fn set_eas(&self, share: ShareId, target: &Target, eas: &[Ea]) -> Result<(), NtStatus> {
        self.set_xattrs(share, target, eas)
    }

    fn fs_info(&self, share: ShareId) -> Result<FsInfo, NtStatus> {
        let s = self.share(share)?;
        let v = rustix::fs::statvfs(&s.root).map_err(|e| st(io::Error::from(e)))?;
        let frsize = if v.f_frsize > 0 {
            v.f_frsize
        } else {
            v.f_bsize
        };
        Ok(FsInfo {
            total_bytes: v.f_blocks.saturating_mul(frsize),
            free_bytes: v.f_bavail.saturating_mul(frsize),
            block_size: frsize.clamp(512, 1 << 20) as u32,
            serial: (v.f_fsid as u32) ^ ((v.f_fsid >> 32) as u32),
            label: String::new(),
            fs_name: "NTFS".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{SHARE, TestShare, pattern, send_later};
    use smb_proto::server::fs::{FsOpId, FsReply, FsRequest};

    const LEN: usize = 1 << 20;

    fn read_call(handle: Handle, offset: u64, len: u32, later_ok: bool) -> FsCall {
        FsCall::Read {
            handle,
            offset,
            len,
            later_ok,
        }
    }

    /// A read run as the server core asks for it.
    fn dispatch_read(fs: &LocalFs, handle: Handle, offset: u64, len: u32) -> FsReply<FileRange> {
        let req = FsRequest {
            id: FsOpId(1),
            share: SHARE,
            call: read_call(handle, offset, len, true),
        };
        fs.dispatch(&req).unwrap()
    }

    /// A share holding a 1 MiB file of [`pattern`] bytes, open to read.
    fn big_file(tag: &str) -> (TestShare, Vec<u8>, Handle) {
        let t = TestShare::new(tag);
        let data = pattern(LEN);
        t.put("big.bin", &data);
        let h = t.open_read("big.bin");
        (t, data, h)
    }

    #[test]
    fn reads_of_64_kib_or_more_are_offered_as_the_file_range() {
        let (t, data, h) = big_file("later");
        // Under 64 KiB: read now.
        assert!(t.fs.read_later(h, 1000, LATER_MIN - 1).unwrap().is_none());
        match dispatch_read(&t.fs, h, 1000, LATER_MIN - 1) {
            FsReply::Read(b) => assert_eq!(b, data[1000..1000 + LATER_MIN as usize - 1]),
            r => panic!("{r:?}"),
        }
        // 64 KiB and more: the bytes of the range, as the host sends them.
        for (offset, len) in [(1000, LATER_MIN), (12_345, 300_000), (0, LEN as u32)] {
            let later = t.fs.read_later(h, offset, len).unwrap().expect("offered");
            assert_eq!(later.len, len);
            let start = offset as usize;
            assert_eq!(send_later(later, true), data[start..start + len as usize]);
        }
        match dispatch_read(&t.fs, h, 4096, 200_000) {
            FsReply::ReadLater(later) => {
                assert_eq!(later.len, 200_000);
                assert_eq!(send_later(later, false), data[4096..204_096]);
            }
            r => panic!("{r:?}"),
        }
        t.fs.close(h, None).unwrap();
    }

    #[test]
    fn near_the_end_only_what_the_file_holds_is_offered() {
        let (t, data, h) = big_file("later-end");
        // 100,000 bytes left of the 200,000 asked for.
        let at = (LEN - 100_000) as u64;
        let later = t.fs.read_later(h, at, 200_000).unwrap().expect("offered");
        assert_eq!(later.len, 100_000);
        assert_eq!(send_later(later, true), data[LEN - 100_000..]);
        // Less than 64 KiB left, or none: read now (short), not offered.
        let at = (LEN - LATER_MIN as usize + 1) as u64;
        assert!(t.fs.read_later(h, at, 200_000).unwrap().is_none());
        assert!(
            t.fs.read_later(h, LEN as u64 + 10, 200_000)
                .unwrap()
                .is_none()
        );
        match dispatch_read(&t.fs, h, at, 200_000) {
            FsReply::Read(b) => assert_eq!(b, data[at as usize..]),
            r => panic!("{r:?}"),
        }
        // Not a file handle.
        t.fs.close(h, None).unwrap();
        let (d, _, _) = t
            .open_kind("", Disposition::Open, false, Kind::Directory)
            .unwrap();
        assert_eq!(
            t.fs.read_later(d, 0, LATER_MIN).err(),
            Some(NtStatus::INVALID_DEVICE_REQUEST)
        );
        assert_eq!(
            t.fs.read_later(Handle(999), 0, LATER_MIN).err(),
            Some(NtStatus::INVALID_HANDLE)
        );
    }

    #[test]
    fn a_read_offered_later_counts_as_quick_whatever_its_size() {
        let t = TestShare::new("later-quick");
        let h = Handle(1);
        assert!(t.fs.is_quick(&read_call(h, 0, QUICK_IO, false)));
        assert!(!t.fs.is_quick(&read_call(h, 0, QUICK_IO + 1, false)));
        assert!(t.fs.is_quick(&read_call(h, 0, 16 << 20, true)));
    }
}
