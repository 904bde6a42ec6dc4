//! Putting written data on the disk: `fdatasync` when a flush, a write-through write or
//! the close of a written handle is answered, and, while a handle is being written, a
//! background flush every [`BACKGROUND_FLUSH`] bytes so that the close finds little left
//! to write.

use std::fs::File;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use smb_proto::server::fs::Handle;

use super::LocalFs;

/// After this many bytes written to a handle, its data starts going to the disk in the
/// background, so that the flush a close must do (written data is on disk when a close
/// is answered) finds little left to write.
const BACKGROUND_FLUSH: u64 = 32 * 1024 * 1024;

/// The background flush of one handle.
#[derive(Debug, Default)]
pub(super) struct Writeback {
    /// Bytes written since the last background flush started.
    unflushed: u64,
    /// A background flush is running.
    flushing: Arc<AtomicBool>,
}

impl Writeback {
    /// Counts `n` written bytes. Past [`BACKGROUND_FLUSH`], and unless a flush is running
    /// already, marks one running and returns the flag its thread clears when done.
    pub(super) fn due(&mut self, n: u64) -> Option<Arc<AtomicBool>> {
        self.unflushed += n;
        if self.unflushed < BACKGROUND_FLUSH || self.flushing.swap(true, Ordering::AcqRel) {
            return None;
        }
        self.unflushed = 0;
        Some(self.flushing.clone())
    }

    /// Bytes written since the last background flush started.
    #[cfg(test)]
    pub(super) fn unflushed(&self) -> u64 {
        self.unflushed
    }

    /// Whether a background flush is running.
    #[cfg(test)]
    pub(super) fn running(&self) -> bool {
        self.flushing.load(Ordering::Acquire)
    }
}

/// Puts the data written to `f` on stable storage (`fdatasync`).
pub(super) fn sync(f: &File) -> io::Result<()> {
    f.sync_data()
}

impl LocalFs {
    /// Counts written bytes; past [`BACKGROUND_FLUSH`], starts writing the file's data
    /// to the disk on a thread of its own (one at a time per handle).
    pub(super) fn background_flush(&self, handle: Handle, n: u64, f: &Arc<File>) {
        let Some(flag) = self.handles.writeback_due(handle, n) else {
            return;
        };
        let (f, done) = (f.clone(), flag.clone());
        let spawned = std::thread::Builder::new()
            .name("smb-flush".into())
            .spawn(move || {
                // An error shows again, and is reported, at the close's own flush.
                let _ = sync(&f);
                done.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            flag.store(false, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_background_flush_is_due_every_32_mib_and_one_at_a_time() {
        let mut w = Writeback::default();
        assert!(w.due(BACKGROUND_FLUSH - 1).is_none());
        assert_eq!(w.unflushed(), BACKGROUND_FLUSH - 1);
        let flag = w.due(1).expect("due at 32 MiB");
        assert!(flag.load(Ordering::Acquire) && w.running());
        assert_eq!(w.unflushed(), 0);
        // While it runs, bytes are counted but no second flush starts.
        assert!(w.due(BACKGROUND_FLUSH).is_none());
        assert!(w.due(BACKGROUND_FLUSH).is_none());
        assert_eq!(w.unflushed(), 2 * BACKGROUND_FLUSH);
        // Once it is done, the next write starts one at once (the count is past 32 MiB).
        flag.store(false, Ordering::Release);
        assert!(w.due(1).is_some());
        assert_eq!(w.unflushed(), 0);
    }
}
