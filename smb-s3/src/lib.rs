//! smb-s3: a file-system backend of the smb-proto SMB1 server over S3-compatible object
//! storage, with [Apache OpenDAL](https://opendal.apache.org) (pinned: `opendal =
//! "=0.57.0"`, the S3 service only).
//!
//! [`S3Fs`] serves shares that are a bucket and a key prefix each ([`S3Location`],
//! `s3://BUCKET/PREFIX`):
//!
//! - a file is an object; a folder is a key prefix with a zero-byte marker object
//!   `folder/` so that empty folders exist; folders other S3 clients made without a
//!   marker show too. Listings are paged delimiter listings; names a client cannot be
//!   shown are left out and logged. Names are looked up case-insensitively, as in
//!   LocalFs.
//! - reads are ranged GETs, with read-ahead for sequential readers;
//! - a file written in order from offset 0 streams into a multipart upload, committed
//!   when the client closes it (the CLOSE is answered once the object is stored: the
//!   durability promise of the [`FileSystem`] trait); other write patterns go through a
//!   bounded local staging file uploaded at close. A handle the client never
//!   closed (it vanished) is *abandoned*: its upload is aborted and nothing is stored.
//!   An object store keeps no part of an object before it is complete, so write-through
//!   writes are stored, like every write, at the next flush or close.
//! - uploads are conditional (`If-Match` with the ETag seen at open, `If-None-Match: *`
//!   for new files) where the store honours it, which [`S3Fs::new`] probes at start;
//! - renames are server-side copy and delete up to [`S3Settings::rename_max_bytes`];
//!   above it, and for folders holding more than
//!   [`S3Settings::folder_rename_max_objects`] objects, `STATUS_NOT_SAME_DEVICE` (what a
//!   rename across file systems gets from Windows and Samba, so Windows clients copy and
//!   delete themselves);
//! - every store request has a time limit and retries with backoff; a store that is
//!   down gives clients `STATUS_IO_TIMEOUT` ([`store::RETRYABLE`]) and the backend serves
//!   again when it returns.
//!
//! The [`FileSystem`] trait is synchronous and always called from blocking threads; the
//! backend runs OpenDAL's futures on a tokio runtime of its own (see [`store`]). No call
//! is quick ([`FileSystem::is_quick`] stays `false`): event-loop hosts run every call on
//! their blocking pool. The backend never offers later bytes (`Later = NoLater`); serve
//! it beside local folders through `smb_localfs::Mounts`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod file;
mod lookup;
mod names;
mod ops;
mod reader;
mod staging;
pub mod store;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use opendal::Operator;
use smb_proto::server::fs::{
    CreateAction, Disposition, FileInfo, FileSystem, FsInfo, Handle, Kind, NoLater, OpenCall,
    SetInfo, ShareId, SharePath, Target,
};
use smb_proto::server::path::fold_case;
use smb_proto::wire::NtStatus;

pub use config::{S3Config, S3Location, S3Settings};
pub use store::Probe;

use file::{Ctx, Inode};
use names::Node;
use staging::Budget;
use store::Store;

type R<T> = Result<T, NtStatus>;

/// One S3-backed share.
#[derive(Debug, Clone)]
pub struct S3Share {
    /// Bucket and prefix.
    pub location: S3Location,
    /// Refuse changes.
    pub read_only: bool,
}

struct Share {
    op: Operator,
    read_only: bool,
    cache: lookup::ListCache,
}

/// One open handle.
struct OpenHandle {
    share: u32,
    /// The file (`None` for a folder).
    inode: Option<Arc<Inode>>,
    /// Something was written through this handle.
    wrote: bool,
    /// The node it was opened on (folders).
    node: Node,
}

/// The S3 backend (thread-safe; share it between connections). See the
/// [crate documentation](crate).
pub struct S3Fs {
    store: Store,
    shares: Vec<Share>,
    handles: Mutex<HashMap<u64, OpenHandle>>,
    /// Open files by (share, key as stored).
    inodes: Mutex<HashMap<(u32, String), Arc<Inode>>>,
    next: AtomicU64,
    budget: Arc<Budget>,
    probe: Probe,
    /// When the backend started (the time folders without a marker report).
    started: u64,
}

impl std::fmt::Debug for S3Fs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Fs")
            .field("shares", &self.shares.len())
            .field("probe", &self.probe)
            .finish()
    }
}

impl S3Fs {
    /// A backend serving `shares` (indexed by [`ShareId`]) on the store `cfg`. Probes
    /// whether the store honours conditional writes (on the first writable share) and
    /// logs when it does not; fails when the store cannot be reached or refuses the
    /// credentials.
    pub fn new(cfg: &S3Config, shares: &[S3Share], settings: S3Settings) -> Result<Self, String> {
        let store = Store::new(settings).map_err(|e| format!("cannot start a runtime: {e}"))?;
        let mut v = Vec::new();
        for s in shares {
            let op = store::operator(cfg, &s.location.bucket, &s.location.prefix, &store.settings)?;
            v.push(Share {
                op,
                read_only: s.read_only,
                cache: lookup::ListCache::default(),
            });
        }
        let mut probe = Probe {
            if_none_match: false,
            if_match: false,
        };
        for (s, sh) in v.iter().zip(shares) {
            let where_ = format!("s3://{}/{}", sh.location.bucket, sh.location.prefix);
            if s.read_only {
                store
                    .run(s.op.list_with("").limit(1))
                    .map_err(|st| format!("{where_}: cannot list: {st}"))?;
                continue;
            }
            probe = store
                .run(store::probe(&s.op))
                .map_err(|st| format!("{where_}: cannot write a probe object: {st}"))?;
            if probe.conditional_writes() {
                tracing::info!(location = %where_, "object store honours conditional writes: changes through other gateways are detected");
            } else {
                tracing::warn!(location = %where_, ?probe, "object store does NOT honour conditional writes: a file changed through another gateway while open here cannot be detected and is overwritten at close");
            }
        }
        let budget = Budget::new(
            &store.settings.staging_dir,
            store.settings.staging_max_bytes,
        );
        Ok(Self {
            store,
            shares: v,
            handles: Mutex::new(HashMap::new()),
            inodes: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            budget,
            probe,
            started: names::now(),
        })
    }

    /// What the start-up probe found.
    pub fn probe(&self) -> Probe {
        self.probe
    }

    /// Number of open handles.
    pub fn open_handles(&self) -> usize {
        self.handles.lock().map_or(0, |h| h.len())
    }

    /// Bytes held by staging files now.
    pub fn staging_bytes(&self) -> u64 {
        self.budget.used()
    }

    fn share(&self, id: ShareId) -> R<&Share> {
        self.shares
            .get(id.0 as usize)
            .ok_or(NtStatus::BAD_NETWORK_NAME)
    }

    fn writable(&self, id: ShareId) -> R<&Share> {
        let s = self.share(id)?;
        if s.read_only {
            return Err(NtStatus::ACCESS_DENIED);
        }
        Ok(s)
    }

    fn ctx<'a>(&'a self, op: &'a Operator) -> Ctx<'a> {
        Ctx {
            store: &self.store,
            op,
            budget: &self.budget,
            conditional: self.probe.conditional_writes(),
        }
    }

    /// An open file of `share` whose key matches `key` case-insensitively.
    fn local(&self, share: u32, key: &str) -> Option<Node> {
        let want = fold_case(key);
        let t = self.inodes.lock().ok()?;
        t.iter()
            .filter(|((s, k), _)| *s == share && fold_case(k) == want)
            .find_map(|(_, i)| {
                let m = i.snapshot()?;
                (!m.deleted).then_some(Node {
                    key: m.key,
                    is_dir: false,
                    size: m.size,
                    etag: None,
                    modified: m.modified,
                })
            })
    }

    /// Open files of `share` directly in folder `dir`.
    fn local_children(&self, share: u32, dir: &str) -> Vec<Node> {
        let Ok(t) = self.inodes.lock() else {
            return Vec::new();
        };
        t.iter()
            .filter(|((s, k), _)| *s == share && names::split(k).0 == dir)
            .filter_map(|(_, i)| i.snapshot())
            .filter(|m| !m.deleted)
            .map(|m| Node {
                key: m.key,
                is_dir: false,
                size: m.size,
                etag: None,
                modified: m.modified,
            })
            .collect()
    }

    /// Resolves `path` in `share` (see [`lookup::resolve`]).
    fn resolve(&self, share: ShareId, path: &SharePath) -> R<(String, Option<Node>)> {
        let s = self.share(share)?;
        let comps: Vec<&str> = path.components().collect();
        let local = |k: &str| self.local(share.0, k);
        self.store.run_status(lookup::resolve(
            &s.op,
            &s.cache,
            &comps,
            self.started,
            &local,
        ))
    }

    /// [`S3Fs::resolve`] for a path that must exist.
    fn existing(&self, share: ShareId, path: &SharePath) -> R<Node> {
        match self.resolve(share, path)? {
            (_, Some(n)) => Ok(n),
            (_, None) => Err(NtStatus::OBJECT_NAME_NOT_FOUND),
        }
    }

    fn new_handle(&self, open: OpenHandle) -> R<Handle> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.handles
            .lock()
            .map_err(|_| NtStatus::INTERNAL_ERROR)?
            .insert(id, open);
        Ok(Handle(id))
    }

    /// The share, file and folder node of an open handle.
    fn handle(&self, h: Handle) -> R<(u32, Option<Arc<Inode>>, Node)> {
        let t = self.handles.lock().map_err(|_| NtStatus::INTERNAL_ERROR)?;
        let o = t.get(&h.0).ok_or(NtStatus::INVALID_HANDLE)?;
        Ok((o.share, o.inode.clone(), o.node.clone()))
    }

    /// The file of an open handle, and its share's operator.
    fn file(&self, h: Handle) -> R<(Arc<Inode>, &Operator)> {
        let (share, inode, _) = self.handle(h)?;
        let inode = inode.ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
        Ok((inode, &self.share(ShareId(share))?.op))
    }

    /// The open file of `key` (a new one on `node` if there is none).
    fn inode(&self, share: u32, key: &str, node: Option<&Node>) -> R<Arc<Inode>> {
        let mut t = self.inodes.lock().map_err(|_| NtStatus::INTERNAL_ERROR)?;
        let k = (share, key.to_string());
        // A file deleted while open keeps its handles; a new open starts a new file.
        let live = t
            .get(&k)
            .filter(|i| i.snapshot().is_some_and(|m| !m.deleted))
            .cloned();
        let i = match live {
            Some(i) => i,
            None => {
                let i = Inode::new(key, node);
                t.insert(k, i.clone());
                i
            }
        };
        i.opens.fetch_add(1, Ordering::SeqCst);
        Ok(i)
    }

    /// One handle less on `inode`; forgets it with the last.
    fn release(&self, inode: &Arc<Inode>) {
        if inode.opens.fetch_sub(1, Ordering::SeqCst) == 1
            && let Ok(mut t) = self.inodes.lock()
        {
            t.retain(|_, i| !Arc::ptr_eq(i, inode) || i.opens.load(Ordering::SeqCst) > 0);
        }
    }

    /// Closes (`commit`: storing what was written) or abandons a handle.
    fn finish(&self, handle: Handle, commit: bool) -> R<()> {
        let o = self
            .handles
            .lock()
            .map_err(|_| NtStatus::INTERNAL_ERROR)?
            .remove(&handle.0)
            .ok_or(NtStatus::INVALID_HANDLE)?;
        let Some(inode) = o.inode else {
            return Ok(());
        };
        let op = &self.share(ShareId(o.share))?.op;
        let cx = self.ctx(op);
        let last = inode.opens.load(Ordering::SeqCst) == 1;
        let t0 = std::time::Instant::now();
        let r = inode.with(|st| {
            if commit {
                let stored = st.dirty && !st.deleted;
                st.commit(&cx)?;
                Ok(stored.then(|| st.node()))
            } else if last && o.wrote {
                st.discard(&cx);
                Ok(None)
            } else {
                Ok(None)
            }
        });
        self.release(&inode);
        tracing::debug!(commit, elapsed = ?t0.elapsed(), result = ?r.as_ref().map(|_| ()), "close");
        if let Ok(Some(n)) = &r
            && let Ok(s) = self.share(ShareId(o.share))
        {
            s.cache.added(n);
        }
        r.map(|_| ())
    }
}

/// Most handles open at once.
const MAX_HANDLES: usize = 65536;

impl FileSystem for S3Fs {
    type Later = NoLater;

    fn open(&self, share: ShareId, call: &OpenCall) -> R<(Handle, FileInfo, CreateAction)> {
        let s = self.share(share)?;
        if self.open_handles() >= MAX_HANDLES {
            return Err(NtStatus::TOO_MANY_OPENED_FILES);
        }
        let (key, existing) = self.resolve(share, &call.path)?;
        use Disposition::*;
        let action = match (&existing, call.disposition) {
            (Some(_), Create) => return Err(NtStatus::OBJECT_NAME_COLLISION),
            (Some(_), Open | OpenIf) => CreateAction::Opened,
            (Some(_), Overwrite | OverwriteIf) => CreateAction::Overwritten,
            (Some(_), Supersede) => CreateAction::Superseded,
            (None, Open | Overwrite) => return Err(NtStatus::OBJECT_NAME_NOT_FOUND),
            (None, Create | OpenIf | OverwriteIf | Supersede) => CreateAction::Created,
        };
        if let Some(n) = &existing {
            match call.kind {
                Kind::Directory if !n.is_dir => return Err(NtStatus::NOT_A_DIRECTORY),
                Kind::File if n.is_dir => return Err(NtStatus::FILE_IS_A_DIRECTORY),
                _ => {}
            }
            if n.is_dir && action != CreateAction::Opened {
                return Err(NtStatus::INVALID_PARAMETER);
            }
        }
        let modifying = call.write || action != CreateAction::Opened;
        if modifying && s.read_only {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let dir = existing.as_ref().is_some_and(|n| n.is_dir)
            || (existing.is_none() && call.kind == Kind::Directory);
        if dir {
            let node = match existing {
                Some(n) => n,
                None => {
                    self.make_dir(s, &key)?;
                    Node {
                        key: key.clone(),
                        is_dir: true,
                        size: 0,
                        etag: None,
                        modified: names::now(),
                    }
                }
            };
            let info = node.info(share.0);
            let h = self.new_handle(OpenHandle {
                share: share.0,
                inode: None,
                wrote: false,
                node,
            })?;
            return Ok((h, info, action));
        }
        let inode = self.inode(share.0, &key, existing.as_ref())?;
        let cx = self.ctx(&s.op);
        let r = inode.with(|st| {
            if matches!(action, CreateAction::Overwritten | CreateAction::Superseded) {
                st.set_len(&cx, 0)?;
                st.dirty = true;
            }
            Ok(st.node())
        });
        let node = match r {
            Ok(n) => n,
            Err(e) => {
                self.release(&inode);
                return Err(e);
            }
        };
        let info = node.info(share.0);
        let h = self.new_handle(OpenHandle {
            share: share.0,
            inode: Some(inode),
            wrote: action != CreateAction::Opened,
            node,
        })?;
        Ok((h, info, action))
    }

    fn read(&self, handle: Handle, offset: u64, len: u32) -> R<Bytes> {
        let (inode, op) = self.file(handle)?;
        let cx = self.ctx(op);
        inode.with(|st| st.read(&cx, offset, len))
    }

    fn write(&self, handle: Handle, offset: u64, data: &[u8], _write_through: bool) -> R<u32> {
        let (share, _, _) = self.handle(handle)?;
        self.writable(ShareId(share))?;
        let (inode, op) = self.file(handle)?;
        if let Ok(mut t) = self.handles.lock()
            && let Some(o) = t.get_mut(&handle.0)
        {
            o.wrote = true;
        }
        let cx = self.ctx(op);
        inode.with(|st| st.write(&cx, offset, data))?;
        Ok(data.len() as u32)
    }

    fn flush(&self, handle: Handle) -> R<()> {
        let (share, inode, _) = self.handle(handle)?;
        let Some(inode) = inode else { return Ok(()) };
        let op = &self.share(ShareId(share))?.op;
        let cx = self.ctx(op);
        inode.with(|st| st.commit(&cx))
    }

    fn close(&self, handle: Handle, _set_written: Option<u64>) -> R<()> {
        self.finish(handle, true)
    }

    fn abandon(&self, handle: Handle) -> R<()> {
        self.finish(handle, false)
    }

    fn stat(&self, share: ShareId, target: &Target) -> R<FileInfo> {
        match target {
            Target::Path(p) => Ok(self.existing(share, p)?.info(share.0)),
            Target::Handle(h) => {
                let (s, inode, node) = self.handle(*h)?;
                match inode {
                    Some(i) => Ok(i.with(|st| Ok(st.node()))?.info(s)),
                    None => Ok(node.info(s)),
                }
            }
        }
    }

    fn read_dir(&self, share: ShareId, path: &SharePath) -> R<Vec<FileInfo>> {
        self.list_dir(share, path)
    }

    fn set_info(&self, share: ShareId, target: &Target, info: &SetInfo) -> R<()> {
        let s = self.writable(share)?;
        // Times and attributes are not kept by the store: accepted and ignored.
        let Some(size) = info.size else {
            if let Target::Path(p) = target {
                self.existing(share, p)?;
            }
            return Ok(());
        };
        let cx = self.ctx(&s.op);
        match target {
            Target::Handle(h) => {
                let (inode, _) = self.file(*h)?;
                if let Ok(mut t) = self.handles.lock()
                    && let Some(o) = t.get_mut(&h.0)
                {
                    o.wrote = true;
                }
                inode.with(|st| st.set_len(&cx, size))
            }
            Target::Path(p) => {
                let n = self.existing(share, p)?;
                if n.is_dir {
                    return Err(NtStatus::FILE_IS_A_DIRECTORY);
                }
                let inode = self.inode(share.0, &n.key, Some(&n))?;
                let r = inode.with(|st| {
                    st.set_len(&cx, size)?;
                    st.commit(&cx)
                });
                self.release(&inode);
                r
            }
        }
    }

    fn rename(&self, share: ShareId, from: &SharePath, to: &SharePath, replace: bool) -> R<()> {
        self.rename_path(share, from, to, replace)
    }

    fn delete(&self, share: ShareId, path: &SharePath) -> R<()> {
        self.delete_path(share, path)
    }

    fn mkdir(&self, share: ShareId, path: &SharePath) -> R<()> {
        let s = self.writable(share)?;
        let (key, existing) = self.resolve(share, path)?;
        if existing.is_some() {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        self.make_dir(s, &key)
    }

    fn rmdir(&self, share: ShareId, path: &SharePath) -> R<()> {
        self.remove_dir(share, path)
    }

    fn fs_info(&self, share: ShareId) -> R<FsInfo> {
        self.share(share)?;
        // An object store has no fixed size: report a large, mostly free volume.
        Ok(FsInfo {
            total_bytes: 1 << 50,
            free_bytes: (1 << 50) - (1 << 40),
            block_size: 4096,
            serial: 0x5333_0001 ^ share.0,
            label: String::new(),
            fs_name: "NTFS".into(),
        })
    }
}
