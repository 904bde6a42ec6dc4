//! The tables of one server connection: sessions, trees, open files, searches, what was
//! negotiated, and the bookkeeping of file-system requests and timers its request tasks
//! share. The request handlers read and change these through [`Cx`](super::cx::Cx);
//! the connection shell ([`ServerConnection`](super::ServerConnection)) owns them.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::config::ServerConfig;
use super::event::ServerEvent;
use super::fs::{ErasedLater, FsRequest, FsResult, Handle, ShareId, SharePath};
use super::shared::SharedState;
use crate::auth::{Identity, NtlmServer};
use crate::exec::TaskId;
use crate::rng::Rng;
use crate::signing::SigningState;
use crate::time::{Instant, Now};
use crate::wire::msg::DirEntry;

/// One authenticated (or in-progress) session.
#[derive(Debug)]
pub(crate) struct Session {
    pub user: String,
    pub identity: Identity,
    pub established: bool,
    pub ntlm: Option<NtlmServer>,
}

/// One connected tree.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    /// `None` for IPC$.
    pub share: Option<ShareId>,
    pub read_only: bool,
}

/// One open file or directory.
#[derive(Debug, Clone)]
pub(crate) struct OpenFile {
    pub tid: u16,
    pub uid: u16,
    pub handle: Handle,
    pub share: ShareId,
    pub path: SharePath,
    pub file_id: u64,
    pub access: u32,
    pub is_dir: bool,
    pub delete_on_close: bool,
    pub pid: u32,
    /// Opened in DENY_DOS or DENY_FCB mode: a repeated open by the same process gets a
    /// FID on this open's handle (see `handlers::dos_open`).
    pub compat: bool,
    /// Offset of the last byte-range lock refused on this open (Samba's
    /// `lock_failure_offset`): a repeat spins briefly and fails with FILE_LOCK_CONFLICT.
    pub lock_failure: Option<u64>,
    /// SMB_COM_SEEK's position (where the last read or write ended, or a seek put it).
    pub seek_pos: i64,
    /// FilePositionInformation (set by the client, moved by reads).
    pub position: u64,
}

/// A LOCKING_ANDX request waiting for its ranges. Requests still waiting block later
/// requests on the same FID that want an overlapping range (Windows grants locks in the
/// order they were asked for), and LOCKING_ANDX_CANCEL_LOCK finds them here.
#[derive(Debug, Clone)]
pub(crate) struct PendingLock {
    pub mid: u16,
    pub fid: u16,
    /// The request used the 64-bit range form (a cancel must use the same form).
    pub large: bool,
    pub exclusive: bool,
    /// PID, offset and length of each range.
    pub ranges: Vec<(u32, u64, u64)>,
    /// Set by a cancel: the status the request ends with.
    pub finish: Option<crate::wire::NtStatus>,
}

/// One search (FIND_FIRST2 handle).
#[derive(Debug)]
pub(crate) struct Search {
    pub tid: u16,
    pub entries: Vec<DirEntry>,
    pub pos: usize,
    /// What a FIND_FIRST2 search lists again on each FIND_NEXT2 (`pos` is then an index
    /// into its `order`); `None` for searches that page through `entries`.
    pub source: Option<SearchSource>,
}

/// A live search: the folder, pattern and attributes, and every name seen in it so far in
/// listing order (`.` and `..` first; deleted names stay, as places to resume after).
#[derive(Debug, Clone)]
pub(crate) struct SearchSource {
    pub share: ShareId,
    pub dir: SharePath,
    pub pattern: String,
    pub attrs: u16,
    pub order: Vec<String>,
    /// The EA names of a QUERY_EAS_FROM_LIST search.
    pub ea_names: Vec<String>,
}

/// Negotiated parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Negotiated {
    pub done: bool,
    pub challenge: [u8; 8],
    pub extended: bool,
    /// The client's MaxBufferSize from its session setup.
    pub client_max_buffer: u16,
    pub client_caps: u32,
}

/// Per-connection state, shared with the request tasks.
pub(crate) struct Inner {
    pub config: Arc<ServerConfig>,
    pub shared: SharedState,
    pub conn_id: u64,
    pub now: Now,
    pub rng: Rng,
    pub neg: Negotiated,
    pub sessions: BTreeMap<u16, Session>,
    pub trees: BTreeMap<u16, Tree>,
    pub files: BTreeMap<u16, OpenFile>,
    pub searches: BTreeMap<u16, Search>,
    /// LOCKING_ANDX requests waiting, oldest first.
    pub pending_locks: Vec<PendingLock>,
    /// Named pipes open on IPC$ (their FIDs come from the same space as files').
    pub pipes: BTreeMap<u16, super::handlers::Pipe>,
    pub signing: Option<SigningState>,
    pub fs_queue: VecDeque<FsRequest>,
    pub fs_results: BTreeMap<u64, FsResult<ErasedLater>>,
    pub op_owner: BTreeMap<u64, TaskId>,
    /// Every request handed to (or queued for) the host and not answered yet: its share
    /// and, for a close, the handle it closes.
    pub op_info: BTreeMap<u64, (ShareId, Option<Handle>)>,
    /// Handles the host holds open for this connection (from its `Opened` answers).
    pub host_handles: BTreeMap<u64, ShareId>,
    /// Handles a close has been asked for.
    pub close_requested: BTreeSet<u64>,
    pub next_op: u64,
    pub current_task: Option<TaskId>,
    pub timers: BTreeMap<TaskId, Instant>,
    pub cancelled: BTreeSet<u16>,
    pub pending_mids: BTreeMap<u16, TaskId>,
    /// Request tasks waiting for a change of the shared state (see `cross.rs`).
    pub waiting: BTreeSet<TaskId>,
    /// What this connection's file-system requests change (see `changes.rs`).
    pub notes: super::changes::Notes,
    pub events: VecDeque<ServerEvent>,
    pub next_uid: u16,
    pub next_tid: u16,
    pub next_fid: u16,
    pub next_sid: u16,
    /// Pre-NT dialect state (the negotiated family, raw mode).
    pub lanman: super::lanman::LanmanState,
    /// The 8.3 names this connection was shown for long names, newest last.
    pub short_names: super::shortname::Issued,
    /// Per-share access: the trees' rights, what running requests work on.
    pub access: super::access::AccessBook,
    /// Audit: calls whose answers make events, open handles and bytes written.
    pub audit: super::audit::AuditBook,
}

impl Inner {
    /// The state of a new connection.
    pub fn new(
        config: Arc<ServerConfig>,
        shared: SharedState,
        conn_id: u64,
        now: Now,
        rng: Rng,
    ) -> Self {
        Self {
            config,
            shared,
            conn_id,
            now,
            rng,
            neg: Negotiated::default(),
            sessions: BTreeMap::new(),
            trees: BTreeMap::new(),
            files: BTreeMap::new(),
            searches: BTreeMap::new(),
            pending_locks: Vec::new(),
            pipes: BTreeMap::new(),
            signing: None,
            fs_queue: VecDeque::new(),
            fs_results: BTreeMap::new(),
            op_owner: BTreeMap::new(),
            op_info: BTreeMap::new(),
            host_handles: BTreeMap::new(),
            close_requested: BTreeSet::new(),
            next_op: 1,
            current_task: None,
            timers: BTreeMap::new(),
            cancelled: BTreeSet::new(),
            pending_mids: BTreeMap::new(),
            waiting: BTreeSet::new(),
            notes: Default::default(),
            events: VecDeque::new(),
            next_uid: 100,
            next_tid: 1,
            next_fid: 0x4000,
            next_sid: 1,
            lanman: Default::default(),
            short_names: Default::default(),
            access: Default::default(),
            audit: Default::default(),
        }
    }

    /// Takes the open files `keep` selects out of the table (the caller closes them).
    pub fn take_files(
        &mut self,
        mut take: impl FnMut(&OpenFile) -> bool,
    ) -> BTreeMap<u16, OpenFile> {
        let fids: Vec<u16> = self
            .files
            .iter()
            .filter(|(_, f)| take(f))
            .map(|(k, _)| *k)
            .collect();
        fids.into_iter()
            .filter_map(|f| self.files.remove(&f).map(|o| (f, o)))
            .collect()
    }

    /// Disconnects a tree: forgets it and its searches; returns its open files (the
    /// caller closes them).
    pub fn detach_tree(&mut self, tid: u16) -> BTreeMap<u16, OpenFile> {
        self.trees.remove(&tid);
        self.searches.retain(|_, s| s.tid != tid);
        self.close_pipes(|_, p| p.tid == tid);
        self.take_files(|f| f.tid == tid)
    }

    /// Ends a session: forgets it; returns its open files (the caller closes them). Its
    /// trees stay: in SMB1 they belong to the connection, and another session may go on
    /// using them (as on Windows and Samba).
    pub fn detach_session(&mut self, uid: u16) -> BTreeMap<u16, OpenFile> {
        self.sessions.remove(&uid);
        self.close_pipes(|_, p| p.uid == uid);
        self.take_files(|f| f.uid == uid)
    }

    fn alloc_id(next: &mut u16, used: impl Fn(u16) -> bool) -> Option<u16> {
        for _ in 0..0x10000u32 {
            let v = *next;
            *next = next.wrapping_add(1);
            if v != 0 && v != 0xFFFF && !used(v) {
                return Some(v);
            }
        }
        None
    }

    pub fn new_uid(&mut self) -> Option<u16> {
        let s = &self.sessions;
        Self::alloc_id(&mut self.next_uid, |v| s.contains_key(&v))
    }

    pub fn new_tid(&mut self) -> Option<u16> {
        let s = &self.trees;
        Self::alloc_id(&mut self.next_tid, |v| s.contains_key(&v))
    }

    pub fn new_fid(&mut self) -> Option<u16> {
        let (s, p) = (&self.files, &self.pipes);
        Self::alloc_id(&mut self.next_fid, |v| {
            s.contains_key(&v) || p.contains_key(&v)
        })
    }

    pub fn new_sid(&mut self) -> Option<u16> {
        let s = &self.searches;
        Self::alloc_id(&mut self.next_sid, |v| s.contains_key(&v))
    }
}
