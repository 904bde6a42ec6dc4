//! Writing a message's in-memory part (head, then tail) with vectored writes, resumable
//! after a short write or a full socket: the one loop every host runs, whatever its I/O.

use std::io::IoSlice;

/// The head and tail of a [`Transmit`](smb_proto::Transmit) and how much of them is
/// written. A host offers [`slices`](Self::slices) to one vectored write, reports what
/// the socket took with [`advance`](Self::advance), and repeats until
/// [`is_done`](Self::is_done); then it sends the transmit's later bytes, if any.
///
/// ```
/// use smb_localfs::frame::FrameCursor;
/// let mut c = FrameCursor::new(b"head", Some(b"tail"));
/// let mut out = Vec::new();
/// while !c.is_done() {
///     // A socket that takes three bytes at a time.
///     let s = c.slices();
///     let take: Vec<u8> = s.iter().flat_map(|s| s.iter().copied()).take(3).collect();
///     out.extend_from_slice(&take);
///     c.advance(take.len());
/// }
/// assert_eq!(out, b"headtail");
/// ```
#[derive(Debug)]
pub struct FrameCursor<'a> {
    head: &'a [u8],
    tail: &'a [u8],
    written: usize,
}

impl<'a> FrameCursor<'a> {
    /// A cursor at the start of `head` followed by `tail`.
    pub fn new(head: &'a [u8], tail: Option<&'a [u8]>) -> Self {
        Self {
            head,
            tail: tail.unwrap_or(&[]),
            written: 0,
        }
    }

    /// A cursor over a transmit's head and tail.
    pub fn of<L>(t: &'a smb_proto::Transmit<L>) -> Self {
        Self::new(&t.head, t.tail.as_deref())
    }

    /// What is left to write, for one vectored write (empty slices at the end).
    pub fn slices(&self) -> [IoSlice<'a>; 2] {
        let h = self.written.min(self.head.len());
        let t = self
            .written
            .saturating_sub(self.head.len())
            .min(self.tail.len());
        [IoSlice::new(&self.head[h..]), IoSlice::new(&self.tail[t..])]
    }

    /// The socket took `n` more bytes.
    pub fn advance(&mut self, n: usize) {
        self.written = (self.written + n).min(self.head.len() + self.tail.len());
    }

    /// Whether every byte is written.
    pub fn is_done(&self) -> bool {
        self.written == self.head.len() + self.tail.len()
    }
}

/// Writes `head` and `tail` to a blocking writer with vectored writes.
pub fn write_all_vectored(
    w: &mut impl std::io::Write,
    head: &[u8],
    tail: Option<&[u8]>,
) -> std::io::Result<()> {
    let mut c = FrameCursor::new(head, tail);
    while !c.is_done() {
        match w.write_vectored(&c.slices()) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => c.advance(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_split_of_head_and_tail_arrives_in_order() {
        let head: Vec<u8> = (0..37).collect();
        let tail: Vec<u8> = (100..161).collect();
        for step in 1..=(head.len() + tail.len()) {
            let mut c = FrameCursor::new(&head, Some(&tail));
            let mut out = Vec::new();
            while !c.is_done() {
                let s = c.slices();
                let all: Vec<u8> = s.iter().flat_map(|s| s.iter().copied()).collect();
                let n = step.min(all.len());
                out.extend_from_slice(&all[..n]);
                c.advance(n);
            }
            assert_eq!(out[..head.len()], head[..], "step {step}");
            assert_eq!(out[head.len()..], tail[..], "step {step}");
        }
    }

    #[test]
    fn a_writer_that_takes_little_gets_everything() {
        struct Slow(Vec<u8>);
        impl std::io::Write for Slow {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                let n = b.len().min(5);
                self.0.extend_from_slice(&b[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut w = Slow(Vec::new());
        write_all_vectored(&mut w, b"0123456789", Some(b"abcdefghij")).unwrap();
        assert_eq!(w.0, b"0123456789abcdefghij");
        write_all_vectored(&mut w, b"x", None).unwrap();
        assert_eq!(w.0.last(), Some(&b'x'));
    }
}
