//! The async-io implementation of smb-async's [`Runtime`]: it runs under smol,
//! async-std or any other executor.

use std::future::Future;
use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use async_io::{Async, Timer};
use bytes::BytesMut;
use smb_async::{AsyncListener, AsyncTcp, AsyncUdp, Runtime};

/// Sockets from `async-io` (its own reactor thread), tasks on smol's global executor,
/// file work on the `blocking` thread pool: usable under any executor.
#[derive(Clone, Copy, Debug, Default)]
pub struct Smol;

/// An async-io TCP socket.
#[derive(Debug)]
pub struct SmolTcp(pub Async<TcpStream>);

/// An async-io listening socket.
#[derive(Debug)]
pub struct SmolListener(pub Async<TcpListener>);

/// An async-io UDP socket.
#[derive(Debug)]
pub struct SmolUdp(pub Async<UdpSocket>);

impl Runtime for Smol {
    type Tcp = SmolTcp;
    type Listener = SmolListener;
    type Udp = SmolUdp;

    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        smol::spawn(future).detach();
    }

    fn spawn_blocking(&self, f: impl FnOnce() + Send + 'static) {
        blocking::unblock(f).detach();
    }

    // Not an `async fn`: the timer must not borrow `self` (it outlives the call).
    #[allow(clippy::manual_async_fn)]
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        async move {
            Timer::at(deadline).await;
        }
    }

    async fn connect(&self, addr: SocketAddr) -> io::Result<SmolTcp> {
        Async::<TcpStream>::connect(addr).await.map(SmolTcp)
    }

    fn listener(&self, l: TcpListener) -> io::Result<SmolListener> {
        Async::new(l).map(SmolListener)
    }

    fn udp(&self, s: UdpSocket) -> io::Result<SmolUdp> {
        Async::new(s).map(SmolUdp)
    }

    fn tcp(&self, s: TcpStream) -> io::Result<SmolTcp> {
        Async::new(s).map(SmolTcp)
    }
}

impl AsyncTcp for SmolTcp {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_readable(cx)
    }

    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_writable(cx)
    }

    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.get_ref().read(buf)
    }

    fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize> {
        // std reads into initialised memory: zero (some of) the spare room, read, keep
        // what came.
        let len = buf.len();
        let room = (buf.capacity() - len).clamp(1, 256 * 1024);
        buf.resize(len + room, 0);
        let r = self.0.get_ref().read(&mut buf[len..]);
        buf.truncate(len + *r.as_ref().unwrap_or(&0));
        r
    }

    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.get_ref().write_vectored(bufs)
    }

    fn try_write_fd(
        &self,
        f: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<bool>,
    ) -> io::Result<bool> {
        f(self.0.as_fd())
    }

    fn shutdown(&self) -> io::Result<()> {
        self.0.get_ref().shutdown(std::net::Shutdown::Both)
    }

    fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.0.get_ref().set_nodelay(on)
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().peer_addr()
    }
}

impl AsyncListener for SmolListener {
    type Tcp = SmolTcp;

    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(SmolTcp, SocketAddr)>> {
        loop {
            ready!(self.0.poll_readable(cx))?;
            match self.0.get_ref().accept() {
                Ok((s, a)) => return Poll::Ready(Async::new(s).map(|s| (SmolTcp(s), a))),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }
}

impl AsyncUdp for SmolUdp {
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        loop {
            ready!(self.0.poll_readable(cx))?;
            match self.0.get_ref().recv_from(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                r => return Poll::Ready(r),
            }
        }
    }

    fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        to: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_writable(cx))?;
            match self.0.get_ref().send_to(buf, to) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                r => return Poll::Ready(r),
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }
}
