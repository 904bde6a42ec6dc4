//! Putting written data on the disk: `fdatasync` when a flush or a write-through write is
//! answered and, on shares whose [`Durability`] is `Close`, when the close of a written
//! handle is answered, with a background flush every [`BACKGROUND_FLUSH`] bytes while the
//! handle is being written so that the close finds little left to write.

use std::fs::File;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use smb_proto::server::fs::Handle;

use super::LocalFs;

/// What a share promises about written data, and so when the server waits for the disk.
///
/// Either way a FLUSH request and a write-through write are answered only once their data
/// is on stable storage (`fdatasync`), and a client that wants a promise asks for one that
/// way. The settings differ in what a plain CLOSE promises:
///
/// - [`Close`](Self::Close) (the default): the CLOSE of a handle that was written is
///   answered once the file's data is on the disk. After a power cut every file whose close
///   was answered has all its data; only files still open (or written after their last
///   flush) may have lost data.
/// - [`Os`](Self::Os) (what smbd does by default: `strict sync = yes`, `sync always =
///   no`): a CLOSE is answered at once and the data is left to the operating system's
///   writeback (on Linux, usually within 30 s: `vm.dirty_expire_centisecs`). After a power
///   cut, files closed in the last seconds before it may be missing data or be shorter than
///   written, though their CLOSE succeeded; what was flushed is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Written data is on disk before CLOSE (and FLUSH) is answered.
    #[default]
    Close,
    /// FLUSH syncs; CLOSE leaves written data to the operating system's writeback.
    Os,
}

impl Durability {
    /// The setting named `close` or `os` (as in the configuration file).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "close" => Some(Self::Close),
            "os" => Some(Self::Os),
            _ => None,
        }
    }

    /// Whether the close of a written handle waits for its data to reach the disk.
    pub fn syncs_at_close(self) -> bool {
        self == Self::Close
    }
}

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
    use smb_proto::server::fs::{Disposition, FileSystem, FsCall, ShareId};
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

    /// A share whose durability is `d`.
    fn share_with(tag: &str, d: Durability) -> TestShare {
        let mut t = TestShare::new(tag);
        assert!(t.fs.set_durability(crate::testing::SHARE, d));
        assert_eq!(t.fs.durability(crate::testing::SHARE), Some(d));
        t
    }

    #[test]
    fn in_os_mode_a_close_syncs_nothing_and_is_quick_but_flush_still_syncs() {
        let t = share_with("flush-os", Durability::Os);
        let data = pattern(300_000);
        let (h, _, _) = t.open("os.bin", Disposition::Create, true).unwrap();
        t.fs.write(h, 0, &data, false).unwrap();
        assert_eq!(t.fs.handles.written(h), Some(true));
        // Written, yet the close will not wait for the disk.
        assert!(is_quick_close(&t, h));
        t.fs.close(h, None).unwrap();
        assert_eq!(take_synced(), [], "a close in os mode calls no fdatasync");
        assert_eq!(std::fs::read(t.local("os.bin")).unwrap(), data);

        // FLUSH and write-through keep their promise.
        let (h, _, _) = t.open("os.bin", Disposition::Open, true).unwrap();
        let id = ino(&t, "os.bin");
        t.fs.write(h, 0, b"flushed", false).unwrap();
        assert_eq!(take_synced(), []);
        t.fs.flush(h).unwrap();
        assert_eq!(take_synced(), [id]);
        t.fs.write(h, 7, b"through", true).unwrap();
        assert_eq!(take_synced(), [id]);
        t.fs.close(h, None).unwrap();
        assert_eq!(take_synced(), []);
    }

    #[test]
    fn the_same_close_syncs_in_close_mode() {
        for (d, synced) in [(Durability::Close, true), (Durability::Os, false)] {
            let t = share_with("flush-mode", d);
            let (h, _, _) = t.open("m.bin", Disposition::Create, true).unwrap();
            t.fs.write(h, 0, b"some data", false).unwrap();
            assert_eq!(is_quick_close(&t, h), !synced, "{d:?}");
            t.fs.close(h, None).unwrap();
            let want = if synced {
                vec![ino(&t, "m.bin")]
            } else {
                vec![]
            };
            assert_eq!(take_synced(), want, "{d:?}");
        }
    }

    #[test]
    fn in_os_mode_no_background_flush_starts() {
        let t = share_with("flush-os-background", Durability::Os);
        let (h, _, _) = t.open("big.bin", Disposition::Create, true).unwrap();
        let mib = vec![0x33u8; 1 << 20];
        for i in 0..33u64 {
            t.fs.write(h, i << 20, &mib, false).unwrap();
        }
        // Nothing counted toward a background flush, and none running.
        assert_eq!(t.fs.handles.writeback(h), Some((0, false)));
        t.fs.close(h, None).unwrap();
        assert_eq!(take_synced(), []);
    }

    #[test]
    fn durability_names_and_unknown_shares() {
        assert_eq!(Durability::from_name("close"), Some(Durability::Close));
        assert_eq!(Durability::from_name("os"), Some(Durability::Os));
        assert_eq!(Durability::from_name("OS"), None);
        assert_eq!(Durability::default(), Durability::Close);
        let mut t = TestShare::new("flush-unknown-share");
        assert!(!t.fs.set_durability(ShareId(1), Durability::Os));
        assert_eq!(t.fs.durability(ShareId(1)), None);
        t.fs.set_durability(crate::testing::SHARE, Durability::Os);
        // A close of an unknown handle is still not quick (it answers an error).
        assert!(!is_quick_close(&t, Handle(999)));
    }
}
