//! An in-memory [`FileSystem`] for tests, fuzzing and simulation: one share (id 0),
//! case-insensitive names, byte-exact contents.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::server::fs::{
    CreateAction, Disposition, Ea, FileInfo, FileSystem, FsInfo, Handle, Kind, LaterRead, OpenCall,
    SetInfo, ShareId, SharePath, Target,
};
use crate::server::path::fold_case;
use crate::wire::NtStatus;
use crate::wire::consts::ext_attr;

#[derive(Clone, Debug)]
struct Node {
    name: String,
    is_dir: bool,
    data: Vec<u8>,
    written: u64,
    attributes: u32,
    eas: Vec<Ea>,
}

#[derive(Default, Debug)]
struct State {
    /// Folded path -> node id.
    paths: BTreeMap<String, u64>,
    nodes: BTreeMap<u64, Node>,
    handles: BTreeMap<u64, u64>,
    next: u64,
}

/// The in-memory file system. Its size limit keeps fuzzed writes bounded.
#[derive(Debug)]
pub struct MemFs {
    state: spin::Mutex<State>,
    /// Largest file size accepted (writes beyond answer DISK_FULL).
    pub max_file_size: u64,
    /// Answer reads the core allows it for with a [`LaterRead`] whose source is the
    /// [`Bytes`] read (as a sendfile host would, but in memory).
    pub later_reads: bool,
    /// How many reads were answered with a [`LaterRead`].
    pub later_given: AtomicUsize,
}

impl Default for MemFs {
    fn default() -> Self {
        Self::new()
    }
}

const FILETIME_2024: u64 = 133_485_408_000_000_000;

impl MemFs {
    /// An empty share.
    pub fn new() -> Self {
        let mut s = State {
            next: 1,
            ..Default::default()
        };
        s.nodes.insert(
            0,
            Node {
                name: String::new(),
                is_dir: true,
                data: Vec::new(),
                written: FILETIME_2024,
                attributes: 0,
                eas: Vec::new(),
            },
        );
        s.paths.insert(String::new(), 0);
        Self {
            state: spin::Mutex::new(s),
            max_file_size: 64 << 20,
            later_reads: false,
            later_given: AtomicUsize::new(0),
        }
    }

    /// Creates (or replaces) a file with `data`, creating parent folders.
    pub fn put(&self, path: &str, data: &[u8]) {
        let p = SharePath::parse(path).expect("a valid path");
        let mut s = self.state.lock();
        let mut cur = SharePath::root();
        let comps: Vec<&str> = p.components().collect();
        for (i, c) in comps.iter().enumerate() {
            cur = cur.join(c).expect("a valid name");
            let last = i + 1 == comps.len();
            let key = cur.fold();
            if let Some(&id) = s.paths.get(&key) {
                if last {
                    let n = s.nodes.get_mut(&id).expect("node");
                    n.data = data.to_vec();
                }
                continue;
            }
            let id = s.next;
            s.next += 1;
            s.nodes.insert(
                id,
                Node {
                    name: (*c).into(),
                    is_dir: !last,
                    data: if last { data.to_vec() } else { Vec::new() },
                    written: FILETIME_2024,
                    attributes: 0,
                    eas: Vec::new(),
                },
            );
            s.paths.insert(key, id);
        }
    }

    /// The content of a file, if it exists.
    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        let p = SharePath::parse(path).ok()?;
        let s = self.state.lock();
        let id = s.paths.get(&p.fold())?;
        let n = s.nodes.get(id)?;
        (!n.is_dir).then(|| n.data.clone())
    }

    /// Whether a path exists.
    pub fn exists(&self, path: &str) -> bool {
        SharePath::parse(path).is_ok_and(|p| self.state.lock().paths.contains_key(&p.fold()))
    }

    /// Open handles.
    pub fn open_handles(&self) -> usize {
        self.state.lock().handles.len()
    }
}

fn info(id: u64, n: &Node) -> FileInfo {
    FileInfo {
        name: n.name.clone(),
        is_dir: n.is_dir,
        size: n.data.len() as u64,
        allocation_size: (n.data.len() as u64).div_ceil(4096) * 4096,
        created: FILETIME_2024,
        accessed: n.written,
        written: n.written,
        changed: n.written,
        attributes: if n.is_dir {
            ext_attr::DIRECTORY
        } else {
            ext_attr::ARCHIVE
        } | n.attributes,
        file_id: id,
        links: 1,
    }
}

impl State {
    fn lookup(&self, p: &SharePath) -> Option<u64> {
        self.paths.get(&p.fold()).copied()
    }

    fn parent_ok(&self, p: &SharePath) -> Result<(), NtStatus> {
        match self.lookup(&p.parent()).and_then(|id| self.nodes.get(&id)) {
            Some(n) if n.is_dir => Ok(()),
            Some(_) => Err(NtStatus::OBJECT_PATH_NOT_FOUND),
            None => Err(NtStatus::OBJECT_PATH_NOT_FOUND),
        }
    }

    fn target(&self, t: &Target) -> Result<u64, NtStatus> {
        match t {
            Target::Path(p) => self.lookup(p).ok_or(NtStatus::OBJECT_NAME_NOT_FOUND),
            Target::Handle(h) => self
                .handles
                .get(&h.0)
                .copied()
                .ok_or(NtStatus::INVALID_HANDLE),
        }
    }

    fn create(&mut self, p: &SharePath, is_dir: bool) -> Result<u64, NtStatus> {
        self.parent_ok(p)?;
        let id = self.next;
        self.next += 1;
        self.nodes.insert(
            id,
            Node {
                name: p.file_name().into(),
                is_dir,
                data: Vec::new(),
                written: FILETIME_2024,
                attributes: 0,
                eas: Vec::new(),
            },
        );
        self.paths.insert(p.fold(), id);
        Ok(id)
    }
}

fn check_share(share: ShareId) -> Result<(), NtStatus> {
    if share.0 == 0 {
        Ok(())
    } else {
        Err(NtStatus::BAD_NETWORK_NAME)
    }
}

impl FileSystem for MemFs {
    /// Later reads carry the bytes themselves (read when the request is answered).
    type Later = Bytes;

    fn open(
        &self,
        share: ShareId,
        call: &OpenCall,
    ) -> Result<(Handle, FileInfo, CreateAction), NtStatus> {
        check_share(share)?;
        let mut s = self.state.lock();
        let existing = s.lookup(&call.path);
        let (id, action) = match (existing, call.disposition) {
            (Some(_), Disposition::Create) => return Err(NtStatus::OBJECT_NAME_COLLISION),
            (None, Disposition::Open | Disposition::Overwrite) => {
                s.parent_ok(&call.path)?;
                return Err(NtStatus::OBJECT_NAME_NOT_FOUND);
            }
            (None, _) => (
                s.create(&call.path, call.kind == Kind::Directory)?,
                CreateAction::Created,
            ),
            (Some(id), d) => {
                let n = s.nodes.get_mut(&id).ok_or(NtStatus::INTERNAL_ERROR)?;
                match call.kind {
                    Kind::Directory if !n.is_dir => return Err(NtStatus::NOT_A_DIRECTORY),
                    Kind::File if n.is_dir => return Err(NtStatus::FILE_IS_A_DIRECTORY),
                    _ => {}
                }
                let action = match d {
                    Disposition::Supersede => CreateAction::Superseded,
                    Disposition::Overwrite | Disposition::OverwriteIf => CreateAction::Overwritten,
                    _ => CreateAction::Opened,
                };
                if action != CreateAction::Opened {
                    if n.is_dir {
                        return Err(NtStatus::FILE_IS_A_DIRECTORY);
                    }
                    n.data.clear();
                }
                (id, action)
            }
        };
        let h = s.next;
        s.next += 1;
        s.handles.insert(h, id);
        let n = s.nodes.get(&id).ok_or(NtStatus::INTERNAL_ERROR)?;
        Ok((Handle(h), info(id, n), action))
    }

    fn read(&self, handle: Handle, offset: u64, len: u32) -> Result<Bytes, NtStatus> {
        let s = self.state.lock();
        let id = s.handles.get(&handle.0).ok_or(NtStatus::INVALID_HANDLE)?;
        let n = s.nodes.get(id).ok_or(NtStatus::INVALID_HANDLE)?;
        if n.is_dir {
            return Err(NtStatus::INVALID_DEVICE_REQUEST);
        }
        let start = (offset.min(n.data.len() as u64)) as usize;
        let end = (start + len as usize).min(n.data.len());
        Ok(Bytes::copy_from_slice(&n.data[start..end]))
    }

    fn read_later(
        &self,
        handle: Handle,
        offset: u64,
        len: u32,
    ) -> Result<Option<LaterRead<Bytes>>, NtStatus> {
        if !self.later_reads {
            return Ok(None);
        }
        let b = self.read(handle, offset, len)?;
        if b.is_empty() {
            return Ok(None);
        }
        self.later_given.fetch_add(1, Ordering::Relaxed);
        Ok(Some(LaterRead {
            len: b.len() as u32,
            source: b,
        }))
    }

    fn write(
        &self,
        handle: Handle,
        offset: u64,
        data: &[u8],
        _write_through: bool,
    ) -> Result<u32, NtStatus> {
        let max = self.max_file_size;
        let mut s = self.state.lock();
        let id = *s.handles.get(&handle.0).ok_or(NtStatus::INVALID_HANDLE)?;
        let n = s.nodes.get_mut(&id).ok_or(NtStatus::INVALID_HANDLE)?;
        if n.is_dir {
            return Err(NtStatus::INVALID_DEVICE_REQUEST);
        }
        let end = offset
            .checked_add(data.len() as u64)
            .ok_or(NtStatus::DISK_FULL)?;
        if end > max {
            return Err(NtStatus::DISK_FULL);
        }
        let (o, e) = (offset as usize, end as usize);
        if n.data.len() < e {
            n.data.resize(e, 0);
        }
        n.data[o..e].copy_from_slice(data);
        n.written += 1;
        Ok(data.len() as u32)
    }

    fn flush(&self, handle: Handle) -> Result<(), NtStatus> {
        let s = self.state.lock();
        s.handles
            .get(&handle.0)
            .map(|_| ())
            .ok_or(NtStatus::INVALID_HANDLE)
    }

    fn close(&self, handle: Handle, set_written: Option<u64>) -> Result<(), NtStatus> {
        let mut s = self.state.lock();
        let id = s
            .handles
            .remove(&handle.0)
            .ok_or(NtStatus::INVALID_HANDLE)?;
        if let (Some(t), Some(n)) = (set_written, s.nodes.get_mut(&id)) {
            n.written = t;
        }
        // Nodes no longer reachable by name and no longer open disappear.
        if !s.paths.values().any(|&v| v == id) && !s.handles.values().any(|&v| v == id) {
            s.nodes.remove(&id);
        }
        Ok(())
    }

    fn stat(&self, share: ShareId, target: &Target) -> Result<FileInfo, NtStatus> {
        check_share(share)?;
        let s = self.state.lock();
        if let Target::Path(p) = target
            && s.lookup(p).is_none()
        {
            s.parent_ok(p)?;
        }
        let id = s.target(target)?;
        let n = s.nodes.get(&id).ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
        Ok(info(id, n))
    }

    fn read_dir(&self, share: ShareId, path: &SharePath) -> Result<Vec<FileInfo>, NtStatus> {
        check_share(share)?;
        let s = self.state.lock();
        let id = s.lookup(path).ok_or(NtStatus::OBJECT_PATH_NOT_FOUND)?;
        if !s.nodes.get(&id).is_some_and(|n| n.is_dir) {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        let prefix = if path.is_root() {
            String::new()
        } else {
            alloc::format!("{}/", path.fold())
        };
        let mut v = Vec::new();
        for (k, id) in s.paths.range(prefix.clone()..) {
            if !k.starts_with(&prefix) {
                break;
            }
            let rest = &k[prefix.len()..];
            if rest.is_empty() || rest.contains('/') {
                continue;
            }
            if let Some(n) = s.nodes.get(id) {
                v.push(info(*id, n));
            }
        }
        Ok(v)
    }

    fn set_info(&self, share: ShareId, target: &Target, set: &SetInfo) -> Result<(), NtStatus> {
        check_share(share)?;
        let max = self.max_file_size;
        let mut s = self.state.lock();
        let id = s.target(target)?;
        let n = s
            .nodes
            .get_mut(&id)
            .ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
        if let Some(size) = set.size {
            if n.is_dir {
                return Err(NtStatus::INVALID_PARAMETER);
            }
            if size > max {
                return Err(NtStatus::DISK_FULL);
            }
            n.data.resize(size as usize, 0);
        }
        if let Some(w) = set.times.written {
            n.written = w;
        }
        if let Some(a) = set.attributes {
            n.attributes = a & (ext_attr::READONLY | ext_attr::HIDDEN | ext_attr::SYSTEM);
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
        check_share(share)?;
        let mut s = self.state.lock();
        let id = s.lookup(from).ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
        s.parent_ok(to)?;
        let (fk, tk) = (from.fold(), to.fold());
        if tk.starts_with(&alloc::format!("{fk}/")) {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        if let Some(old) = s.lookup(to)
            && old != id
        {
            if !replace || s.nodes.get(&old).is_some_and(|n| n.is_dir) {
                return Err(NtStatus::OBJECT_NAME_COLLISION);
            }
            s.paths.remove(&tk);
            if !s.handles.values().any(|&v| v == old) {
                s.nodes.remove(&old);
            }
        }
        // Move the entry and everything below it.
        let below: Vec<(String, u64)> = s
            .paths
            .iter()
            .filter(|(k, _)| **k == fk || k.starts_with(&alloc::format!("{fk}/")))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        for (k, v) in below {
            s.paths.remove(&k);
            s.paths.insert(alloc::format!("{tk}{}", &k[fk.len()..]), v);
        }
        if let Some(n) = s.nodes.get_mut(&id) {
            n.name = to.file_name().into();
        }
        Ok(())
    }

    fn delete(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        check_share(share)?;
        let mut s = self.state.lock();
        let id = s.lookup(path).ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
        if s.nodes.get(&id).is_some_and(|n| n.is_dir) {
            return Err(NtStatus::FILE_IS_A_DIRECTORY);
        }
        s.paths.remove(&path.fold());
        if !s.handles.values().any(|&v| v == id) {
            s.nodes.remove(&id);
        }
        Ok(())
    }

    fn mkdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        check_share(share)?;
        let mut s = self.state.lock();
        if s.lookup(path).is_some() {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        s.create(path, true).map(|_| ())
    }

    fn rmdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus> {
        check_share(share)?;
        let mut s = self.state.lock();
        let id = s.lookup(path).ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
        if !s.nodes.get(&id).is_some_and(|n| n.is_dir) {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        let prefix = alloc::format!("{}/", path.fold());
        if s.paths.keys().any(|k| k.starts_with(&prefix)) {
            return Err(NtStatus::DIRECTORY_NOT_EMPTY);
        }
        s.paths.remove(&path.fold());
        if !s.handles.values().any(|&v| v == id) {
            s.nodes.remove(&id);
        }
        Ok(())
    }

    fn fs_info(&self, share: ShareId) -> Result<FsInfo, NtStatus> {
        check_share(share)?;
        Ok(FsInfo {
            total_bytes: 1 << 30,
            free_bytes: 1 << 29,
            block_size: 4096,
            serial: 0x1234_5678,
            label: "mem".into(),
            fs_name: "NTFS".into(),
        })
    }

    fn get_eas(&self, share: ShareId, target: &Target) -> Result<Vec<Ea>, NtStatus> {
        check_share(share)?;
        let s = self.state.lock();
        let id = s.target(target)?;
        Ok(s.nodes.get(&id).map(|n| n.eas.clone()).unwrap_or_default())
    }

    fn set_eas(&self, share: ShareId, target: &Target, eas: &[Ea]) -> Result<(), NtStatus> {
        check_share(share)?;
        let mut s = self.state.lock();
        let id = s.target(target)?;
        let n = s
            .nodes
            .get_mut(&id)
            .ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
        for ea in eas {
            let key = fold_case(&ea.name);
            n.eas.retain(|e| fold_case(&e.name) != key);
            if !ea.value.is_empty() {
                n.eas.push(ea.clone());
            }
            if n.eas.len() > 64 {
                return Err(NtStatus::EA_CORRUPT_ERROR);
            }
        }
        Ok(())
    }
}
