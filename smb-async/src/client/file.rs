//! An open remote file with poll-style read, write, flush and seek: the logic behind the
//! adapters' `AsyncRead + AsyncWrite + AsyncSeek` files (tokio's and futures-io's).

use std::collections::VecDeque;
use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use smb_localfs::io_error;
use smb_proto::client::{FileId, SmbError, TreeId};

use super::Client;
use crate::runtime::Runtime;

/// Most bytes one read of a file asks the server for.
const MAX_READ: usize = 4 * 1024 * 1024;

type Op = Pin<Box<dyn Future<Output = Result<Done, SmbError>> + Send>>;

/// What a finished operation of a file gives.
enum Done {
    Read(Vec<Bytes>),
    Written(u64),
    Size(u64),
    Flushed,
}

/// An open remote file. Reads, writes and seeks are poll methods that the adapters turn
/// into their runtime's I/O traits; one operation runs at a time. Call
/// [`File::close`] when done (dropping it leaves the handle open until the session
/// ends).
pub struct File<R: Runtime> {
    client: Client<R>,
    tree: TreeId,
    fid: FileId,
    /// Where the next read or write starts (the caller's position).
    pos: u64,
    /// The size as last seen.
    size: u64,
    /// Bytes read ahead of `pos` that the caller has not taken yet.
    buffered: VecDeque<Bytes>,
    op: Option<(OpKind, Op)>,
    /// A seek started with tokio's `start_seek`, finished by `poll_complete`.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(super) seek_target: Option<SeekFrom>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Read,
    Write,
    Flush,
    Size,
}

impl<R: Runtime> File<R> {
    pub(crate) fn new(client: Client<R>, tree: TreeId, fid: FileId, size: u64) -> Self {
        Self {
            client,
            tree,
            fid,
            pos: 0,
            size,
            buffered: VecDeque::new(),
            op: None,
            seek_target: None,
        }
    }

    /// Closes the file.
    pub async fn close(self) -> Result<(), SmbError> {
        self.client.close(self.tree, self.fid).await
    }

    /// The FID.
    pub fn fid(&self) -> FileId {
        self.fid
    }

    /// The position of the next read or write.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Starts `kind` unless an operation of that kind runs already.
    fn start(&mut self, kind: OpKind, make: impl FnOnce(&Self) -> Op) {
        if self.op.as_ref().is_none_or(|(k, _)| *k != kind) {
            let op = make(self);
            self.op = Some((kind, op));
        }
    }

    /// Drives the running operation (of `kind`) to its end.
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Done>> {
        let Some((_, op)) = self.op.as_mut() else {
            return Poll::Ready(Ok(Done::Flushed));
        };
        let r = ready!(op.as_mut().poll(cx));
        self.op = None;
        Poll::Ready(r.map_err(io_error))
    }

    /// Finishes an operation of another kind than `kind` first (its effect is kept).
    fn poll_other(&mut self, cx: &mut Context<'_>, kind: OpKind) -> Poll<io::Result<()>> {
        if self.op.as_ref().is_some_and(|(k, _)| *k != kind) {
            let done = ready!(self.poll_op(cx))?;
            self.apply(done);
        }
        Poll::Ready(Ok(()))
    }

    fn apply(&mut self, done: Done) -> u64 {
        match done {
            Done::Read(chunks) => {
                let n: usize = chunks.iter().map(Bytes::len).sum();
                self.buffered
                    .extend(chunks.into_iter().filter(|c| !c.is_empty()));
                n as u64
            }
            Done::Written(n) => {
                self.pos += n;
                self.size = self.size.max(self.pos);
                n
            }
            Done::Size(s) => {
                self.size = s;
                s
            }
            Done::Flushed => 0,
        }
    }

    /// Reads into `buf`; `Ok(0)` at end of file.
    pub fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(self.poll_other(cx, OpKind::Read))?;
        if self.buffered.is_empty() {
            let want = buf.len().min(MAX_READ) as u64;
            self.start(OpKind::Read, |f| {
                let (c, t, fid, at) = (f.client.clone(), f.tree, f.fid, f.pos);
                Box::pin(
                    async move { c.read(t, fid, at, want).await.map(|d| Done::Read(d.chunks)) },
                )
            });
            let done = ready!(self.poll_op(cx))?;
            if self.apply(done) == 0 {
                return Poll::Ready(Ok(0));
            }
        }
        let mut n = 0;
        while n < buf.len()
            && let Some(front) = self.buffered.front_mut()
        {
            let take = front.len().min(buf.len() - n);
            buf[n..n + take].copy_from_slice(&front[..take]);
            front.advance(take);
            if front.is_empty() {
                self.buffered.pop_front();
            }
            n += take;
        }
        self.pos += n as u64;
        Poll::Ready(Ok(n))
    }

    /// Writes `buf` at the position; how many bytes were written.
    pub fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_other(cx, OpKind::Write))?;
        // Bytes read ahead are stale once the file changes under them.
        self.buffered.clear();
        let data = Bytes::copy_from_slice(buf);
        self.start(OpKind::Write, |f| {
            let (c, t, fid, at) = (f.client.clone(), f.tree, f.fid, f.pos);
            Box::pin(async move { c.write(t, fid, at, data).await.map(Done::Written) })
        });
        let done = ready!(self.poll_op(cx))?;
        Poll::Ready(Ok(self.apply(done) as usize))
    }

    /// Flushes written data to the server's stable storage.
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_other(cx, OpKind::Flush))?;
        self.start(OpKind::Flush, |f| {
            let (c, t, fid) = (f.client.clone(), f.tree, f.fid);
            Box::pin(async move { c.flush(t, fid).await.map(|()| Done::Flushed) })
        });
        ready!(self.poll_op(cx))?;
        Poll::Ready(Ok(()))
    }

    /// Moves the position; a seek from the end asks the server for the size first.
    /// Poll again with the same `pos` until it is ready.
    pub fn poll_seek(&mut self, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
        let before = |_| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start");
        ready!(self.poll_other(cx, OpKind::Size))?;
        let to = match pos {
            SeekFrom::Start(p) => p,
            SeekFrom::Current(d) => self.pos.checked_add_signed(d).ok_or(()).map_err(before)?,
            SeekFrom::End(d) => {
                self.start(OpKind::Size, |f| {
                    let (c, t, fid) = (f.client.clone(), f.tree, f.fid);
                    Box::pin(async move { c.stat_file(t, fid).await.map(|s| Done::Size(s.size)) })
                });
                let done = ready!(self.poll_op(cx))?;
                let size = self.apply(done);
                size.checked_add_signed(d).ok_or(()).map_err(before)?
            }
        };
        if to != self.pos {
            self.buffered.clear();
            self.pos = to;
        }
        Poll::Ready(Ok(to))
    }
}
