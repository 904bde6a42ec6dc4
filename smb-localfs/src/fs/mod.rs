//! `LocalFs`: the server's file-system backend over local folders.
//!
//! Every access goes through a [`cap_std::fs::Dir`] opened on the share root. cap-std
//! resolves each path one component at a time relative to that directory handle and
//! refuses any step that would leave it — `..` above the root, an absolute symbolic link,
//! a relative link pointing outside — so a symbolic link inside a share can never lead a
//! client out of it (Samba's `wide links = no`), and a folder swapped for a link between
//! two requests is caught at the moment of use. Links that stay inside the share work.
//! No `unsafe` here, and none is needed.
//!
//! Names are looked up case-insensitively, as SMB clients expect: when a component does
//! not exist with the exact case, a unique match differing only in case is used.
//!
//! Attributes: directories report DIRECTORY, files ARCHIVE; a file whose owner-write bit
//! is clear reports READONLY (and setting READONLY clears the write bits). Dot-files are
//! not reported HIDDEN; HIDDEN and SYSTEM set by a client are kept in execute bits
//! (others-execute without owner-execute means HIDDEN, group-execute without
//! owner-execute SYSTEM).

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::later::FileRange;
use bytes::Bytes;
use cap_fs_ext::{DirExt, SystemTimeSpec};
use cap_std::fs::{Dir, OpenOptions};
use smb_proto::server::fs::{
    CreateAction, Disposition, Ea, FileInfo, FileSystem, FsCall, FsInfo, Handle, Kind, LaterRead,
    OpenCall, SetInfo, ShareId, SharePath, Target,
};
use smb_proto::server::path::fold_case;
use smb_proto::util::{filetime_to_unix, unix_to_filetime};
use smb_proto::wire::NtStatus;
use smb_proto::wire::consts::ext_attr;

/// One shared folder.
#[derive(Debug)]
struct Share {
    root: PathBuf,
    dir: Dir,
    read_only: bool,
}

#[derive(Debug)]
struct OpenEntry {
    share: ShareId,
    rel: PathBuf,
    file: Option<Arc<std::fs::File>>,
    written: bool,
    /// Bytes written since the last background flush started.
    unflushed: u64,
    /// A background flush is running.
    flushing: Arc<std::sync::atomic::AtomicBool>,
}

/// After this many bytes written to a handle, its data starts going to the disk in the
/// background, so that the flush a close must do (written data is on disk when a close
/// is answered) finds little left to write.
const BACKGROUND_FLUSH: u64 = 32 * 1024 * 1024;

/// The local-folder backend (thread-safe; share it between connections).
#[derive(Debug)]
pub struct LocalFs {
    shares: Vec<Share>,
    handles: Mutex<HashMap<u64, OpenEntry>>,
    next: AtomicU64,
    max_handles: usize,
}

/// Maps an I/O error to the NT status a client should see.
pub fn map_io(e: &io::Error) -> NtStatus {
    match e.raw_os_error() {
        Some(2) => return NtStatus::OBJECT_NAME_NOT_FOUND,
        Some(13) | Some(1) => return NtStatus::ACCESS_DENIED,
        Some(17) => return NtStatus::OBJECT_NAME_COLLISION,
        Some(18) => return NtStatus::NOT_SAME_DEVICE,
        Some(20) => return NtStatus::OBJECT_PATH_NOT_FOUND,
        Some(21) => return NtStatus::FILE_IS_A_DIRECTORY,
        Some(22) => return NtStatus::INVALID_PARAMETER,
        Some(23) | Some(24) => return NtStatus::TOO_MANY_OPENED_FILES,
        Some(27) | Some(28) | Some(122) => return NtStatus::DISK_FULL,
        Some(30) => return NtStatus::MEDIA_WRITE_PROTECTED,
        Some(36) => return NtStatus::OBJECT_NAME_INVALID,
        Some(39) => return NtStatus::DIRECTORY_NOT_EMPTY,
        Some(40) => return NtStatus::ACCESS_DENIED,
        _ => {}
    }
    match e.kind() {
        io::ErrorKind::NotFound => NtStatus::OBJECT_NAME_NOT_FOUND,
        io::ErrorKind::PermissionDenied => NtStatus::ACCESS_DENIED,
        io::ErrorKind::AlreadyExists => NtStatus::OBJECT_NAME_COLLISION,
        io::ErrorKind::IsADirectory => NtStatus::FILE_IS_A_DIRECTORY,
        io::ErrorKind::NotADirectory => NtStatus::OBJECT_PATH_NOT_FOUND,
        io::ErrorKind::DirectoryNotEmpty => NtStatus::DIRECTORY_NOT_EMPTY,
        io::ErrorKind::StorageFull => NtStatus::DISK_FULL,
        io::ErrorKind::InvalidInput => NtStatus::INVALID_PARAMETER,
        _ => NtStatus::UNSUCCESSFUL,
    }
}

fn st(e: io::Error) -> NtStatus {
    map_io(&e)
}

fn ft(t: io::Result<SystemTime>) -> u64 {
    match t {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => unix_to_filetime(d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => unix_to_filetime(-(e.duration().as_secs() as i64), 0),
        },
        Err(_) => 0,
    }
}

fn systime(filetime: u64) -> SystemTime {
    let (secs, nanos) = filetime_to_unix(filetime);
    if secs >= 0 {
        UNIX_EPOCH + Duration::new(secs as u64, nanos)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// FileInfo from std metadata.
fn info(name: &str, m: &std::fs::Metadata) -> FileInfo {
    info_of(
        name,
        &Meta {
            is_dir: m.is_dir(),
            len: m.len(),
            mode: m.mode(),
            blocks: m.blocks(),
            ctime: (m.ctime(), m.ctime_nsec()),
            created: m.created().ok(),
            accessed: m.accessed().ok(),
            modified: m.modified().ok(),
            dev: m.dev(),
            ino: m.ino(),
            nlink: m.nlink(),
        },
    )
}

/// [`info`] from cap-std's metadata (a `stat` through a directory handle).
fn cap_info(name: &str, m: &cap_std::fs::Metadata) -> FileInfo {
    use cap_std::fs::MetadataExt as _;
    let std_time = |t: io::Result<cap_std::time::SystemTime>| t.ok().map(|t| t.into_std());
    info_of(
        name,
        &Meta {
            is_dir: m.is_dir(),
            len: m.len(),
            mode: m.mode(),
            blocks: m.blocks(),
            ctime: (m.ctime(), m.ctime_nsec()),
            created: std_time(m.created()),
            accessed: std_time(m.accessed()),
            modified: std_time(m.modified()),
            dev: m.dev(),
            ino: m.ino(),
            nlink: m.nlink(),
        },
    )
}

/// What [`info_of`] needs from a file's metadata, whichever API it came from.
struct Meta {
    is_dir: bool,
    len: u64,
    mode: u32,
    blocks: u64,
    ctime: (i64, i64),
    created: Option<SystemTime>,
    accessed: Option<SystemTime>,
    modified: Option<SystemTime>,
    dev: u64,
    ino: u64,
    nlink: u64,
}

fn info_of(name: &str, m: &Meta) -> FileInfo {
    let is_dir = m.is_dir;
    let mut attributes = if is_dir {
        ext_attr::DIRECTORY
    } else {
        ext_attr::ARCHIVE
    };
    if !is_dir {
        if m.mode & 0o200 == 0 {
            attributes |= ext_attr::READONLY;
        }
        attributes |= mode_to_hidden_system(m.mode);
    }
    let ctime = unix_to_filetime(m.ctime.0, m.ctime.1.clamp(0, 999_999_999) as u32);
    let time = |t: Option<SystemTime>| ft(t.ok_or(io::ErrorKind::Unsupported.into()));
    let modified = time(m.modified);
    FileInfo {
        name: name.into(),
        is_dir,
        size: if is_dir { 0 } else { m.len },
        allocation_size: m.blocks * 512,
        created: m.created.map_or(ctime.min(modified), |t| time(Some(t))),
        accessed: time(m.accessed),
        written: modified,
        changed: ctime,
        attributes,
        file_id: (m.dev << 40) ^ m.ino,
        links: m.nlink as u32,
    }
}

/// HIDDEN and SYSTEM live in execute bits, as Samba's `map hidden` and `map system` do,
/// but only in combinations that ordinary files do not have: HIDDEN is "others may
/// execute, the owner may not" and SYSTEM is "the group may execute, the owner may not".
fn mode_to_hidden_system(mode: u32) -> u32 {
    let mut a = 0;
    if mode & 0o100 == 0 {
        if mode & 0o001 != 0 {
            a |= ext_attr::HIDDEN;
        }
        if mode & 0o010 != 0 {
            a |= ext_attr::SYSTEM;
        }
    }
    a
}

/// The mode after setting the DOS attributes `a` (READONLY, HIDDEN, SYSTEM) on a file.
fn mode_with_attributes(mode: u32, a: u32) -> u32 {
    let mut mode = mode;
    if a & ext_attr::READONLY != 0 {
        mode &= !0o222;
    } else {
        mode |= 0o200;
    }
    if a & (ext_attr::HIDDEN | ext_attr::SYSTEM) != 0 {
        mode &= !0o100;
    }
    mode = if a & ext_attr::HIDDEN != 0 {
        mode | 0o001
    } else {
        mode & !0o001
    };
    mode = if a & ext_attr::SYSTEM != 0 {
        mode | 0o010
    } else {
        mode & !0o010
    };
    mode
}

/// Read buffers come back here when the reply that carried them has been sent, so a
/// long read reuses the same memory instead of allocating (and faulting in) fresh pages
/// for every READ_ANDX. Bounded in bytes: what it keeps after a busy spell is at most
/// [`READ_POOL_BYTES`], in at most [`READ_POOL_MAX`] buffers (each use and return scans
/// it).
static READ_POOL: Mutex<ReadPool> = Mutex::new(ReadPool {
    buffers: std::collections::VecDeque::new(),
    bytes: 0,
});
const READ_POOL_BYTES: usize = 32 << 20;
const READ_POOL_MAX: usize = 256;
const READ_POOL_BUFFER_MAX: usize = 1 << 20;

struct ReadPool {
    /// Oldest first.
    buffers: std::collections::VecDeque<Vec<u8>>,
    bytes: usize,
}

fn pooled_buffer(len: usize) -> Vec<u8> {
    if len <= READ_POOL_BUFFER_MAX
        && let Ok(mut pool) = READ_POOL.lock()
        // Exactly the size asked for: pread fills the whole spare capacity, and a larger
        // buffer would read (and copy) past what the client wants.
        && let Some(i) = pool.buffers.iter().rposition(|b| b.capacity() == len)
    {
        let Some(mut b) = pool.buffers.remove(i) else {
            return Vec::with_capacity(len);
        };
        pool.bytes -= b.capacity();
        b.clear();
        return b;
    }
    Vec::with_capacity(len)
}

/// The owner of a read buffer inside the `Bytes` of a reply; returns it to the pool.
struct Pooled(Vec<u8>);

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let b = std::mem::take(&mut self.0);
        if b.capacity() <= READ_POOL_BUFFER_MAX
            && let Ok(mut pool) = READ_POOL.lock()
        {
            // Full: the oldest go, so the pool follows the sizes in use.
            while pool.bytes + b.capacity() > READ_POOL_BYTES || pool.buffers.len() >= READ_POOL_MAX
            {
                let Some(old) = pool.buffers.pop_front() else {
                    break;
                };
                pool.bytes -= old.capacity();
            }
            pool.bytes += b.capacity();
            pool.buffers.push_back(b);
        }
    }
}

fn name_of(rel: &Path) -> String {
    rel.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl LocalFs {
    /// A backend serving `shares` (root folder, read-only flag), indexed by [`ShareId`].
    pub fn new(shares: &[(PathBuf, bool)]) -> io::Result<Self> {
        let mut v = Vec::new();
        for (root, read_only) in shares {
            let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority())?;
            v.push(Share {
                root: root.clone(),
                dir,
                read_only: *read_only,
            });
        }
        Ok(Self {
            shares: v,
            handles: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            max_handles: 65536,
        })
    }

    /// Changes the most handles open at once (default 65536).
    pub fn set_max_handles(&mut self, n: usize) {
        self.max_handles = n;
    }

    /// Number of open handles.
    pub fn open_handles(&self) -> usize {
        self.handles.lock().map_or(0, |h| h.len())
    }

    fn share(&self, id: ShareId) -> Result<&Share, NtStatus> {
        self.shares
            .get(id.0 as usize)
            .ok_or(NtStatus::BAD_NETWORK_NAME)
    }

    fn writable(&self, id: ShareId) -> Result<&Share, NtStatus> {
        let s = self.share(id)?;
        if s.read_only {
            return Err(NtStatus::ACCESS_DENIED);
        }
        Ok(s)
    }

    /// Resolves a share path case-insensitively. Every component but the last must exist
    /// (else OBJECT_PATH_NOT_FOUND); returns the path and whether the last exists.
    fn resolve(&self, s: &Share, path: &SharePath) -> Result<(PathBuf, bool), NtStatus> {
        let comps: Vec<&str> = path.components().collect();
        // The usual case first: the name exists as spelled (one lookup, not one per
        // component).
        if comps.len() > 1 {
            let exact: PathBuf = comps.iter().collect();
            match s.dir.symlink_metadata(&exact) {
                Ok(_) => return Ok((exact, true)),
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(st(e)),
                Err(_) => {}
            }
        }
        let mut rel = PathBuf::new();
        for (i, c) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let exact = rel.join(c);
            match s.dir.symlink_metadata(&exact) {
                Ok(_) => {
                    rel = exact;
                    continue;
                }
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(st(e)),
                Err(_) => {}
            }
            let want = fold_case(c);
            let dir_path = if rel.as_os_str().is_empty() {
                Path::new(".")
            } else {
                rel.as_path()
            };
            let mut found = None;
            if let Ok(rd) = s.dir.read_dir(dir_path) {
                for e in rd.flatten() {
                    let n = e.file_name();
                    if let Some(n) = n.to_str()
                        && fold_case(n) == want
                    {
                        found = Some(n.to_string());
                        break;
                    }
                }
            }
            match found {
                Some(n) => rel.push(n),
                None if last => return Ok((exact, false)),
                None => return Err(NtStatus::OBJECT_PATH_NOT_FOUND),
            }
        }
        Ok((rel, true))
    }

    fn meta(s: &Share, rel: &Path) -> Result<std::fs::Metadata, NtStatus> {
        Self::meta_open(s, rel).map(|(m, _)| m)
    }

    /// The metadata of an existing path, and the file opened for reading when it is a
    /// file we may read (an open for reading can use it instead of opening again).
    fn meta_open(
        s: &Share,
        rel: &Path,
    ) -> Result<(std::fs::Metadata, Option<std::fs::File>), NtStatus> {
        if rel.as_os_str().is_empty() {
            return std::fs::metadata(&s.root).map(|m| (m, None)).map_err(st);
        }
        // Follows links that stay in the share; refuses the others. Directories (and
        // files we may not read) are reached as directory handles.
        match s.dir.open_with(rel, OpenOptions::new().read(true)) {
            Ok(f) => {
                let f = f.into_std();
                let m = f.metadata().map_err(st)?;
                Ok((m, Some(f)))
            }
            Err(e) => match s.dir.open_dir(rel) {
                Ok(d) => d.into_std_file().metadata().map(|m| (m, None)).map_err(st),
                Err(_) => Err(st(e)),
            },
        }
    }

    /// An fd for a target (file or directory), for extended attributes.
    fn target_fd(&self, share: ShareId, target: &Target) -> Result<std::fs::File, NtStatus> {
        let (s, rel, file) = match target {
            Target::Path(p) => {
                let s = self.share(share)?;
                let (rel, exists) = self.resolve(s, p)?;
                if !exists {
                    return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
                }
                (s, rel, None)
            }
            Target::Handle(h) => {
                let (sh, rel, f) = self.get(*h)?;
                (self.share(sh)?, rel, f)
            }
        };
        if let Some(f) = file {
            return f.try_clone().map_err(st);
        }
        let p: &Path = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &rel
        };
        match s.dir.open_with(p, OpenOptions::new().read(true)) {
            Ok(f) => Ok(f.into_std()),
            Err(e) => match s.dir.open_dir(p) {
                Ok(d) => Ok(d.into_std_file()),
                Err(_) => Err(st(e)),
            },
        }
    }

    /// Counts written bytes; past [`BACKGROUND_FLUSH`], starts writing the file's data
    /// to the disk on a thread of its own (one at a time per handle).
    fn background_flush(&self, handle: Handle, n: u64, f: &Arc<std::fs::File>) {
        let Ok(mut t) = self.handles.lock() else {
            return;
        };
        let Some(o) = t.get_mut(&handle.0) else {
            return;
        };
        o.unflushed += n;
        if o.unflushed < BACKGROUND_FLUSH || o.flushing.swap(true, Ordering::AcqRel) {
            return;
        }
        o.unflushed = 0;
        let (f, flag) = (f.clone(), o.flushing.clone());
        drop(t);
        let done = flag.clone();
        let spawned = std::thread::Builder::new()
            .name("smb-flush".into())
            .spawn(move || {
                // An error shows again, and is reported, at the close's own flush.
                let _ = f.sync_data();
                done.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            flag.store(false, Ordering::Release);
        }
    }

    fn get(&self, h: Handle) -> Result<(ShareId, PathBuf, Option<Arc<std::fs::File>>), NtStatus> {
        let t = self.handles.lock().map_err(|_| NtStatus::INTERNAL_ERROR)?;
        let o = t.get(&h.0).ok_or(NtStatus::INVALID_HANDLE)?;
        Ok((o.share, o.rel.clone(), o.file.clone()))
    }
}

/// Reads and writes up to this size count as quick ([`FileSystem::is_quick`]).
const QUICK_IO: u32 = 256 * 1024;

/// Reads of at least this many bytes are left to the host when the core allows it
/// ([`FileSystem::read_later`]); smaller ones cost less as one vectored write.
pub const LATER_MIN: u32 = 64 * 1024;

impl FileSystem for LocalFs {
    fn is_quick(&self, call: &FsCall) -> bool {
        match call {
            FsCall::Open(o) => matches!(
                o.disposition,
                Disposition::Open | Disposition::OpenIf | Disposition::Create
            ),
            // A read left to the host (see `read_later`) only looks at the file's size
            // here; its bytes move when the response is written.
            FsCall::Read { len, later_ok, .. } => {
                *len <= QUICK_IO || (*later_ok && *len >= LATER_MIN)
            }
            FsCall::Write {
                data,
                write_through,
                ..
            } => !write_through && data.len() <= QUICK_IO as usize,
            // A close flushes written data: only closes of unwritten handles are quick.
            FsCall::Close { handle, .. } => self
                .handles
                .lock()
                .ok()
                .and_then(|t| t.get(&handle.0).map(|o| !o.written))
                .unwrap_or(false),
            FsCall::Stat { .. }
            | FsCall::Mkdir { .. }
            | FsCall::Rmdir { .. }
            | FsCall::Rename { .. }
            | FsCall::FsInfo
            | FsCall::GetEas { .. } => true,
            // Listings can be long, deletes free extents, set-info may truncate,
            // flushes wait for the disk.
            FsCall::ReadDir { .. }
            | FsCall::Delete { .. }
            | FsCall::SetInfo { .. }
            | FsCall::SetEas { .. }
            | FsCall::Flush { .. } => false,
        }
    }

    fn open(
        &self,
        share: ShareId,
        call: &OpenCall,
    ) -> Result<(Handle, FileInfo, CreateAction), NtStatus> {
        let s = self.share(share)?;
        if self.open_handles() >= self.max_handles {
            return Err(NtStatus::TOO_MANY_OPENED_FILES);
        }
        // The usual case first: an existing name, spelled as it is on disk, opened to
        // read: one open does the look-up and the open. Anything else takes the
        // case-insensitive look-up.
        let exact: PathBuf = call.path.components().collect();
        let fast = if !exact.as_os_str().is_empty()
            && matches!(call.disposition, Disposition::Open | Disposition::OpenIf)
        {
            Self::meta_open(s, &exact).ok()
        } else {
            None
        };
        let (rel, existing, mut reader) = match fast {
            Some((m, f)) => (exact, Some(m), f),
            None => {
                let (rel, exists) = self.resolve(s, &call.path)?;
                if exists {
                    let (m, f) = Self::meta_open(s, &rel)?;
                    let f = f.filter(|_| !rel.as_os_str().is_empty());
                    (rel, Some(m), f)
                } else {
                    (rel, None, None)
                }
            }
        };
        let is_root = rel.as_os_str().is_empty();
        use Disposition::*;
        let action = match (&existing, call.disposition) {
            (Some(_), Create) => return Err(NtStatus::OBJECT_NAME_COLLISION),
            (Some(_), Open | OpenIf) => CreateAction::Opened,
            (Some(_), Overwrite | OverwriteIf) => CreateAction::Overwritten,
            (Some(_), Supersede) => CreateAction::Superseded,
            (None, Open | Overwrite) => return Err(NtStatus::OBJECT_NAME_NOT_FOUND),
            (None, Create | OpenIf | OverwriteIf | Supersede) => CreateAction::Created,
        };
        if let Some(m) = &existing {
            match call.kind {
                Kind::Directory if !m.is_dir() => return Err(NtStatus::NOT_A_DIRECTORY),
                Kind::File if m.is_dir() => return Err(NtStatus::FILE_IS_A_DIRECTORY),
                _ => {}
            }
            if m.is_dir() && action != CreateAction::Opened {
                return Err(NtStatus::INVALID_PARAMETER);
            }
        }
        let modifying = call.write || action != CreateAction::Opened;
        if modifying && s.read_only {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let dir_open = existing.as_ref().is_some_and(|m| m.is_dir())
            || (existing.is_none() && call.kind == Kind::Directory)
            || is_root;
        let file = if dir_open {
            if existing.is_none() {
                s.dir.create_dir(&rel).map_err(st)?;
            } else {
                // Check it can be reached (and stays in the share).
                s.dir
                    .open_dir(if is_root { Path::new(".") } else { &rel })
                    .map_err(st)?;
            }
            None
        } else {
            let mut o = OpenOptions::new();
            o.read(true);
            if call.write || action != CreateAction::Opened {
                o.write(true);
                reader = None;
            }
            match action {
                CreateAction::Created => {
                    o.create_new(true);
                }
                CreateAction::Overwritten | CreateAction::Superseded => {
                    o.truncate(true);
                }
                CreateAction::Opened => {}
            }
            let opened = match reader.take() {
                // Opened for reading already, to look at it: the same open.
                Some(f) => Ok(f),
                None => s.dir.open_with(&rel, &o).map(|f| f.into_std()),
            };
            let f = match opened {
                Ok(f) => f,
                // A file we may write but not read (or the reverse): retry write-only.
                Err(e)
                    if e.kind() == io::ErrorKind::PermissionDenied && call.write && !call.read =>
                {
                    o.read(false);
                    s.dir.open_with(&rel, &o).map_err(st)?.into_std()
                }
                Err(e) => return Err(st(e)),
            };
            let dos = ext_attr::READONLY | ext_attr::HIDDEN | ext_attr::SYSTEM;
            // A new file takes the attributes asked for; so does an overwritten one
            // (Windows replaces them on overwrite and supersede).
            if action != CreateAction::Opened
                && (call.create_attributes & dos != 0 || action != CreateAction::Created)
            {
                let mut p = f.metadata().map_err(st)?.permissions();
                p.set_mode(mode_with_attributes(p.mode(), call.create_attributes));
                f.set_permissions(p).map_err(st)?;
            }
            Some(Arc::new(f))
        };
        let m = match (&file, existing) {
            // Unchanged since it was looked at through this very handle.
            (Some(_), Some(m)) if action == CreateAction::Opened && !call.write => m,
            (Some(f), _) => f.metadata().map_err(st)?,
            (None, _) => Self::meta(s, &rel)?,
        };
        let fi = info(&name_of(&rel), &m);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.handles
            .lock()
            .map_err(|_| NtStatus::INTERNAL_ERROR)?
            .insert(
                id,
                OpenEntry {
                    share,
                    rel,
                    file,
                    written: false,
                    unflushed: 0,
                    flushing: Default::default(),
                },
            );
        Ok((Handle(id), fi, action))
    }

    fn read(&self, handle: Handle, offset: u64, len: u32) -> Result<Bytes, NtStatus> {
        let (_, _, f) = self.get(handle)?;
        let f = f.ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
        // pread straight into the spare capacity of a fresh vector: no zeroing, no copy
        // (the vector becomes the reply's payload).
        let len = len as usize;
        let mut buf = pooled_buffer(len);
        while buf.len() < len {
            let at = offset + buf.len() as u64;
            match rustix::io::pread(&*f, rustix::buffer::spare_capacity(&mut buf), at) {
                Ok(0) => break,
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(st(io::Error::from(e))),
            }
        }
        buf.truncate(len);
        Ok(Bytes::from_owner(Pooled(buf)))
    }

    fn read_later(
        &self,
        handle: Handle,
        offset: u64,
        len: u32,
    ) -> Result<Option<LaterRead>, NtStatus> {
        if len < LATER_MIN {
            return Ok(None);
        }
        let (_, _, f) = self.get(handle)?;
        let f = f.ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
        let meta = f.metadata().map_err(st)?;
        if !meta.is_file() {
            return Ok(None);
        }
        // What the file holds now; should it shrink before the bytes are sent, zeros
        // stand in for the rest (see `write_later`).
        let n = meta.len().saturating_sub(offset).min(len as u64) as u32;
        if n < LATER_MIN {
            return Ok(None);
        }
        // Start reading what is not cached yet, so that sending it (on an event loop)
        // seldom waits for the disk.
        let _ = rustix::fs::fadvise(
            &*f,
            offset,
            core::num::NonZeroU64::new(n as u64),
            rustix::fs::Advice::WillNeed,
        );
        Ok(Some(LaterRead {
            len: n,
            source: Arc::new(FileRange::new(f, offset)),
        }))
    }

    fn write(
        &self,
        handle: Handle,
        offset: u64,
        data: &[u8],
        write_through: bool,
    ) -> Result<u32, NtStatus> {
        let (share, _, f) = self.get(handle)?;
        self.writable(share)?;
        let f = f.ok_or(NtStatus::INVALID_DEVICE_REQUEST)?;
        // Marked before the write: a close racing with it still flushes.
        if let Ok(mut t) = self.handles.lock()
            && let Some(o) = t.get_mut(&handle.0)
        {
            o.written = true;
        }
        f.write_all_at(data, offset).map_err(st)?;
        if write_through {
            f.sync_data().map_err(st)?;
        } else {
            self.background_flush(handle, data.len() as u64, &f);
        }
        Ok(data.len() as u32)
    }

    fn flush(&self, handle: Handle) -> Result<(), NtStatus> {
        let (_, _, f) = self.get(handle)?;
        if let Some(f) = f {
            f.sync_data().map_err(st)?;
        }
        Ok(())
    }

    fn close(&self, handle: Handle, set_written: Option<u64>) -> Result<(), NtStatus> {
        let o = self
            .handles
            .lock()
            .map_err(|_| NtStatus::INTERNAL_ERROR)?
            .remove(&handle.0)
            .ok_or(NtStatus::INVALID_HANDLE)?;
        if let Some(f) = &o.file {
            if o.written {
                f.sync_data().map_err(st)?;
            }
            if let Some(t) = set_written {
                let _ = f.set_modified(systime(t));
            }
        }
        Ok(())
    }

    fn stat(&self, share: ShareId, target: &Target) -> Result<FileInfo, NtStatus> {
        match target {
            Target::Path(p) => {
                let s = self.share(share)?;
                let (rel, exists) = self.resolve(s, p)?;
                if !exists {
                    return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
                }
                Ok(info(&name_of(&rel), &Self::meta(s, &rel)?))
            }
            Target::Handle(h) => {
                let (share, rel, f) = self.get(*h)?;
                let m = match f {
                    Some(f) => f.metadata().map_err(st)?,
                    None => Self::meta(self.share(share)?, &rel)?,
                };
                Ok(info(&name_of(&rel), &m))
            }
        }
    }

    fn read_dir(&self, share: ShareId, path: &SharePath) -> Result<Vec<FileInfo>, NtStatus> {
        let s = self.share(share)?;
        let (rel, exists) = self.resolve(s, path)?;
        if !exists {
            return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
        }
        let d = if rel.as_os_str().is_empty() {
            s.dir.try_clone().map_err(st)?
        } else {
            s.dir.open_dir(&rel).map_err(st)?
        };
        let mut out = Vec::new();
        for e in d.entries().map_err(st)? {
            let Ok(e) = e else { continue };
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            // Not a link: one stat through the directory handle.
            if e.file_type().is_ok_and(|t| !t.is_symlink()) {
                if let Ok(m) = d.symlink_metadata(name) {
                    out.push(cap_info(name, &m));
                }
                continue;
            }
            // A link: opened through the directory handle, which follows links that stay
            // inside; entries whose link leads outside (or that vanished) are left out.
            let m = match d.open_with(name, OpenOptions::new().read(true)) {
                Ok(f) => f.into_std().metadata(),
                Err(e) => match d.open_dir(name) {
                    Ok(sub) => sub.into_std_file().metadata(),
                    Err(_) => Err(e),
                },
            };
            if let Ok(m) = m {
                out.push(info(name, &m));
            }
        }
        Ok(out)
    }

    fn set_info(&self, share: ShareId, target: &Target, set: &SetInfo) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let (rel, file) = match target {
            Target::Path(p) => {
                let (rel, exists) = self.resolve(s, p)?;
                if !exists {
                    return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
                }
                (rel, None)
            }
            Target::Handle(h) => {
                let (_, rel, f) = self.get(*h)?;
                (rel, f)
            }
        };
        if let Some(size) = set.size {
            match &file {
                Some(f) => f.set_len(size).map_err(st)?,
                None => {
                    let f = s
                        .dir
                        .open_with(&rel, OpenOptions::new().write(true))
                        .map_err(st)?;
                    f.into_std().set_len(size).map_err(st)?;
                }
            }
        }
        let t = set.times;
        if t.accessed.is_some() || t.written.is_some() {
            let spec = |v: Option<u64>| {
                v.map(|x| SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(systime(x))))
            };
            let target_path: &Path = if rel.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &rel
            };
            s.dir
                .set_times(target_path, spec(t.accessed), spec(t.written))
                .map_err(st)?;
        }
        if let Some(a) = set.attributes {
            let target_path: &Path = if rel.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &rel
            };
            let m = Self::meta(s, &rel)?;
            if !m.is_dir() {
                let mode = mode_with_attributes(m.permissions().mode(), a);
                s.dir
                    .set_permissions(
                        target_path,
                        cap_std::fs::Permissions::from_std(std::fs::Permissions::from_mode(mode)),
                    )
                    .map_err(st)?;
            }
        }
        Ok(())
    }

    fn rename(
        &self,
        share: ShareId,
        from: &SharePath,
        to: &SharePath,
        replace: bool,
    ) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let (src, exists) = self.resolve(s, from)?;
        if !exists {
            return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
        }
        let (dst, dst_exists) = self.resolve(s, to)?;
        // A rename that only changes case resolves `to` to the source itself.
        let same = dst_exists && dst == src;
        let dst = if same {
            PathBuf::from(to.as_str())
        } else {
            dst
        };
        if dst_exists && !same {
            if !replace {
                return Err(NtStatus::OBJECT_NAME_COLLISION);
            }
            if s.dir.symlink_metadata(&dst).map_err(st)?.is_dir() {
                return Err(NtStatus::ACCESS_DENIED);
            }
        }
        s.dir.rename(&src, &s.dir, &dst).map_err(st)
    }

    fn delete(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let (rel, exists) = self.resolve(s, path)?;
        if !exists {
            return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
        }
        if s.dir.symlink_metadata(&rel).map_err(st)?.is_dir() {
            return Err(NtStatus::FILE_IS_A_DIRECTORY);
        }
        s.dir.remove_file(&rel).map_err(st)
    }

    fn mkdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let (rel, exists) = self.resolve(s, path)?;
        if exists {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        s.dir.create_dir(&rel).map_err(st)
    }

    fn rmdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        let s = self.writable(share)?;
        let (rel, exists) = self.resolve(s, path)?;
        if !exists {
            return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
        }
        if rel.as_os_str().is_empty() {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if !s.dir.symlink_metadata(&rel).map_err(st)?.is_dir() {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        s.dir.remove_dir(&rel).map_err(st)
    }

    fn get_eas(&self, share: ShareId, target: &Target) -> Result<Vec<Ea>, NtStatus> {
        let fd = self.target_fd(share, target)?;
        let xerr = |e: rustix::io::Errno| match e {
            rustix::io::Errno::OPNOTSUPP => NtStatus::EAS_NOT_SUPPORTED,
            e => st(io::Error::from(e)),
        };
        let mut names = vec![0u8; 64 * 1024];
        let n = rustix::fs::flistxattr(&fd, &mut names).map_err(xerr)?;
        let mut out = Vec::new();
        for raw in names[..n].split(|&b| b == 0).filter(|x| !x.is_empty()) {
            let Ok(name) = std::str::from_utf8(raw) else {
                continue;
            };
            let Some(short) = name.strip_prefix("user.") else {
                continue;
            };
            let mut val = vec![0u8; 64 * 1024];
            if let Ok(len) = rustix::fs::fgetxattr(&fd, name, &mut val) {
                val.truncate(len);
                out.push(Ea {
                    name: short.to_string(),
                    value: Bytes::from(val),
                });
            }
        }
        Ok(out)
    }

    fn set_eas(&self, share: ShareId, target: &Target, eas: &[Ea]) -> Result<(), NtStatus> {
        self.writable(share)?;
        let fd = self.target_fd(share, target)?;
        let xerr = |e: rustix::io::Errno| match e {
            rustix::io::Errno::OPNOTSUPP => NtStatus::EAS_NOT_SUPPORTED,
            rustix::io::Errno::NODATA => NtStatus::SUCCESS,
            e => st(io::Error::from(e)),
        };
        // Names are case-insensitive on the wire: reuse an existing name's case.
        let existing = self.get_eas(share, target).unwrap_or_default();
        for e in eas {
            let name = existing
                .iter()
                .find(|x| x.name.eq_ignore_ascii_case(&e.name))
                .map_or(e.name.clone(), |x| x.name.clone());
            let full = format!("user.{name}");
            let r = if e.value.is_empty() {
                rustix::fs::fremovexattr(&fd, full.as_str())
            } else {
                rustix::fs::fsetxattr(
                    &fd,
                    full.as_str(),
                    &e.value,
                    rustix::fs::XattrFlags::empty(),
                )
            };
            if let Err(err) = r {
                let s = xerr(err);
                if s != NtStatus::SUCCESS {
                    return Err(s);
                }
            }
        }
        Ok(())
    }

    fn fs_info(&self, share: ShareId) -> Result<FsInfo, NtStatus> {
        let s = self.share(share)?;
        let v = rustix::fs::statvfs(&s.root).map_err(|e| st(io::Error::from(e)))?;
        let frsize = if v.f_frsize > 0 {
            v.f_frsize
        } else {
            v.f_bsize
        };
        Ok(FsInfo {
            total_bytes: v.f_blocks.saturating_mul(frsize),
            free_bytes: v.f_bavail.saturating_mul(frsize),
            block_size: frsize.clamp(512, 1 << 20) as u32,
            serial: (v.f_fsid as u32) ^ ((v.f_fsid >> 32) as u32),
            label: String::new(),
            fs_name: "NTFS".into(),
        })
    }
}
