//! Staging files: a file written out of order (or a stored file changed in place) is
//! kept in a local file until its close uploads it. Staging files live in one folder and
//! share a byte budget; past it, writes answer `STATUS_DISK_FULL`.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use smb_proto::wire::NtStatus;

/// The budget shared by all staging files of a backend.
#[derive(Debug)]
pub(crate) struct Budget {
    dir: PathBuf,
    max: u64,
    used: AtomicU64,
    next: AtomicU64,
}

impl Budget {
    pub(crate) fn new(dir: &Path, max: u64) -> Arc<Self> {
        Arc::new(Self {
            dir: dir.to_path_buf(),
            max,
            used: AtomicU64::new(0),
            next: AtomicU64::new(0),
        })
    }

    /// Bytes the staging files hold now (as counted: bytes written to them).
    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }

    fn take(&self, n: u64) -> Result<(), NtStatus> {
        let mut cur = self.used.load(Ordering::SeqCst);
        loop {
            let new = cur
                .checked_add(n)
                .filter(|v| *v <= self.max)
                .ok_or_else(|| {
                    tracing::warn!(max = self.max, "staging space used up");
                    NtStatus::DISK_FULL
                })?;
            match self
                .used
                .compare_exchange(cur, new, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return Ok(()),
                Err(v) => cur = v,
            }
        }
    }
}

/// One staging file: an unnamed local file (removed from its folder as soon as it is
/// created) and its length as the client sees it.
#[derive(Debug)]
pub(crate) struct Staged {
    file: File,
    pub(crate) len: u64,
    charged: u64,
    budget: Arc<Budget>,
}

fn io_status(e: std::io::Error) -> NtStatus {
    tracing::warn!(error = %e, "staging file");
    match e.raw_os_error() {
        Some(28) | Some(27) | Some(122) => NtStatus::DISK_FULL,
        _ => NtStatus::UNEXPECTED_IO_ERROR,
    }
}

impl Staged {
    pub(crate) fn new(budget: &Arc<Budget>) -> Result<Self, NtStatus> {
        std::fs::create_dir_all(&budget.dir).map_err(io_status)?;
        let n = budget.next.fetch_add(1, Ordering::Relaxed);
        let path = budget.dir.join(format!("stage-{}-{n}", std::process::id()));
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_status)?;
        let _ = std::fs::remove_file(&path);
        Ok(Self {
            file,
            len: 0,
            charged: 0,
            budget: budget.clone(),
        })
    }

    /// Writes `data` at `offset` (counted against the budget).
    pub(crate) fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), NtStatus> {
        self.budget.take(data.len() as u64)?;
        self.charged += data.len() as u64;
        self.file.write_all_at(data, offset).map_err(io_status)?;
        self.len = self.len.max(offset + data.len() as u64);
        Ok(())
    }

    /// Up to `len` bytes at `offset` (short at the end; holes read as zeros).
    pub(crate) fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>, NtStatus> {
        let n = self.len.saturating_sub(offset).min(len as u64) as usize;
        let mut buf = vec![0u8; n];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(io_status)?;
        Ok(buf)
    }

    /// Changes the length (cutting or extending with zeros).
    pub(crate) fn set_len(&mut self, len: u64) -> Result<(), NtStatus> {
        self.file.set_len(len).map_err(io_status)?;
        self.len = len;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.charged, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_bytes_come_back_and_the_budget_is_shared_and_returned() {
        let dir = smb_testkit::TempDir::new("staging");
        let b = Budget::new(dir.path(), 10_000);
        let mut a = Staged::new(&b).unwrap();
        a.write(5000, &[7u8; 3000]).unwrap();
        a.write(0, b"head").unwrap();
        assert_eq!(a.len, 8000);
        assert_eq!(a.read(0, 6).unwrap(), b"head\0\0");
        assert_eq!(a.read(7998, 100).unwrap(), [7, 7]);
        assert_eq!(b.used(), 3004);
        // The folder keeps no names.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut c = Staged::new(&b).unwrap();
        assert_eq!(c.write(0, &[1u8; 7000]), Err(NtStatus::DISK_FULL));
        c.write(0, &[1u8; 6000]).unwrap();
        drop(a);
        assert_eq!(b.used(), 6000);
        c.set_len(10).unwrap();
        assert_eq!(c.read(0, 100).unwrap(), [1u8; 10]);
        drop(c);
        assert_eq!(b.used(), 0);
    }
}
