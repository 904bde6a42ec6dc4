//! A waker a thread can wait for in poll(2): waking it writes a byte down a pipe whose
//! read end is one of the polled file descriptors. The hosts' threads register it with
//! the server core (a connection's `ServerConnection::poll_wake`, the folder watcher's
//! `SharedState::set_watch_waker`) so that news from other threads ends their wait at
//! once instead of at the next time-out.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::task::{Wake, Waker};

struct PipeWaker(OwnedFd);

impl Wake for PipeWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // A full pipe already holds a wake-up.
        let _ = rustix::io::write(&self.0, &[1]);
    }
}

/// The read end of the pipe and the waker that writes to it.
pub struct WakePipe {
    rx: OwnedFd,
    waker: Waker,
}

impl std::fmt::Debug for WakePipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WakePipe").finish_non_exhaustive()
    }
}

impl WakePipe {
    /// A new pipe (non-blocking, close-on-exec).
    pub fn new() -> io::Result<Self> {
        let (rx, tx) = rustix::pipe::pipe_with(
            rustix::pipe::PipeFlags::CLOEXEC | rustix::pipe::PipeFlags::NONBLOCK,
        )?;
        Ok(Self {
            rx,
            waker: Waker::from(Arc::new(PipeWaker(tx))),
        })
    }

    /// The waker.
    pub fn waker(&self) -> &Waker {
        &self.waker
    }

    /// Reads every pending wake-up (call it once the read end polled readable).
    pub fn drain(&self) {
        let mut b = [0u8; 64];
        while matches!(rustix::io::read(&self.rx, &mut b), Ok(n) if n > 0) {}
    }
}

impl AsFd for WakePipe {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.rx.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::event::{PollFd, PollFlags, Timespec};

    fn readable(p: &WakePipe) -> bool {
        let mut fds = [PollFd::new(p, PollFlags::IN)];
        let ts = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        rustix::event::poll(&mut fds, Some(&ts)).unwrap() == 1
    }

    #[test]
    fn a_wake_makes_the_pipe_readable_until_drained() {
        let p = WakePipe::new().unwrap();
        assert!(!readable(&p));
        let w = p.waker().clone();
        std::thread::spawn(move || w.wake()).join().unwrap();
        assert!(readable(&p));
        p.drain();
        assert!(!readable(&p));
    }
}
