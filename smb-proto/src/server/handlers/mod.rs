//! Request handlers: one async function per command, run as tasks by the connection.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;

use super::cx::Cx;
use super::event::{RefusalReason, ServerEvent};
use super::fs::{ErasedLater, LaterRead, ShareId};
use super::state::{OpenFile, Tree};
use crate::wire::msg::negotiate::caps;
use crate::wire::msg::*;
use crate::wire::{
    Command, ErrorResponse, Flags2, Header, Message, MessageBody, NtStatus, Request, Response,
};

mod core_open;
mod defer;
mod dos_open;
mod files;
mod find;
mod info2;
mod ipc;
mod lock;
mod names;
mod notify;
mod nt_rename;
mod nttrans;
mod oem;
mod open;
mod open_trans;
mod oplock;
mod pipe;
mod rap;
mod raw;
mod search;
mod seek;
mod session;
mod session_lanman;
mod setinfo;
mod trans2;
mod tree;
mod tree_core;

pub(crate) use open::close_all;
pub(crate) use oplock::break_message;
pub(crate) use pipe::Pipe;
pub(crate) use raw::raw_write_data;

/// The server's own capabilities.
pub(crate) const SERVER_CAPS: u32 = caps::UNICODE
    | caps::LARGE_FILES
    | caps::NT_SMBS
    | caps::RPC_REMOTE_APIS
    | caps::STATUS32
    | caps::LEVEL_II_OPLOCKS
    | caps::LOCK_AND_READ
    | caps::NT_FIND
    | caps::INFOLEVEL_PASSTHRU
    | caps::LARGE_READX
    | caps::LARGE_WRITEX;

/// Per-block request context (the UID and TID can change along an AndX chain).
#[derive(Debug, Clone)]
pub(crate) struct Rc {
    pub h: Header,
    pub uid: u16,
    pub tid: u16,
    pub unicode: bool,
    /// The command being served is the last of its AndX chain.
    pub last: bool,
    /// The file an earlier command of this AndX chain opened: later commands of the chain
    /// act on it whatever FID they name (clients send 0), as on Windows and Samba.
    pub chain_fid: Option<u16>,
}

impl Rc {
    pub fn pid(&self) -> u32 {
        self.h.pid()
    }

    /// The PID byte-range locks are owned by: the low 16 bits only, as in the lock
    /// entries of LOCKING_ANDX (Windows ignores PIDHigh here).
    pub fn lock_pid(&self) -> u32 {
        self.h.pid_low as u32
    }
}

/// A handler's successful answer.
pub(crate) struct Answer {
    pub body: Response,
    pub status: NtStatus,
    pub uid: Option<u16>,
    pub tid: Option<u16>,
    /// More whole messages to send after this one (ECHO, multi-part TRANS2).
    pub extra: Vec<Message<Response>>,
    /// Send no response at all.
    pub silent: bool,
    /// File bytes the host writes after the response (a READ_ANDX ending the chain).
    pub later: Option<LaterRead<ErasedLater>>,
    /// Bytes sent as the whole session message instead of an SMB response (READ_RAW).
    pub raw: Option<bytes::Bytes>,
}

impl Answer {
    pub fn ok(body: impl Into<Response>) -> Self {
        Self {
            body: body.into(),
            status: NtStatus::SUCCESS,
            uid: None,
            tid: None,
            extra: Vec::new(),
            silent: false,
            later: None,
            raw: None,
        }
    }

    /// A READ_RAW answer: these bytes alone, without an SMB header.
    pub fn raw(data: bytes::Bytes) -> Self {
        let mut a = Self::silent();
        a.raw = Some(data);
        a
    }

    pub fn silent() -> Self {
        let mut a = Self::ok(Response::Error(ErrorResponse {
            command: Command::NT_CANCEL,
        }));
        a.silent = true;
        a
    }
}

pub(crate) type HResult = Result<Answer, NtStatus>;

fn response_flags2(cx: &Cx, req: Flags2) -> Flags2 {
    let keep = Flags2::UNICODE
        | Flags2::NT_STATUS
        | Flags2::EXTENDED_SECURITY
        | Flags2::LONG_NAMES
        | Flags2::EAS
        | Flags2::IS_LONG_NAME;
    let mut f = req.0 & keep;
    if cx.with(|i| i.signing.is_some()) {
        f |= Flags2::SECURITY_SIGNATURE;
    }
    Flags2(f)
}

fn reply_header(cx: &Cx, h: &Header, status: NtStatus, uid: u16, tid: u16) -> Header {
    let mut r = h.reply(NtStatus::SUCCESS);
    r.flags2 = response_flags2(cx, h.flags2);
    // These "statuses" are DOS errors by nature; clients expect them in DOS form even when
    // they asked for NT status codes (as Samba and Windows send them).
    if status.is_dos() {
        r.flags2 = Flags2(r.flags2.0 & !Flags2::NT_STATUS);
    }
    r.set_status(status);
    r.uid = uid;
    r.tid = tid;
    r
}

/// An error response for a request that could not be decoded.
pub(crate) fn error_message(
    cx: &Cx,
    h: &Header,
    cmd: Command,
    status: NtStatus,
) -> Message<Response> {
    Message::new(
        reply_header(cx, h, status, h.uid, h.tid),
        Response::Error(ErrorResponse { command: cmd }),
    )
}

/// The responses to one request message.
pub(crate) struct Served {
    pub msgs: Vec<Message<Response>>,
    /// When this request activated signing: the sequence number its response is signed
    /// with.
    pub activated: Option<u32>,
    /// File bytes the host writes right after the first message.
    pub later: Option<LaterRead<ErasedLater>>,
    /// A session message without an SMB header to send instead of `msgs` (READ_RAW).
    pub raw: Option<bytes::Bytes>,
}

/// Serves one request message (an AndX chain).
pub(crate) async fn serve(cx: &Cx, msg: Message<Request>) -> Served {
    let h = msg.header.clone();
    let mut rc = Rc {
        unicode: h.flags2.is_unicode(),
        uid: h.uid,
        tid: h.tid,
        h: h.clone(),
        last: false,
        chain_fid: None,
    };
    let signing_before = cx.with(|i| i.signing.is_some());
    let mut blocks: Vec<Response> = Vec::new();
    let mut status = NtStatus::SUCCESS;
    let mut extra = Vec::new();
    let mut silent = false;
    let mut later = None;
    let mut raw = None;
    let n = msg.blocks.len();
    for (k, block) in msg.blocks.into_iter().enumerate() {
        let cmd = block.body.command();
        rc.last = k + 1 == n;
        let path = request_path(&block.body);
        let connecting = match &block.body {
            Request::TreeConnectAndX(r) => Some(share_named(cx, &r.path)),
            Request::TreeConnect(r) => Some(share_named(cx, &r.path)),
            _ => None,
        };
        let result = dispatch(cx, &mut rc, block.body).await;
        if let Err(s @ (NtStatus::ACCESS_DENIED | NtStatus::NETWORK_ACCESS_DENIED)) = result {
            let (user, share) = who(cx, &rc);
            let share = connecting.or(share);
            refuse(cx, user, share, path, s, RefusalReason::AccessDenied);
        }
        match result {
            Ok(a) => {
                if let Some(u) = a.uid {
                    rc.uid = u;
                }
                if let Some(t) = a.tid {
                    rc.tid = t;
                }
                if let Some(fid) = opened_fid(&a.body) {
                    rc.chain_fid = Some(fid);
                }
                silent |= a.silent;
                raw = raw.or(a.raw);
                blocks.push(a.body);
                extra.extend(a.extra);
                if rc.last {
                    later = a.later;
                }
                if !a.status.is_success() {
                    status = a.status;
                    break;
                }
            }
            Err(s) => {
                blocks.push(Response::Error(ErrorResponse { command: cmd }));
                status = s;
                break;
            }
        }
    }
    let activated = (!signing_before && cx.with(|i| i.signing.is_some())).then_some(1);
    if silent {
        return Served {
            msgs: Vec::new(),
            activated,
            later: None,
            raw,
        };
    }
    let header = reply_header(cx, &h, status, rc.uid, rc.tid);
    let mut m = Message::new(header, blocks.remove(0));
    for b in blocks {
        m = m.and_then(b);
    }
    let mut out = vec![m];
    out.extend(extra);
    Served {
        msgs: out,
        activated,
        later,
        raw: None,
    }
}

/// The path a request names, for the log of a refusal (TRANS2 paths are not looked for).
fn request_path(req: &Request) -> Option<String> {
    let p = match req {
        Request::NtCreateAndX(r) => &r.file_name,
        Request::OpenAndX(r) => &r.file_name,
        Request::Open(r) => &r.file_name,
        Request::Create(r) => &r.file_name,
        Request::CreateNew(r) => &r.file_name,
        Request::Delete(r) => &r.file_name,
        Request::Rename(r) => &r.old_file_name,
        Request::NtRename(r) => &r.old_file_name,
        Request::CreateDirectory(r) => &r.directory_name,
        Request::DeleteDirectory(r) => &r.directory_name,
        Request::CheckDirectory(r) => &r.directory_name,
        Request::QueryInformation(r) => &r.file_name,
        Request::SetInformation(r) => &r.file_name,
        Request::Search(r) => &r.file_name,
        _ => return None,
    };
    Some(p.clone())
}

/// The share a tree connect names (`\\SERVER\SHARE`), as configured when it exists,
/// else as the client wrote it.
fn share_named(cx: &Cx, path: &str) -> String {
    let name = path.rsplit(['\\', '/']).next().unwrap_or("");
    cx.with(|i| {
        i.config
            .find_share(name)
            .and_then(|s| i.config.shares.get(s.0 as usize))
            .map_or_else(|| String::from(name), |s| s.name.clone())
    })
}

/// The session's user name and the tree's share name, as far as they exist.
pub(crate) fn who(cx: &Cx, rc: &Rc) -> (String, Option<String>) {
    cx.with(|i| {
        let user = i
            .sessions
            .get(&rc.uid)
            .map(|s| s.user.clone())
            .unwrap_or_default();
        let share = i.trees.get(&rc.tid).map(|t| match t.share {
            Some(id) => i
                .config
                .shares
                .get(id.0 as usize)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            None => String::from("IPC$"),
        });
        (user, share)
    })
}

/// Reports a refusal to the host ([`ServerEvent::Refused`]).
pub(crate) fn refuse(
    cx: &Cx,
    user: String,
    share: Option<String>,
    path: Option<String>,
    status: NtStatus,
    reason: RefusalReason,
) {
    cx.with(|i| {
        crate::server::audit::refusing(i, reason);
        i.events.push_back(ServerEvent::Refused {
            user,
            share,
            path,
            status,
            reason,
        })
    });
}

/// Checks the UID: an established session.
pub(crate) fn check_uid(cx: &Cx, rc: &Rc) -> Result<(), NtStatus> {
    cx.with(|i| match i.sessions.get(&rc.uid) {
        Some(s) if s.established => Ok(()),
        _ => Err(NtStatus::SMB_BAD_UID),
    })
}

/// Checks UID and TID; returns the tree. The request's file-system calls are checked
/// against this tree's rights from now on.
pub(crate) fn check_tree(cx: &Cx, rc: &Rc) -> Result<Tree, NtStatus> {
    check_uid(cx, rc)?;
    cx.with(|i| {
        crate::server::access::enter(i, rc.uid, rc.tid);
        i.trees.get(&rc.tid).cloned()
    })
    .ok_or(NtStatus::SMB_BAD_TID)
}

/// Checks UID and TID and that the tree is a disk share; returns the share and whether it
/// is read-only.
pub(crate) fn check_disk(cx: &Cx, rc: &Rc) -> Result<(ShareId, bool), NtStatus> {
    let t = check_tree(cx, rc)?;
    match t.share {
        Some(s) => Ok((s, t.read_only)),
        None => Err(NtStatus::ACCESS_DENIED),
    }
}

/// The FID a response opened, for the commands chained after it.
fn opened_fid(body: &Response) -> Option<u16> {
    match body {
        Response::NtCreateAndX(r) => Some(r.fid),
        Response::OpenAndX(r) => Some(r.fid),
        _ => None,
    }
}

/// The FID a command means: the file its AndX chain opened, if it did, else the one it
/// names.
pub(crate) fn chained_fid(rc: &Rc, fid: u16) -> u16 {
    rc.chain_fid.unwrap_or(fid)
}

/// Looks up a FID of this tree and session (the file the AndX chain opened, if it did).
pub(crate) fn check_fid(cx: &Cx, rc: &Rc, fid: u16) -> Result<OpenFile, NtStatus> {
    check_tree(cx, rc)?;
    let fid = chained_fid(rc, fid);
    // A FID belongs to the tree and the session that opened it (as on Windows).
    cx.with(|i| {
        i.files
            .get(&fid)
            .filter(|f| f.tid == rc.tid && f.uid == rc.uid)
            .cloned()
    })
    .ok_or(NtStatus::INVALID_HANDLE)
}

/// A handler's future on the heap, behind `dyn Future`. Every arm of [`dispatch`] goes
/// through it, so that no single state machine holds every handler: the compiler would
/// otherwise inline them all into one function, which LLVM's SLP vectorizer took 12
/// minutes to optimise (a release build of `smb`), and a request costs one allocation
/// more, next to the ones its handler makes anyway.
fn boxed<'a, T>(
    f: impl Future<Output = T> + Send + 'a,
) -> Pin<Box<dyn Future<Output = T> + Send + 'a>> {
    Box::pin(f)
}

/// A handler that retries sharing violations for about a second (see [`defer`]), boxed
/// as [`boxed`] does.
fn retried<'a, Q, Fut>(
    cx: &'a Cx,
    rc: &'a Rc,
    r: Q,
    handler: impl Fn(&'a Cx, &'a Rc, Q) -> Fut + Send + 'a,
) -> Pin<Box<dyn Future<Output = HResult> + Send + 'a>>
where
    Q: Clone + Send + 'a,
    Fut: Future<Output = HResult> + Send + 'a,
{
    boxed(defer::retry_sharing(cx, move || handler(cx, rc, r.clone())))
}

async fn dispatch(cx: &Cx, rc: &mut Rc, req: Request) -> HResult {
    let req = boxed(oem::request_in(cx, rc, req)).await;
    match req {
        Request::Negotiate(r) => session::negotiate(cx, rc, r),
        Request::SessionSetupAndX(r) => {
            let probe = crate::server::audit::LogonProbe::of(&r);
            cx.with(crate::server::audit::logon_starts);
            let res = boxed(session::session_setup(cx, rc, r)).await;
            if let Err(s) = res {
                cx.with(|i| probe.refused(i, s));
            }
            res
        }
        Request::LogoffAndX(_) => boxed(session::logoff(cx, rc)).await,
        Request::TreeConnectAndX(r) => boxed(tree::tree_connect(cx, rc, r)).await,
        Request::TreeDisconnect(_) => boxed(tree::tree_disconnect(cx, rc)).await,
        Request::Echo(r) => echo(cx, rc, r),
        Request::NtCancel(_) => {
            // Only a request still running can be cancelled.
            cx.with(|i| {
                if i.pending_mids.contains_key(&rc.h.mid) {
                    i.cancelled.insert(rc.h.mid);
                }
            });
            Ok(Answer::silent())
        }
        // Named pipes: opens on IPC$, and I/O and closes on pipe FIDs.
        Request::NtCreateAndX(r) if pipe::on_ipc(cx, rc) => boxed(pipe::nt_create(cx, rc, r)).await,
        Request::OpenAndX(r) if pipe::on_ipc(cx, rc) => boxed(pipe::open_andx(cx, rc, r)).await,
        Request::ReadAndX(r) if pipe::is_pipe(cx, r.fid) => boxed(pipe::read_andx(cx, rc, r)).await,
        Request::WriteAndX(r) if pipe::is_pipe(cx, r.fid) => {
            boxed(pipe::write_andx(cx, rc, r)).await
        }
        Request::Close(r) if pipe::is_pipe(cx, r.fid) => boxed(pipe::close(cx, rc, r)).await,
        Request::NtCreateAndX(r) => boxed(open::nt_create(cx, rc, r)).await,
        Request::OpenAndX(r) => retried(cx, rc, r, open::open_andx).await,
        Request::ReadAndX(r) => boxed(files::read_andx(cx, rc, r)).await,
        Request::WriteAndX(r) => boxed(files::write_andx(cx, rc, r)).await,
        Request::Close(r) => boxed(files::close(cx, rc, r)).await,
        Request::Flush(r) => boxed(files::flush(cx, rc, r)).await,
        Request::Seek(r) => boxed(seek::seek(cx, rc, r)).await,
        Request::LockingAndX(r) => boxed(lock::locking(cx, rc, r)).await,
        Request::LockAndRead(r) => boxed(lock::lock_and_read(cx, rc, r)).await,
        Request::Read(r) => boxed(files::read_core(cx, rc, r)).await,
        Request::Write(r) => boxed(files::write_core(cx, rc, r)).await,
        Request::WriteAndClose(r) => boxed(files::write_and_close(cx, rc, r)).await,
        Request::WriteAndUnlock(r) => boxed(files::write_and_unlock(cx, rc, r)).await,
        // Like Samba, the SMB1 opens, deletes and renames retry sharing violations.
        Request::CreateTemporary(r) => retried(cx, rc, r, open::create_temporary).await,
        Request::Open(r) => retried(cx, rc, r, core_open::open_core).await,
        Request::Create(r) => retried(cx, rc, r, core_open::create).await,
        Request::CreateNew(r) => retried(cx, rc, r, core_open::create_new).await,
        Request::QueryInformation2(r) => boxed(info2::query_information2(cx, rc, r)).await,
        Request::LockByteRange(r) => boxed(lock::lock_byte_range(cx, rc, r)).await,
        Request::UnlockByteRange(r) => boxed(lock::unlock_byte_range(cx, rc, r)).await,
        Request::ProcessExit(_) => boxed(files::process_exit(cx, rc)).await,
        Request::Delete(r) => retried(cx, rc, r, names::delete).await,
        Request::Rename(r) => {
            let rc: &Rc = rc;
            retried(cx, rc, r, names::rename)
                .await
                .map_err(|e| collision_as(rc, e, NtStatus::SMB_ALREADY_EXISTS))
        }
        Request::NtRename(r) => boxed(nt_rename::nt_rename(cx, rc, r)).await,
        Request::CreateDirectory(r) => boxed(names::mkdir(cx, rc, &r.directory_name))
            .await
            .map_err(|e| collision_as(rc, e, NtStatus::SMB_NO_ACCESS))
            .map(|()| Answer::ok(CreateDirectoryResponse)),
        Request::DeleteDirectory(r) => retried(cx, rc, r, names::rmdir).await,
        Request::CheckDirectory(r) => boxed(names::check_directory(cx, rc, r)).await,
        Request::QueryInformation(r) => boxed(names::query_information(cx, rc, r)).await,
        Request::SetInformation(r) => boxed(names::set_information(cx, rc, r)).await,
        Request::QueryInformationDisk(_) => boxed(names::query_disk(cx, rc)).await,
        Request::Search(r) => boxed(find::search(cx, rc, r)).await,
        Request::Trans2(r) => boxed(trans2::trans2(cx, rc, r)).await,
        Request::FindClose2(r) => {
            check_tree(cx, rc)?;
            cx.with(|i| i.searches.remove(&r.sid))
                .ok_or(NtStatus::INVALID_HANDLE)?;
            Ok(Answer::ok(FindClose2Response))
        }
        Request::Transaction(r) => boxed(ipc::transaction(cx, rc, r)).await,
        Request::NtTransact(r) => boxed(files::nt_transact(cx, rc, r)).await,
        Request::TreeConnect(r) => boxed(tree_core::tree_connect_core(cx, rc, r)).await,
        Request::CloseAndTreeDisc(r) => boxed(tree_core::close_and_tree_disc(cx, rc, r)).await,
        Request::ReadRaw(r) => boxed(raw::read_raw(cx, rc, r)).await,
        Request::WriteRaw(r) => boxed(raw::write_raw(cx, rc, r)).await,
        Request::SetInformation2(r) => boxed(info2::set_information2(cx, rc, r)).await,
        Request::Find(r) => boxed(find::find(cx, rc, r)).await,
        Request::FindUnique(r) => boxed(find::find_unique(cx, rc, r)).await,
        Request::FindClose(r) => boxed(find::find_close(cx, rc, r)).await,
        Request::WriteComplete(_) => Err(NtStatus::SMB_BAD_COMMAND),
        Request::Raw(r) => {
            // Secondary transaction requests and anything else we do not implement.
            let _ = r;
            Err(NtStatus::SMB_BAD_COMMAND)
        }
    }
}

/// OBJECT_NAME_COLLISION as a client that takes DOS error codes gets it from a command
/// that does not open (Windows and Samba answer `dos` there, not ERRfilexists); any
/// other status unchanged.
pub(crate) fn collision_as(rc: &Rc, status: NtStatus, dos: NtStatus) -> NtStatus {
    if status == NtStatus::OBJECT_NAME_COLLISION && !rc.h.flags2.has(Flags2::NT_STATUS) {
        dos
    } else {
        status
    }
}

/// Refuses `.` as a whole path (Windows: OBJECT_NAME_INVALID), which path parsing would
/// otherwise read as the share root.
pub(crate) fn reject_dot(raw: &str) -> Result<(), NtStatus> {
    if raw.trim_matches(['\\', '/']) == "." {
        return Err(NtStatus::OBJECT_NAME_INVALID);
    }
    Ok(())
}

fn echo(cx: &Cx, rc: &Rc, r: EchoRequest) -> HResult {
    if r.echo_count == 0 {
        return Ok(Answer::silent());
    }
    let n = r.echo_count.min(64);
    let mut a = Answer::ok(EchoResponse {
        sequence_number: 1,
        data: r.data.clone(),
    });
    for seq in 2..=n {
        let h = reply_header(cx, &rc.h, NtStatus::SUCCESS, rc.uid, rc.tid);
        a.extra.push(Message::new(
            h,
            Response::Echo(EchoResponse {
                sequence_number: seq,
                data: r.data.clone(),
            }),
        ));
    }
    Ok(a)
}

/// Converts a host `FileInfo` into the level-independent information struct.
pub(crate) fn file_information(
    fi: &super::fs::FileInfo,
    name: &str,
    delete_pending: bool,
) -> FileInformation {
    FileInformation {
        creation_time: fi.created,
        last_access_time: fi.accessed,
        last_write_time: fi.written,
        change_time: fi.changed,
        attributes: attributes(fi),
        allocation_size: allocation(fi),
        end_of_file: fi.size,
        number_of_links: links(fi, delete_pending),
        delete_pending,
        directory: fi.is_dir,
        ea_size: 0,
        file_name: name.into(),
        alt_name: String::new(),
        index_number: fi.file_id,
        access_flags: 0,
        position: 0,
        mode: 0,
        alignment: 0,
    }
}

/// The allocation size to report: none for a directory, as on Windows and Samba.
pub(crate) fn allocation(fi: &super::fs::FileInfo) -> u64 {
    if fi.is_dir { 0 } else { fi.allocation_size }
}

/// The link count to report: one for a directory (whatever the host counts), and one
/// less while a delete is pending (Windows reports 0 links for a file about to go).
fn links(fi: &super::fs::FileInfo, delete_pending: bool) -> u32 {
    let n = if fi.is_dir { 1 } else { fi.links.max(1) };
    n - delete_pending as u32
}

/// The attributes to report: the host's, with DIRECTORY/NORMAL fixed up.
pub(crate) fn attributes(fi: &super::fs::FileInfo) -> u32 {
    use crate::wire::consts::ext_attr;
    let mut a = fi.attributes & !ext_attr::NORMAL;
    if fi.is_dir {
        a |= ext_attr::DIRECTORY;
    }
    if a == 0 { ext_attr::NORMAL } else { a }
}
