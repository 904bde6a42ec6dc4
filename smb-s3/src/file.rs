//! One open file of the gateway (shared by every handle open on it, so that what one
//! handle writes another reads at once), and how its content reaches the store.
//!
//! The content is in one of three places:
//! - [`Body::Clean`]: the stored object, read with ranged GETs ([`ReadAhead`]);
//! - [`Body::Seq`]: a file written in order from offset 0 (what scanners and copy
//!   programs do): bytes in memory until a part is full, then streamed into a multipart
//!   upload, committed when the client closes the file. Writes a little ahead of the
//!   end (requests a client keeps in flight arrive out of order) wait in memory until
//!   the gap before them is filled;
//! - [`Body::Staged`]: any other write pattern (a write far ahead, a rewrite of bytes
//!   already uploaded, a change to a stored file) moves the file to a local staging file
//!   ([`Staged`]), uploaded at close.
//!
//! Uploads are conditional where the store honours it: `If-Match` with the ETag the file
//! had when it was opened, or `If-None-Match: *` for a new file, so that a change made
//! through another gateway in the meantime is detected (the close fails with
//! [`CHANGED_ELSEWHERE`]) instead of overwritten.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use opendal::{Operator, Writer};
use smb_proto::wire::NtStatus;

use crate::names::{Node, now};
use crate::reader::{ReadAhead, Version};
use crate::staging::{Budget, Staged};
use crate::store::{CHANGED_ELSEWHERE, Store};

type R<T> = Result<T, NtStatus>;

/// What a file needs from the backend while it works.
pub(crate) struct Ctx<'a> {
    pub(crate) store: &'a Store,
    pub(crate) op: &'a Operator,
    pub(crate) budget: &'a Arc<Budget>,
    /// The store honours `If-Match` / `If-None-Match` on writes.
    pub(crate) conditional: bool,
}

/// The stored object a file started from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Base {
    pub(crate) etag: Option<String>,
    pub(crate) size: u64,
}

/// A file written in order (see the [module documentation](self)).
#[derive(Default)]
pub(crate) struct Seq {
    /// Bytes before `buf`, handed to the upload already.
    start: u64,
    buf: Vec<u8>,
    /// Writes beyond the end of `buf`, waiting for the gap before them to fill.
    pending: BTreeMap<u64, Vec<u8>>,
    pending_bytes: usize,
    /// The multipart upload, once a part was full.
    writer: Option<Writer>,
}

impl Seq {
    fn end(&self) -> u64 {
        self.start + self.buf.len() as u64
    }

    fn size(&self) -> u64 {
        let p = self
            .pending
            .iter()
            .map(|(k, v)| k + v.len() as u64)
            .max()
            .unwrap_or(0);
        self.end().max(p)
    }

    /// Copies `data` at absolute offset `at` (at most the current end) into `buf`.
    fn put(&mut self, at: u64, data: &[u8]) {
        let i = (at - self.start) as usize;
        let overlap = data.len().min(self.buf.len() - i);
        self.buf[i..i + overlap].copy_from_slice(&data[..overlap]);
        self.buf.extend_from_slice(&data[overlap..]);
    }

    /// Copies what `data` (at `at`) has over the waiting writes that overlap it, so that
    /// the newest bytes win whatever order they are drained in.
    fn overlay_pending(&mut self, at: u64, data: &[u8]) {
        let end = at + data.len() as u64;
        for (k, v) in self.pending.range_mut(..end) {
            let (a, b) = (at.max(*k), end.min(k + v.len() as u64));
            if a < b {
                v[(a - k) as usize..(b - k) as usize]
                    .copy_from_slice(&data[(a - at) as usize..(b - at) as usize]);
            }
        }
    }

    /// A write beyond the end: waits for the gap before it to fill.
    fn hold(&mut self, at: u64, data: &[u8]) {
        self.overlay_pending(at, data);
        match self.pending.get_mut(&at) {
            Some(v) => {
                if data.len() > v.len() {
                    self.pending_bytes += data.len() - v.len();
                    v.resize(data.len(), 0);
                }
                v[..data.len()].copy_from_slice(data);
            }
            None => {
                self.pending.insert(at, data.to_vec());
                self.pending_bytes += data.len();
            }
        }
    }

    /// Moves waiting writes that the end has reached into `buf`.
    fn drain_pending(&mut self) {
        while let Some((&k, _)) = self.pending.first_key_value() {
            if k > self.end() {
                break;
            }
            let Some(v) = self.pending.remove(&k) else {
                break;
            };
            self.pending_bytes -= v.len();
            self.put(k, &v);
        }
    }

    /// Fills the gaps before the waiting writes with zeros (the file is complete now).
    fn settle(&mut self) {
        while let Some((k, v)) = self.pending.pop_first() {
            self.pending_bytes -= v.len();
            if k > self.end() {
                let zeros = (k - self.end()) as usize;
                self.buf.resize(self.buf.len() + zeros, 0);
            }
            self.put(k, &v);
        }
    }
}

/// Where the content of an open file is.
pub(crate) enum Body {
    Clean,
    Seq(Seq),
    Staged(Staged),
}

/// A snapshot of an open file for look-ups (kept up to date under its own small lock,
/// so that look-ups never wait for an upload).
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub(crate) key: String,
    pub(crate) size: u64,
    pub(crate) modified: u64,
    /// Deleted while open: it neither shows nor is stored at close.
    pub(crate) deleted: bool,
}

/// One open file.
pub(crate) struct Inode {
    pub(crate) meta: Mutex<Meta>,
    pub(crate) state: Mutex<FileState>,
    /// Handles open on it.
    pub(crate) opens: AtomicUsize,
}

/// The content and what is known of the stored object.
pub(crate) struct FileState {
    pub(crate) key: String,
    /// The object it started from (`None`: not stored).
    pub(crate) base: Option<Base>,
    pub(crate) body: Body,
    /// Changed since the object was stored.
    pub(crate) dirty: bool,
    pub(crate) modified: u64,
    pub(crate) deleted: bool,
    pub(crate) ahead: ReadAhead,
}

impl Inode {
    /// A file opened on `node` (`None`: created here, not stored yet).
    pub(crate) fn new(key: &str, node: Option<&Node>) -> Arc<Self> {
        let base = node.map(|n| Base {
            etag: n.etag.clone(),
            size: n.size,
        });
        let modified = node.map_or_else(now, |n| n.modified);
        let st = FileState {
            key: key.to_string(),
            base,
            body: Body::Clean,
            dirty: node.is_none(),
            modified,
            deleted: false,
            ahead: ReadAhead::default(),
        };
        Arc::new(Self {
            meta: Mutex::new(st.meta()),
            state: Mutex::new(st),
            opens: AtomicUsize::new(0),
        })
    }

    /// Runs `f` on the state, then refreshes the snapshot.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut FileState) -> R<T>) -> R<T> {
        let mut st = self.state.lock().map_err(|_| NtStatus::INTERNAL_ERROR)?;
        let r = f(&mut st);
        let m = st.meta();
        drop(st);
        if let Ok(mut g) = self.meta.lock() {
            *g = m;
        }
        r
    }

    /// The snapshot.
    pub(crate) fn snapshot(&self) -> Option<Meta> {
        self.meta.lock().ok().map(|m| m.clone())
    }
}

impl FileState {
    fn meta(&self) -> Meta {
        Meta {
            key: self.key.clone(),
            size: self.size(),
            modified: self.modified,
            deleted: self.deleted,
        }
    }

    /// The length a client sees.
    pub(crate) fn size(&self) -> u64 {
        match &self.body {
            Body::Clean => self.base.as_ref().map_or(0, |b| b.size),
            Body::Seq(s) => s.size(),
            Body::Staged(s) => s.len,
        }
    }

    /// The node a client sees.
    pub(crate) fn node(&self) -> Node {
        Node {
            key: self.key.clone(),
            is_dir: false,
            size: self.size(),
            etag: self.base.as_ref().and_then(|b| b.etag.clone()),
            modified: self.modified,
        }
    }

    fn etag(&self) -> Option<&str> {
        self.base.as_ref().and_then(|b| b.etag.as_deref())
    }

    /// Writes `data` at `offset`.
    pub(crate) fn write(&mut self, cx: &Ctx<'_>, offset: u64, data: &[u8]) -> R<()> {
        let s = &cx.store.settings;
        if offset.saturating_add(data.len() as u64) > s.max_file_size {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        if data.is_empty() {
            return Ok(());
        }
        self.ahead.clear();
        if let Body::Clean = self.body {
            if self.size() == 0 {
                self.body = Body::Seq(Seq::default());
            } else {
                self.stage(cx)?;
            }
        }
        if let Body::Seq(q) = &mut self.body {
            let window = s.part_size * 4;
            let ahead = offset.saturating_sub(q.end());
            if offset < q.start
                || (ahead > 0 && (ahead > window as u64 || q.pending_bytes + data.len() > window))
            {
                self.stage(cx)?;
            } else {
                if offset <= q.end() {
                    q.overlay_pending(offset, data);
                    q.put(offset, data);
                    q.drain_pending();
                } else {
                    q.hold(offset, data);
                }
                self.dirty = true;
                self.modified = now();
                return self.send_parts(cx);
            }
        }
        match &mut self.body {
            Body::Staged(st) => st.write(offset, data)?,
            _ => return Err(NtStatus::INTERNAL_ERROR),
        }
        self.dirty = true;
        self.modified = now();
        Ok(())
    }

    /// Starts the upload once a part is full, and hands it every full part.
    fn send_parts(&mut self, cx: &Ctx<'_>) -> R<()> {
        let part = cx.store.settings.part_size.max(5 << 20);
        let Body::Seq(q) = &mut self.body else {
            return Ok(());
        };
        if q.buf.len() < part {
            return Ok(());
        }
        if q.writer.is_none() {
            let key = self.key.clone();
            let etag = self.base.as_ref().and_then(|b| b.etag.clone());
            let stored = self.base.is_some();
            q.writer = Some(open_writer(cx, &key, stored, etag.as_deref())?);
        }
        while q.buf.len() >= part {
            let rest = q.buf.split_off(part);
            let chunk = Bytes::from(std::mem::replace(&mut q.buf, rest));
            let Some(w) = q.writer.as_mut() else { break };
            if let Err(e) = cx.store.run(w.write(chunk)) {
                self.fail(cx);
                return Err(e);
            }
            q.start += part as u64;
        }
        Ok(())
    }

    /// Moves the content to a staging file (see the [module documentation](self)).
    fn stage(&mut self, cx: &Ctx<'_>) -> R<()> {
        let mut st = Staged::new(cx.budget)?;
        match std::mem::replace(&mut self.body, Body::Clean) {
            Body::Staged(s) => st = s,
            Body::Clean => self.download_into(cx, &mut st, self.size())?,
            Body::Seq(mut q) => {
                if let Some(mut w) = q.writer.take() {
                    // Bytes already handed to the upload cannot be read back: finish the
                    // upload (the object becomes what was written so far) and fetch them.
                    let buf = Bytes::from(std::mem::take(&mut q.buf));
                    let done = cx
                        .store
                        .run(async {
                            w.write(buf.clone()).await?;
                            w.close().await
                        })
                        .inspect_err(|_| abort_quietly(cx, w))?;
                    self.base = Some(Base {
                        etag: done.etag().map(str::to_string),
                        size: q.start + buf.len() as u64,
                    });
                    self.download_into(cx, &mut st, q.start)?;
                    st.write(q.start, &buf)?;
                } else {
                    st.write(0, &q.buf)?;
                }
                for (k, v) in &q.pending {
                    st.write(*k, v)?;
                }
            }
        }
        self.body = Body::Staged(st);
        Ok(())
    }

    /// Copies the first `len` bytes of the stored object into `st`.
    fn download_into(&mut self, cx: &Ctx<'_>, st: &mut Staged, len: u64) -> R<()> {
        let chunk = cx.store.settings.read_chunk.max(64 * 1024) as u64;
        let mut at = 0;
        while at < len {
            let n = chunk.min(len - at) as u32;
            let v = Version {
                op: cx.op,
                key: &self.key,
                etag: self.etag(),
                size: len,
            };
            let b = ReadAhead::default().read(cx.store, &v, at, n)?;
            st.write(at, &b)?;
            at += b.len() as u64;
        }
        st.set_len(len.max(st.len))
    }

    /// Up to `len` bytes at `offset`.
    pub(crate) fn read(&mut self, cx: &Ctx<'_>, offset: u64, len: u32) -> R<Bytes> {
        if let Body::Seq(q) = &self.body
            && offset < q.start
        {
            self.stage(cx)?;
        }
        let size = self.size();
        let end = size.min(offset.saturating_add(u64::from(len)));
        if offset >= end {
            return Ok(Bytes::new());
        }
        match &mut self.body {
            Body::Clean => {
                let v = Version {
                    op: cx.op,
                    key: &self.key,
                    etag: self.base.as_ref().and_then(|b| b.etag.as_deref()),
                    size,
                };
                self.ahead.read(cx.store, &v, offset, len)
            }
            Body::Staged(s) => Ok(Bytes::from(s.read(offset, (end - offset) as usize)?)),
            Body::Seq(q) => {
                let mut out = vec![0u8; (end - offset) as usize];
                let mut copy = |at: u64, data: &[u8]| {
                    let (a, b) = (at.max(offset), (at + data.len() as u64).min(end));
                    if a < b {
                        out[(a - offset) as usize..(b - offset) as usize]
                            .copy_from_slice(&data[(a - at) as usize..(b - at) as usize]);
                    }
                };
                copy(q.start, &q.buf);
                for (k, v) in &q.pending {
                    copy(*k, v);
                }
                Ok(Bytes::from(out))
            }
        }
    }

    /// Changes the length.
    pub(crate) fn set_len(&mut self, cx: &Ctx<'_>, len: u64) -> R<()> {
        if len > cx.store.settings.max_file_size {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        if len == self.size() {
            return Ok(());
        }
        self.ahead.clear();
        if len == 0 {
            self.discard(cx);
            self.body = Body::Seq(Seq::default());
        } else {
            self.stage(cx)?;
            if let Body::Staged(s) = &mut self.body {
                s.set_len(len)?;
            }
        }
        self.dirty = true;
        self.modified = now();
        Ok(())
    }

    /// Stores the content (when it changed): the close's and the flush's promise.
    pub(crate) fn commit(&mut self, cx: &Ctx<'_>) -> R<()> {
        if !self.dirty || self.deleted {
            return Ok(());
        }
        let key = self.key.clone();
        let etag = self.etag().map(str::to_string);
        let stored = self.base.is_some();
        let size = self.size();
        let body = std::mem::replace(&mut self.body, Body::Clean);
        let r: R<opendal::Metadata> = match body {
            Body::Clean => put(cx, &key, stored, etag.as_deref(), Bytes::new()),
            Body::Seq(mut q) => {
                q.settle();
                match q.writer.take() {
                    None => put(cx, &key, stored, etag.as_deref(), Bytes::from(q.buf)),
                    Some(mut w) => {
                        let buf = Bytes::from(std::mem::take(&mut q.buf));
                        cx.store
                            .run(async {
                                if !buf.is_empty() {
                                    w.write(buf).await?;
                                }
                                w.close().await
                            })
                            .inspect_err(|_| abort_quietly(cx, w))
                    }
                }
            }
            Body::Staged(s) => upload_staged(cx, &key, stored, etag.as_deref(), &s),
        };
        self.dirty = false;
        self.ahead.clear();
        match r {
            Ok(m) => {
                self.base = Some(Base {
                    etag: m.etag().map(str::to_string),
                    size,
                });
                Ok(())
            }
            Err(e) => {
                if e == CHANGED_ELSEWHERE {
                    tracing::warn!(%key, "changed through another gateway since it was opened here: this gateway's write is refused");
                }
                Err(e)
            }
        }
    }

    /// Drops what was not stored (an upload in progress is aborted: no object, no
    /// partial upload stays behind).
    pub(crate) fn discard(&mut self, cx: &Ctx<'_>) {
        if let Body::Seq(q) = &mut self.body
            && let Some(w) = q.writer.take()
        {
            abort_quietly(cx, w);
        }
        self.body = Body::Clean;
        self.dirty = false;
        self.ahead.clear();
    }

    /// After a failed part: the upload is gone; so is what was written.
    fn fail(&mut self, cx: &Ctx<'_>) {
        self.discard(cx);
        self.dirty = false;
    }
}

/// Aborts a multipart upload, in the background (the client's request does not wait for
/// it: the store may be the reason the upload failed); failures are logged, and the
/// store's lifecycle rules remove uploads nobody completes.
fn abort_quietly(cx: &Ctx<'_>, mut w: Writer) {
    let limit = cx.store.settings.request_timeout;
    cx.store.rt.spawn(async move {
        match tokio::time::timeout(limit, w.abort()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not abort a multipart upload"),
            Err(_) => {
                tracing::warn!("could not abort a multipart upload: the store does not answer")
            }
        }
    });
}

/// A writer for `key`, conditional on the stored version (or on there being none).
fn open_writer(cx: &Ctx<'_>, key: &str, stored: bool, etag: Option<&str>) -> R<Writer> {
    let s = &cx.store.settings;
    let mut w = cx
        .op
        .writer_with(key)
        .chunk(s.part_size.max(5 << 20))
        .concurrent(s.upload_concurrency.max(1));
    if cx.conditional {
        match (stored, etag) {
            (true, Some(e)) => w = w.if_match(e),
            (false, _) => w = w.if_not_exists(true),
            (true, None) => {}
        }
    }
    cx.store.run(w)
}

/// One PUT of `data`, conditional as [`open_writer`].
fn put(
    cx: &Ctx<'_>,
    key: &str,
    stored: bool,
    etag: Option<&str>,
    data: Bytes,
) -> R<opendal::Metadata> {
    let mut w = cx.op.write_with(key, data);
    if cx.conditional {
        match (stored, etag) {
            (true, Some(e)) => w = w.if_match(e),
            (false, _) => w = w.if_not_exists(true),
            (true, None) => {}
        }
    }
    cx.store.run(w).map_err(|e| {
        // A new file that someone else created meanwhile.
        if e == NtStatus::OBJECT_NAME_COLLISION {
            CHANGED_ELSEWHERE
        } else {
            e
        }
    })
}

/// Uploads a staging file (multipart when it is large).
fn upload_staged(
    cx: &Ctx<'_>,
    key: &str,
    stored: bool,
    etag: Option<&str>,
    s: &Staged,
) -> R<opendal::Metadata> {
    let part = cx.store.settings.part_size.max(5 << 20);
    if s.len <= part as u64 {
        let data = s.read(0, s.len as usize)?;
        return put(cx, key, stored, etag, Bytes::from(data));
    }
    let mut w = open_writer(cx, key, stored, etag)?;
    let mut at = 0;
    while at < s.len {
        let data = Bytes::from(s.read(at, part)?);
        at += data.len() as u64;
        if let Err(e) = cx.store.run(w.write(data)) {
            abort_quietly(cx, w);
            return Err(e);
        }
    }
    match cx.store.run(w.close()) {
        Ok(m) => Ok(m),
        Err(e) => {
            abort_quietly(cx, w);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a file holds after `writes`, the plain way.
    fn model(writes: &[(u64, Vec<u8>)]) -> Vec<u8> {
        let mut m = Vec::new();
        for (at, d) in writes {
            let end = *at as usize + d.len();
            if m.len() < end {
                m.resize(end, 0);
            }
            m[*at as usize..end].copy_from_slice(d);
        }
        m
    }

    #[test]
    fn writes_held_for_a_gap_never_overwrite_newer_bytes() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for round in 0..300 {
            let mut q = Seq::default();
            let mut writes = Vec::new();
            for i in 0..(1 + next(12)) {
                let at = next(2000);
                let d: Vec<u8> = (0..1 + next(400))
                    .map(|j| (round + i * 7 + j) as u8)
                    .collect();
                if at <= q.end() {
                    q.overlay_pending(at, &d);
                    q.put(at, &d);
                    q.drain_pending();
                } else {
                    q.hold(at, &d);
                }
                assert_eq!(q.size(), model(&writes_with(&writes, at, &d)).len() as u64);
                writes.push((at, d));
            }
            let held: usize = q.pending.values().map(Vec::len).sum();
            assert_eq!(q.pending_bytes, held, "round {round}");
            q.settle();
            assert_eq!(q.pending_bytes, 0);
            assert_eq!(q.buf, model(&writes), "round {round}: {writes:?}");
        }
    }

    fn writes_with(w: &[(u64, Vec<u8>)], at: u64, d: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut v = w.to_vec();
        v.push((at, d.to_vec()));
        v
    }
}
