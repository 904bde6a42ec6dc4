//! Request handlers: one async function per command, run as tasks by the connection.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::cx::Cx;
use super::fs::{ErasedLater, LaterRead, ShareId};
use super::state::{OpenFile, Session, Tree};
use crate::auth::{Identity, NtlmServer, ServerNames, Step, verify_password_fields};
use crate::signing::SigningState;
use crate::wire::msg::negotiate::{NT_LM_0_12, caps, security_mode};
use crate::wire::msg::*;
use crate::wire::{
    Command, ErrorResponse, Flags2, Header, Message, MessageBody, NtStatus, Request, Response,
};

mod files;
mod ipc;
mod names;
mod trans2;

pub(crate) use files::close_all;

/// The server's own capabilities.
pub(crate) const SERVER_CAPS: u32 = caps::UNICODE
    | caps::LARGE_FILES
    | caps::NT_SMBS
    | caps::RPC_REMOTE_APIS
    | caps::STATUS32
    | caps::LEVEL_II_OPLOCKS
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
}

impl Rc {
    pub fn pid(&self) -> u32 {
        self.h.pid()
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
        }
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
    if matches!(
        status,
        NtStatus::INVALID_SMB
            | NtStatus::SMB_BAD_TID
            | NtStatus::SMB_BAD_FID
            | NtStatus::SMB_BAD_UID
            | NtStatus::SMB_BAD_COMMAND
    ) {
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
    };
    let signing_before = cx.with(|i| i.signing.is_some());
    let mut blocks: Vec<Response> = Vec::new();
    let mut status = NtStatus::SUCCESS;
    let mut extra = Vec::new();
    let mut silent = false;
    let mut later = None;
    let n = msg.blocks.len();
    for (k, block) in msg.blocks.into_iter().enumerate() {
        let cmd = block.body.command();
        rc.last = k + 1 == n;
        match dispatch(cx, &mut rc, block.body).await {
            Ok(a) => {
                if let Some(u) = a.uid {
                    rc.uid = u;
                }
                if let Some(t) = a.tid {
                    rc.tid = t;
                }
                silent |= a.silent;
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
    }
}

/// Checks the UID: an established session.
pub(crate) fn check_uid(cx: &Cx, rc: &Rc) -> Result<(), NtStatus> {
    cx.with(|i| match i.sessions.get(&rc.uid) {
        Some(s) if s.established => Ok(()),
        _ => Err(NtStatus::SMB_BAD_UID),
    })
}

/// Checks UID and TID; returns the tree.
pub(crate) fn check_tree(cx: &Cx, rc: &Rc) -> Result<Tree, NtStatus> {
    check_uid(cx, rc)?;
    cx.with(|i| i.trees.get(&rc.tid).cloned())
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

/// Looks up a FID on this tree.
pub(crate) fn check_fid(cx: &Cx, rc: &Rc, fid: u16) -> Result<OpenFile, NtStatus> {
    check_tree(cx, rc)?;
    cx.with(|i| i.files.get(&fid).filter(|f| f.tid == rc.tid).cloned())
        .ok_or(NtStatus::INVALID_HANDLE)
}

async fn dispatch(cx: &Cx, rc: &mut Rc, req: Request) -> HResult {
    match req {
        Request::Negotiate(r) => negotiate(cx, rc, r),
        Request::SessionSetupAndX(r) => session_setup(cx, rc, r).await,
        Request::LogoffAndX(_) => logoff(cx, rc).await,
        Request::TreeConnectAndX(r) => tree_connect(cx, rc, r).await,
        Request::TreeDisconnect(_) => tree_disconnect(cx, rc).await,
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
        Request::NtCreateAndX(r) => files::nt_create(cx, rc, r).await,
        Request::OpenAndX(r) => files::open_andx(cx, rc, r).await,
        Request::ReadAndX(r) => files::read_andx(cx, rc, r).await,
        Request::WriteAndX(r) => files::write_andx(cx, rc, r).await,
        Request::Close(r) => files::close(cx, rc, r).await,
        Request::Flush(r) => files::flush(cx, rc, r).await,
        Request::LockingAndX(r) => files::locking(cx, rc, r).await,
        Request::Read(r) => files::read_core(cx, rc, r).await,
        Request::Write(r) => files::write_core(cx, rc, r).await,
        Request::WriteAndClose(r) => files::write_and_close(cx, rc, r).await,
        Request::WriteAndUnlock(r) => files::write_and_unlock(cx, rc, r).await,
        Request::CreateTemporary(r) => files::create_temporary(cx, rc, r).await,
        Request::ProcessExit(_) => files::process_exit(cx, rc).await,
        Request::Delete(r) => names::delete(cx, rc, r).await,
        Request::Rename(r) => names::rename(cx, rc, r).await,
        Request::CreateDirectory(r) => names::mkdir(cx, rc, &r.directory_name)
            .await
            .map(|()| Answer::ok(CreateDirectoryResponse)),
        Request::DeleteDirectory(r) => names::rmdir(cx, rc, r).await,
        Request::CheckDirectory(r) => names::check_directory(cx, rc, r).await,
        Request::QueryInformation(r) => names::query_information(cx, rc, r).await,
        Request::SetInformation(r) => names::set_information(cx, rc, r).await,
        Request::QueryInformationDisk(_) => names::query_disk(cx, rc).await,
        Request::Search(r) => names::search(cx, rc, r).await,
        Request::Trans2(r) => trans2::trans2(cx, rc, r).await,
        Request::FindClose2(r) => {
            check_tree(cx, rc)?;
            cx.with(|i| i.searches.remove(&r.sid))
                .ok_or(NtStatus::INVALID_HANDLE)?;
            Ok(Answer::ok(FindClose2Response))
        }
        Request::Transaction(r) => ipc::transaction(cx, rc, r).await,
        Request::NtTransact(r) => files::nt_transact(cx, rc, r).await,
        Request::Raw(r) => {
            // Secondary transaction requests and anything else we do not implement.
            let _ = r;
            Err(NtStatus::SMB_BAD_COMMAND)
        }
    }
}

fn negotiate(cx: &Cx, rc: &Rc, r: NegotiateRequest) -> HResult {
    let already = cx.with(|i| i.neg.done);
    if already {
        return Err(NtStatus::INVALID_SMB);
    }
    let Some(idx) = r.dialects.iter().position(|d| d == NT_LM_0_12) else {
        cx.with(|i| i.neg.done = true);
        return Ok(Answer::ok(NegotiateResponse::DialectOnly {
            dialect_index: 0xFFFF,
        }));
    };
    let extended = rc.h.flags2.has(Flags2::EXTENDED_SECURITY);
    let (config, now, challenge) = cx.with(|i| {
        let ch: [u8; 8] = i.rng.bytes();
        i.neg.done = true;
        i.neg.challenge = ch;
        i.neg.extended = extended;
        (i.config.clone(), i.now, ch)
    });
    let mut mode = security_mode::USER | security_mode::ENCRYPT_PASSWORDS;
    match config.signing {
        super::config::SigningMode::Off => {}
        super::config::SigningMode::Enabled => mode |= security_mode::SIGNATURES_ENABLED,
        super::config::SigningMode::Required => {
            mode |= security_mode::SIGNATURES_ENABLED | security_mode::SIGNATURES_REQUIRED
        }
    }
    let security = if extended {
        NegotiateSecurity::Extended {
            server_guid: config.server_guid,
            security_blob: Bytes::from(NtlmServer::negotiate_token()),
        }
    } else {
        NegotiateSecurity::Challenge {
            challenge: Bytes::copy_from_slice(&challenge),
            domain_name: config.domain.clone(),
            server_name: Some(config.server_name.clone()),
        }
    };
    let n = NtLmNegotiate {
        dialect_index: idx as u16,
        security_mode: mode,
        max_mpx_count: config.limits.max_mpx,
        max_number_vcs: 1,
        max_buffer_size: 0xFFFF,
        max_raw_size: 65536,
        session_key: 0,
        capabilities: SERVER_CAPS | if extended { caps::EXTENDED_SECURITY } else { 0 },
        system_time: now.filetime,
        server_time_zone: 0,
        security,
    };
    Ok(Answer::ok(NegotiateResponse::NtLm(n)))
}

fn server_strings(cx: &Cx) -> (Option<String>, Option<String>, Option<String>) {
    let domain = cx.with(|i| i.config.domain.clone());
    (Some("Unix".into()), Some("smb-rs".into()), Some(domain))
}

async fn session_setup(cx: &Cx, rc: &Rc, r: SessionSetupAndXRequest) -> HResult {
    let (config, neg) = cx.with(|i| (i.config.clone(), i.neg.clone()));
    if !neg.done {
        return Err(NtStatus::INVALID_SMB);
    }
    let wants_signing = rc.h.flags2.has(Flags2::SECURITY_SIGNATURE)
        || rc.h.flags2.has(Flags2::SECURITY_SIGNATURE_REQUIRED);
    let (os, lanman, domain) = server_strings(cx);
    match r {
        SessionSetupAndXRequest::Extended(x) => {
            cx.with(|i| {
                i.neg.client_max_buffer = x.common.max_buffer_size;
                i.neg.client_caps = x.common.capabilities;
            });
            // Continue an exchange on this UID, or start one.
            let uid = match cx.with(|i| i.sessions.get(&rc.uid).is_some_and(|s| s.ntlm.is_some())) {
                true => rc.uid,
                false => cx.with(|i| {
                    if i.sessions.len() >= i.config.limits.max_sessions {
                        return Err(NtStatus::TOO_MANY_SESSIONS);
                    }
                    let uid = i.new_uid().ok_or(NtStatus::TOO_MANY_SESSIONS)?;
                    let ch: [u8; 8] = i.rng.bytes();
                    let names = ServerNames {
                        netbios_name: i.config.server_name.clone(),
                        netbios_domain: i.config.domain.clone(),
                        dns_name: crate::server::path::fold_case(&i.config.server_name),
                        dns_domain: String::new(),
                    };
                    i.sessions.insert(
                        uid,
                        Session {
                            user: String::new(),
                            identity: Identity::Anonymous,
                            established: false,
                            ntlm: Some(NtlmServer::new(ch, i.now.filetime, names)),
                        },
                    );
                    Ok(uid)
                })?,
            };
            let mut ntlm = cx
                .with(|i| i.sessions.get_mut(&uid).and_then(|s| s.ntlm.take()))
                .ok_or(NtStatus::INVALID_PARAMETER)?;
            let step = ntlm.step(&x.security_blob, &config.policy, config.accounts.as_ref());
            match step {
                Step::Continue(tok) => {
                    cx.with(|i| {
                        if let Some(s) = i.sessions.get_mut(&uid) {
                            s.ntlm = Some(ntlm);
                        }
                    });
                    let mut a = Answer::ok(SessionSetupAndXResponse {
                        action: 0,
                        security_blob: Some(Bytes::from(tok)),
                        native_os: os,
                        native_lan_man: lanman,
                        primary_domain: domain,
                    });
                    a.status = NtStatus::MORE_PROCESSING_REQUIRED;
                    a.uid = Some(uid);
                    Ok(a)
                }
                Step::Done(auth, tok) => {
                    finish_login(cx, uid, auth, wants_signing)?;
                    let guest = cx.with(|i| {
                        i.sessions
                            .get(&uid)
                            .is_some_and(|s| s.identity == Identity::Guest)
                    });
                    let mut a = Answer::ok(SessionSetupAndXResponse {
                        action: if guest {
                            session_setup::ACTION_GUEST
                        } else {
                            0
                        },
                        security_blob: Some(Bytes::from(tok)),
                        native_os: os,
                        native_lan_man: lanman,
                        primary_domain: domain,
                    });
                    a.uid = Some(uid);
                    Ok(a)
                }
                Step::Failed(s) => {
                    cx.with(|i| i.sessions.remove(&uid));
                    Err(s)
                }
            }
        }
        SessionSetupAndXRequest::NtLm(x) => {
            cx.with(|i| {
                i.neg.client_max_buffer = x.common.max_buffer_size;
                i.neg.client_caps = x.common.capabilities;
            });
            let auth = verify_password_fields(
                &config.policy,
                config.accounts.as_ref(),
                &neg.challenge,
                &x.account_name,
                &x.primary_domain,
                &x.oem_password,
                &x.unicode_password,
            )?;
            let uid = cx.with(|i| {
                if i.sessions.len() >= i.config.limits.max_sessions {
                    return Err(NtStatus::TOO_MANY_SESSIONS);
                }
                i.new_uid().ok_or(NtStatus::TOO_MANY_SESSIONS)
            })?;
            cx.with(|i| {
                i.sessions.insert(
                    uid,
                    Session {
                        user: String::new(),
                        identity: Identity::Anonymous,
                        established: false,
                        ntlm: None,
                    },
                )
            });
            if let Err(e) = finish_login(cx, uid, auth, wants_signing) {
                cx.with(|i| i.sessions.remove(&uid));
                return Err(e);
            }
            let guest = cx.with(|i| {
                i.sessions
                    .get(&uid)
                    .is_some_and(|s| s.identity == Identity::Guest)
            });
            let mut a = Answer::ok(SessionSetupAndXResponse {
                action: if guest {
                    session_setup::ACTION_GUEST
                } else {
                    0
                },
                security_blob: None,
                native_os: os,
                native_lan_man: lanman,
                primary_domain: domain,
            });
            a.uid = Some(uid);
            Ok(a)
        }
        SessionSetupAndXRequest::Other { .. } => Err(NtStatus::NOT_SUPPORTED),
    }
}

fn finish_login(
    cx: &Cx,
    uid: u16,
    auth: crate::auth::Authenticated,
    wants_signing: bool,
) -> Result<(), NtStatus> {
    cx.with(|i| {
        let mode = i.config.signing;
        if i.signing.is_none() {
            match (&auth.signing_key, mode) {
                (Some(k), super::config::SigningMode::Required) => {
                    i.signing = Some(SigningState::new(k))
                }
                (Some(k), super::config::SigningMode::Enabled) if wants_signing => {
                    i.signing = Some(SigningState::new(k))
                }
                (None, super::config::SigningMode::Required) => {
                    i.sessions.remove(&uid);
                    return Err(NtStatus::LOGON_FAILURE);
                }
                _ => {}
            }
        }
        if let Some(s) = i.sessions.get_mut(&uid) {
            s.user = auth.user.clone();
            s.identity = auth.identity;
            s.established = true;
            s.ntlm = None;
        }
        i.events.push_back(super::ServerEvent::SessionEstablished {
            uid,
            user: auth.user.clone(),
            identity: auth.identity,
        });
        Ok(())
    })
}

async fn logoff(cx: &Cx, rc: &Rc) -> HResult {
    check_uid(cx, rc)?;
    let files = cx.with(|i| i.detach_session(rc.uid));
    close_all(cx, files, false).await;
    Ok(Answer::ok(LogoffAndXResponse))
}

async fn tree_connect(cx: &Cx, rc: &Rc, r: TreeConnectAndXRequest) -> HResult {
    check_uid(cx, rc)?;
    if r.flags & tree_connect::TREE_CONNECT_DISCONNECT_TID != 0 {
        let _ = tree_disconnect(cx, rc).await;
    }
    let name = r.path.rsplit(['\\', '/']).next().unwrap_or("");
    let ipc = name.eq_ignore_ascii_case("IPC$");
    let (share, read_only) = if ipc {
        (None, true)
    } else {
        let config = cx.with(|i| i.config.clone());
        let s = config.find_share(name).ok_or(NtStatus::BAD_NETWORK_NAME)?;
        (Some(s), config.shares[s.0 as usize].read_only)
    };
    let service = r.service.as_str();
    if (ipc && !matches!(service, "IPC" | "?????")) || (!ipc && !matches!(service, "A:" | "?????"))
    {
        return Err(NtStatus::BAD_DEVICE_TYPE);
    }
    let tid = cx.with(|i| {
        if i.trees.len() >= i.config.limits.max_trees {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        let tid = i.new_tid().ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        i.trees.insert(
            tid,
            Tree {
                uid: rc.uid,
                share,
                read_only,
            },
        );
        Ok(tid)
    })?;
    let rights = if read_only {
        crate::wire::consts::access::FILE_GENERIC_READ | crate::wire::consts::access::FILE_EXECUTE
    } else {
        crate::wire::consts::access::FILE_ALL_ACCESS
    };
    let extended =
        (r.flags & tree_connect::TREE_CONNECT_EXTENDED_RESPONSE != 0).then_some((rights, 0));
    let mut a = Answer::ok(TreeConnectAndXResponse {
        optional_support: if ipc {
            0
        } else {
            tree_connect::SMB_SUPPORT_SEARCH_BITS
        },
        extended,
        service: if ipc { "IPC".into() } else { "A:".into() },
        native_file_system: Some(if ipc { String::new() } else { "NTFS".into() }),
    });
    a.tid = Some(tid);
    Ok(a)
}

async fn tree_disconnect(cx: &Cx, rc: &Rc) -> HResult {
    check_tree(cx, rc)?;
    let files = cx.with(|i| i.detach_tree(rc.tid));
    close_all(cx, files, false).await;
    Ok(Answer::ok(TreeDisconnectResponse))
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
        allocation_size: fi.allocation_size,
        end_of_file: fi.size,
        number_of_links: fi.links.max(1),
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

/// The attributes to report: the host's, with DIRECTORY/NORMAL fixed up.
pub(crate) fn attributes(fi: &super::fs::FileInfo) -> u32 {
    use crate::wire::consts::ext_attr;
    let mut a = fi.attributes & !ext_attr::NORMAL;
    if fi.is_dir {
        a |= ext_attr::DIRECTORY;
    }
    if a == 0 { ext_attr::NORMAL } else { a }
}
