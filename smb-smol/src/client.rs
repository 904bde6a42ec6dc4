//! The futures-io client: one driver task (on smol's global executor, so it runs under
//! any executor, async-std included) owns the sans-IO connection and the socket;
//! [`Client`] handles send operations to it and await their replies.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_io::{Async, Timer};
use bytes::Bytes;
use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
use futures_lite::future;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use smb_localfs::clock::{Clock, seed};
use smb_proto::client::{
    ClientConfig, ClientConnection, ClientEvent, ConnectionError, FileId, FileStat, FromReply,
    FsStat, OpenOptions, Opened, Operation, ReadData, Reply, RequestId, SessionInfo, ShareEntry,
    SmbError, Times, TreeId,
};
use std::net::{TcpStream, ToSocketAddrs};

type Op = Box<dyn FnOnce(&mut ClientConnection, smb_proto::time::Now) -> RequestId + Send>;

struct Command {
    op: Op,
    reply: async_channel::Sender<Result<Reply, SmbError>>,
}

/// A connected session. Cheap to clone; every clone talks to the same driver task.
#[derive(Clone)]
pub struct Client {
    tx: async_channel::Sender<Command>,
    /// What the handshake negotiated.
    pub session: SessionInfo,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

fn gone() -> SmbError {
    SmbError::Connection(ConnectionError::Closed)
}

enum Wake {
    Read(io::Result<usize>),
    Cmd(Option<Command>),
    Timer,
}

async fn driver(
    stream: Async<TcpStream>,
    mut conn: ClientConnection,
    clock: Clock,
    rx: async_channel::Receiver<Command>,
) {
    let mut waiting: HashMap<RequestId, async_channel::Sender<Result<Reply, SmbError>>> =
        HashMap::new();
    let mut buf = vec![0u8; 512 * 1024];
    let mut rx_open = true;
    let mut broken = false;
    loop {
        while let Some(t) = conn.poll_transmit() {
            if broken {
                continue;
            }
            let r = async {
                (&stream).write_all(&t.head).await?;
                if let Some(tail) = &t.tail {
                    (&stream).write_all(tail).await?;
                }
                io::Result::Ok(())
            }
            .await;
            if r.is_err() {
                broken = true;
                conn.handle_eof(clock.now());
            }
        }
        while let Some(ev) = conn.poll_event() {
            if let ClientEvent::Completed { id, result } = ev
                && let Some(tx) = waiting.remove(&id)
            {
                let _ = tx.try_send(result);
            }
        }
        if (conn.is_closed() || broken) && waiting.is_empty() {
            // Fail what is still coming in, then stop.
            rx.close();
            while let Ok(c) = rx.try_recv() {
                let _ = c.reply.try_send(Err(gone()));
            }
            return;
        }
        if !rx_open && waiting.is_empty() {
            // Every handle is gone.
            return;
        }
        let deadline = conn.poll_timeout().map(|t| clock.to_std(t));
        let timer = async {
            match deadline {
                Some(d) => {
                    Timer::at(d).await;
                }
                None => future::pending::<()>().await,
            }
            Wake::Timer
        };
        let read = async {
            if broken {
                future::pending::<()>().await;
            }
            Wake::Read((&stream).read(&mut buf).await)
        };
        let cmd = async {
            if !rx_open {
                future::pending::<()>().await;
            }
            Wake::Cmd(rx.recv().await.ok())
        };
        let wake = future::or(read, future::or(cmd, timer)).await;
        match wake {
            Wake::Read(Ok(0)) | Wake::Read(Err(_)) => {
                broken = true;
                conn.handle_eof(clock.now());
            }
            Wake::Read(Ok(n)) => {
                let _ = conn.handle_input(clock.now(), &buf[..n]);
            }
            Wake::Cmd(Some(c)) => {
                let id = (c.op)(&mut conn, clock.now());
                waiting.insert(id, c.reply);
            }
            Wake::Cmd(None) => rx_open = false,
            Wake::Timer => conn.handle_timeout(clock.now()),
        }
    }
}

impl Client {
    /// Connects (with a time limit) and performs the handshake.
    pub async fn connect(
        addr: impl ToSocketAddrs,
        config: ClientConfig,
        connect_timeout: Duration,
    ) -> Result<Self, SmbError> {
        let addrs: Vec<_> = addr.to_socket_addrs().map_err(|_| gone())?.collect();
        let mut last = gone();
        for a in addrs {
            let attempt = async { Some(Async::<TcpStream>::connect(a).await) };
            let timeout = async {
                Timer::after(connect_timeout).await;
                None
            };
            match future::or(attempt, timeout).await {
                Some(Ok(s)) => return Self::handshake(s, config).await,
                Some(Err(_)) => last = gone(),
                None => last = SmbError::Timeout,
            }
        }
        Err(last)
    }

    /// Performs the handshake on a connected socket and starts the driver task.
    pub async fn handshake(
        stream: Async<TcpStream>,
        config: ClientConfig,
    ) -> Result<Self, SmbError> {
        let _ = stream.get_ref().set_nodelay(true);
        let clock = Clock::new();
        let conn = ClientConnection::new(config, clock.now(), seed());
        let (tx, rx) = async_channel::bounded(64);
        smol::spawn(driver(stream, conn, clock, rx)).detach();
        let mut c = Client {
            tx,
            session: SessionInfo::default(),
        };
        c.session = c.call(|conn, now| conn.connect(now)).await?;
        Ok(c)
    }

    async fn call<T: FromReply + Send + 'static>(
        &self,
        f: impl FnOnce(&mut ClientConnection, smb_proto::time::Now) -> Operation<T> + Send + 'static,
    ) -> Result<T, SmbError> {
        let op: Op = Box::new(move |c, now| f(c, now).id());
        let (reply, rx) = async_channel::bounded(1);
        self.tx
            .send(Command { op, reply })
            .await
            .map_err(|_| gone())?;
        T::from_reply(rx.recv().await.map_err(|_| gone())??)
    }

    /// Connects to a share.
    pub async fn tree_connect(&self, share: &str) -> Result<TreeId, SmbError> {
        let s = share.to_string();
        self.call(move |c, now| c.tree_connect(now, &s)).await
    }

    /// Disconnects a tree.
    pub async fn tree_disconnect(&self, tree: TreeId) -> Result<(), SmbError> {
        self.call(move |c, now| c.tree_disconnect(now, tree)).await
    }

    /// Opens a file.
    pub async fn open(
        &self,
        tree: TreeId,
        path: &str,
        opts: OpenOptions,
    ) -> Result<Opened, SmbError> {
        let p = path.to_string();
        self.call(move |c, now| c.open(now, tree, &p, opts)).await
    }

    /// Reads up to `len` bytes at `offset` (many reads in flight).
    pub async fn read(
        &self,
        tree: TreeId,
        fid: FileId,
        offset: u64,
        len: u64,
    ) -> Result<ReadData, SmbError> {
        self.call(move |c, now| c.read(now, tree, fid, offset, len))
            .await
    }

    /// Writes at `offset` (many writes in flight).
    pub async fn write(
        &self,
        tree: TreeId,
        fid: FileId,
        offset: u64,
        data: Bytes,
    ) -> Result<u64, SmbError> {
        self.call(move |c, now| c.write(now, tree, fid, offset, data))
            .await
    }

    /// Closes a file.
    pub async fn close(&self, tree: TreeId, fid: FileId) -> Result<(), SmbError> {
        self.call(move |c, now| c.close(now, tree, fid)).await
    }

    /// Flushes a file.
    pub async fn flush(&self, tree: TreeId, fid: FileId) -> Result<(), SmbError> {
        self.call(move |c, now| c.flush(now, tree, fid)).await
    }

    /// Lists a directory.
    pub async fn list(&self, tree: TreeId, path: &str) -> Result<Vec<FileStat>, SmbError> {
        let p = path.to_string();
        self.call(move |c, now| c.list(now, tree, &p)).await
    }

    /// Information about a path.
    pub async fn stat(&self, tree: TreeId, path: &str) -> Result<FileStat, SmbError> {
        let p = path.to_string();
        self.call(move |c, now| c.stat(now, tree, &p)).await
    }

    /// Information about an open file.
    pub async fn stat_file(&self, tree: TreeId, fid: FileId) -> Result<FileStat, SmbError> {
        self.call(move |c, now| c.stat_file(now, tree, fid)).await
    }

    /// Sets times and/or size of a path.
    pub async fn set_info(
        &self,
        tree: TreeId,
        path: &str,
        times: Option<Times>,
        size: Option<u64>,
    ) -> Result<(), SmbError> {
        let p = path.to_string();
        self.call(move |c, now| c.set_info(now, tree, &p, times, size))
            .await
    }

    /// Deletes a file.
    pub async fn delete(&self, tree: TreeId, path: &str) -> Result<(), SmbError> {
        let p = path.to_string();
        self.call(move |c, now| c.delete(now, tree, &p)).await
    }

    /// Renames.
    pub async fn rename(&self, tree: TreeId, from: &str, to: &str) -> Result<(), SmbError> {
        let (a, b) = (from.to_string(), to.to_string());
        self.call(move |c, now| c.rename(now, tree, &a, &b)).await
    }

    /// Creates a directory.
    pub async fn mkdir(&self, tree: TreeId, path: &str) -> Result<(), SmbError> {
        let p = path.to_string();
        self.call(move |c, now| c.mkdir(now, tree, &p)).await
    }

    /// Removes a directory.
    pub async fn rmdir(&self, tree: TreeId, path: &str) -> Result<(), SmbError> {
        let p = path.to_string();
        self.call(move |c, now| c.rmdir(now, tree, &p)).await
    }

    /// File-system sizes.
    pub async fn fs_info(&self, tree: TreeId) -> Result<FsStat, SmbError> {
        self.call(move |c, now| c.fs_info(now, tree)).await
    }

    /// ECHO.
    pub async fn echo(&self, data: &[u8]) -> Result<Bytes, SmbError> {
        let d = Bytes::copy_from_slice(data);
        self.call(move |c, now| c.echo(now, d)).await
    }

    /// Lists the server's shares.
    pub async fn shares(&self) -> Result<Vec<ShareEntry>, SmbError> {
        self.call(move |c, now| c.shares(now)).await
    }

    /// Ends the session.
    pub async fn logoff(&self) -> Result<(), SmbError> {
        self.call(move |c, now| c.logoff(now)).await
    }

    /// Copies a whole remote file into `out` with many reads in flight; returns the bytes
    /// copied. `progress` is called with the running total.
    pub async fn download<W: futures_io::AsyncWrite + Unpin>(
        &self,
        tree: TreeId,
        path: &str,
        out: &mut W,
        progress: impl FnMut(u64),
    ) -> Result<u64, SmbError> {
        self.download_into(tree, path, WriterSink(out), progress)
            .await
    }

    /// Copies a whole remote file into a local file, like [`Client::download`], but
    /// writes the received pieces on the `blocking` thread pool as they are, without
    /// copying them into a pipe first (as `smol::Unblock` does). Returns the bytes copied.
    pub async fn download_to_file(
        &self,
        tree: TreeId,
        path: &str,
        file: std::fs::File,
        progress: impl FnMut(u64),
    ) -> Result<u64, SmbError> {
        self.download_into(tree, path, FileSink(Some(file)), progress)
            .await
    }

    async fn download_into(
        &self,
        tree: TreeId,
        path: &str,
        mut out: impl Sink,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SmbError> {
        let o = self.open(tree, path, OpenOptions::read()).await?;
        // Eight 2 MiB windows in flight (each a task), so the pipe never drains at a
        // boundary and a window is written (and its memory reused) soon after it arrives.
        let window: u64 = 2 * 1024 * 1024;
        let size = o.stat.size;
        let mut next = 0u64;
        let mut inflight = std::collections::VecDeque::new();
        let mut off = 0u64;
        let r = loop {
            while inflight.len() < 8 && next < size {
                let want = (size - next).min(window);
                let c = self.clone();
                let fid = o.fid;
                let at = next;
                inflight.push_back((
                    want,
                    smol::spawn(async move { c.read(tree, fid, at, want).await }),
                ));
                next += want;
            }
            let (want, res) = match inflight.pop_front() {
                Some((want, task)) => (want, task.await),
                // Past the size seen at open: read on until the end.
                None => (window, self.read(tree, o.fid, off, window).await),
            };
            let d = match res {
                Ok(d) => d,
                Err(e) => break Err(e),
            };
            let got = d.len() as u64;
            if out.put(d.chunks).await.is_err() {
                for (_, t) in inflight.drain(..) {
                    let _ = t.await;
                }
                let _ = self.close(tree, o.fid).await;
                return Err(SmbError::Usage("cannot write the local file"));
            }
            off += got;
            progress(off);
            if got < want {
                for (_, t) in inflight.drain(..) {
                    let _ = t.await;
                }
                break Ok(off);
            }
        };
        let c = self.close(tree, o.fid).await;
        let n = r?;
        c?;
        Ok(n)
    }

    /// Copies `input` into a new (or truncated) remote file with many writes in flight.
    pub async fn upload<R: futures_io::AsyncRead + Unpin>(
        &self,
        tree: TreeId,
        path: &str,
        input: &mut R,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SmbError> {
        let o = self.open(tree, path, OpenOptions::create()).await?;
        let mut off = 0u64;
        let mut buf = vec![0u8; 16 * 1024 * 1024];
        let r = loop {
            let mut n = 0;
            while n < buf.len() {
                match input.read(&mut buf[n..]).await {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        let _ = self.close(tree, o.fid).await;
                        return Err(SmbError::Usage("cannot read the local file"));
                    }
                }
            }
            if n == 0 {
                break Ok(off);
            }
            match self
                .write(tree, o.fid, off, Bytes::copy_from_slice(&buf[..n]))
                .await
            {
                Ok(w) => off += w,
                Err(e) => break Err(e),
            }
            progress(off);
        };
        let c = self.close(tree, o.fid).await;
        let n = r?;
        c?;
        Ok(n)
    }

    /// Opens a file as `AsyncRead + AsyncWrite + AsyncSeek`.
    pub async fn open_file(
        &self,
        tree: TreeId,
        path: &str,
        opts: OpenOptions,
    ) -> Result<File, SmbError> {
        let o = self.open(tree, path, opts).await?;
        Ok(File {
            client: self.clone(),
            tree,
            fid: o.fid,
            pos: 0,
            size: o.stat.size,
            pending: None,
        })
    }
}

type Pending = Pin<Box<dyn std::future::Future<Output = Result<PendingOut, SmbError>> + Send>>;

enum PendingOut {
    Read(ReadData),
    Written(u64),
    Size(u64),
    Done,
}

/// An open remote file: futures-io `AsyncRead + AsyncWrite + AsyncSeek`. Call [`File::close`] when done (dropping it leaves the
/// handle open until the session ends).
pub struct File {
    client: Client,
    tree: TreeId,
    fid: FileId,
    pos: u64,
    size: u64,
    pending: Option<Pending>,
}

impl File {
    /// Closes the file.
    pub async fn close(self) -> Result<(), SmbError> {
        self.client.close(self.tree, self.fid).await
    }

    /// The FID.
    pub fn fid(&self) -> FileId {
        self.fid
    }

    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<Result<PendingOut, SmbError>> {
        let Some(p) = self.pending.as_mut() else {
            return Poll::Ready(Ok(PendingOut::Done));
        };
        match p.as_mut().poll(cx) {
            Poll::Ready(r) => {
                self.pending = None;
                Poll::Ready(r)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

fn to_io(e: SmbError) -> io::Error {
    let kind = if e.is_not_found() {
        io::ErrorKind::NotFound
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, e.to_string())
}

impl AsyncRead for File {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending.is_none() {
            let (c, t, f, pos) = (self.client.clone(), self.tree, self.fid, self.pos);
            let want = buf.len().min(4 * 1024 * 1024) as u64;
            self.pending = Some(Box::pin(async move {
                c.read(t, f, pos, want).await.map(PendingOut::Read)
            }));
        }
        match self.poll_pending(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(to_io(e))),
            Poll::Ready(Ok(PendingOut::Read(d))) => {
                let mut n = 0;
                for c in &d.chunks {
                    let take = c.len().min(buf.len() - n);
                    buf[n..n + take].copy_from_slice(&c[..take]);
                    n += take;
                }
                self.pos += n as u64;
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Ok(_)) => Poll::Ready(Ok(0)),
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending.is_none() {
            let (c, t, f, pos) = (self.client.clone(), self.tree, self.fid, self.pos);
            let data = Bytes::copy_from_slice(buf);
            self.pending = Some(Box::pin(async move {
                c.write(t, f, pos, data).await.map(PendingOut::Written)
            }));
        }
        match self.poll_pending(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(to_io(e))),
            Poll::Ready(Ok(PendingOut::Written(n))) => {
                self.pos += n;
                self.size = self.size.max(self.pos);
                Poll::Ready(Ok(n as usize))
            }
            Poll::Ready(Ok(_)) => Poll::Ready(Ok(0)),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_none() {
            let (c, t, f) = (self.client.clone(), self.tree, self.fid);
            self.pending = Some(Box::pin(async move {
                c.flush(t, f).await.map(|()| PendingOut::Done)
            }));
        }
        match self.poll_pending(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(r) => Poll::Ready(r.map(|_| ()).map_err(to_io)),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: io::SeekFrom,
    ) -> Poll<io::Result<u64>> {
        match pos {
            io::SeekFrom::Start(p) => {
                self.pos = p;
                Poll::Ready(Ok(p))
            }
            io::SeekFrom::Current(d) => match self.pos.checked_add_signed(d) {
                Some(p) => {
                    self.pos = p;
                    Poll::Ready(Ok(p))
                }
                None => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "seek before the start",
                ))),
            },
            io::SeekFrom::End(d) => {
                if self.pending.is_none() {
                    let (c, t, f) = (self.client.clone(), self.tree, self.fid);
                    self.pending = Some(Box::pin(async move {
                        c.stat_file(t, f).await.map(|s| PendingOut::Size(s.size))
                    }));
                }
                match self.poll_pending(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Err(e)) => Poll::Ready(Err(to_io(e))),
                    Poll::Ready(Ok(PendingOut::Size(s))) => {
                        self.size = s;
                        match s.checked_add_signed(d) {
                            Some(p) => {
                                self.pos = p;
                                Poll::Ready(Ok(p))
                            }
                            None => Poll::Ready(Err(io::Error::new(
                                io::ErrorKind::InvalidInput,
                                "seek before the start",
                            ))),
                        }
                    }
                    Poll::Ready(Ok(_)) => {
                        Poll::Ready(Err(io::Error::other("another operation is in progress")))
                    }
                }
            }
        }
    }
}

/// Where [`Client::download`] and [`Client::download_to_file`] put what they read.
trait Sink {
    async fn put(&mut self, chunks: Vec<Bytes>) -> io::Result<()>;
}

struct WriterSink<'a, W>(&'a mut W);

impl<W: AsyncWrite + Unpin> Sink for WriterSink<'_, W> {
    async fn put(&mut self, chunks: Vec<Bytes>) -> io::Result<()> {
        for c in &chunks {
            self.0.write_all(c).await?;
        }
        Ok(())
    }
}

/// A local file written on the `blocking` pool; the file moves there and back.
struct FileSink(Option<std::fs::File>);

impl Sink for FileSink {
    async fn put(&mut self, chunks: Vec<Bytes>) -> io::Result<()> {
        use std::io::Write;
        let mut f = self
            .0
            .take()
            .ok_or_else(|| io::Error::other("an earlier write failed"))?;
        let (f, r) = blocking::unblock(move || {
            let r = chunks.iter().try_for_each(|c| f.write_all(c));
            (f, r)
        })
        .await;
        self.0 = Some(f);
        r
    }
}
