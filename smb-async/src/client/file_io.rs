//! [`File`] as tokio's (feature `tokio`) and futures-io's (feature `futures-io`)
//! `AsyncRead + AsyncWrite + AsyncSeek`.

#[cfg(any(feature = "tokio", feature = "futures-io"))]
use std::io::{self, SeekFrom};
#[cfg(any(feature = "tokio", feature = "futures-io"))]
use std::pin::Pin;
#[cfg(any(feature = "tokio", feature = "futures-io"))]
use std::task::{Context, Poll};

#[cfg(any(feature = "tokio", feature = "futures-io"))]
use super::File;
#[cfg(any(feature = "tokio", feature = "futures-io"))]
use crate::runtime::Runtime;

#[cfg(feature = "tokio")]
impl<R: Runtime> tokio::io::AsyncRead for File<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self.get_mut().poll_read(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

#[cfg(feature = "tokio")]
impl<R: Runtime> tokio::io::AsyncWrite for File<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush(cx)
    }
}

#[cfg(feature = "tokio")]
impl<R: Runtime> tokio::io::AsyncSeek for File<R> {
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        self.get_mut().seek_target = Some(pos);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let f = self.get_mut();
        let Some(pos) = f.seek_target else {
            return Poll::Ready(Ok(f.position()));
        };
        let r = std::task::ready!(f.poll_seek(cx, pos));
        f.seek_target = None;
        Poll::Ready(r)
    }
}

#[cfg(feature = "futures-io")]
impl<R: Runtime> futures_io::AsyncRead for File<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read(cx, buf)
    }
}

#[cfg(feature = "futures-io")]
impl<R: Runtime> futures_io::AsyncWrite for File<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush(cx)
    }
}

#[cfg(feature = "futures-io")]
impl<R: Runtime> futures_io::AsyncSeek for File<R> {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        self.get_mut().poll_seek(cx, pos)
    }
}
