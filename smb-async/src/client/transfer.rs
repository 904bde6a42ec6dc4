//! Whole-file transfers: downloads with several reads in flight (the window plan every
//! host shares, [`Windows`]), uploads with two windows in flight, and the local ends
//! they read from and write to ([`Sink`], [`Source`], [`FileSink`]).

use std::collections::VecDeque;
use std::future::Future;
use std::io;

use bytes::Bytes;
use smb_localfs::windows::Windows;
use smb_proto::client::{OpenOptions, SmbError, TreeId};

use super::Client;
use crate::runtime::Runtime;

/// Where a download puts the bytes it receives, in order.
pub trait Sink {
    /// Takes the next pieces of the file.
    fn put(&mut self, chunks: Vec<Bytes>) -> impl Future<Output = io::Result<()>>;
}

/// Where an upload takes its bytes from.
pub trait Source {
    /// Reads the next bytes into `buf`; 0 at the end.
    fn fill(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>>;
}

/// How a runtime writes to its own kind of writer `W` (tokio's or futures-io's
/// `AsyncWrite`), for [`Client::download`]: the adapter crates implement it for their
/// runtime type.
pub trait WriteTo<W: ?Sized> {
    /// Writes all of `buf` to `w`.
    fn write_all(w: &mut W, buf: &[u8]) -> impl Future<Output = io::Result<()>>;
}

/// How a runtime reads from its own kind of reader `Rd`, for [`Client::upload`].
pub trait ReadFrom<Rd: ?Sized> {
    /// Reads some bytes of `r` into `buf`; 0 at the end.
    fn read(r: &mut Rd, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>>;
}

/// A writer of the runtime's kind as a [`Sink`].
struct Writer<'a, R, W: ?Sized>(&'a mut W, std::marker::PhantomData<R>);

impl<R: WriteTo<W>, W: ?Sized> Sink for Writer<'_, R, W> {
    async fn put(&mut self, chunks: Vec<Bytes>) -> io::Result<()> {
        for c in &chunks {
            R::write_all(self.0, c).await?;
        }
        Ok(())
    }
}

/// A reader of the runtime's kind as a [`Source`].
struct Reader<'a, R, Rd: ?Sized>(&'a mut Rd, std::marker::PhantomData<R>);

impl<R: ReadFrom<Rd>, Rd: ?Sized> Source for Reader<'_, R, Rd> {
    async fn fill(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        R::read(self.0, buf).await
    }
}

/// A local file written on the runtime's blocking pool as the pieces arrive, without
/// copying them into a write buffer first; the file moves to the pool and back.
#[derive(Debug)]
pub struct FileSink<R> {
    rt: R,
    file: Option<std::fs::File>,
}

impl<R: Runtime> FileSink<R> {
    /// Writes into `file` from its current position.
    pub fn new(rt: R, file: std::fs::File) -> Self {
        Self {
            rt,
            file: Some(file),
        }
    }
}

impl<R: Runtime> Sink for FileSink<R> {
    async fn put(&mut self, chunks: Vec<Bytes>) -> io::Result<()> {
        use std::io::Write;
        let mut f = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("an earlier write failed"))?;
        let (tx, rx) = async_channel::bounded(1);
        self.rt.spawn_blocking(move || {
            let r = chunks.iter().try_for_each(|c| f.write_all(c));
            let _ = tx.try_send((f, r));
        });
        let (f, r) = rx
            .recv()
            .await
            .map_err(|_| io::Error::other("the blocking pool dropped a write"))?;
        self.file = Some(f);
        r
    }
}

/// Bytes an upload reads from its source per window (two windows are in flight).
const UPLOAD_WINDOW: usize = 16 * 1024 * 1024;

impl<R: Runtime> Client<R> {
    /// Copies a whole remote file into `out` (the runtime's `AsyncWrite`) with many reads
    /// in flight; returns the bytes copied. `progress` is called with the running total.
    pub async fn download<W: ?Sized>(
        &self,
        tree: TreeId,
        path: &str,
        out: &mut W,
        progress: impl FnMut(u64),
    ) -> Result<u64, SmbError>
    where
        R: WriteTo<W>,
    {
        let mut sink = Writer::<R, W>(out, std::marker::PhantomData);
        self.download_into(tree, path, &mut sink, progress).await
    }

    /// Copies `input` (the runtime's `AsyncRead`) into a new (or truncated) remote file
    /// with many writes in flight.
    pub async fn upload<Rd: ?Sized>(
        &self,
        tree: TreeId,
        path: &str,
        input: &mut Rd,
        progress: impl FnMut(u64),
    ) -> Result<u64, SmbError>
    where
        R: ReadFrom<Rd>,
    {
        let mut source = Reader::<R, Rd>(input, std::marker::PhantomData);
        self.upload_from(tree, path, &mut source, progress).await
    }

    /// Copies a whole remote file into `out` with several reads in flight; returns the
    /// bytes copied. `progress` is called with the running total.
    pub async fn download_into(
        &self,
        tree: TreeId,
        path: &str,
        out: &mut impl Sink,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SmbError> {
        let o = self.open(tree, path, OpenOptions::read()).await?;
        let fid = o.fid;
        let mut w = Windows::new(o.stat.size);
        let r = loop {
            let (_, want, read) =
                w.next(|at, want| self.submit(move |c, now| c.read(now, tree, fid, at, want)));
            let d = match read.await {
                Ok(d) => d,
                Err(e) => break Err(e),
            };
            let got = d.len() as u64;
            if out.put(d.chunks).await.is_err() {
                break Err(SmbError::Usage("cannot write the local file"));
            }
            let more = w.received(want, got);
            progress(w.delivered());
            if !more {
                break Ok(w.delivered());
            }
        };
        for read in w.drain() {
            let _ = read.await;
        }
        let c = self.close(tree, fid).await;
        let n = r?;
        c?;
        Ok(n)
    }

    /// Copies a whole remote file into a local file, writing the received pieces on the
    /// blocking pool as they are ([`FileSink`]). Returns the bytes copied.
    pub async fn download_to_file(
        &self,
        tree: TreeId,
        path: &str,
        file: std::fs::File,
        progress: impl FnMut(u64),
    ) -> Result<u64, SmbError> {
        let mut sink = FileSink::new(self.rt.clone(), file);
        self.download_into(tree, path, &mut sink, progress).await
    }

    /// Copies `input` into a new (or truncated) remote file: the next window is read
    /// from `input` while the server writes the previous one. Returns the bytes written.
    pub async fn upload_from(
        &self,
        tree: TreeId,
        path: &str,
        input: &mut impl Source,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SmbError> {
        let o = self.open(tree, path, OpenOptions::create()).await?;
        let fid = o.fid;
        let mut inflight = VecDeque::new();
        let mut off = 0u64;
        let mut acked = 0u64;
        let mut eof = false;
        let r = loop {
            while inflight.len() < 2 && !eof {
                let mut buf = vec![0u8; UPLOAD_WINDOW];
                let mut n = 0;
                while n < buf.len() {
                    match input.fill(&mut buf[n..]).await {
                        Ok(0) => {
                            eof = true;
                            break;
                        }
                        Ok(k) => n += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => {
                            for w in inflight.drain(..) {
                                let (_, w): (u64, super::Pending<u64>) = w;
                                let _ = w.await;
                            }
                            let _ = self.close(tree, fid).await;
                            return Err(SmbError::Usage("cannot read the local file"));
                        }
                    }
                }
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                let data = Bytes::from(buf);
                let at = off;
                inflight.push_back((
                    n as u64,
                    self.submit(move |c, now| c.write(now, tree, fid, at, data)),
                ));
                off += n as u64;
            }
            let Some((n, w)) = inflight.pop_front() else {
                break Ok(acked);
            };
            match w.await {
                Ok(k) if k == n => acked += k,
                Ok(_) => break Err(SmbError::Protocol("short write")),
                Err(e) => break Err(e),
            }
            progress(acked);
        };
        for (_, w) in inflight.drain(..) {
            let _ = w.await;
        }
        let c = self.close(tree, fid).await;
        let n = r?;
        c?;
        Ok(n)
    }
}
