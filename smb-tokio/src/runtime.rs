//! The tokio implementation of smb-async's [`Runtime`].

use std::future::Future;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::BytesMut;
use smb_async::{AsyncListener, AsyncTcp, AsyncUdp, Runtime};
use tokio::io::Interest;

/// tokio: tasks with `tokio::spawn`, file work on its blocking pool, its timers and
/// sockets. Use it inside a tokio runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tokio;

/// A tokio TCP socket.
#[derive(Debug)]
pub struct TokioTcp(pub tokio::net::TcpStream);

/// A tokio listening socket.
#[derive(Debug)]
pub struct TokioListener(pub tokio::net::TcpListener);

/// A tokio UDP socket.
#[derive(Debug)]
pub struct TokioUdp(pub tokio::net::UdpSocket);

impl Runtime for Tokio {
    type Tcp = TokioTcp;
    type Listener = TokioListener;
    type Udp = TokioUdp;

    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        tokio::spawn(future);
    }

    fn spawn_blocking(&self, f: impl FnOnce() + Send + 'static) {
        tokio::task::spawn_blocking(f);
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep_until(deadline.into())
    }

    async fn connect(&self, addr: SocketAddr) -> io::Result<TokioTcp> {
        tokio::net::TcpStream::connect(addr).await.map(TokioTcp)
    }

    fn listener(&self, l: std::net::TcpListener) -> io::Result<TokioListener> {
        l.set_nonblocking(true)?;
        tokio::net::TcpListener::from_std(l).map(TokioListener)
    }

    fn udp(&self, s: std::net::UdpSocket) -> io::Result<TokioUdp> {
        s.set_nonblocking(true)?;
        tokio::net::UdpSocket::from_std(s).map(TokioUdp)
    }

    fn tcp(&self, s: std::net::TcpStream) -> io::Result<TokioTcp> {
        s.set_nonblocking(true)?;
        tokio::net::TcpStream::from_std(s).map(TokioTcp)
    }
}

impl AsyncTcp for TokioTcp {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_read_ready(cx)
    }

    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_write_ready(cx)
    }

    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }

    fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize> {
        self.0.try_read_buf(buf)
    }

    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.try_write_vectored(bufs)
    }

    fn try_write_fd(
        &self,
        f: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<bool>,
    ) -> io::Result<bool> {
        // A full socket must come back as WouldBlock for tokio to clear its readiness.
        let r = self
            .0
            .try_io(Interest::WRITABLE, || match f(self.0.as_fd()) {
                Ok(true) => Ok(()),
                Ok(false) => Err(io::ErrorKind::WouldBlock.into()),
                Err(e) => Err(e),
            });
        match r {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn shutdown(&self) -> io::Result<()> {
        rustix::net::shutdown(&self.0, rustix::net::Shutdown::Both).map_err(Into::into)
    }

    fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.0.set_nodelay(on)
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

impl AsyncListener for TokioListener {
    type Tcp = TokioTcp;

    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TokioTcp, SocketAddr)>> {
        self.0.poll_accept(cx).map_ok(|(s, a)| (TokioTcp(s), a))
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

impl AsyncUdp for TokioUdp {
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        let mut rb = tokio::io::ReadBuf::new(buf);
        self.0
            .poll_recv_from(cx, &mut rb)
            .map_ok(|from| (rb.filled().len(), from))
    }

    fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        to: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.0.poll_send_to(cx, buf, to)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}
