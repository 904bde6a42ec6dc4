//! What tokio's types add to smb-async: transfers from and to tokio's `AsyncRead` /
//! `AsyncWrite`, and a server whose `bind` is async (as tokio's listeners are).

use std::io;

use smb_async::{ReadFrom, StopHandle, WriteTo};
use smb_localfs::{FileRange, LaterSource, SharedFs};
use smb_proto::server::{ServerConfig, ServerEvent};
use smb_proto::wire::Transport;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::runtime::{Tokio, TokioTcp};

impl<W: AsyncWrite + Unpin + ?Sized> WriteTo<W> for Tokio {
    async fn write_all(w: &mut W, buf: &[u8]) -> io::Result<()> {
        w.write_all(buf).await
    }
}

impl<R: AsyncRead + Unpin + ?Sized> ReadFrom<R> for Tokio {
    async fn read(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
        r.read(buf).await
    }
}

impl From<tokio::net::TcpStream> for TokioTcp {
    fn from(s: tokio::net::TcpStream) -> Self {
        TokioTcp(s)
    }
}

/// A tokio SMB1 server over a file system whose later bytes are `L` (smb-async's
/// [`Server`](smb_async::Server) with an async `bind`).
pub struct Server<L: LaterSource = FileRange>(smb_async::Server<Tokio, L>);

impl<L: LaterSource> Server<L> {
    /// Binds a listener on the first address of `addr` that can be bound (call inside a
    /// tokio runtime); on `[::]` it takes IPv4 clients too.
    pub async fn bind(
        addr: impl std::net::ToSocketAddrs,
        config: ServerConfig,
        fs: SharedFs<L>,
    ) -> io::Result<Self> {
        smb_async::Server::bind_with(Tokio, addr, config, fs).map(Self)
    }

    /// Uses NetBIOS framing (port 139).
    pub fn set_transport(&mut self, t: Transport) {
        self.0.set_transport(t);
    }

    /// Most connections served at once.
    pub fn set_max_connections(&mut self, n: usize) {
        self.0.set_max_connections(n);
    }

    /// Calls `hook` with the events of every connection.
    pub fn on_event(
        &mut self,
        hook: impl Fn(&smb_async::ConnectionInfo, &ServerEvent) + Send + Sync + 'static,
    ) {
        self.0.on_event(hook);
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.0.local_addr()
    }

    /// The configuration and file system new connections get: replace them to reload.
    pub fn settings(&self) -> smb_localfs::reload::Settings<L> {
        self.0.settings()
    }

    /// A handle to stop the server.
    pub fn stop_handle(&self) -> StopHandle {
        self.0.stop_handle()
    }

    /// Live connections.
    pub fn connections(&self) -> usize {
        self.0.connections()
    }

    /// Accepts and serves until stopped; then waits for live connections to finish.
    pub async fn run(self) -> io::Result<()> {
        self.0.run().await
    }
}
