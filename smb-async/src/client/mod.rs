//! The async client: one driver task owns the sans-IO connection and the socket;
//! [`Client`] handles (cheap clones) send operations to it and await their results.

use std::future::Future;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_lite::{FutureExt, StreamExt};
use smb_localfs::clock::{Clock, seed};
use smb_proto::client::{
    ClientConfig, ClientConnection, FileId, FileStat, FromReply, FsStat, OpenOptions, Opened,
    Operation, ReadData, Reply, SessionInfo, ShareEntry, SmbError, Times, TreeId,
};

use crate::runtime::{AsyncTcp, Runtime};
use driver::{Command, gone};

mod driver;
mod file;
mod file_io;
mod transfer;

pub use file::File;
pub use transfer::{FileSink, ReadFrom, Sink, Source, WriteTo};

/// A connected session over runtime `R`. Cheap to clone; every clone talks to the same
/// driver task, and operations from several clones (or several futures of one) are in
/// flight together.
#[derive(Clone)]
pub struct Client<R: Runtime> {
    rt: R,
    tx: async_channel::Sender<Command>,
    /// What the handshake negotiated.
    pub session: SessionInfo,
}

impl<R: Runtime> std::fmt::Debug for Client<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// The result of an operation sent to the driver; resolves once it completes.
#[must_use = "the result arrives when this is awaited"]
pub struct Pending<T> {
    rx: Pin<Box<async_channel::Receiver<Result<Reply, SmbError>>>>,
    _out: std::marker::PhantomData<fn() -> T>,
}

impl<T: FromReply> Future for Pending<T> {
    type Output = Result<T, SmbError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.rx.as_mut().poll_next(cx).map(|r| match r {
            Some(r) => T::from_reply(r?),
            None => Err(gone()),
        })
    }
}

impl<R: Runtime + Default> Client<R> {
    /// Connects to the first address of `addr` that answers (each within
    /// `connect_timeout`) and performs the handshake. Names are resolved with the system
    /// resolver on the calling thread: pass a `SocketAddr` where that could block.
    pub async fn connect(
        addr: impl ToSocketAddrs,
        config: ClientConfig,
        connect_timeout: Duration,
    ) -> Result<Self, SmbError> {
        Self::connect_with(R::default(), addr, config, connect_timeout).await
    }

    /// Performs the handshake on a connected socket and starts the driver task.
    pub async fn handshake(tcp: impl Into<R::Tcp>, config: ClientConfig) -> Result<Self, SmbError> {
        Self::handshake_with(R::default(), tcp.into(), config).await
    }
}

impl<R: Runtime> Client<R> {
    /// Connects like [`Client::connect`], on the runtime `rt`.
    pub async fn connect_with(
        rt: R,
        addr: impl ToSocketAddrs,
        config: ClientConfig,
        connect_timeout: Duration,
    ) -> Result<Self, SmbError> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(|_| gone())?.collect();
        let mut last = gone();
        for a in addrs {
            let timeout = {
                let rt = rt.clone();
                async move {
                    rt.sleep_until(std::time::Instant::now() + connect_timeout)
                        .await;
                    Err(SmbError::Timeout)
                }
            };
            let attempt = async { rt.connect(a).await.map_err(|_| gone()) };
            match attempt.or(timeout).await {
                Ok(tcp) => return Self::handshake_with(rt, tcp, config).await,
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Performs the handshake on a connected socket and starts the driver task.
    pub async fn handshake_with(
        rt: R,
        tcp: R::Tcp,
        config: ClientConfig,
    ) -> Result<Self, SmbError> {
        let _ = tcp.set_nodelay(true);
        let clock = Clock::new();
        let conn = ClientConnection::new(config, clock.now(), seed());
        let (tx, rx) = async_channel::unbounded();
        rt.spawn(driver::drive(rt.clone(), tcp, conn, clock, rx));
        let mut c = Client {
            rt,
            tx,
            session: SessionInfo::default(),
        };
        c.session = c.call(|conn, now| conn.connect(now)).await?;
        Ok(c)
    }

    /// The runtime this client runs on.
    pub fn runtime(&self) -> &R {
        &self.rt
    }

    /// Sends an operation to the driver now; the result arrives when the returned
    /// future is awaited (so several operations can be in flight from one task).
    pub fn submit<T: FromReply>(
        &self,
        start: impl FnOnce(&mut ClientConnection, smb_proto::time::Now) -> Operation<T> + Send + 'static,
    ) -> Pending<T> {
        let (reply, rx) = async_channel::bounded(1);
        let op: driver::Op = Box::new(move |c, now| start(c, now).id());
        if let Err(e) = self.tx.try_send(Command { op, reply }) {
            // The driver is gone: fail at once.
            let _ = e.into_inner().reply.try_send(Err(gone()));
        }
        Pending {
            rx: Box::pin(rx),
            _out: std::marker::PhantomData,
        }
    }

    /// Runs an operation and waits for its result.
    pub async fn call<T: FromReply>(
        &self,
        start: impl FnOnce(&mut ClientConnection, smb_proto::time::Now) -> Operation<T> + Send + 'static,
    ) -> Result<T, SmbError> {
        self.submit(start).await
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

    /// Opens a file for reading, writing and seeking ([`File`]).
    pub async fn open_file(
        &self,
        tree: TreeId,
        path: &str,
        opts: OpenOptions,
    ) -> Result<File<R>, SmbError> {
        let o = self.open(tree, path, opts).await?;
        Ok(File::new(self.clone(), tree, o.fid, o.stat.size))
    }
}
