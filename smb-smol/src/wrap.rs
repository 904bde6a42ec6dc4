//! What futures-io's types add to smb-async: transfers from and to futures-io's
//! `AsyncRead` / `AsyncWrite`, and async-io sockets for the handshake.

use std::io;
use std::net::TcpStream;

use async_io::Async;
use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use smb_async::{ReadFrom, WriteTo};

use crate::runtime::{Smol, SmolTcp};

impl<W: AsyncWrite + Unpin + ?Sized> WriteTo<W> for Smol {
    async fn write_all(w: &mut W, buf: &[u8]) -> io::Result<()> {
        w.write_all(buf).await
    }
}

impl<R: AsyncRead + Unpin + ?Sized> ReadFrom<R> for Smol {
    async fn read(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
        r.read(buf).await
    }
}

impl From<Async<TcpStream>> for SmolTcp {
    fn from(s: Async<TcpStream>) -> Self {
        SmolTcp(s)
    }
}
