//! [`Mounts`]: one [`FileSystem`] made of several backends, each serving some of the
//! server's shares, so that local folders ([`LocalFs`](crate::LocalFs)) and other
//! backends (an object store) can be mixed in one server.
//!
//! Requests are routed by their [`ShareId`]: the k-th share of the server is share
//! `inner` of backend `b`, as given to [`Mounts::mount`]; every backend sees its own
//! share numbering. The [`Handle`]s a backend returns are tagged with its number in the
//! top [`TAG_BITS`] bits, so that handle-based calls (read, write, close, ...) reach the
//! backend that opened them. A backend that never offers later bytes
//! ([`NoLater`]) is widened to the hosts' [`FileRange`] type: a `NoLater` value cannot
//! exist, so there is nothing to convert.
//!
//! ```
//! use std::sync::Arc;
//! use smb_localfs::{LocalFs, Mounts};
//! use smb_proto::server::fs::{Disposition, FileSystem, Kind, OpenCall, ShareId, SharePath};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let base = std::env::temp_dir().join(format!("smb-mounts-doc-{}", std::process::id()));
//! let (a, b) = (base.join("a"), base.join("b"));
//! std::fs::create_dir_all(&a)?;
//! std::fs::create_dir_all(&b)?;
//! std::fs::write(b.join("in-b.txt"), b"b")?;
//! // Server share 0 is folder a, server share 1 is folder b (each its own backend here).
//! let mut m = Mounts::new();
//! let first = m.add(Arc::new(LocalFs::new(&[(a.clone(), false)])?)).unwrap();
//! let second = m.add(Arc::new(LocalFs::new(&[(b.clone(), false)])?)).unwrap();
//! assert_eq!(m.mount(first, ShareId(0)), ShareId(0));
//! assert_eq!(m.mount(second, ShareId(0)), ShareId(1));
//! let call = OpenCall {
//!     path: SharePath::parse("IN-B.TXT").unwrap(),
//!     disposition: Disposition::Open,
//!     kind: Kind::File,
//!     read: true,
//!     write: false,
//!     create_attributes: 0,
//!     allocation_size: 0,
//! };
//! let (h, info, _) = m.open(ShareId(1), &call).map_err(|s| s.to_string())?;
//! assert_eq!(&m.read(h, 0, 10).map_err(|s| s.to_string())?[..], b"b");
//! m.close(h, None).map_err(|s| s.to_string())?;
//! assert_eq!(info.name, "in-b.txt");
//! assert!(m.open(ShareId(0), &call).is_err()); // not in folder a
//! std::fs::remove_dir_all(&base)?;
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;

use bytes::Bytes;
use smb_proto::server::fs::{
    CreateAction, Ea, FileInfo, FileSystem, FsCall, FsInfo, Handle, LaterRead, NoLater, OpenCall,
    SetInfo, ShareId, SharePath, Target,
};
use smb_proto::wire::NtStatus;

use crate::{FileRange, SharedFs};

/// Bits at the top of a handle that name the backend.
pub const TAG_BITS: u32 = 8;
/// Most backends one [`Mounts`] holds.
pub const MAX_BACKENDS: usize = 1 << TAG_BITS;
const INNER_BITS: u32 = 64 - TAG_BITS;
const INNER_MASK: u64 = (1 << INNER_BITS) - 1;

/// A backend's number in a [`Mounts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendId(u8);

/// Several file-system backends serving the shares of one server (see the
/// [module documentation](self)).
#[derive(Default)]
pub struct Mounts {
    backends: Vec<SharedFs<FileRange>>,
    /// Server share k is `shares[k]`: (backend, the backend's own share id).
    shares: Vec<(BackendId, ShareId)>,
}

impl std::fmt::Debug for Mounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mounts")
            .field("backends", &self.backends.len())
            .field("shares", &self.shares)
            .finish()
    }
}

/// A backend without later bytes, as one with [`FileRange`]s (that it never offers).
struct Widened(SharedFs<NoLater>);

impl Mounts {
    /// No backends, no shares.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a backend whose large reads may be file ranges (such as
    /// [`LocalFs`](crate::LocalFs)). Fails past [`MAX_BACKENDS`].
    pub fn add(&mut self, fs: SharedFs<FileRange>) -> Result<BackendId, NtStatus> {
        if self.backends.len() >= MAX_BACKENDS {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        self.backends.push(fs);
        Ok(BackendId((self.backends.len() - 1) as u8))
    }

    /// Adds a backend that never offers later bytes (type `Later = NoLater`).
    pub fn add_plain(&mut self, fs: SharedFs<NoLater>) -> Result<BackendId, NtStatus> {
        self.add(Arc::new(Widened(fs)))
    }

    /// Makes share `inner` of `backend` the server's next share; returns its [`ShareId`]
    /// (the server's shares are numbered in the order they are mounted).
    pub fn mount(&mut self, backend: BackendId, inner: ShareId) -> ShareId {
        self.shares.push((backend, inner));
        ShareId((self.shares.len() - 1) as u32)
    }

    /// The backend serving server share `share`, and the backend's own id for it.
    fn route(&self, share: ShareId) -> Result<(u8, &SharedFs<FileRange>, ShareId), NtStatus> {
        let (b, inner) = self
            .shares
            .get(share.0 as usize)
            .ok_or(NtStatus::BAD_NETWORK_NAME)?;
        Ok((b.0, &self.backends[b.0 as usize], *inner))
    }

    /// The backend that opened `h`, and its own handle.
    fn backend_of(&self, h: Handle) -> Result<(&SharedFs<FileRange>, Handle), NtStatus> {
        let b = (h.0 >> INNER_BITS) as usize;
        let fs = self.backends.get(b).ok_or(NtStatus::INVALID_HANDLE)?;
        Ok((fs, Handle(h.0 & INNER_MASK)))
    }

    /// The number of the backend that opened `h`.
    fn tag_of(h: Handle) -> u8 {
        (h.0 >> INNER_BITS) as u8
    }

    /// Routes a path-or-handle target.
    fn target(
        &self,
        share: ShareId,
        target: &Target,
    ) -> Result<(&SharedFs<FileRange>, ShareId, Target), NtStatus> {
        let (b, fs, inner) = self.route(share)?;
        match target {
            Target::Path(p) => Ok((fs, inner, Target::Path(p.clone()))),
            // A handle is only valid on the share (and so the backend) it came from.
            Target::Handle(h) if Self::tag_of(*h) != b => Err(NtStatus::INVALID_HANDLE),
            Target::Handle(h) => Ok((fs, inner, Target::Handle(self.backend_of(*h)?.1))),
        }
    }
}

/// `inner`, tagged as a handle of backend `b`.
fn tag(b: u8, inner: Handle) -> Result<Handle, NtStatus> {
    if inner.0 > INNER_MASK {
        return Err(NtStatus::INSUFFICIENT_RESOURCES);
    }
    Ok(Handle((u64::from(b) << INNER_BITS) | inner.0))
}

impl FileSystem for Mounts {
    type Later = FileRange;

    /// Starts the watchers of the backends whose shares keep their numbers (each of its
    /// shares mounted as the server share of the same [`ShareId`]): their reports name
    /// the server's shares as they stand. Other backends' folders are not watched for
    /// changes made outside the server (clients still see every change made through it).
    fn watch_changes(
        &self,
        shared: &smb_proto::server::SharedState,
    ) -> Option<Box<dyn std::any::Any + Send>> {
        let guards: Vec<Box<dyn std::any::Any + Send>> = self
            .backends
            .iter()
            .enumerate()
            .filter(|(b, _)| {
                self.shares
                    .iter()
                    .enumerate()
                    .all(|(k, (sb, inner))| usize::from(sb.0) != *b || inner.0 as usize == k)
            })
            .filter_map(|(_, fs)| fs.watch_changes(shared))
            .collect();
        (!guards.is_empty()).then(|| Box::new(guards) as Box<dyn std::any::Any + Send>)
    }

    fn is_quick(&self, call: &FsCall) -> bool {
        // Only handle calls can be routed without a share; they ask their backend.
        let h = match call {
            FsCall::Read { handle, .. }
            | FsCall::Write { handle, .. }
            | FsCall::Flush { handle }
            | FsCall::Close { handle, .. } => *handle,
            _ => return false,
        };
        match self.backend_of(h) {
            Ok((fs, ih)) => fs.is_quick(&with_handle(call, ih)),
            Err(_) => false,
        }
    }

    fn open(
        &self,
        share: ShareId,
        call: &OpenCall,
    ) -> Result<(Handle, FileInfo, CreateAction), NtStatus> {
        let (b, fs, inner) = self.route(share)?;
        let (h, info, action) = fs.open(inner, call)?;
        match tag(b, h) {
            Ok(h) => Ok((h, info, action)),
            Err(e) => {
                let _ = fs.abandon(h);
                Err(e)
            }
        }
    }

    fn read(&self, handle: Handle, offset: u64, len: u32) -> Result<Bytes, NtStatus> {
        let (fs, h) = self.backend_of(handle)?;
        fs.read(h, offset, len)
    }

    fn read_later(
        &self,
        handle: Handle,
        offset: u64,
        len: u32,
    ) -> Result<Option<LaterRead<FileRange>>, NtStatus> {
        let (fs, h) = self.backend_of(handle)?;
        fs.read_later(h, offset, len)
    }

    fn write(
        &self,
        handle: Handle,
        offset: u64,
        data: &[u8],
        write_through: bool,
    ) -> Result<u32, NtStatus> {
        let (fs, h) = self.backend_of(handle)?;
        fs.write(h, offset, data, write_through)
    }

    fn flush(&self, handle: Handle) -> Result<(), NtStatus> {
        let (fs, h) = self.backend_of(handle)?;
        fs.flush(h)
    }

    fn close(&self, handle: Handle, set_written: Option<u64>) -> Result<(), NtStatus> {
        let (fs, h) = self.backend_of(handle)?;
        fs.close(h, set_written)
    }

    fn abandon(&self, handle: Handle) -> Result<(), NtStatus> {
        let (fs, h) = self.backend_of(handle)?;
        fs.abandon(h)
    }

    fn stat(&self, share: ShareId, target: &Target) -> Result<FileInfo, NtStatus> {
        let (fs, inner, t) = self.target(share, target)?;
        fs.stat(inner, &t)
    }

    fn read_dir(&self, share: ShareId, path: &SharePath) -> Result<Vec<FileInfo>, NtStatus> {
        let (_, fs, inner) = self.route(share)?;
        fs.read_dir(inner, path)
    }

    fn set_info(&self, share: ShareId, target: &Target, info: &SetInfo) -> Result<(), NtStatus> {
        let (fs, inner, t) = self.target(share, target)?;
        fs.set_info(inner, &t, info)
    }

    fn rename(
        &self,
        share: ShareId,
        from: &SharePath,
        to: &SharePath,
        replace: bool,
    ) -> Result<(), NtStatus> {
        let (_, fs, inner) = self.route(share)?;
        fs.rename(inner, from, to, replace)
    }

    fn link(&self, share: ShareId, from: &SharePath, to: &SharePath) -> Result<(), NtStatus> {
        let (_, fs, inner) = self.route(share)?;
        fs.link(inner, from, to)
    }

    fn delete(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let (_, fs, inner) = self.route(share)?;
        fs.delete(inner, path)
    }

    fn mkdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let (_, fs, inner) = self.route(share)?;
        fs.mkdir(inner, path)
    }

    fn rmdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let (_, fs, inner) = self.route(share)?;
        fs.rmdir(inner, path)
    }

    fn fs_info(&self, share: ShareId) -> Result<FsInfo, NtStatus> {
        let (_, fs, inner) = self.route(share)?;
        fs.fs_info(inner)
    }

    fn get_eas(&self, share: ShareId, target: &Target) -> Result<Vec<Ea>, NtStatus> {
        let (fs, inner, t) = self.target(share, target)?;
        fs.get_eas(inner, &t)
    }

    fn set_eas(&self, share: ShareId, target: &Target, eas: &[Ea]) -> Result<(), NtStatus> {
        let (fs, inner, t) = self.target(share, target)?;
        fs.set_eas(inner, &t, eas)
    }
}

/// `call` (a handle call) with its handle replaced by `h`.
fn with_handle(call: &FsCall, h: Handle) -> FsCall {
    let mut c = call.clone();
    match &mut c {
        FsCall::Read { handle, .. }
        | FsCall::Write { handle, .. }
        | FsCall::Flush { handle }
        | FsCall::Close { handle, .. } => *handle = h,
        _ => {}
    }
    c
}

impl FileSystem for Widened {
    type Later = FileRange;

    fn is_quick(&self, call: &FsCall) -> bool {
        self.0.is_quick(call)
    }
    fn watch_changes(
        &self,
        shared: &smb_proto::server::SharedState,
    ) -> Option<Box<dyn std::any::Any + Send>> {
        self.0.watch_changes(shared)
    }
    fn open(
        &self,
        share: ShareId,
        call: &OpenCall,
    ) -> Result<(Handle, FileInfo, CreateAction), NtStatus> {
        self.0.open(share, call)
    }
    fn read(&self, handle: Handle, offset: u64, len: u32) -> Result<Bytes, NtStatus> {
        self.0.read(handle, offset, len)
    }
    fn read_later(
        &self,
        handle: Handle,
        offset: u64,
        len: u32,
    ) -> Result<Option<LaterRead<FileRange>>, NtStatus> {
        Ok(self.0.read_later(handle, offset, len)?.map(|l| LaterRead {
            len: l.len,
            source: l.source.unreachable(),
        }))
    }
    fn write(
        &self,
        handle: Handle,
        offset: u64,
        data: &[u8],
        write_through: bool,
    ) -> Result<u32, NtStatus> {
        self.0.write(handle, offset, data, write_through)
    }
    fn flush(&self, handle: Handle) -> Result<(), NtStatus> {
        self.0.flush(handle)
    }
    fn close(&self, handle: Handle, set_written: Option<u64>) -> Result<(), NtStatus> {
        self.0.close(handle, set_written)
    }
    fn abandon(&self, handle: Handle) -> Result<(), NtStatus> {
        self.0.abandon(handle)
    }
    fn stat(&self, share: ShareId, target: &Target) -> Result<FileInfo, NtStatus> {
        self.0.stat(share, target)
    }
    fn read_dir(&self, share: ShareId, path: &SharePath) -> Result<Vec<FileInfo>, NtStatus> {
        self.0.read_dir(share, path)
    }
    fn set_info(&self, share: ShareId, target: &Target, info: &SetInfo) -> Result<(), NtStatus> {
        self.0.set_info(share, target, info)
    }
    fn rename(
        &self,
        share: ShareId,
        from: &SharePath,
        to: &SharePath,
        replace: bool,
    ) -> Result<(), NtStatus> {
        self.0.rename(share, from, to, replace)
    }
    fn link(&self, share: ShareId, from: &SharePath, to: &SharePath) -> Result<(), NtStatus> {
        self.0.link(share, from, to)
    }
    fn delete(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        self.0.delete(share, path)
    }
    fn mkdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        self.0.mkdir(share, path)
    }
    fn rmdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        self.0.rmdir(share, path)
    }
    fn fs_info(&self, share: ShareId) -> Result<FsInfo, NtStatus> {
        self.0.fs_info(share)
    }
    fn get_eas(&self, share: ShareId, target: &Target) -> Result<Vec<Ea>, NtStatus> {
        self.0.get_eas(share, target)
    }
    fn set_eas(&self, share: ShareId, target: &Target, eas: &[Ea]) -> Result<(), NtStatus> {
        self.0.set_eas(share, target, eas)
    }
}

#[cfg(test)]
mod tests;
