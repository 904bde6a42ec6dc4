//! Named pipes on IPC$: DCE/RPC over SMB. Opening `\srvsvc` or `\wkssvc` (NT_CREATE_ANDX,
//! OPEN_ANDX) gives a FID backed by an [`rpc::PipeEndpoint`](crate::rpc::PipeEndpoint);
//! WRITE_ANDX writes to it, READ_ANDX reads from it, TRANSACTION TransactNmPipe does both
//! at once, CLOSE (or the end of the tree or session) drops it.
//!
//! The pipes are in message mode: a read that does not take a whole response PDU answers
//! `STATUS_BUFFER_OVERFLOW` with what it took (as Windows does; the client reads on). A
//! read on an empty pipe waits until a write gives it something, the pipe closes, or the
//! client cancels it (NT_CANCEL), as a blocking-mode pipe does on Windows and as smbd does
//! (its read is asynchronous and completes when data arrives).

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Answer, HResult, Rc, check_tree};
use crate::auth::Identity;
use crate::exec::TaskId;
use crate::rpc::info::{ServerInfo, ShareEntry};
use crate::rpc::{Caller, PipeEndpoint, lookup_pipe};
use crate::server::config::ServerConfig;
use crate::server::cx::Cx;
use crate::server::state::Inner;
use crate::wire::NtStatus;
use crate::wire::consts::ext_attr;
use crate::wire::msg::*;

/// TRANSACTION subcommands on named pipes (MS-CIFS 2.2.5).
mod subcommand {
    /// TRANS_SET_NMPIPE_STATE.
    pub const SET_NMPIPE_STATE: u16 = 0x0001;
    /// TRANS_TRANSACT_NMPIPE: write, then read, in one exchange.
    pub const TRANSACT_NMPIPE: u16 = 0x0026;
    /// TRANS_WAIT_NMPIPE: wait for a pipe instance (by name, no FID).
    pub const WAIT_NMPIPE: u16 = 0x0053;
}

/// FileType of an open pipe: a named pipe in message mode.
const FILE_TYPE_MESSAGE_MODE_PIPE: u16 = 2;
/// The pipe state smbd and Windows report: consumer end, message pipe, message read
/// mode, 255 instances.
const PIPE_STATE: u16 = 0x05FF;
/// WriteMode bits of WRITE_ANDX on a pipe: raw mode, and the start of a message (a raw
/// write then begins with a 2-byte message length).
const PIPE_RAW_MODE: u16 = 0x0004;
const PIPE_START_MESSAGE: u16 = 0x0008;
/// Bytes of a response besides the data (header, words, byte count, padding), kept free
/// of the client's MaxBufferSize.
const RESPONSE_OVERHEAD: usize = 64;

/// One named pipe open on IPC$.
#[derive(Debug)]
pub(crate) struct Pipe {
    /// The tree it was opened on.
    pub tid: u16,
    /// The session that opened it (only that session may use it, as with smbd).
    pub uid: u16,
    endpoint: PipeEndpoint,
    /// Request tasks waiting for something to read.
    waiters: Vec<TaskId>,
}

impl Inner {
    /// Closes the pipes `which` selects; reads waiting on them end.
    pub(crate) fn close_pipes(&mut self, which: impl Fn(u16, &Pipe) -> bool) {
        let fids: Vec<u16> = self
            .pipes
            .iter()
            .filter(|(f, p)| which(**f, p))
            .map(|(f, _)| *f)
            .collect();
        for fid in fids {
            if let Some(p) = self.pipes.remove(&fid) {
                self.wake(p.waiters);
            }
        }
    }

    /// Has the connection run these waiting tasks at its next timeout check (now).
    fn wake(&mut self, tasks: Vec<TaskId>) {
        let now = self.now.instant;
        for t in tasks {
            self.timers.insert(t, now);
        }
    }
}

/// The request is on an IPC$ tree.
pub(super) fn on_ipc(cx: &Cx, rc: &Rc) -> bool {
    cx.with(|i| i.trees.get(&rc.tid).is_some_and(|t| t.share.is_none()))
}

/// The FID is a pipe.
pub(super) fn is_pipe(cx: &Cx, fid: u16) -> bool {
    cx.with(|i| i.pipes.contains_key(&fid))
}

/// The server as srvsvc and wkssvc describe it, from the configuration: the listed
/// (browseable) shares with their comments, then `IPC$`; shares with `browseable =
/// false` are described only when asked for by name. Each disk share is reported with
/// the path `C:\NAME`, not its folder on the host: the core never knows that folder,
/// clients only display the path, and a real one would tell every user the host's layout.
pub(crate) fn server_info(config: &ServerConfig) -> ServerInfo {
    let entry = |s: &crate::server::ShareConfig| ShareEntry::disk(&s.name, &s.comment);
    let mut shares: Vec<ShareEntry> = config.listed_shares().map(entry).collect();
    let unlisted = config
        .shares
        .iter()
        .filter(|s| !s.is_retired() && !s.access.browseable)
        .map(entry)
        .collect();
    shares.push(ShareEntry::ipc(&format!(
        "IPC Service ({})",
        config.comment
    )));
    let mut info = ServerInfo::new(&config.server_name, &config.domain, shares);
    info.unlisted = unlisted;
    info.comment = config.comment.clone();
    info
}

/// Opens the pipe `name` on the request's IPC$ tree; returns its FID.
fn open(cx: &Cx, rc: &Rc, name: &str) -> Result<u16, NtStatus> {
    check_tree(cx, rc)?;
    let interface = lookup_pipe(name)
        .filter(|_| cx.with(|i| i.config.named_pipes))
        .ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
    cx.with(|i| {
        if i.files.len() + i.pipes.len() >= i.config.limits.max_open_files {
            return Err(NtStatus::TOO_MANY_OPENED_FILES);
        }
        // A null session may see less than a user or guest (share paths, for one).
        let caller = match i.sessions.get(&rc.uid).map(|s| s.identity) {
            Some(Identity::Anonymous) => Caller::Anonymous,
            _ => Caller::Authenticated,
        };
        let info = Arc::new(server_info(&i.config));
        let group = i.rng.u32() | 1;
        let fid = i.new_fid().ok_or(NtStatus::TOO_MANY_OPENED_FILES)?;
        let endpoint = PipeEndpoint::new(interface, info, caller, group);
        i.pipes.insert(
            fid,
            Pipe {
                tid: rc.tid,
                uid: rc.uid,
                endpoint,
                waiters: Vec::new(),
            },
        );
        Ok(fid)
    })
}

/// Checks that `fid` is a pipe this request may use (its tree, its session).
fn check_pipe(cx: &Cx, rc: &Rc, fid: u16) -> Result<(), NtStatus> {
    check_tree(cx, rc)?;
    cx.with(|i| match i.pipes.get(&fid) {
        Some(p) if p.tid == rc.tid && p.uid == rc.uid => Ok(()),
        _ => Err(NtStatus::INVALID_HANDLE),
    })
}

pub(super) async fn nt_create(cx: &Cx, rc: &Rc, r: NtCreateAndXRequest) -> HResult {
    let fid = open(cx, rc, &r.file_name)?;
    let extended = (r.flags & nt_create::NT_CREATE_REQUEST_EXTENDED_RESPONSE != 0).then_some(
        NtCreateExtended {
            volume_guid: [0; 16],
            file_id: 0,
            // What smbd answers (and, by its notes, Windows Server 2003).
            maximal_access_rights: 0x001F_01FF,
            guest_maximal_access_rights: 0x0012_019B,
            word_count_50: false,
        },
    );
    Ok(Answer::ok(NtCreateAndXResponse {
        oplock_level: 0,
        fid,
        create_action: crate::wire::consts::create_action::OPENED,
        creation_time: 0,
        last_access_time: 0,
        last_write_time: 0,
        change_time: 0,
        ext_file_attributes: ext_attr::NORMAL,
        allocation_size: 0,
        end_of_file: 0,
        resource_type: FILE_TYPE_MESSAGE_MODE_PIPE,
        nm_pipe_status: PIPE_STATE,
        directory: 0,
        extended,
    }))
}

pub(super) async fn open_andx(cx: &Cx, rc: &Rc, r: OpenAndXRequest) -> HResult {
    // OPEN_ANDX names a pipe by its full name, \PIPE\NAME; anything else on IPC$ is not
    // a pipe name (smbd: OBJECT_PATH_SYNTAX_BAD).
    let name = r.file_name.trim_start_matches('\\');
    if !name
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("PIPE\\"))
    {
        return Err(NtStatus::OBJECT_PATH_SYNTAX_BAD);
    }
    let fid = open(cx, rc, name)?;
    Ok(Answer::ok(OpenAndXResponse {
        fid,
        file_attrs: 0,
        last_write_time: 0,
        file_data_size: 0,
        access_rights: r.access_mode & 0x7,
        resource_type: FILE_TYPE_MESSAGE_MODE_PIPE,
        nm_pipe_status: PIPE_STATE,
        open_results: 1,
        reserved: [0; 3],
        extended: None,
    }))
}

pub(super) async fn close(cx: &Cx, rc: &Rc, r: CloseRequest) -> HResult {
    check_pipe(cx, rc, r.fid)?;
    cx.with(|i| i.close_pipes(|fid, _| fid == r.fid));
    Ok(Answer::ok(CloseResponse))
}

/// Writes to a pipe; readers waiting on it wake up.
fn write(cx: &Cx, fid: u16, data: &[u8]) -> Result<(), NtStatus> {
    cx.with(|i| {
        let now = i.now;
        let p = i.pipes.get_mut(&fid).ok_or(NtStatus::INVALID_HANDLE)?;
        p.endpoint.write(now, data).map_err(|e| e.status())?;
        let waiters = core::mem::take(&mut p.waiters);
        i.wake(waiters);
        Ok(())
    })
}

/// Resolves when the pipe has something to read (or was closed by the endpoint), fails
/// when the pipe is gone or the request is cancelled.
struct Readable<'a> {
    cx: &'a Cx,
    fid: u16,
    mid: u16,
}

impl Future for Readable<'_> {
    type Output = Result<(), NtStatus>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        let (fid, mid) = (self.fid, self.mid);
        self.cx.with(|i| {
            let task = i.current_task;
            // A wake-up, if that is what ran us, is spent.
            if let Some(t) = task {
                i.timers.remove(&t);
            }
            if i.cancelled.contains(&mid) {
                return Poll::Ready(Err(NtStatus::CANCELLED));
            }
            let Some(p) = i.pipes.get_mut(&fid) else {
                return Poll::Ready(Err(NtStatus::PIPE_BROKEN));
            };
            if p.endpoint.pending() > 0 || p.endpoint.is_closed() {
                return Poll::Ready(Ok(()));
            }
            if let Some(t) = task.filter(|t| !p.waiters.contains(t)) {
                p.waiters.push(t);
            }
            Poll::Pending
        })
    }
}

/// Reads up to `max` bytes of the pipe's next response PDU, waiting for one if needed;
/// returns them, whether the PDU goes on, and the bytes left in the pipe.
async fn read(cx: &Cx, rc: &Rc, fid: u16, max: usize) -> Result<(Bytes, bool, usize), NtStatus> {
    Readable {
        cx,
        fid,
        mid: rc.h.mid,
    }
    .await?;
    cx.with(|i| {
        let p = i.pipes.get_mut(&fid).ok_or(NtStatus::PIPE_BROKEN)?;
        if p.endpoint.pending() == 0 {
            return Err(NtStatus::PIPE_DISCONNECTED);
        }
        let r = p.endpoint.read(max);
        Ok((Bytes::from(r.data), r.more, p.endpoint.pending()))
    })
}

fn overflow_if(more: bool, mut a: Answer) -> Answer {
    if more {
        a.status = NtStatus::BUFFER_OVERFLOW;
    }
    a
}

pub(super) async fn read_andx(cx: &Cx, rc: &Rc, r: ReadAndXRequest) -> HResult {
    check_pipe(cx, rc, r.fid)?;
    let (data, more, left) = read(cx, rc, r.fid, r.max_count() as usize).await?;
    Ok(overflow_if(
        more,
        Answer::ok(ReadAndXResponse {
            // On a pipe: the bytes that remain to be read.
            available: left.min(0xFFFF) as u16,
            data,
            ..Default::default()
        }),
    ))
}

pub(super) async fn write_andx(cx: &Cx, rc: &Rc, r: WriteAndXRequest) -> HResult {
    check_pipe(cx, rc, r.fid)?;
    // A raw-mode write that starts a message begins with the message's length: skipped,
    // as smbd does (the PDUs carry their own lengths), and counted as written.
    let raw_start =
        r.write_mode & (PIPE_RAW_MODE | PIPE_START_MESSAGE) == PIPE_RAW_MODE | PIPE_START_MESSAGE;
    let data = if raw_start {
        r.data.get(2..).ok_or(NtStatus::INVALID_PARAMETER)?
    } else {
        &r.data[..]
    };
    write(cx, r.fid, data)?;
    Ok(Answer::ok(WriteAndXResponse {
        count: r.data.len() as u32,
        available: 0xFFFF,
        reserved: 0,
    }))
}

/// A TRANSACTION on `\PIPE\...` other than RAP: TransactNmPipe, SetNmPipeState and
/// WaitNmPipe.
pub(super) async fn transaction(cx: &Cx, rc: &Rc, r: TransactionRequest) -> HResult {
    let reply = |data: Bytes| {
        Answer::ok(TransactionResponse(TransResponseBody::reply(
            Vec::new(),
            Bytes::new(),
            data,
        )))
    };
    let setup = &r.header.setup;
    match setup.first().copied() {
        Some(subcommand::TRANSACT_NMPIPE) => {
            let fid = *setup.get(1).ok_or(NtStatus::INVALID_PARAMETER)?;
            check_pipe(cx, rc, fid)?;
            write(cx, fid, &r.payload.data)?;
            // The answer must fit in the client's buffer as well as in MaxDataCount.
            let client_max = cx.with(|i| usize::from(i.neg.client_max_buffer));
            let mut max = usize::from(r.header.max_data_count);
            if client_max > RESPONSE_OVERHEAD {
                max = max.min(client_max - RESPONSE_OVERHEAD);
            }
            let (data, more, _) = read(cx, rc, fid, max).await?;
            Ok(overflow_if(more, reply(data)))
        }
        Some(subcommand::SET_NMPIPE_STATE) => {
            // Our pipes are message pipes in message read mode whatever is asked; the
            // state is accepted, as smbd accepts it.
            let fid = *setup.get(1).ok_or(NtStatus::INVALID_PARAMETER)?;
            check_pipe(cx, rc, fid)?;
            Ok(reply(Bytes::new()))
        }
        Some(subcommand::WAIT_NMPIPE) => {
            // An instance of a known pipe is always available.
            check_tree(cx, rc)?;
            lookup_pipe(&r.name).ok_or(NtStatus::OBJECT_NAME_NOT_FOUND)?;
            Ok(reply(Bytes::new()))
        }
        _ => Err(NtStatus::NOT_SUPPORTED),
    }
}
