//! The table of open handles: which share and path each handle names, its open file, and
//! what the close will have to flush.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use smb_proto::server::fs::{Handle, ShareId};
use smb_proto::wire::NtStatus;

use super::flush::Writeback;

/// One open handle.
#[derive(Debug)]
pub(super) struct OpenEntry {
    pub(super) share: ShareId,
    /// The path as stored, relative to the share root (empty for the root).
    pub(super) rel: PathBuf,
    /// The open file (`None` for a directory).
    pub(super) file: Option<Arc<File>>,
    /// Something was written through this handle: its close flushes.
    pub(super) written: bool,
    /// The background flush of what was written.
    pub(super) writeback: Writeback,
}

/// The open handles of a [`LocalFs`](super::LocalFs), by number.
#[derive(Debug)]
pub(super) struct Handles {
    table: Mutex<HashMap<u64, OpenEntry>>,
    next: AtomicU64,
}

impl Handles {
    /// No handles; the first one is 1.
    pub(super) fn new() -> Self {
        Self {
            table: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
        }
    }

    /// Number of open handles.
    pub(super) fn len(&self) -> usize {
        self.table.lock().map_or(0, |t| t.len())
    }

    /// A new handle for `file` (or a directory) at `rel` in `share`.
    pub(super) fn insert(
        &self,
        share: ShareId,
        rel: PathBuf,
        file: Option<Arc<File>>,
    ) -> Result<Handle, NtStatus> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.table
            .lock()
            .map_err(|_| NtStatus::INTERNAL_ERROR)?
            .insert(
                id,
                OpenEntry {
                    share,
                    rel,
                    file,
                    written: false,
                    writeback: Writeback::default(),
                },
            );
        Ok(Handle(id))
    }

    /// After a rename of `from` to `to` in `share`: handles on `from` or below it now name
    /// the new place (a directory handle has no file descriptor to follow the move).
    pub(super) fn renamed(&self, share: ShareId, from: &std::path::Path, to: &std::path::Path) {
        let Ok(mut t) = self.table.lock() else {
            return;
        };
        for o in t.values_mut().filter(|o| o.share == share) {
            if let Ok(rest) = o.rel.strip_prefix(from) {
                o.rel = if rest.as_os_str().is_empty() {
                    to.to_path_buf()
                } else {
                    to.join(rest)
                };
            }
        }
    }

    /// The share, path and file of an open handle.
    pub(super) fn get(&self, h: Handle) -> Result<(ShareId, PathBuf, Option<Arc<File>>), NtStatus> {
        let t = self.table.lock().map_err(|_| NtStatus::INTERNAL_ERROR)?;
        let o = t.get(&h.0).ok_or(NtStatus::INVALID_HANDLE)?;
        Ok((o.share, o.rel.clone(), o.file.clone()))
    }

    /// Whether something was written through `h` (`None`: no such handle).
    #[cfg(test)]
    pub(super) fn written(&self, h: Handle) -> Option<bool> {
        self.table.lock().ok()?.get(&h.0).map(|o| o.written)
    }

    /// The share of `h` and whether something was written through it (`None`: no such
    /// handle).
    pub(super) fn share_written(&self, h: Handle) -> Option<(ShareId, bool)> {
        let t = self.table.lock().ok()?;
        t.get(&h.0).map(|o| (o.share, o.written))
    }

    /// Notes that `h` is about to be written: its close will flush.
    pub(super) fn mark_written(&self, h: Handle) {
        if let Ok(mut t) = self.table.lock()
            && let Some(o) = t.get_mut(&h.0)
        {
            o.written = true;
        }
    }

    /// Counts `n` bytes written through `h`; when a background flush is due, marks it
    /// running and returns the flag to clear when it is done (see [`Writeback::due`]).
    pub(super) fn writeback_due(&self, h: Handle, n: u64) -> Option<Arc<AtomicBool>> {
        self.table.lock().ok()?.get_mut(&h.0)?.writeback.due(n)
    }

    /// Takes `h` out of the table.
    pub(super) fn remove(&self, h: Handle) -> Result<OpenEntry, NtStatus> {
        self.table
            .lock()
            .map_err(|_| NtStatus::INTERNAL_ERROR)?
            .remove(&h.0)
            .ok_or(NtStatus::INVALID_HANDLE)
    }

    /// The background-flush state of `h`, for tests.
    #[cfg(test)]
    pub(super) fn writeback(&self, h: Handle) -> Option<(u64, bool)> {
        let t = self.table.lock().ok()?;
        let w = &t.get(&h.0)?.writeback;
        Some((w.unflushed(), w.running()))
    }
}
