//! The client's driver task: it owns the sans-IO connection and the socket, runs the
//! operations the [`Client`](super::Client) handles send it, and hands each result back.

use std::collections::HashMap;
use std::future::poll_fn;
use std::task::Poll;

use futures_lite::StreamExt;
use smb_localfs::clock::Clock;
use smb_proto::NoLater;
use smb_proto::client::{
    ClientConnection, ClientEvent, ConnectionError, Reply, RequestId, SmbError,
};

use crate::deadline::Deadline;
use crate::io::{ReadOutcome, read_some, write_transmit};
use crate::runtime::{AsyncTcp, Runtime};

/// Starts an operation on the connection.
pub(crate) type Op =
    Box<dyn FnOnce(&mut ClientConnection, smb_proto::time::Now) -> RequestId + Send>;

/// Where an operation's result goes.
pub(crate) type ReplyTx = async_channel::Sender<Result<Reply, SmbError>>;

/// An operation for the driver, and where its result goes.
pub(crate) struct Command {
    pub op: Op,
    pub reply: ReplyTx,
}

/// The error of an operation whose connection is gone.
pub(crate) fn gone() -> SmbError {
    SmbError::Connection(ConnectionError::Closed)
}

/// The input buffer's spare room between frames. Within a large frame the connection
/// reserves room for all of it, so its bytes arrive where they stay; what a read takes
/// beyond a frame's start (at most this) is moved once into the frame's own buffer.
const READ_ROOM: usize = 64 * 1024;

enum Wake {
    Readable,
    Command(Option<Command>),
    Timer,
}

/// Runs the connection until it closes and every waiting operation has its answer, or
/// until every [`Client`](super::Client) handle is gone and nothing is waiting.
pub(crate) async fn drive<R: Runtime>(
    rt: R,
    tcp: R::Tcp,
    mut conn: ClientConnection,
    clock: Clock,
    rx: async_channel::Receiver<Command>,
) {
    let mut rx = Box::pin(rx);
    let mut waiting: HashMap<RequestId, ReplyTx> = HashMap::new();
    let mut timer = Deadline::default();
    let mut rx_open = true;
    let mut broken = false;
    loop {
        // Outputs first: answers to whoever waits, then bytes to the socket.
        while let Some(ev) = conn.poll_event() {
            if let ClientEvent::Completed { id, result } = ev
                && let Some(tx) = waiting.remove(&id)
            {
                let _ = tx.try_send(result);
            }
        }
        while let Some(t) = conn.poll_transmit() {
            if !broken && write_transmit::<NoLater>(&tcp, t).await.is_err() {
                broken = true;
                conn.handle_eof(clock.now());
            }
        }
        if (conn.is_closed() || broken) && waiting.is_empty() {
            // Fail what is still coming in, then stop.
            rx.close();
            while let Ok(c) = rx.try_recv() {
                let _ = c.reply.try_send(Err(gone()));
            }
            let _ = tcp.shutdown();
            return;
        }
        if !rx_open && waiting.is_empty() {
            // Every handle is gone.
            let _ = tcp.shutdown();
            return;
        }
        timer.set(&rt, conn.poll_timeout().map(|t| clock.to_std(t)));
        let wake = poll_fn(|cx| {
            if rx_open && let Poll::Ready(c) = rx.as_mut().poll_next(cx) {
                return Poll::Ready(Wake::Command(c));
            }
            if !broken && tcp.poll_read_ready(cx).is_ready() {
                return Poll::Ready(Wake::Readable);
            }
            if timer.poll(cx).is_ready() {
                return Poll::Ready(Wake::Timer);
            }
            Poll::Pending
        })
        .await;
        match wake {
            // Read straight into the connection's input buffer: no copy.
            Wake::Readable => match read_some(&tcp, conn.input_buffer(READ_ROOM)) {
                ReadOutcome::Data(_) => {
                    let _ = conn.process_input(clock.now());
                }
                ReadOutcome::Nothing => {}
                ReadOutcome::Gone => {
                    broken = true;
                    conn.handle_eof(clock.now());
                }
            },
            Wake::Command(Some(c)) => {
                let id = (c.op)(&mut conn, clock.now());
                waiting.insert(id, c.reply);
            }
            Wake::Command(None) => rx_open = false,
            Wake::Timer => conn.handle_timeout(clock.now()),
        }
    }
}
