//! The futures-io server: a task per connection on smol's global executor; file
//! operations run on the `blocking` thread pool.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_io::{Async, Timer};
use futures_lite::future;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use smb_localfs::SharedFs;
use smb_localfs::clock::{Clock, seed};
use smb_localfs::later::FileRange;
use smb_proto::server::fs::{FsOpId, FsResult};
use smb_proto::server::{ServerConfig, ServerConnection, ServerEvent, SharedState};
use smb_proto::wire::Transport;

/// A futures-io SMB1 server.
pub struct Server {
    listener: Async<TcpListener>,
    config: Arc<ServerConfig>,
    fs: SharedFs,
    shared: SharedState,
    transport: Transport,
    max_connections: usize,
    live: Arc<AtomicUsize>,
    stop_tx: async_channel::Sender<()>,
    stop_rx: async_channel::Receiver<()>,
}

/// Stops a running [`Server`].
#[derive(Clone, Debug)]
pub struct StopHandle(async_channel::Sender<()>);

impl StopHandle {
    /// Stops accepting; connections finish their requests and close.
    pub fn stop(&self) {
        self.0.close();
    }
}

impl Server {
    /// Binds a listener.
    pub fn bind(
        addr: impl Into<SocketAddr>,
        config: ServerConfig,
        fs: SharedFs,
    ) -> std::io::Result<Self> {
        let (stop_tx, stop_rx) = async_channel::bounded(1);
        Ok(Self {
            listener: Async::<TcpListener>::bind(addr)?,
            config: Arc::new(config),
            fs,
            shared: SharedState::new(),
            transport: Transport::Direct,
            max_connections: 1024,
            live: Arc::new(AtomicUsize::new(0)),
            stop_tx,
            stop_rx,
        })
    }

    /// Uses NetBIOS framing (port 139).
    pub fn set_transport(&mut self, t: Transport) {
        self.transport = t;
    }

    /// Most connections served at once.
    pub fn set_max_connections(&mut self, n: usize) {
        self.max_connections = n;
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.get_ref().local_addr()
    }

    /// A handle to stop the server.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stop_tx.clone())
    }

    /// Live connections.
    pub fn connections(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Accepts and serves until stopped; then waits (up to 30 s) for live connections to
    /// finish.
    pub async fn run(self) -> std::io::Result<()> {
        loop {
            let accept = async { Some(self.listener.accept().await) };
            let stop = async {
                let _ = self.stop_rx.recv().await;
                None
            };
            let Some(r) = future::or(accept, stop).await else {
                break;
            };
            let Ok((stream, _)) = r else { continue };
            if self.live.load(Ordering::SeqCst) >= self.max_connections {
                drop(stream);
                continue;
            }
            self.live.fetch_add(1, Ordering::SeqCst);
            let (config, fs, shared, live) = (
                self.config.clone(),
                self.fs.clone(),
                self.shared.clone(),
                self.live.clone(),
            );
            let transport = self.transport;
            let stop = self.stop_rx.clone();
            smol::spawn(async move {
                let _ = serve_connection(stream, config, fs, shared, transport, stop).await;
                live.fetch_sub(1, Ordering::SeqCst);
            })
            .detach();
        }
        for _ in 0..300 {
            if self.live.load(Ordering::SeqCst) == 0 {
                break;
            }
            Timer::after(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}

enum Wake {
    Read(std::io::Result<usize>),
    Done(Option<(FsOpId, FsResult<FileRange>)>),
    Timer,
    Stop,
}

/// Serves one connection. `stop` is closed to ask for a graceful end.
pub async fn serve_connection(
    stream: Async<TcpStream>,
    config: Arc<ServerConfig>,
    fs: SharedFs,
    shared: SharedState,
    transport: Transport,
    stop: async_channel::Receiver<()>,
) -> std::io::Result<()> {
    let clock = Clock::new();
    let mut conn: ServerConnection<FileRange> =
        ServerConnection::new(config, shared, transport, clock.now(), seed());
    let _ = stream.get_ref().set_nodelay(true);
    let (done_tx, done_rx) = async_channel::unbounded::<(FsOpId, FsResult<FileRange>)>();
    // Small while the connection is quiet (idle sessions cost little), larger once a
    // read fills it (bulk transfers).
    let mut buf = vec![0u8; 8 * 1024];
    let mut closed = false;
    let mut broken = false;
    let mut stopping = stop.is_closed();
    loop {
        while let Some(ev) = conn.poll_event() {
            match ev {
                // Quick calls (page-cache metadata, small I/O) run right here: a trip to
                // the blocking pool and back costs more than the call itself.
                ServerEvent::Fs(req) if fs.is_quick(&req.call) => {
                    let r = fs.dispatch(&req);
                    let _ = conn.complete(clock.now(), req.id, r);
                }
                ServerEvent::Fs(req) => {
                    let fs = fs.clone();
                    let tx = done_tx.clone();
                    smol::spawn(async move {
                        let id = req.id;
                        let r = blocking::unblock(move || fs.dispatch(&req)).await;
                        let _ = tx.send((id, r)).await;
                    })
                    .detach();
                }
                ServerEvent::Closed(_) => closed = true,
                _ => {}
            }
        }
        while let Some(t) = conn.poll_transmit() {
            if broken {
                continue;
            }
            let r = async {
                (&stream).write_all(&t.head).await?;
                if let Some(tail) = &t.tail {
                    (&stream).write_all(tail).await?;
                }
                if let Some(later) = t.later {
                    // sendfile whenever the socket takes it; the connection waits, so
                    // responses stay in order, but no thread waits for a slow reader.
                    use std::os::fd::AsFd;
                    let mut w = smb_localfs::later::LaterWriter::new(later);
                    stream
                        .write_with(|s| match w.advance(s.as_fd()) {
                            Ok(true) => Ok(()),
                            Ok(false) => Err(std::io::ErrorKind::WouldBlock.into()),
                            Err(e) => Err(e),
                        })
                        .await?;
                }
                std::io::Result::Ok(())
            }
            .await;
            if r.is_err() {
                broken = true;
                conn.handle_eof(clock.now());
            }
        }
        if closed && conn.is_finished() {
            let _ = stream.get_ref().shutdown(std::net::Shutdown::Both);
            return Ok(());
        }
        if stopping && !closed {
            conn.shutdown(clock.now());
            continue;
        }
        let deadline = conn.poll_timeout().map(|t| clock.to_std(t));
        let reading = !broken && !closed && conn.wants_input();
        let read = async {
            if !reading {
                future::pending::<()>().await;
            }
            Wake::Read((&stream).read(&mut buf).await)
        };
        let done = async { Wake::Done(done_rx.recv().await.ok()) };
        let timer = async {
            match deadline {
                Some(d) => {
                    Timer::at(d).await;
                }
                None => future::pending::<()>().await,
            }
            Wake::Timer
        };
        let stopped = async {
            if stopping {
                future::pending::<()>().await;
            }
            let _ = stop.recv().await;
            Wake::Stop
        };
        match future::or(future::or(read, done), future::or(timer, stopped)).await {
            Wake::Read(Ok(0)) | Wake::Read(Err(_)) => {
                broken = true;
                conn.handle_eof(clock.now());
            }
            Wake::Read(Ok(n)) => {
                let _ = conn.handle_input(clock.now(), &buf[..n]);
                if n == buf.len() && buf.len() < 256 * 1024 {
                    buf.resize(256 * 1024, 0);
                }
            }
            Wake::Done(Some((id, r))) => {
                let _ = conn.complete(clock.now(), id, r);
            }
            Wake::Done(None) => {}
            Wake::Timer => conn.handle_timeout(clock.now()),
            Wake::Stop => stopping = true,
        }
    }
}
