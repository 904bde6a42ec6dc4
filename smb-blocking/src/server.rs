//! A blocking server: a thread per connection, file operations run inline.
//!
//! Each connection thread waits in poll(2) on its socket and on a pipe: the pipe is the
//! connection's waker (`ServerConnection::poll_wake`), written to when another
//! connection has news for this one (an oplock break, a change a pending change-notify
//! request sees), so that the news goes out at once rather than at the next read
//! time-out.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};

use smb_proto::server::fs::FileSystem;
use smb_proto::server::{ServerConfig, ServerConnection, ServerEvent, SharedState};
use smb_proto::wire::Transport;

use crate::clock::Clock;
use crate::later::{FileRange, LaterSource};
pub use smb_localfs::SharedFs;
pub use smb_localfs::events::{ConnectionInfo, EventHook};
use smb_localfs::reload::{DiskWatch, Follower, Settings};

/// Options of the blocking server besides the protocol configuration.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Most connections served at once; more are closed on accept.
    pub max_connections: usize,
    /// Transport framing: direct TCP (445) or NetBIOS (139).
    pub transport: Transport,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            transport: Transport::Direct,
        }
    }
}

/// A listening blocking SMB1 server over a file system whose later bytes are `L`.
pub struct Server<L = FileRange> {
    listener: TcpListener,
    settings: Settings<L>,
    shared: SharedState,
    options: ServerOptions,
    stop: Arc<AtomicBool>,
    live: Arc<AtomicUsize>,
    hook: Option<EventHook>,
}

/// Stops a running [`Server`] from another thread.
#[derive(Clone, Debug)]
pub struct StopHandle {
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl StopHandle {
    /// Asks the server to stop accepting; live connections finish their requests.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept call.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

impl<L: LaterSource> Server<L> {
    /// Binds a listener (on `[::]` it takes IPv4 clients too).
    pub fn bind(
        addr: impl ToSocketAddrs,
        config: ServerConfig,
        fs: SharedFs<L>,
        options: ServerOptions,
    ) -> io::Result<Self> {
        Ok(Self {
            listener: smb_localfs::net::listen(addr)?,
            settings: Settings::new(Arc::new(config), fs),
            shared: SharedState::new(),
            options,
            stop: Arc::new(AtomicBool::new(false)),
            live: Arc::new(AtomicUsize::new(0)),
            hook: None,
        })
    }

    /// Calls `hook` with the events of every connection other than file-system work
    /// (sessions, audit events, refusals, ends), from the connection's thread.
    pub fn on_event(
        &mut self,
        hook: impl Fn(&ConnectionInfo, &ServerEvent) + Send + Sync + 'static,
    ) {
        self.hook = Some(Arc::new(hook));
    }

    /// The configuration and file system new connections get: replace them to reload
    /// (see [`Settings`]; connections made before keep working).
    pub fn settings(&self) -> Settings<L> {
        self.settings.clone()
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle to stop the server.
    pub fn stop_handle(&self) -> io::Result<StopHandle> {
        Ok(StopHandle {
            stop: self.stop.clone(),
            addr: self.local_addr()?,
        })
    }

    /// Accepts and serves connections until stopped; then waits (up to 30 s) for live
    /// connections to finish. Changes made on disk by others are watched for while it
    /// runs, when the file system can see them (`FileSystem::watch_changes`).
    pub fn run(&self) -> io::Result<()> {
        let mut watch = DiskWatch::start(&self.settings, &self.shared);
        for stream in self.listener.incoming() {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            if self.live.load(Ordering::SeqCst) >= self.options.max_connections {
                drop(stream);
                continue;
            }
            self.live.fetch_add(1, Ordering::SeqCst);
            watch.follow(&self.settings, &self.shared);
            let (_, config, fs) = self.settings.get();
            let c = Connection {
                config,
                shared: self.shared.clone(),
                transport: self.options.transport,
                hook: self.hook.clone(),
                follower: Some(self.settings.follower()),
            };
            let (live, stop) = (self.live.clone(), self.stop.clone());
            std::thread::spawn(move || {
                let _ = serve_with(stream, c, fs.as_ref(), &stop);
                live.fetch_sub(1, Ordering::SeqCst);
            });
        }
        for _ in 0..300 {
            if self.live.load(Ordering::SeqCst) == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }
}

fn write_transmit<L: LaterSource>(
    stream: &mut TcpStream,
    t: smb_proto::Transmit<L>,
) -> io::Result<()> {
    smb_localfs::frame::write_all_vectored(stream, &t.head, t.tail.as_deref())?;
    match t.later {
        Some(l) => crate::later::write_later(std::os::fd::AsFd::as_fd(stream), l),
        None => Ok(()),
    }
}

/// Serves one connection on the current thread.
pub fn serve_connection<L: LaterSource>(
    stream: TcpStream,
    config: Arc<ServerConfig>,
    fs: &(dyn FileSystem<Later = L> + Send + Sync),
    shared: SharedState,
    transport: Transport,
    stop: &AtomicBool,
) -> io::Result<()> {
    let c = Connection {
        config,
        shared,
        transport,
        hook: None,
        follower: None,
    };
    serve_with(stream, c, fs, stop)
}

/// What one connection is served with besides its socket and file system.
struct Connection<L> {
    config: Arc<ServerConfig>,
    shared: SharedState,
    transport: Transport,
    hook: Option<EventHook>,
    /// Configuration changes after a reload that kept the file system.
    follower: Option<Follower<L>>,
}

fn serve_with<L: LaterSource>(
    mut stream: TcpStream,
    mut c: Connection<L>,
    fs: &(dyn FileSystem<Later = L> + Send + Sync),
    stop: &AtomicBool,
) -> io::Result<()> {
    let peer = stream.peer_addr()?;
    let clock = Clock::new();
    let mut conn: ServerConnection<L> = ServerConnection::new(
        c.config,
        c.shared,
        c.transport,
        clock.now(),
        crate::clock::seed(),
    );
    let info = ConnectionInfo {
        id: conn.id(),
        peer,
    };
    let _span = tracing::info_span!("conn", id = info.id, peer = %peer).entered();
    stream.set_nodelay(true)?;
    let wake = smb_localfs::wake::WakePipe::new()?;
    // Small while the connection is quiet (idle sessions cost little), larger once a
    // read fills it (bulk transfers).
    let mut buf = vec![0u8; 8 * 1024];
    let mut closed = false;
    let mut write_ok = true;
    loop {
        while let Some(ev) = conn.poll_event() {
            match ev {
                ServerEvent::Fs(req) => {
                    let r = fs.dispatch(&req);
                    // The request came from this connection just now.
                    let _ = conn.complete(clock.now(), req.id, r);
                }
                ev => {
                    closed |= matches!(ev, ServerEvent::Closed(_));
                    if let Some(h) = &c.hook {
                        h(&info, &ev);
                    }
                }
            }
        }
        while let Some(t) = conn.poll_transmit() {
            if write_ok && write_transmit(&mut stream, t).is_err() {
                write_ok = false;
                conn.handle_eof(clock.now());
            }
        }
        if closed {
            if conn.is_finished() {
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return Ok(());
            }
            continue;
        }
        if stop.load(Ordering::SeqCst) {
            conn.shutdown(clock.now());
            continue;
        }
        if conn.poll_wake(wake.waker()) {
            wake.drain();
            conn.handle_wake(clock.now());
            continue;
        }
        let timeout = conn
            .poll_timeout()
            .map(|t| clock.until(t))
            .unwrap_or(Duration::from_secs(1))
            .clamp(Duration::from_millis(1), Duration::from_secs(1));
        let reading = conn.wants_input();
        let mut fds = [
            PollFd::new(
                &stream,
                if reading {
                    PollFlags::IN
                } else {
                    PollFlags::empty()
                },
            ),
            PollFd::new(&wake, PollFlags::IN),
        ];
        let ts = Timespec {
            tv_sec: timeout.as_secs() as _,
            tv_nsec: timeout.subsec_nanos() as _,
        };
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
        let socket_ready = !fds[0].revents().is_empty();
        let woken = !fds[1].revents().is_empty();
        if woken {
            wake.drain();
            conn.handle_wake(clock.now());
        }
        if !socket_ready {
            if !woken {
                conn.handle_timeout(clock.now());
            }
            continue;
        }
        match stream.read(&mut buf) {
            Ok(0) => conn.handle_eof(clock.now()),
            Ok(n) => {
                // New requests see a configuration reloaded since the last ones.
                if let Some(cfg) = c.follower.as_mut().and_then(|f| f.poll()) {
                    conn.set_config(cfg);
                }
                let _ = conn.handle_input(clock.now(), &buf[..n]);
                if n == buf.len() && buf.len() < 256 * 1024 {
                    buf.resize(256 * 1024, 0);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                conn.handle_timeout(clock.now());
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => conn.handle_eof(clock.now()),
        }
    }
}
