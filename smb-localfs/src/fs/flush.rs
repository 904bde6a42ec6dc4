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
    let r = f.sync_data();
    #[cfg(test)]
    if r.is_ok() {
        tests::note_synced(f);
    }
    r
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
    use crate::testing::{TestShare, pattern};
    use smb_proto::server::fs::{Disposition, FileSystem, FsCall};
    use smb_proto::wire::NtStatus;
    use std::cell::RefCell;
    use std::os::unix::fs::MetadataExt;

    thread_local! {
        /// The inode numbers of the files this thread synced, in order.
        static SYNCED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    }

    /// Called by [`sync`] after each successful sync.
    pub(super) fn note_synced(f: &File) {
        if let Ok(m) = f.metadata() {
            SYNCED.with(|s| s.borrow_mut().push(m.ino()));
        }
    }

    /// The files this thread synced since the last call, by inode number.
    fn take_synced() -> Vec<u64> {
        SYNCED.with(|s| std::mem::take(&mut *s.borrow_mut()))
    }

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

    fn ino(t: &TestShare, rel: &str) -> u64 {
        std::fs::metadata(t.local(rel)).unwrap().ino()
    }

    fn is_quick_close(t: &TestShare, handle: Handle) -> bool {
        t.fs.is_quick(&FsCall::Close {
            handle,
            set_written: None,
            abandoned: false,
        })
    }

    #[test]
    fn a_close_is_answered_after_the_written_data_is_synced() {
        let t = TestShare::new("flush-close");
        let data = pattern(300_000);
        let (h, _, _) = t.open("new.bin", Disposition::Create, true).unwrap();
        for (i, piece) in data.chunks(65_536).enumerate() {
            t.fs.write(h, (i * 65_536) as u64, piece, false).unwrap();
        }
        // Written, not synced yet; the close will have to flush, so it is not quick.
        assert_eq!(take_synced(), []);
        assert!(!is_quick_close(&t, h));
        assert_eq!(t.fs.handles.written(h), Some(true));

        t.fs.close(h, None).unwrap();
        // By the time the close returned, this very file had been synced, once.
        assert_eq!(take_synced(), [ino(&t, "new.bin")]);
        assert_eq!(t.fs.open_handles(), 0);
        assert_eq!(t.fs.close(h, None), Err(NtStatus::INVALID_HANDLE));
        assert_eq!(std::fs::read(t.local("new.bin")).unwrap(), data);
        assert_eq!(t.read_all("NEW.BIN").unwrap(), data);
        // Reading it back synced nothing.
        assert_eq!(take_synced(), []);
    }

    #[test]
    fn closing_an_unwritten_handle_syncs_nothing_and_is_quick() {
        let t = TestShare::new("flush-unwritten");
        t.put("a.txt", b"abc");
        let (h, _, _) = t.open("a.txt", Disposition::Open, true).unwrap();
        assert!(is_quick_close(&t, h));
        t.fs.close(h, None).unwrap();
        assert_eq!(take_synced(), []);
        // An unknown handle's close is not quick either (it is answered with an error).
        assert!(!is_quick_close(&t, h));
    }

    #[test]
    fn flush_and_write_through_sync_before_they_answer() {
        let t = TestShare::new("flush-explicit");
        let (h, _, _) = t.open("w.bin", Disposition::Create, true).unwrap();
        let id = ino(&t, "w.bin");
        t.fs.write(h, 0, b"through", true).unwrap();
        assert_eq!(take_synced(), [id]);
        t.fs.write(h, 7, b" and then flushed", false).unwrap();
        assert_eq!(take_synced(), []);
        t.fs.flush(h).unwrap();
        assert_eq!(take_synced(), [id]);
        t.fs.close(h, None).unwrap();
        assert_eq!(take_synced(), [id]);
        assert_eq!(
            std::fs::read(t.local("w.bin")).unwrap(),
            b"through and then flushed"
        );
    }

    #[test]
    fn every_32_mib_written_a_background_flush_starts() {
        let t = TestShare::new("flush-background");
        let (h, _, _) = t.open("big.bin", Disposition::Create, true).unwrap();
        let mib = vec![0x5au8; 1 << 20];
        for i in 0..31u64 {
            t.fs.write(h, i << 20, &mib, false).unwrap();
        }
        assert_eq!(t.fs.handles.writeback(h), Some((31 << 20, false)));
        t.fs.write(h, 31 << 20, &mib, false).unwrap();
        // Started: the count begins again (the flush runs on a thread of its own).
        assert_eq!(t.fs.handles.writeback(h).map(|w| w.0), Some(0));
        t.fs.write(h, 32 << 20, &mib, false).unwrap();
        assert_eq!(t.fs.handles.writeback(h).map(|w| w.0), Some(1 << 20));
        assert_eq!(take_synced(), [], "not on the writing thread");
        t.fs.close(h, None).unwrap();
        assert_eq!(take_synced(), [ino(&t, "big.bin")]);
        assert_eq!(
            std::fs::metadata(t.local("big.bin")).unwrap().len(),
            33 << 20
        );
    }
}
