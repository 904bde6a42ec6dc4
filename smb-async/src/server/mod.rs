//! The async server: a task per connection; file operations run inline when quick and on
//! the runtime's blocking pool otherwise, so reading the disk overlaps the socket.

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use smb_localfs::reload::{DiskWatch, Settings};
use smb_localfs::{FileRange, LaterSource, SharedFs};
use smb_proto::server::{ServerConfig, ServerEvent, SharedState};
use smb_proto::wire::Transport;

use crate::runtime::{AsyncListener, Runtime};

mod conn;

pub use smb_localfs::events::{ConnectionInfo, EventHook};

/// How long [`Server::run`] waits for live connections to finish after a stop.
const DRAIN: Duration = Duration::from_secs(30);

/// An SMB1 server over runtime `R` and a file system whose later bytes are `L`.
pub struct Server<R: Runtime, L: LaterSource = FileRange> {
    rt: R,
    listener: R::Listener,
    settings: Settings<L>,
    shared: SharedState,
    transport: Transport,
    max_connections: usize,
    live: Arc<AtomicUsize>,
    stop_tx: async_channel::Sender<()>,
    stop_rx: async_channel::Receiver<()>,
    hook: Option<EventHook>,
}

/// Stops a running [`Server`] (or a [`NameService`](crate::name_service::NameService)).
#[derive(Clone, Debug)]
pub struct StopHandle(async_channel::Sender<()>);

impl StopHandle {
    pub(crate) fn new(tx: async_channel::Sender<()>) -> Self {
        Self(tx)
    }

    /// Stops accepting; connections finish their requests and close.
    pub fn stop(&self) {
        self.0.close();
    }
}

impl<R: Runtime + Default, L: LaterSource> Server<R, L> {
    /// Binds a listener on `addr` (on `[::]` it takes IPv4 clients too).
    pub fn bind(
        addr: impl Into<SocketAddr>,
        config: ServerConfig,
        fs: SharedFs<L>,
    ) -> io::Result<Self> {
        Self::bind_with(R::default(), addr.into(), config, fs)
    }
}

impl<R: Runtime, L: LaterSource> Server<R, L> {
    /// Binds a listener on the first address of `addr` that can be bound.
    pub fn bind_with(
        rt: R,
        addr: impl ToSocketAddrs,
        config: ServerConfig,
        fs: SharedFs<L>,
    ) -> io::Result<Self> {
        let listener = rt.listener(smb_localfs::net::listen(addr)?)?;
        let (stop_tx, stop_rx) = async_channel::bounded(1);
        Ok(Self {
            rt,
            listener,
            settings: Settings::new(Arc::new(config), fs),
            shared: SharedState::new(),
            transport: Transport::Direct,
            max_connections: 1024,
            live: Arc::new(AtomicUsize::new(0)),
            stop_tx,
            stop_rx,
            hook: None,
        })
    }

    /// Uses NetBIOS framing (port 139).
    pub fn set_transport(&mut self, t: Transport) {
        self.transport = t;
    }

    /// Most connections served at once; more are closed on accept.
    pub fn set_max_connections(&mut self, n: usize) {
        self.max_connections = n;
    }

    /// Calls `hook` with the events of every connection (see [`EventHook`]).
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
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stop_tx.clone())
    }

    /// Live connections.
    pub fn connections(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Accepts and serves until stopped; then waits (up to 30 s) for live connections
    /// to finish.
    pub async fn run(self) -> io::Result<()> {
        // Changes made on disk by others, when the file system can see them.
        let mut watch = DiskWatch::start(&self.settings, &self.shared);
        let mut stop = Box::pin(self.stop_rx.clone());
        loop {
            let next = poll_fn(|cx| {
                if stop.as_mut().poll_next(cx).is_ready() {
                    return Poll::Ready(None);
                }
                self.listener.poll_accept(cx).map(Some)
            })
            .await;
            let Some(accepted) = next else { break };
            let Ok((tcp, peer)) = accepted else { continue };
            if self.live.load(Ordering::SeqCst) >= self.max_connections {
                drop(tcp);
                continue;
            }
            self.live.fetch_add(1, Ordering::SeqCst);
            watch.follow(&self.settings, &self.shared);
            let (_, config, fs) = self.settings.get();
            let cx = conn::Context {
                rt: self.rt.clone(),
                follower: self.settings.follower(),
                config,
                fs,
                shared: self.shared.clone(),
                transport: self.transport,
                stop: self.stop_rx.clone(),
                hook: self.hook.clone(),
            };
            let live = self.live.clone();
            self.rt.spawn(async move {
                conn::serve(tcp, peer, cx).await;
                live.fetch_sub(1, Ordering::SeqCst);
            });
        }
        let until = Instant::now() + DRAIN;
        while self.live.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            self.rt
                .sleep_until(Instant::now() + Duration::from_millis(100))
                .await;
        }
        Ok(())
    }
}
