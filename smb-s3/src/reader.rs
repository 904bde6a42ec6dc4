//! Reads of stored objects: ranged GETs, with read-ahead for sequential readers.
//!
//! A reader whose offsets follow each other (give or take the reordering of requests a
//! client keeps in flight) is served from chunks of [`S3Settings::read_chunk`] bytes
//! fetched ahead of it, [`S3Settings::read_ahead`] at a time, as tasks on the backend's
//! runtime: the next chunks are on their way while the client is busy with this one.
//! Other reads fetch exactly the bytes asked for. Every GET carries the ETag the file was
//! opened with (`If-Match`), so a file replaced through another gateway fails to read
//! instead of mixing two versions.
//!
//! [`S3Settings::read_chunk`]: crate::S3Settings::read_chunk
//! [`S3Settings::read_ahead`]: crate::S3Settings::read_ahead

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use opendal::Operator;
use smb_proto::wire::NtStatus;
use tokio::task::JoinHandle;

use crate::store::{RETRYABLE, Store, log_error};

type R<T> = Result<T, NtStatus>;

/// One chunk of the object: on its way, or here.
#[derive(Debug)]
enum Chunk {
    Loading(JoinHandle<R<Bytes>>),
    Ready(Bytes),
}

/// The read-ahead state of one open file.
#[derive(Debug, Default)]
pub(crate) struct ReadAhead {
    chunks: BTreeMap<u64, Chunk>,
    /// The furthest point a sequential read reached.
    next: u64,
}

/// The stored version a read must see.
pub(crate) struct Version<'a> {
    pub(crate) op: &'a Operator,
    pub(crate) key: &'a str,
    pub(crate) etag: Option<&'a str>,
    pub(crate) size: u64,
}

/// Fetches bytes `a..b` of the version.
async fn get(op: Operator, key: String, etag: Option<String>, a: u64, b: u64) -> R<Bytes> {
    let mut r = op.read_with(&key).range(a..b);
    if let Some(e) = &etag {
        r = r.if_match(e);
    }
    let buf = r.await.map_err(|e| log_error(&e))?;
    let bytes = buf.to_bytes();
    if bytes.len() as u64 != b - a {
        tracing::warn!(%key, want = b - a, got = bytes.len(), "object store: short ranged read");
        return Err(NtStatus::UNEXPECTED_IO_ERROR);
    }
    Ok(bytes)
}

impl ReadAhead {
    /// Drops every chunk (the object changed).
    pub(crate) fn clear(&mut self) {
        for (_, c) in std::mem::take(&mut self.chunks) {
            if let Chunk::Loading(h) = c {
                h.abort();
            }
        }
    }

    /// Up to `len` bytes at `offset` of `v` (short at the end).
    pub(crate) fn read(
        &mut self,
        store: &Store,
        v: &Version<'_>,
        offset: u64,
        len: u32,
    ) -> R<Bytes> {
        if offset >= v.size || len == 0 {
            return Ok(Bytes::new());
        }
        let end = v.size.min(offset + u64::from(len));
        let s = &store.settings;
        let chunk = s.read_chunk.max(64 * 1024) as u64;
        let window = chunk * (s.read_ahead as u64 + 1);
        // Requests a client keeps in flight arrive out of order: the reader counts as
        // sequential while its offsets stay near the furthest point read so far.
        let sequential = offset == 0 || offset.abs_diff(self.next) <= window;
        let (key, etag) = (v.key.to_string(), v.etag.map(str::to_string));
        if !sequential || s.read_ahead == 0 {
            // A jump: read just this; reads that follow it count as sequential.
            self.next = end;
            return store.run_status(get(v.op.clone(), key, etag, offset, end));
        }
        self.next = if offset == 0 { end } else { self.next.max(end) };
        let first = offset / chunk;
        let last = (end - 1) / chunk;
        let furthest = (self.next - 1) / chunk;
        // Keep the chunks that late requests may still want; drop older ones.
        let behind = (16u64 << 20).div_ceil(chunk).max(2);
        let keep_from = furthest.saturating_sub(behind).min(first);
        let old: Vec<u64> = self.chunks.range(..keep_from).map(|(i, _)| *i).collect();
        for i in old {
            if let Some(Chunk::Loading(h)) = self.chunks.remove(&i) {
                h.abort();
            }
        }
        for i in first..=furthest.max(last) + s.read_ahead as u64 {
            let a = i * chunk;
            if a >= v.size || self.chunks.contains_key(&i) {
                continue;
            }
            let b = v.size.min(a + chunk);
            let limit = s.request_timeout;
            let f = get(v.op.clone(), key.clone(), etag.clone(), a, b);
            let h = store.rt.spawn(async move {
                tokio::time::timeout(limit, f)
                    .await
                    .unwrap_or(Err(RETRYABLE))
            });
            self.chunks.insert(i, Chunk::Loading(h));
        }
        let mut parts = Vec::new();
        for i in first..=last {
            let ready = match self.chunks.remove(&i) {
                Some(Chunk::Ready(b)) => Ok(b),
                Some(Chunk::Loading(h)) => {
                    store.run_status(async { h.await.unwrap_or(Err(NtStatus::INTERNAL_ERROR)) })
                }
                None => Err(NtStatus::INTERNAL_ERROR),
            };
            match ready {
                Ok(b) => {
                    self.chunks.insert(i, Chunk::Ready(b.clone()));
                    parts.push((i * chunk, b));
                }
                // Not kept: the next read fetches it again.
                Err(e) => return Err(e),
            }
        }
        if let [(at, b)] = &parts[..] {
            let from = (offset - at) as usize;
            return Ok(b.slice(from..from + (end - offset) as usize));
        }
        let mut out = BytesMut::with_capacity((end - offset) as usize);
        for (at, b) in parts {
            let from = offset.saturating_sub(at) as usize;
            let to = ((end - at) as usize).min(b.len());
            out.extend_from_slice(&b[from..to]);
        }
        Ok(out.freeze())
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.clear();
    }
}
