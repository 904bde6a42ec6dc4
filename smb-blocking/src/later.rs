//! Writing the file bytes of a [`LaterRead`] to a socket.
//!
//! [`LocalFs`](crate::fs::LocalFs) answers large unsigned reads with a [`LaterRead`]
//! naming a [`FileRange`] instead of reading the bytes; the server adapters then write
//! the response's head and send the file range after it with [`write_later`]: on Linux
//! with `sendfile(2)`, so the page cache goes to the socket without a copy through user
//! space. Where `sendfile` is refused, the bytes are read and written in pieces.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::time::Duration;

use rustix::io::Errno;
use smb_proto::LaterRead;

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

/// How long a socket may stay full before [`write_later`] gives up.
pub const SEND_STALL: Duration = Duration::from_secs(120);

/// The piece size of the read-and-write fallback.
const PIECE: usize = 256 * 1024;

/// Writes the `later.len` file bytes of `later` to `sock` (blocking or not: a full
/// socket is waited for, up to [`SEND_STALL`]). If the file became shorter since the
/// read was answered, zeros stand for the missing bytes, so that the frame keeps the
/// length its header announced.
///
/// Fails with [`io::ErrorKind::InvalidInput`] when the source is not a [`FileRange`].
pub fn write_later(sock: BorrowedFd<'_>, later: &LaterRead) -> io::Result<()> {
    let Some(range) = later.source.downcast_ref::<FileRange>() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "file bytes from a source this host does not know",
        ));
    };
    let mut left = later.len as usize;
    let mut offset = range.offset;
    #[cfg(target_os = "linux")]
    while left > 0 {
        match rustix::fs::sendfile(sock, range.file.as_fd(), Some(&mut offset), left) {
            // The file got shorter: zeros below.
            Ok(0) => break,
            Ok(n) => left -= n.min(left),
            Err(Errno::INTR) => {}
            Err(Errno::AGAIN) => wait_writable(sock)?,
            // This file or socket does not do sendfile: read and write below.
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if left == 0 {
        return Ok(());
    }
    let mut buf = vec![0u8; left.min(PIECE)];
    let mut at_end = false;
    while left > 0 {
        let want = left.min(buf.len());
        let got = if at_end {
            0
        } else {
            loop {
                match rustix::io::pread(range.file.as_fd(), &mut buf[..want], offset) {
                    Ok(n) => break n,
                    Err(Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let n = if got == 0 {
            at_end = true;
            buf[..want].fill(0);
            want
        } else {
            got
        };
        write_all(sock, &buf[..n])?;
        left -= n;
        offset += n as u64;
    }
    Ok(())
}

fn write_all(sock: BorrowedFd<'_>, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match rustix::io::write(sock, data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n.min(data.len())..],
            Err(Errno::INTR) => {}
            Err(Errno::AGAIN) => wait_writable(sock)?,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
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
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    /// Sends `len` bytes of a file of `file_len` bytes from `offset` over a real socket
    /// pair and returns what arrived.
    fn send(file_len: usize, offset: u64, len: u32, nonblocking: bool) -> (Vec<u8>, Vec<u8>) {
        let data = pattern(file_len);
        let dir = std::env::temp_dir().join(format!(
            "smb-later-{}-{file_len}-{offset}-{len}-{nonblocking}",
            std::process::id()
        ));
        std::fs::write(&dir, &data).unwrap();
        let file = Arc::new(File::open(&dir).unwrap());
        std::fs::remove_file(&dir).unwrap();
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut rx = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (tx, _) = l.accept().unwrap();
        tx.set_nonblocking(nonblocking).unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = vec![0u8; len as usize];
            rx.read_exact(&mut got).unwrap();
            got
        });
        let later = LaterRead {
            len,
            source: Arc::new(FileRange::new(file, offset)),
        };
        write_later(tx.as_fd(), &later).unwrap();
        (data, reader.join().unwrap())
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

    #[test]
    fn an_unknown_source_is_an_error_and_writes_nothing() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut rx = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (mut tx, _) = l.accept().unwrap();
        let later = LaterRead {
            len: 10,
            source: Arc::new(42u32),
        };
        let e = write_later(tx.as_fd(), &later).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        tx.write_all(b"x").unwrap();
        let mut one = [0u8; 1];
        rx.read_exact(&mut one).unwrap();
        assert_eq!(&one, b"x");
    }
}
