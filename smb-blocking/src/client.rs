//! A blocking client over `std::net`, with files that are `Read + Write + Seek`.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use bytes::Bytes;
use smb_proto::client::ConnectionError;
use smb_proto::client::{
    ClientConfig, ClientConnection, ClientEvent, FileId, FileStat, FromReply, FsStat, OpenOptions,
    Opened, Operation, ReadData, Reply, RequestId, SessionInfo, ShareEntry, SmbError, Times,
    TreeId,
};

use crate::clock::{Clock, seed};
use smb_localfs::frame::write_all_vectored;
use smb_localfs::io_error;
use smb_localfs::windows::Windows;

/// Socket-level options.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Time limit for the TCP connection.
    pub connect_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Maps an I/O error from connecting to the client's error type.
fn io_err(e: io::Error) -> SmbError {
    let _ = e;
    SmbError::Connection(ConnectionError::Closed)
}

/// Where [`Client::download_many`] puts each file's bytes: `(index, chunks, last)`.
pub type Deliver<'a> = dyn FnMut(usize, &[Bytes], bool) -> io::Result<()> + 'a;

/// A connected SMB1 session.
pub struct Client {
    stream: TcpStream,
    conn: ClientConnection,
    clock: Clock,
    buf: Vec<u8>,
    done: HashMap<RequestId, Result<Reply, SmbError>>,
    broken: bool,
    read_timeout: Option<Duration>,
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

/// Connection errors from the socket layer, with the address tried.
#[derive(Debug)]
pub struct ConnectError {
    /// What failed.
    pub error: io::Error,
    /// The address.
    pub addr: String,
}

impl Client {
    /// Connects over TCP and performs the handshake.
    pub fn connect(
        addr: impl ToSocketAddrs,
        config: ClientConfig,
        opts: &ConnectOptions,
    ) -> Result<Self, SmbError> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(io_err)?.collect();
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, opts.connect_timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let Some(stream) = stream else {
            return Err(io_err(
                last.unwrap_or_else(|| io::Error::other("no address")),
            ));
        };
        Self::handshake(stream, config)
    }

    /// Connects with a raw socket error on failure (for precise messages).
    pub fn connect_tcp(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<TcpStream> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address resolved");
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => return Ok(s),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Performs the handshake on a connected socket.
    pub fn handshake(stream: TcpStream, config: ClientConfig) -> Result<Self, SmbError> {
        stream.set_nodelay(true).map_err(io_err)?;
        let clock = Clock::new();
        let conn = ClientConnection::new(config, clock.now(), seed());
        let mut c = Client {
            stream,
            conn,
            clock,
            buf: vec![0u8; 512 * 1024],
            done: HashMap::new(),
            broken: false,
            read_timeout: None,
            session: SessionInfo::default(),
        };
        let op = c.conn.connect(c.clock.now());
        c.session = c.finish(op)?;
        Ok(c)
    }

    /// A second handle to the socket, e.g. to abort the connection from another thread
    /// (`shutdown`): every operation waiting then fails with a connection error.
    pub fn try_clone_socket(&self) -> io::Result<TcpStream> {
        self.stream.try_clone()
    }

    fn send_all(&mut self) {
        while let Some(t) = self.conn.poll_transmit() {
            if !self.broken
                && write_all_vectored(&mut self.stream, &t.head, t.tail.as_deref()).is_err()
            {
                self.broken = true;
                self.conn.handle_eof(self.clock.now());
            }
        }
    }

    /// Drives the connection until the operation completes.
    pub fn wait(&mut self, id: impl Into<RequestId>) -> Result<Reply, SmbError> {
        let id = id.into();
        loop {
            self.send_all();
            while let Some(ev) = self.conn.poll_event() {
                if let ClientEvent::Completed { id: x, result } = ev {
                    self.done.insert(x, result);
                }
            }
            if let Some(r) = self.done.remove(&id) {
                return r;
            }
            if self.broken || self.conn.is_closed() {
                // Closed without our completion: it was failed with the connection error.
                self.conn.handle_eof(self.clock.now());
                if let Some(r) = self.done.remove(&id) {
                    return r;
                }
                continue;
            }
            let timeout = self
                .conn
                .poll_timeout()
                .map(|t| self.clock.until(t))
                .unwrap_or(Duration::from_secs(1))
                .clamp(Duration::from_millis(1), Duration::from_secs(5));
            // One setsockopt only when the deadline moves by more than 50 ms: a deadline
            // a little late is harmless (the core checks times itself).
            if self
                .read_timeout
                .is_none_or(|t| t.abs_diff(timeout) > Duration::from_millis(50))
            {
                let _ = self.stream.set_read_timeout(Some(timeout));
                self.read_timeout = Some(timeout);
            }
            match self.stream.read(&mut self.buf) {
                Ok(0) => {
                    self.broken = true;
                    self.conn.handle_eof(self.clock.now());
                }
                Ok(n) => {
                    let now = self.clock.now();
                    let _ = self.conn.handle_input(now, &self.buf[..n]);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    self.conn.handle_timeout(self.clock.now());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.broken = true;
                    self.conn.handle_eof(self.clock.now());
                }
            }
        }
    }

    /// Drives the connection until `op` completes; its typed result.
    fn finish<T: FromReply>(&mut self, op: Operation<T>) -> Result<T, SmbError> {
        let r = self.wait(op.id());
        op.result(r)
    }

    /// Connects to a share.
    pub fn tree_connect(&mut self, share: &str) -> Result<TreeId, SmbError> {
        let op = self.conn.tree_connect(self.clock.now(), share);
        self.finish(op)
    }

    /// Disconnects a tree.
    pub fn tree_disconnect(&mut self, tree: TreeId) -> Result<(), SmbError> {
        let op = self.conn.tree_disconnect(self.clock.now(), tree);
        self.finish(op)
    }

    /// Opens a file.
    pub fn open(
        &mut self,
        tree: TreeId,
        path: &str,
        opts: OpenOptions,
    ) -> Result<Opened, SmbError> {
        let op = self.conn.open(self.clock.now(), tree, path, opts);
        self.finish(op)
    }

    /// Reads up to `len` bytes at `offset`.
    pub fn read(
        &mut self,
        tree: TreeId,
        fid: FileId,
        offset: u64,
        len: u64,
    ) -> Result<ReadData, SmbError> {
        let op = self.conn.read(self.clock.now(), tree, fid, offset, len);
        self.finish(op)
    }

    /// Writes bytes at `offset`.
    pub fn write(
        &mut self,
        tree: TreeId,
        fid: FileId,
        offset: u64,
        data: Bytes,
    ) -> Result<u64, SmbError> {
        let op = self.conn.write(self.clock.now(), tree, fid, offset, data);
        self.finish(op)
    }

    /// Closes a file.
    pub fn close(&mut self, tree: TreeId, fid: FileId) -> Result<(), SmbError> {
        let op = self.conn.close(self.clock.now(), tree, fid);
        self.finish(op)
    }

    /// Flushes a file.
    pub fn flush(&mut self, tree: TreeId, fid: FileId) -> Result<(), SmbError> {
        let op = self.conn.flush(self.clock.now(), tree, fid);
        self.finish(op)
    }

    /// Lists a directory.
    pub fn list(&mut self, tree: TreeId, path: &str) -> Result<Vec<FileStat>, SmbError> {
        let op = self.conn.list(self.clock.now(), tree, path);
        self.finish(op)
    }

    /// Information about a path.
    pub fn stat(&mut self, tree: TreeId, path: &str) -> Result<FileStat, SmbError> {
        let op = self.conn.stat(self.clock.now(), tree, path);
        self.finish(op)
    }

    /// Sets times and/or size of a path.
    pub fn set_info(
        &mut self,
        tree: TreeId,
        path: &str,
        times: Option<Times>,
        size: Option<u64>,
    ) -> Result<(), SmbError> {
        let op = self
            .conn
            .set_info(self.clock.now(), tree, path, times, size);
        self.finish(op)
    }

    /// Deletes a file.
    pub fn delete(&mut self, tree: TreeId, path: &str) -> Result<(), SmbError> {
        let op = self.conn.delete(self.clock.now(), tree, path);
        self.finish(op)
    }

    /// Renames.
    pub fn rename(&mut self, tree: TreeId, from: &str, to: &str) -> Result<(), SmbError> {
        let op = self.conn.rename(self.clock.now(), tree, from, to);
        self.finish(op)
    }

    /// Creates a directory.
    pub fn mkdir(&mut self, tree: TreeId, path: &str) -> Result<(), SmbError> {
        let op = self.conn.mkdir(self.clock.now(), tree, path);
        self.finish(op)
    }

    /// Removes a directory.
    pub fn rmdir(&mut self, tree: TreeId, path: &str) -> Result<(), SmbError> {
        let op = self.conn.rmdir(self.clock.now(), tree, path);
        self.finish(op)
    }

    /// File-system sizes.
    pub fn fs_info(&mut self, tree: TreeId) -> Result<FsStat, SmbError> {
        let op = self.conn.fs_info(self.clock.now(), tree);
        self.finish(op)
    }

    /// ECHO.
    pub fn echo(&mut self, data: &[u8]) -> Result<Bytes, SmbError> {
        let op = self
            .conn
            .echo(self.clock.now(), Bytes::copy_from_slice(data));
        self.finish(op)
    }

    /// Lists the server's shares.
    pub fn shares(&mut self) -> Result<Vec<ShareEntry>, SmbError> {
        let op = self.conn.shares(self.clock.now());
        self.finish(op)
    }

    /// Ends the session.
    pub fn logoff(&mut self) -> Result<(), SmbError> {
        let op = self.conn.logoff(self.clock.now());
        self.finish(op)
    }

    /// Opens a file as a `Read + Write + Seek` object.
    pub fn open_file(
        &mut self,
        tree: TreeId,
        path: &str,
        opts: OpenOptions,
    ) -> Result<File<'_>, SmbError> {
        let o = self.open(tree, path, opts)?;
        Ok(File {
            client: self,
            tree,
            fid: o.fid,
            pos: 0,
            size: o.stat.size,
            closed: false,
        })
    }

    /// Copies a whole remote file into `out` with many reads in flight; returns the bytes
    /// copied. `progress` is called with the running total.
    pub fn download(
        &mut self,
        tree: TreeId,
        path: &str,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, SmbError> {
        let o = self.open(tree, path, OpenOptions::read())?;
        let fid = o.fid;
        let mut w = Windows::new(o.stat.size);
        let r = loop {
            let (_, want, read) =
                w.next(|at, want| self.conn.read(self.clock.now(), tree, fid, at, want));
            let d = match self.finish(read) {
                Ok(d) => d,
                Err(e) => break Err(e),
            };
            if d.chunks.iter().try_for_each(|c| out.write_all(c)).is_err() {
                break Err(SmbError::Usage("cannot write the local file"));
            }
            let more = w.received(want, d.len() as u64);
            progress(w.delivered());
            if !more {
                break Ok(w.delivered());
            }
        };
        for read in w.drain().collect::<Vec<_>>() {
            let _ = self.wait(read);
        }
        let c = self.close(tree, o.fid);
        let n = r?;
        c?;
        Ok(n)
    }

    /// Fetches many files with up to `depth` of them in flight at once: the opens,
    /// reads and closes of different files overlap, so a folder of small files costs a
    /// few round trips in all rather than three per file. Each file's bytes go to
    /// `deliver(index, chunks, last)` in order (`last` once, after its final bytes, also
    /// for an empty file); files finish in any order. Meant for small files: each read
    /// asks for up to 1 MiB. Returns the bytes fetched; the first error stops new
    /// opens, lets the requests in flight finish, closes what was opened and is
    /// returned.
    pub fn download_many(
        &mut self,
        tree: TreeId,
        paths: &[String],
        depth: usize,
        deliver: &mut Deliver<'_>,
    ) -> Result<u64, SmbError> {
        /// Bytes asked for per read; a shorter answer is the end of the file.
        const STEP: u64 = 1024 * 1024;
        enum Step {
            Open(Operation<Opened>),
            Read {
                fid: FileId,
                off: u64,
                want: u64,
                op: Operation<ReadData>,
            },
            Close {
                ok: bool,
                op: Operation<()>,
            },
        }
        let mut queue: std::collections::VecDeque<(usize, Step)> = Default::default();
        let mut next = 0usize;
        let mut total = 0u64;
        let mut error: Option<SmbError> = None;
        let depth = depth.max(1);
        loop {
            while error.is_none() && queue.len() < depth && next < paths.len() {
                let op = self
                    .conn
                    .open(self.clock.now(), tree, &paths[next], OpenOptions::read());
                queue.push_back((next, Step::Open(op)));
                next += 1;
            }
            let Some((idx, step)) = queue.pop_front() else {
                break;
            };
            // What to do next for this file, or the error that ends it.
            let failed = match step {
                Step::Open(op) => match self.finish(op) {
                    Ok(o) => {
                        let now = self.clock.now();
                        if error.is_some() {
                            let op = self.conn.close(now, tree, o.fid);
                            queue.push_back((idx, Step::Close { ok: false, op }));
                        } else {
                            let want = (o.stat.size + 1).min(STEP);
                            let op = self.conn.read(now, tree, o.fid, 0, want);
                            let fid = o.fid;
                            queue.push_back((
                                idx,
                                Step::Read {
                                    fid,
                                    off: 0,
                                    want,
                                    op,
                                },
                            ));
                        }
                        None
                    }
                    Err(e) => Some((e, None)),
                },
                Step::Read { fid, off, want, op } => match self.finish(op) {
                    Ok(d) => {
                        let now = self.clock.now();
                        let n = d.len() as u64;
                        total += n;
                        let mut ok = error.is_none();
                        if ok && n > 0 && deliver(idx, &d.chunks, false).is_err() {
                            error = Some(SmbError::Usage("cannot write the local file"));
                            ok = false;
                        }
                        if ok && n == want {
                            let off = off + n;
                            let op = self.conn.read(now, tree, fid, off, STEP);
                            let want = STEP;
                            queue.push_back((idx, Step::Read { fid, off, want, op }));
                        } else {
                            let op = self.conn.close(now, tree, fid);
                            queue.push_back((idx, Step::Close { ok, op }));
                        }
                        None
                    }
                    Err(e) => Some((e, Some(fid))),
                },
                Step::Close { ok, op } => match self.finish(op) {
                    Ok(()) => {
                        if ok && error.is_none() && deliver(idx, &[], true).is_err() {
                            error = Some(SmbError::Usage("cannot write the local file"));
                        }
                        None
                    }
                    Err(e) => Some((e, None)),
                },
            };
            if let Some((e, open)) = failed {
                if error.is_none() {
                    error = Some(e);
                }
                if let Some(fid) = open {
                    let op = self.conn.close(self.clock.now(), tree, fid);
                    queue.push_back((idx, Step::Close { ok: false, op }));
                }
            }
        }
        match error {
            Some(e) => Err(e),
            None => Ok(total),
        }
    }

    /// Copies `input` into a new (or truncated) remote file with many writes in flight.
    pub fn upload(
        &mut self,
        tree: TreeId,
        path: &str,
        input: &mut dyn Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, SmbError> {
        let o = self.open(tree, path, OpenOptions::create())?;
        // Two windows in flight: the next one is read from `input` while the server
        // works through the previous one. Each window's buffer becomes the payload of its
        // WRITE_ANDX requests without a copy.
        let window = 16 * 1024 * 1024;
        let mut off = 0u64;
        let mut acked = 0u64;
        let mut eof = false;
        let mut inflight: std::collections::VecDeque<(u64, Operation<u64>)> = Default::default();
        let r = loop {
            while inflight.len() < 2 && !eof {
                let mut buf = Vec::with_capacity(window);
                match input.take(window as u64).read_to_end(&mut buf) {
                    Ok(_) => {}
                    Err(_) => {
                        for (_, id) in inflight.drain(..) {
                            let _ = self.wait(id);
                        }
                        let _ = self.close(tree, o.fid);
                        return Err(SmbError::Usage("cannot read the local file"));
                    }
                }
                if buf.len() < window {
                    eof = true;
                }
                if buf.is_empty() {
                    break;
                }
                let n = buf.len() as u64;
                let id = self
                    .conn
                    .write(self.clock.now(), tree, o.fid, off, Bytes::from(buf));
                inflight.push_back((n, id));
                off += n;
            }
            let Some((n, id)) = inflight.pop_front() else {
                break Ok(acked);
            };
            match self.finish(id) {
                Ok(w) if w == n => acked += w,
                Ok(_) => break Err(SmbError::Protocol("short write")),
                Err(e) => break Err(e),
            }
            progress(acked);
        };
        for (_, id) in inflight.drain(..) {
            let _ = self.wait(id);
        }
        let c = self.close(tree, o.fid);
        let n = r?;
        c?;
        Ok(n)
    }
}

/// An open remote file: `Read + Write + Seek`. Closed on drop (errors ignored; call
/// [`File::close`] to see them).
pub struct File<'a> {
    client: &'a mut Client,
    tree: TreeId,
    fid: FileId,
    pos: u64,
    size: u64,
    closed: bool,
}

impl File<'_> {
    /// Closes the file.
    pub fn close(mut self) -> Result<(), SmbError> {
        self.closed = true;
        self.client.close(self.tree, self.fid)
    }

    /// The FID.
    pub fn fid(&self) -> FileId {
        self.fid
    }
}

impl Read for File<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(4 * 1024 * 1024) as u64;
        let d = self
            .client
            .read(self.tree, self.fid, self.pos, want)
            .map_err(io_error)?;
        let mut n = 0;
        for c in &d.chunks {
            buf[n..n + c.len()].copy_from_slice(c);
            n += c.len();
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Write for File<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self
            .client
            .write(self.tree, self.fid, self.pos, Bytes::copy_from_slice(buf))
            .map_err(io_error)?;
        self.pos += n;
        self.size = self.size.max(self.pos);
        Ok(n as usize)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.client.flush(self.tree, self.fid).map_err(io_error)
    }
}

impl Seek for File<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => {
                let st = self
                    .client
                    .conn_stat(self.tree, self.fid)
                    .map_err(io_error)?;
                self.size = st.size;
                self.size.checked_add_signed(d)
            }
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start",
            )),
        }
    }
}

impl Drop for File<'_> {
    fn drop(&mut self) {
        if !self.closed {
            let _ = self.client.close(self.tree, self.fid);
        }
    }
}

impl Client {
    fn conn_stat(&mut self, tree: TreeId, fid: FileId) -> Result<FileStat, SmbError> {
        let op = self.conn.stat_file(self.clock.now(), tree, fid);
        self.finish(op)
    }
}
