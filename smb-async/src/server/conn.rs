//! One server connection: the drive loop of the crate docs of smb-proto, over a runtime's
//! socket, timer and blocking pool.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Poll;

use futures_lite::StreamExt;
use smb_localfs::clock::{Clock, seed};
use smb_localfs::reload::Follower;
use smb_localfs::{LaterSource, SharedFs};
use smb_proto::server::fs::{FsOpId, FsResult};
use smb_proto::server::{ServerConfig, ServerConnection, ServerEvent, SharedState};
use smb_proto::wire::Transport;

use super::{ConnectionInfo, EventHook};
use crate::deadline::Deadline;
use crate::io::{ReadOutcome, read_some, write_transmit};
use crate::runtime::{AsyncTcp, Runtime};

/// The input buffer's spare room while a connection is quiet: idle sessions cost little.
const QUIET_ROOM: usize = 8 * 1024;
/// The spare room once a read fills the quiet room (bulk transfers).
const BUSY_ROOM: usize = 256 * 1024;

enum Wake<L> {
    Readable,
    Done(FsOpId, FsResult<L>),
    Timer,
    /// Another connection left news for this one (an oplock break, a change a pending
    /// change-notify request sees).
    News,
    Stop,
}

/// What a connection needs besides its socket.
pub(crate) struct Context<R: Runtime, L> {
    pub rt: R,
    pub config: Arc<ServerConfig>,
    pub fs: SharedFs<L>,
    /// Configuration changes after a reload that kept `fs`.
    pub follower: Follower<L>,
    pub shared: SharedState,
    pub transport: Transport,
    pub stop: async_channel::Receiver<()>,
    pub hook: Option<EventHook>,
}

/// Serves one connection until it ends (the peer leaves, a limit is hit, or the server
/// stops) and every file handle it opened is closed.
pub(crate) async fn serve<R: Runtime, L: LaterSource>(
    tcp: R::Tcp,
    peer: SocketAddr,
    cx: Context<R, L>,
) {
    let Context {
        rt,
        config,
        fs,
        mut follower,
        shared,
        transport,
        stop,
        hook,
    } = cx;
    let mut stop = Box::pin(stop);
    let clock = Clock::new();
    let mut conn: ServerConnection<L> =
        ServerConnection::new(config, shared, transport, clock.now(), seed());
    let info = ConnectionInfo {
        id: conn.id(),
        peer,
    };
    let span = tracing::info_span!("conn", id = info.id, peer = %peer);
    let _ = tcp.set_nodelay(true);
    let (done_tx, done_rx) = async_channel::unbounded::<(FsOpId, FsResult<L>)>();
    let mut done_rx = Box::pin(done_rx);
    let mut room = QUIET_ROOM;
    let mut timer = Deadline::default();
    let mut closed = false;
    let mut broken = false;
    let mut stopping = stop.is_closed();
    let news = conn.wake_handle();
    loop {
        while let Some(ev) = conn.poll_event() {
            match ev {
                // Quick calls (page-cache metadata, small I/O) run right here: a trip to
                // the blocking pool and back costs more than the call itself.
                ServerEvent::Fs(req) if fs.is_quick(&req.call) => {
                    let r = fs.dispatch(&req);
                    // The request came from this connection just now.
                    let _ = conn.complete(clock.now(), req.id, r);
                }
                ServerEvent::Fs(req) => {
                    let (fs, tx) = (fs.clone(), done_tx.clone());
                    rt.spawn_blocking(move || {
                        let r = fs.dispatch(&req);
                        let _ = tx.try_send((req.id, r));
                    });
                }
                ev => {
                    if matches!(ev, ServerEvent::Closed(_)) {
                        closed = true;
                    }
                    if let Some(h) = &hook {
                        let _in = span.enter();
                        h(&info, &ev);
                    }
                }
            }
        }
        while let Some(t) = conn.poll_transmit() {
            if !broken && write_transmit(&tcp, t).await.is_err() {
                broken = true;
                conn.handle_eof(clock.now());
            }
        }
        if closed && conn.is_finished() {
            let _ = tcp.shutdown();
            return;
        }
        if stopping && !closed {
            conn.shutdown(clock.now());
            continue;
        }
        timer.set(&rt, conn.poll_timeout().map(|t| clock.to_std(t)));
        let reading = !broken && !closed && conn.wants_input();
        let wake = poll_fn(|cx| {
            if let Poll::Ready(Some((id, r))) = done_rx.as_mut().poll_next(cx) {
                return Poll::Ready(Wake::Done(id, r));
            }
            if !closed && news.poll_wake(cx.waker()) {
                return Poll::Ready(Wake::News);
            }
            if reading && tcp.poll_read_ready(cx).is_ready() {
                return Poll::Ready(Wake::Readable);
            }
            if timer.poll(cx).is_ready() {
                return Poll::Ready(Wake::Timer);
            }
            if !stopping && stop.as_mut().poll_next(cx).is_ready() {
                return Poll::Ready(Wake::Stop);
            }
            Poll::Pending
        })
        .await;
        match wake {
            // Read straight into the connection's input buffer: no copy.
            Wake::Readable => match read_some(&tcp, conn.input_buffer(room)) {
                ReadOutcome::Data(n) => {
                    // New requests see a configuration reloaded since the last ones.
                    if let Some(c) = follower.poll() {
                        conn.set_config(c);
                    }
                    let _ = conn.process_input(clock.now());
                    if n >= room {
                        room = BUSY_ROOM;
                    }
                }
                ReadOutcome::Nothing => {}
                ReadOutcome::Gone => {
                    broken = true;
                    conn.handle_eof(clock.now());
                }
            },
            Wake::Done(id, r) => {
                let _ = conn.complete(clock.now(), id, r);
            }
            Wake::Timer => conn.handle_timeout(clock.now()),
            Wake::News => conn.handle_wake(clock.now()),
            Wake::Stop => stopping = true,
        }
    }
}
