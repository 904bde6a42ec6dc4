//! Socket helpers over [`AsyncTcp`]: waiting for readiness, and writing a whole
//! [`Transmit`] (head and tail with vectored writes, then the later file bytes).

use std::future::poll_fn;
use std::io;

use smb_localfs::LaterSource;
use smb_localfs::frame::FrameCursor;
use smb_localfs::later::LaterWriter;
use smb_proto::Transmit;

use crate::runtime::AsyncTcp;

/// Waits until `tcp` may be written.
pub(crate) async fn write_ready(tcp: &impl AsyncTcp) -> io::Result<()> {
    poll_fn(|cx| tcp.poll_write_ready(cx)).await
}

/// Writes one transmit: head and tail with vectored writes, then its later file bytes
/// whenever the socket takes them (`sendfile`), so a slow reader holds no thread.
pub async fn write_transmit<L: LaterSource>(tcp: &impl AsyncTcp, t: Transmit<L>) -> io::Result<()> {
    let mut c = FrameCursor::of(&t);
    while !c.is_done() {
        match tcp.try_write_vectored(&c.slices()) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => c.advance(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => write_ready(tcp).await?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if let Some(later) = t.later {
        let mut w = LaterWriter::new(later);
        while !tcp.try_write_fd(&mut |fd| w.advance(fd))? {
            write_ready(tcp).await?;
        }
    }
    Ok(())
}

/// What a read of the socket gave.
pub(crate) enum ReadOutcome {
    /// Bytes were appended.
    Data(usize),
    /// Nothing there after all (readiness was stale).
    Nothing,
    /// End of stream or an error: the peer is gone.
    Gone,
}

/// Reads what is there into the spare capacity of `buf`.
pub(crate) fn read_some(tcp: &impl AsyncTcp, buf: &mut bytes::BytesMut) -> ReadOutcome {
    outcome(tcp.try_read_buf(buf))
}

fn outcome(r: io::Result<usize>) -> ReadOutcome {
    match r {
        Ok(0) => ReadOutcome::Gone,
        Ok(n) => ReadOutcome::Data(n),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) =>
        {
            ReadOutcome::Nothing
        }
        Err(_) => ReadOutcome::Gone,
    }
}
