//! Writing the file bytes of a [`LaterRead`] to a socket.
//!
//! [`LocalFs`](crate::fs::LocalFs) answers large unsigned reads with a [`LaterRead`]
//! naming a [`FileRange`] instead of reading the bytes; the server adapters then write
//! the response's head and send the file range after it, with [`write_later`] on a
//! thread or a [`LaterWriter`] driven by an event loop: on Linux with `sendfile(2)`, so
//! the page cache goes to the socket without a copy through user space. Where `sendfile`
//! is refused, the bytes are read and written in pieces.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::time::Duration;

use rustix::io::Errno;
use smb_proto::{LaterRead, NoLater};

/// The source of a [`LaterRead`] made by [`LocalFs`](crate::fs::LocalFs): bytes of an
/// open file from an offset. Holding the file keeps it readable even if its handle is
/// closed before the response is written.
#[derive(Debug)]
pub struct FileRange {
    file: Arc<File>,
    offset: u64,
}

impl FileRange {
    /// Bytes of `file` from `offset`.
    pub fn new(file: Arc<File>, offset: u64) -> Self {
        Self { file, offset }
    }
}

/// Later file bytes a host here knows how to send: the [`FileSystem::Later`] type of a
/// file system served by these hosts.
///
/// [`FileSystem::Later`]: smb_proto::server::fs::FileSystem::Later
pub trait LaterSource: Send + 'static {
    /// A writer for the first `len` bytes of this source.
    fn into_writer(self, len: u32) -> LaterWriter;
}

impl LaterSource for FileRange {
    fn into_writer(self, len: u32) -> LaterWriter {
        LaterWriter {
            file: self.file,
            offset: self.offset,
            left: len as usize,
            plain: !cfg!(target_os = "linux"),
            at_end: false,
            buf: Vec::new(),
            pending: 0..0,
        }
    }
}

/// A file system that never offers later bytes (the type has no values).
impl LaterSource for NoLater {
    fn into_writer(self, _len: u32) -> LaterWriter {
        self.unreachable()
    }
}

/// How long a socket may stay full before [`write_later`] gives up.
pub const SEND_STALL: Duration = Duration::from_secs(120);

/// The piece size of the read-and-write fallback.
const PIECE: usize = 256 * 1024;

/// Writes the `later.len` file bytes of `later` to a blocking or non-blocking `sock`,
/// waiting for a full socket up to [`SEND_STALL`] at a time. Event-loop hosts use
/// [`LaterWriter`] instead, so that a slow reader never holds a thread.
pub fn write_later<L: LaterSource>(sock: BorrowedFd<'_>, later: LaterRead<L>) -> io::Result<()> {
    let mut w = LaterWriter::new(later);
    while !w.advance(sock)? {
        wait_writable(sock)?;
    }
    Ok(())
}

/// Writing the file bytes of one [`LaterRead`], resumable after a full socket: on Linux
/// with `sendfile(2)`; where that is refused, by reading and writing pieces. If the file
/// became shorter since the read was answered, zeros stand for the missing bytes, so that
/// the frame keeps the length its header announced.
#[derive(Debug)]
pub struct LaterWriter {
    file: Arc<File>,
    offset: u64,
    left: usize,
    /// sendfile refused (or the file ended): read and write pieces.
    plain: bool,
    at_end: bool,
    buf: Vec<u8>,
    /// Bytes of `buf` read but not written yet.
    pending: std::ops::Range<usize>,
}

impl LaterWriter {
    /// A writer for the bytes of `later`.
    pub fn new<L: LaterSource>(later: LaterRead<L>) -> Self {
        later.source.into_writer(later.len)
    }

    /// Writes as much as `sock` takes: `Ok(true)` when every byte is written, `Ok(false)`
    /// when the socket is full (call again once it is writable).
    pub fn advance(&mut self, sock: BorrowedFd<'_>) -> io::Result<bool> {
        loop {
            if !self.pending.is_empty() {
                match rustix::io::write(sock, &self.buf[self.pending.clone()]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => self.pending.start += n.min(self.pending.len()),
                    Err(Errno::INTR) => {}
                    Err(Errno::AGAIN) => return Ok(false),
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            if self.left == 0 {
                return Ok(true);
            }
            if !self.plain {
                match self.sendfile(sock) {
                    // The file got shorter: zeros from here.
                    Ok(0) => {
                        self.plain = true;
                        self.at_end = true;
                    }
                    Ok(n) => self.left -= n.min(self.left),
                    Err(Errno::INTR) => {}
                    Err(Errno::AGAIN) => return Ok(false),
                    // This file or socket does not do sendfile: read and write.
                    Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => self.plain = true,
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            if self.buf.is_empty() {
                self.buf = vec![0u8; self.left.min(PIECE)];
            }
            let want = self.left.min(self.buf.len());
            let got = if self.at_end {
                0
            } else {
                match rustix::io::pread(self.file.as_fd(), &mut self.buf[..want], self.offset) {
                    Ok(n) => n,
                    Err(Errno::INTR) => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            let n = if got == 0 {
                self.at_end = true;
                self.buf[..want].fill(0);
                want
            } else {
                got
            };
            self.pending = 0..n;
            self.left -= n;
            self.offset += n as u64;
        }
    }

    #[cfg(target_os = "linux")]
    fn sendfile(&mut self, sock: BorrowedFd<'_>) -> Result<usize, Errno> {
        rustix::fs::sendfile(sock, self.file.as_fd(), Some(&mut self.offset), self.left)
    }

    #[cfg(not(target_os = "linux"))]
    fn sendfile(&mut self, _sock: BorrowedFd<'_>) -> Result<usize, Errno> {
        Err(Errno::NOSYS)
    }
}

fn wait_writable(sock: BorrowedFd<'_>) -> io::Result<()> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let timeout = Timespec {
        tv_sec: SEND_STALL.as_secs() as _,
        tv_nsec: 0,
    };
    loop {
        let mut fds = [PollFd::new(&sock, PollFlags::OUT)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => return Err(io::ErrorKind::TimedOut.into()),
            Ok(_) => return Ok(()),
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{pattern, receive, send_later, socket_pair};

    use std::sync::atomic::{AtomicUsize, Ordering};

    /// `len` bytes from `offset` of an (unlinked) file holding `data`.
    fn later_of(data: &[u8], offset: u64, len: u32) -> LaterRead<FileRange> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "smb-later-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, data).unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        std::fs::remove_file(&path).unwrap();
        LaterRead {
            len,
            source: FileRange::new(file, offset),
        }
    }

    /// Sends `len` bytes of a file of `file_len` bytes from `offset` over a real socket
    /// pair and returns the file's bytes and what arrived.
    fn send(file_len: usize, offset: u64, len: u32, nonblocking: bool) -> (Vec<u8>, Vec<u8>) {
        let data = pattern(file_len);
        let got = send_later(later_of(&data, offset, len), nonblocking);
        (data, got)
    }

    #[test]
    fn sends_the_file_range_exactly() {
        for nonblocking in [false, true] {
            let (data, got) = send(5 << 20, 12_345, 4 << 20, nonblocking);
            assert_eq!(got, data[12_345..12_345 + (4 << 20)]);
        }
    }

    #[test]
    fn a_file_that_got_shorter_is_padded_with_zeros() {
        let (data, got) = send(100_000, 90_000, 30_000, true);
        assert_eq!(got[..10_000], data[90_000..]);
        assert!(got[10_000..].iter().all(|&b| b == 0));
        assert_eq!(got.len(), 30_000);
    }

    /// A full non-blocking socket stops the writer (`Ok(false)`) without losing bytes,
    /// in the sendfile part and in the zeros after a file that got shorter; it resumes
    /// once the reader drains the socket.
    #[test]
    fn a_full_socket_pauses_the_writer_and_it_resumes_exactly() {
        let data = pattern(3 << 20);
        // 3 MiB from the file, then 13 MiB of zeros: more than the socket buffers hold.
        let len = 16u32 << 20;
        let later = later_of(&data, 0, len);
        let (tx, rx) = socket_pair();
        tx.set_nonblocking(true).unwrap();
        let mut w = LaterWriter::new(later);
        assert!(!w.advance(tx.as_fd()).unwrap(), "the socket filled up");
        let reader = receive(rx, len);
        while !w.advance(tx.as_fd()).unwrap() {
            wait_writable(tx.as_fd()).unwrap();
        }
        let got = reader.join().unwrap();
        assert_eq!(got[..data.len()], data[..]);
        assert!(got[data.len()..].iter().all(|&b| b == 0));
    }
}
