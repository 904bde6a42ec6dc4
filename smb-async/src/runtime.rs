//! What smb-async needs from an async runtime: tasks, a blocking pool, timers, and
//! TCP and UDP sockets in readiness form. `smb-tokio` and `smb-smol` implement it.
//!
//! The sockets are used the way both tokio and async-io expose them: wait until the
//! socket is ready, then try the operation without blocking; an operation that would
//! block clears the readiness, and the host waits again.

use std::future::Future;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::os::fd::BorrowedFd;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::BytesMut;

/// An async runtime: `smb_tokio::Tokio`, `smb_smol::Smol`, or your own.
pub trait Runtime: Clone + Send + Sync + Unpin + 'static {
    /// A connected TCP socket.
    type Tcp: AsyncTcp;
    /// A listening TCP socket.
    type Listener: AsyncListener<Tcp = Self::Tcp>;
    /// A UDP socket.
    type Udp: AsyncUdp;

    /// Runs `future` as a task of its own.
    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static);

    /// Runs `f` on a thread that may block (file I/O); the caller learns of its end
    /// through whatever `f` does (a channel).
    fn spawn_blocking(&self, f: impl FnOnce() + Send + 'static);

    /// Completes at `deadline`.
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static;

    /// Connects to `addr`.
    fn connect(&self, addr: SocketAddr) -> impl Future<Output = io::Result<Self::Tcp>> + Send;

    /// Wraps a bound listening socket (non-blocking mode is set here).
    fn listener(&self, listener: std::net::TcpListener) -> io::Result<Self::Listener>;

    /// Wraps a bound UDP socket (non-blocking mode is set here).
    fn udp(&self, socket: std::net::UdpSocket) -> io::Result<Self::Udp>;

    /// Wraps a connected TCP socket (non-blocking mode is set here).
    fn tcp(&self, stream: std::net::TcpStream) -> io::Result<Self::Tcp>;
}

/// A connected TCP socket in readiness form. Every method takes `&self`: one task reads
/// and writes it.
pub trait AsyncTcp: Send + Sync + 'static {
    /// Ready when a read may make progress (data, end of stream or an error).
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Ready when a write may make progress.
    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Reads into `buf`; [`io::ErrorKind::WouldBlock`] when nothing is there yet; `Ok(0)`
    /// at end of stream.
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;

    /// Reads into the spare capacity of `buf` (at least one byte of it), appending;
    /// [`io::ErrorKind::WouldBlock`] when nothing is there yet; `Ok(0)` at end of stream.
    fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize>;

    /// Writes what it can of `bufs`; [`io::ErrorKind::WouldBlock`] when the socket is full.
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;

    /// Runs a write-side operation on the socket's descriptor (`sendfile`): `f` returns
    /// `Ok(true)` when it is finished, `Ok(false)` when the socket is full, which clears
    /// the write readiness.
    fn try_write_fd(
        &self,
        f: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<bool>,
    ) -> io::Result<bool>;

    /// Shuts both directions down.
    fn shutdown(&self) -> io::Result<()>;

    /// Sets `TCP_NODELAY`.
    fn set_nodelay(&self, on: bool) -> io::Result<()>;

    /// The peer's address.
    fn peer_addr(&self) -> io::Result<SocketAddr>;
}

/// A listening TCP socket.
pub trait AsyncListener: Send + Sync + 'static {
    /// The connected socket type.
    type Tcp: AsyncTcp;

    /// Accepts a connection.
    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Tcp, SocketAddr)>>;

    /// The bound address.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

/// A UDP socket (the NetBIOS name service).
pub trait AsyncUdp: Send + Sync + 'static {
    /// Receives one datagram into `buf`: its length and its sender.
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>>;

    /// Sends one datagram.
    fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        to: SocketAddr,
    ) -> Poll<io::Result<usize>>;

    /// The bound address.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}
