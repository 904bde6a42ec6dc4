//! The tokio server: a task per connection; file operations run on the blocking pool.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use smb_localfs::SharedFs;
use smb_localfs::clock::{Clock, seed};
use smb_localfs::later::FileRange;
use smb_proto::server::fs::{FsOpId, FsResult};
use smb_proto::server::{ServerConfig, ServerConnection, ServerEvent, SharedState};
use smb_proto::wire::Transport;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// A tokio SMB1 server.
pub struct Server {
    listener: TcpListener,
    config: Arc<ServerConfig>,
    fs: SharedFs,
    shared: SharedState,
    transport: Transport,
    max_connections: usize,
    live: Arc<AtomicUsize>,
    stop_tx: watch::Sender<bool>,
}

/// Stops a running [`Server`].
#[derive(Clone, Debug)]
pub struct StopHandle(watch::Sender<bool>);

impl StopHandle {
    /// Stops accepting; connections finish their requests and close.
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Server {
    /// Binds a listener.
    pub async fn bind(addr: &str, config: ServerConfig, fs: SharedFs) -> std::io::Result<Self> {
        let (stop_tx, _) = watch::channel(false);
        Ok(Self {
            listener: TcpListener::bind(addr).await?,
            config: Arc::new(config),
            fs,
            shared: SharedState::new(),
            transport: Transport::Direct,
            max_connections: 1024,
            live: Arc::new(AtomicUsize::new(0)),
            stop_tx,
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
        self.listener.local_addr()
    }

    /// A handle to stop the server.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stop_tx.clone())
    }

    /// Live connections.
    pub fn connections(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Accepts and serves until stopped; then waits for live connections to finish.
    pub async fn run(self) -> std::io::Result<()> {
        let mut stop = self.stop_tx.subscribe();
        loop {
            tokio::select! {
                r = self.listener.accept() => {
                    let Ok((stream, _)) = r else { continue };
                    if self.live.load(Ordering::SeqCst) >= self.max_connections {
                        drop(stream);
                        continue;
                    }
                    self.live.fetch_add(1, Ordering::SeqCst);
                    let (config, fs, shared, live) = (self.config.clone(), self.fs.clone(), self.shared.clone(), self.live.clone());
                    let transport = self.transport;
                    let stop = self.stop_tx.subscribe();
                    tokio::spawn(async move {
                        let _ = serve_connection(stream, config, fs, shared, transport, stop).await;
                        live.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                _ = stop.changed() => break,
            }
        }
        for _ in 0..300 {
            if self.live.load(Ordering::SeqCst) == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Ok(())
    }
}

/// Serves one connection.
pub async fn serve_connection(
    mut stream: TcpStream,
    config: Arc<ServerConfig>,
    fs: SharedFs,
    shared: SharedState,
    transport: Transport,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let clock = Clock::new();
    let mut conn: ServerConnection<FileRange> =
        ServerConnection::new(config, shared, transport, clock.now(), seed());
    let _ = stream.set_nodelay(true);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(FsOpId, FsResult<FileRange>)>();
    // Small while the connection is quiet (idle sessions cost little), larger once a
    // read fills it (bulk transfers).
    let mut room = 8 * 1024;
    let mut closed = false;
    let mut broken = false;
    let mut stopping = *stop.borrow();
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
                    tokio::task::spawn_blocking(move || {
                        let r = fs.dispatch(&req);
                        let _ = tx.send((req.id, r));
                    });
                }
                ServerEvent::Closed(_) => closed = true,
                _ => {}
            }
        }
        while let Some(t) = conn.poll_transmit() {
            if broken {
                continue;
            }
            let mut r = match &t.tail {
                None => stream.write_all(&t.head).await,
                // Header and payload in one vectored write: one syscall per response.
                Some(tail) => write_all_vectored(&mut stream, &t.head, tail).await,
            };
            if let (Ok(()), Some(later)) = (&r, t.later) {
                r = send_later(&stream, later).await;
            }
            if r.is_err() {
                broken = true;
                conn.handle_eof(clock.now());
            }
        }
        if closed && conn.is_finished() {
            let _ = stream.shutdown().await;
            return Ok(());
        }
        if stopping && !closed {
            conn.shutdown(clock.now());
            continue;
        }
        let deadline = conn
            .poll_timeout()
            .map(|t| tokio::time::Instant::from_std(clock.to_std(t)));
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let reading = !broken && !closed && conn.wants_input();
        tokio::select! {
            r = stream.readable(), if reading => match r {
                Err(_) => {
                    broken = true;
                    conn.handle_eof(clock.now());
                }
                // Read straight into the connection's input buffer: no copy. Small
                // while the connection is quiet, larger once reads fill it.
                Ok(()) => match stream.try_read_buf(conn.input_buffer(room)) {
                    Ok(0) => {
                        broken = true;
                        conn.handle_eof(clock.now());
                    }
                    Ok(n) => {
                        let _ = conn.process_input(clock.now());
                        if n >= room && room < 256 * 1024 {
                            room = 256 * 1024;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => {
                        broken = true;
                        conn.handle_eof(clock.now());
                    }
                },
            },
            Some((id, r)) = done_rx.recv() => {
                let _ = conn.complete(clock.now(), id, r);
            }
            _ = sleep => conn.handle_timeout(clock.now()),
            _ = stop.changed(), if !stopping => stopping = true,
        }
    }
}

/// Sends file bytes after a response (sendfile) whenever the socket takes them; the
/// connection waits for it, so responses stay in order, but no thread waits for a slow
/// reader. (The file system asked the kernel to read the range ahead.)
async fn send_later(
    stream: &TcpStream,
    later: smb_proto::LaterRead<FileRange>,
) -> std::io::Result<()> {
    use std::io::ErrorKind::WouldBlock;
    use std::os::fd::AsFd;
    let mut w = smb_localfs::later::LaterWriter::new(later);
    loop {
        stream.writable().await?;
        let step = stream.try_io(tokio::io::Interest::WRITABLE, || {
            match w.advance(stream.as_fd()) {
                Ok(true) => Ok(()),
                Ok(false) => Err(WouldBlock.into()),
                Err(e) => Err(e),
            }
        });
        match step {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

async fn write_all_vectored(
    stream: &mut TcpStream,
    head: &[u8],
    tail: &[u8],
) -> std::io::Result<()> {
    let mut bufs = [std::io::IoSlice::new(head), std::io::IoSlice::new(tail)];
    let mut slices: &mut [std::io::IoSlice<'_>] = &mut bufs;
    while !slices.is_empty() {
        match stream.write_vectored(slices).await {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
