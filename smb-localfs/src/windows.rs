//! How every host downloads a whole file: reads of a window each, several in flight, taken
//! back in order, until one comes back short (the end of the file).

use std::collections::VecDeque;

/// Bytes one read asks for.
pub const WINDOW: u64 = 2 * 1024 * 1024;

/// Reads in flight at once: enough that the pipe never drains at a window boundary, few
/// enough that a window is written out (and its memory reused) soon after it arrives.
pub const DEPTH: usize = 8;

/// The reads of one download, in order. `T` is the host's handle of a started read.
///
/// ```
/// use smb_localfs::windows::Windows;
/// // A 5-byte file read 2 bytes at a time, 2 reads in flight.
/// let file = b"hello";
/// let mut w = Windows::with(file.len() as u64, 2, 2);
/// let mut out = Vec::new();
/// loop {
///     let (at, want, read) = w.next(|at, want| (at, want));
///     let got = &file[(read.0 as usize).min(5)..((read.0 + read.1) as usize).min(5)];
///     out.extend_from_slice(got);
///     if !w.received(want, got.len() as u64) {
///         break;
///     }
///     assert_eq!(at + want, w.delivered());
/// }
/// assert_eq!(out, file);
/// assert!(w.drain().count() <= 1);
/// ```
#[derive(Debug)]
pub struct Windows<T> {
    window: u64,
    depth: usize,
    size: u64,
    next: u64,
    delivered: u64,
    inflight: VecDeque<(u64, u64, T)>,
}

impl<T> Windows<T> {
    /// The reads of a file of `size` bytes (as seen at open), with the default window
    /// and depth.
    pub fn new(size: u64) -> Self {
        Self::with(size, WINDOW, DEPTH)
    }

    /// The reads of a file of `size` bytes, `window` bytes each, `depth` in flight.
    pub fn with(size: u64, window: u64, depth: usize) -> Self {
        Self {
            window: window.max(1),
            depth: depth.max(1),
            size,
            next: 0,
            delivered: 0,
            inflight: VecDeque::new(),
        }
    }

    /// Starts reads (`start(offset, len)`) until `depth` are in flight or the size seen
    /// at open is covered, then returns the oldest: `(offset, len, handle)`. When none is
    /// in flight (the file grew past its size), starts one where the data ended.
    pub fn next(&mut self, mut start: impl FnMut(u64, u64) -> T) -> (u64, u64, T) {
        while self.inflight.len() < self.depth && self.next < self.size {
            let want = (self.size - self.next).min(self.window);
            self.inflight
                .push_back((self.next, want, start(self.next, want)));
            self.next += want;
        }
        match self.inflight.pop_front() {
            Some(x) => x,
            None => {
                let at = self.delivered;
                self.next = at + self.window;
                (at, self.window, start(at, self.window))
            }
        }
    }

    /// The read last returned by [`next`](Self::next) gave `got` of its `want` bytes:
    /// whether the file goes on (`false`: it ended; [`drain`](Self::drain) what is still
    /// in flight).
    pub fn received(&mut self, want: u64, got: u64) -> bool {
        self.delivered += got;
        got >= want
    }

    /// Bytes delivered so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// The reads still in flight (to wait for, or forget, after the end or an error).
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.inflight.drain(..).map(|(_, _, t)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a download of a file of `real` bytes whose size was seen as `seen`.
    fn run(seen: u64, real: u64, window: u64, depth: usize) -> (u64, usize) {
        let mut w = Windows::with(seen, window, depth);
        let mut max_inflight = 0;
        let mut expect = 0;
        loop {
            let (at, want, ()) = w.next(|_, _| ());
            max_inflight = max_inflight.max(w.inflight.len() + 1);
            assert_eq!(at, expect, "reads come back in order");
            let got = real.saturating_sub(at).min(want);
            expect += got;
            if !w.received(want, got) {
                break;
            }
        }
        w.drain().for_each(drop);
        (w.delivered(), max_inflight)
    }

    #[test]
    fn every_byte_once_whatever_the_sizes() {
        for &(seen, real) in &[
            (0, 0),
            (1, 1),
            (10, 10),
            (10, 7),
            (7, 25),
            (64, 64),
            (65, 130),
        ] {
            for window in [1, 3, 8, 64] {
                for depth in [1, 2, 8] {
                    let (n, inflight) = run(seen, real, window, depth);
                    assert_eq!(
                        n, real,
                        "seen {seen} real {real} window {window} depth {depth}"
                    );
                    assert!(inflight <= depth.max(1));
                }
            }
        }
    }

    #[test]
    fn the_default_keeps_depth_windows_in_flight() {
        let (n, inflight) = run(100 * WINDOW, 100 * WINDOW, WINDOW, DEPTH);
        assert_eq!(n, 100 * WINDOW);
        assert_eq!(inflight, DEPTH);
    }
}
