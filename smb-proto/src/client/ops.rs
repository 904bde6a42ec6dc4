//! The client operations, as async tasks over the connection context.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::conn::{ClientConnection, Cx};
use super::types::*;
use crate::auth::{AuthMethod, NtlmClient};
use crate::signing::SigningState;
use crate::time::Now;
use crate::wire::consts::{access, create_options, disposition as disp, ext_attr};
use crate::wire::msg::negotiate::{NT_LM_0_12, caps, security_mode};
use crate::wire::msg::rap::{self, RapRequest};
use crate::wire::msg::trans2::info::{self, level};
use crate::wire::msg::trans2::sub::{
    FindFirst2, FindFirst2Response, FindNext2, FindNext2Response, Trans2Sub, find_flags,
};
use crate::wire::msg::*;
use crate::wire::netbios::NbssPacket;
use crate::wire::{Message, NtStatus, Request, Response};

/// Client capabilities announced in session setup.
const CLIENT_CAPS: u32 = caps::UNICODE
    | caps::LARGE_FILES
    | caps::NT_SMBS
    | caps::STATUS32
    | caps::LARGE_READX
    | caps::LARGE_WRITEX;

type R<T> = Result<T, SmbError>;

fn status_of(m: &Message<Response>) -> NtStatus {
    m.header.nt_status()
}

fn check(m: &Message<Response>) -> R<()> {
    let s = status_of(m);
    if s.is_success() {
        Ok(())
    } else {
        Err(SmbError::Status(s))
    }
}

/// `dir/file` or `\dir\file` to the wire form `\dir\file`.
pub(crate) fn wire_path(p: &str) -> String {
    let mut s: String = p.chars().map(|c| if c == '/' { '\\' } else { c }).collect();
    while s.ends_with('\\') && s.len() > 1 {
        s.pop();
    }
    if !s.starts_with('\\') {
        s.insert(0, '\\');
    }
    s
}

fn require_connected(cx: &Cx) -> R<()> {
    cx.with(|i| {
        if let Some(e) = &i.closed {
            return Err(SmbError::Connection(e.clone()));
        }
        if i.neg.connected {
            Ok(())
        } else {
            Err(SmbError::Usage("not connected"))
        }
    })
}

async fn request(cx: &Cx, tid: u16, body: impl Into<Request>) -> R<Message<Response>> {
    let h = cx.header(tid);
    cx.call(Message::new(h, body.into())).await
}

async fn connect(cx: Cx) -> R<Reply> {
    let config = cx.with(|i| i.config.clone());
    if let Some(nb) = &config.netbios {
        match cx
            .nbss_exchange(NbssPacket::SessionRequest {
                called: nb.called.clone(),
                calling: nb.calling.clone(),
            })
            .await?
        {
            NbssPacket::PositiveResponse => {}
            NbssPacket::NegativeResponse(c) => {
                return Err(SmbError::Connection(ConnectionError::NetbiosRefused(c)));
            }
            NbssPacket::Retarget { addr, port } => {
                return Err(SmbError::Connection(ConnectionError::Retarget {
                    addr,
                    port,
                }));
            }
            _ => return Err(SmbError::Protocol("unexpected NetBIOS answer")),
        }
    }
    let want_ext = config.auth.extended();
    cx.with(|i| i.neg.extended = want_ext);
    let mut h = cx.header(0);
    h.set_pid(config.pid);
    let m = cx
        .call(Message::new(
            h,
            NegotiateRequest {
                dialects: vec![NT_LM_0_12.into()],
            }
            .into(),
        ))
        .await?;
    check(&m)?;
    let n = match m.body() {
        Response::Negotiate(NegotiateResponse::NtLm(n)) => n.clone(),
        Response::Negotiate(_) => return Err(SmbError::Connection(ConnectionError::NoDialect)),
        _ => return Err(SmbError::Protocol("not a NEGOTIATE response")),
    };
    let server_required = n.security_mode & security_mode::SIGNATURES_REQUIRED != 0;
    let server_enabled = n.security_mode & security_mode::SIGNATURES_ENABLED != 0;
    let sign = match config.signing {
        SigningPolicy::Required if !server_enabled && !server_required => {
            return Err(SmbError::Protocol(
                "signing required but the server does not sign",
            ));
        }
        SigningPolicy::Disabled if server_required => {
            return Err(SmbError::Protocol("the server requires signing"));
        }
        SigningPolicy::Required => true,
        SigningPolicy::Disabled => false,
        SigningPolicy::IfRequired => server_required,
    };
    let extended = n.extended_security();
    cx.with(|i| {
        i.neg.unicode = n.capabilities & caps::UNICODE != 0;
        i.neg.extended = extended;
        i.neg.caps = n.capabilities;
        i.neg.max_mpx = n.max_mpx_count.max(1);
        i.neg.max_buffer = n.max_buffer_size;
        i.neg.sign = sign;
    });
    // The method actually used depends on what the server offers.
    let method = match (config.auth, extended) {
        (AuthMethod::Ntlmssp, false) => AuthMethod::Ntlmv2,
        (AuthMethod::NtlmsspV1, false) => AuthMethod::Ntlm,
        (m @ (AuthMethod::Ntlmv2 | AuthMethod::Ntlm | AuthMethod::Lm), true) => m,
        (m, _) => m,
    };
    let mut client = NtlmClient::new(config.credentials.clone(), method, &config.workstation);
    let common = SessionSetupCommon {
        max_buffer_size: 0xFFFF,
        max_mpx_count: config.max_in_flight.min(n.max_mpx_count.max(1)),
        vc_number: 0,
        session_key: n.session_key,
        reserved: 0,
        capabilities: CLIENT_CAPS | if extended { caps::EXTENDED_SECURITY } else { 0 },
    };
    let (reply, guest, final_reply) = if extended {
        let blob = client.initial_token();
        let req = SessionSetupAndXRequest::Extended(SessionSetupExtended {
            common: common.clone(),
            security_blob: Bytes::from(blob),
            native_os: Some(config.native_os.clone()),
            native_lan_man: Some(config.native_lan_man.clone()),
        });
        let m = request(&cx, 0, req).await?;
        if status_of(&m) != NtStatus::MORE_PROCESSING_REQUIRED {
            check(&m)?;
            return Err(SmbError::Protocol("session setup finished in one leg"));
        }
        let uid = m.header.uid;
        cx.with(|i| i.neg.uid = uid);
        let Response::SessionSetupAndX(r) = m.body() else {
            return Err(SmbError::Protocol("not a SESSION_SETUP response"));
        };
        let server_blob = r.security_blob.clone().unwrap_or_default();
        let tok = cx.with(|i| {
            let now = i.now.filetime;
            client.authenticate_token(&server_blob, now, &mut i.rng)
        })?;
        let req = SessionSetupAndXRequest::Extended(SessionSetupExtended {
            common,
            security_blob: Bytes::from(tok),
            native_os: Some(config.native_os.clone()),
            native_lan_man: Some(config.native_lan_man.clone()),
        });
        let m = request(&cx, 0, req).await?;
        check(&m)?;
        let Response::SessionSetupAndX(r) = m.body() else {
            return Err(SmbError::Protocol("not a SESSION_SETUP response"));
        };
        client.finish(r.security_blob.as_deref().unwrap_or(&[]))?;
        (
            r.clone(),
            r.action & session_setup::ACTION_GUEST != 0,
            m.clone(),
        )
    } else {
        let challenge = n.challenge().unwrap_or([0; 8]);
        let fields = cx.with(|i| {
            let now = i.now.filetime;
            client.password_fields(&challenge, now, &mut i.rng)
        })?;
        let (user, domain) = config
            .credentials
            .as_ref()
            .map_or((String::new(), String::new()), |c| {
                (c.user.clone(), c.domain.clone())
            });
        let req = SessionSetupAndXRequest::NtLm(SessionSetupNtLm {
            common,
            oem_password: Bytes::copy_from_slice(&fields.oem),
            unicode_password: Bytes::copy_from_slice(&fields.unicode),
            account_name: user,
            primary_domain: domain,
            native_os: Some(config.native_os.clone()),
            native_lan_man: Some(config.native_lan_man.clone()),
        });
        let m = request(&cx, 0, req).await?;
        check(&m)?;
        let uid = m.header.uid;
        cx.with(|i| i.neg.uid = uid);
        let Response::SessionSetupAndX(r) = m.body() else {
            return Err(SmbError::Protocol("not a SESSION_SETUP response"));
        };
        (
            r.clone(),
            r.action & session_setup::ACTION_GUEST != 0,
            m.clone(),
        )
    };
    let mut signing = sign && !guest && client.signing_key().is_some();
    if signing
        && let Some(k) = client.signing_key()
        && !crate::signing::verify(k, &final_reply.encode(), 1)
    {
        // The server did not start signing with this session (smbd does not for NTLMv1
        // and LM without extended security): go on unsigned unless signing is required.
        if config.signing == SigningPolicy::Required {
            return Err(SmbError::Connection(ConnectionError::BadSignature));
        }
        signing = false;
        cx.with(|i| i.neg.sign = false);
    }
    if sign && !signing && config.signing == SigningPolicy::Required {
        return Err(SmbError::Protocol(
            "signing required but the session has no key (guest or anonymous)",
        ));
    }
    cx.with(|i| {
        if signing && let Some(k) = client.signing_key() {
            i.signing = Some(SigningState::new(k));
        }
        i.neg.connected = true;
    });
    Ok(Reply::Connected(SessionInfo {
        capabilities: n.capabilities,
        max_mpx: n.max_mpx_count,
        max_buffer: n.max_buffer_size,
        signing,
        guest,
        extended_security: extended,
        native_os: reply.native_os.unwrap_or_default(),
        domain: reply.primary_domain.unwrap_or_default(),
    }))
}

async fn tree_connect(cx: Cx, share: String) -> R<Reply> {
    require_connected(&cx)?;
    let host = cx.with(|i| i.config.server_host.clone());
    let name = share.trim_start_matches(['\\', '/']);
    let path = if name.contains(['\\', '/']) {
        wire_path(name)
    } else {
        format!("\\\\{}\\{}", host, name.to_uppercase())
    };
    let m = request(
        &cx,
        0xFFFF,
        TreeConnectAndXRequest {
            flags: tree_connect::TREE_CONNECT_EXTENDED_RESPONSE,
            password: Bytes::from_static(&[0]),
            path,
            service: "?????".into(),
        },
    )
    .await?;
    check(&m)?;
    Ok(Reply::Tree(TreeId(m.header.tid)))
}

fn stat_from(name: &str, i: &info::FileInformation) -> FileStat {
    FileStat {
        name: name.into(),
        size: i.end_of_file,
        allocation_size: i.allocation_size,
        created: i.creation_time,
        accessed: i.last_access_time,
        written: i.last_write_time,
        changed: i.change_time,
        attributes: i.attributes,
        is_dir: i.directory || i.attributes & ext_attr::DIRECTORY != 0,
    }
}

async fn open(cx: Cx, tid: TreeId, path: String, o: OpenOptions) -> R<Reply> {
    require_connected(&cx)?;
    let nt = cx.with(|i| i.neg.caps & caps::NT_SMBS != 0);
    let name = wire_path(&path);
    if nt {
        let mut acc = access::FILE_READ_ATTRIBUTES | access::SYNCHRONIZE;
        if o.read {
            acc |= access::FILE_GENERIC_READ;
        }
        if o.write {
            acc |= access::FILE_GENERIC_WRITE;
        }
        if o.delete {
            acc |= access::DELETE;
        }
        let create_disposition = match o.disposition {
            Disposition::Supersede => disp::SUPERSEDE,
            Disposition::Open => disp::OPEN,
            Disposition::Create => disp::CREATE,
            Disposition::OpenIf => disp::OPEN_IF,
            Disposition::Overwrite => disp::OVERWRITE,
            Disposition::OverwriteIf => disp::OVERWRITE_IF,
        };
        let options = match o.directory {
            Some(true) => create_options::DIRECTORY_FILE,
            Some(false) => create_options::NON_DIRECTORY_FILE,
            None => 0,
        };
        let m = request(
            &cx,
            tid.0,
            NtCreateAndXRequest {
                desired_access: acc,
                ext_file_attributes: if o.directory == Some(true) {
                    ext_attr::DIRECTORY
                } else {
                    ext_attr::NORMAL
                },
                share_access: o.share,
                create_disposition,
                create_options: options,
                impersonation_level: 2,
                file_name: name.clone(),
                ..Default::default()
            },
        )
        .await?;
        check(&m)?;
        let Response::NtCreateAndX(r) = m.body() else {
            return Err(SmbError::Protocol("not an NT_CREATE_ANDX response"));
        };
        let action = match r.create_action {
            0 => CreateAction::Superseded,
            2 => CreateAction::Created,
            3 => CreateAction::Overwritten,
            _ => CreateAction::Opened,
        };
        Ok(Reply::Opened(Opened {
            fid: FileId(r.fid),
            action,
            stat: FileStat {
                name: name.rsplit('\\').next().unwrap_or("").into(),
                size: r.end_of_file,
                allocation_size: r.allocation_size,
                created: r.creation_time,
                accessed: r.last_access_time,
                written: r.last_write_time,
                changed: r.change_time,
                attributes: r.ext_file_attributes,
                is_dir: r.directory != 0,
            },
        }))
    } else {
        use crate::wire::consts::open_mode as om;
        let access_mode = match (o.read, o.write) {
            (_, false) => om::ACCESS_READ,
            (false, true) => om::ACCESS_WRITE,
            (true, true) => om::ACCESS_READ_WRITE,
        } | om::SHARE_DENY_NONE;
        let open_mode = match o.disposition {
            Disposition::Open => om::EXISTS_OPEN,
            Disposition::Create => om::CREATE_IF_MISSING,
            Disposition::OpenIf => om::EXISTS_OPEN | om::CREATE_IF_MISSING,
            Disposition::Overwrite => om::EXISTS_TRUNCATE,
            Disposition::OverwriteIf | Disposition::Supersede => {
                om::EXISTS_TRUNCATE | om::CREATE_IF_MISSING
            }
        };
        let m = request(
            &cx,
            tid.0,
            OpenAndXRequest {
                flags: open_andx::OPEN_REQ_ATTRIB,
                access_mode,
                search_attrs: 0x16,
                open_mode,
                file_name: name.clone(),
                ..Default::default()
            },
        )
        .await?;
        check(&m)?;
        let Response::OpenAndX(r) = m.body() else {
            return Err(SmbError::Protocol("not an OPEN_ANDX response"));
        };
        let action = match r.open_results & 3 {
            2 => CreateAction::Created,
            3 => CreateAction::Overwritten,
            _ => CreateAction::Opened,
        };
        let written = info::utime_to_filetime(r.last_write_time);
        Ok(Reply::Opened(Opened {
            fid: FileId(r.fid),
            action,
            stat: FileStat {
                name: name.rsplit('\\').next().unwrap_or("").into(),
                size: r.file_data_size as u64,
                written,
                attributes: ext_attr::from_dos(r.file_attrs),
                is_dir: r.file_attrs & 0x10 != 0,
                ..Default::default()
            },
        }))
    }
}

fn io_window(cx: &Cx) -> usize {
    cx.with(|i| i.neg.max_mpx.min(i.config.max_in_flight).max(1) as usize)
}

fn read_chunk(cx: &Cx) -> u32 {
    cx.with(|i| {
        let large = i.neg.caps & caps::LARGE_READX != 0;
        if large {
            let cap = if i.signing.is_some() {
                0x1_FF00
            } else {
                0xFF_FF00
            };
            i.config.max_read_size.clamp(512, cap)
        } else {
            (i.neg.max_buffer.saturating_sub(128)).clamp(512, 0xFF00)
        }
    })
}

fn write_chunk(cx: &Cx) -> u32 {
    cx.with(|i| {
        let large = i.neg.caps & caps::LARGE_WRITEX != 0;
        if large {
            let cap = if i.signing.is_some() {
                0x1_FF00
            } else {
                0xFF_FF00
            };
            i.config.max_write_size.clamp(512, cap)
        } else {
            (i.neg.max_buffer.saturating_sub(128)).clamp(512, 0xFF00)
        }
    })
}

async fn read(cx: Cx, tid: TreeId, fid: FileId, offset: u64, len: u64) -> R<Reply> {
    require_connected(&cx)?;
    let window = io_window(&cx);
    let mut chunk = read_chunk(&cx) as u64;
    let end = offset.saturating_add(len);
    let mut next = offset;
    let mut pending = VecDeque::new();
    let mut out = Vec::new();
    let mut eof = false;
    let mut err = None;
    loop {
        while !eof && err.is_none() && pending.len() < window && next < end {
            let n = chunk.min(end - next);
            let h = cx.header(tid.0);
            let w = cx.call(Message::new(
                h,
                ReadAndXRequest::new(fid.0, next, n as u32).into(),
            ));
            pending.push_back((next, n, w));
            next += n;
        }
        let Some((off, n, w)) = pending.pop_front() else {
            break;
        };
        let m = match w.await {
            Ok(m) => m,
            Err(e) => {
                err.get_or_insert(e);
                continue;
            }
        };
        if eof || err.is_some() {
            continue;
        }
        let s = status_of(&m);
        if !s.is_success() && s != NtStatus::BUFFER_OVERFLOW {
            if s == NtStatus::END_OF_FILE {
                eof = true;
            } else {
                err = Some(SmbError::Status(s));
            }
            continue;
        }
        let data = match m.body() {
            Response::ReadAndX(r) => r.data.clone(),
            _ => {
                err = Some(SmbError::Protocol("not a READ_ANDX response"));
                continue;
            }
        };
        if data.is_empty() {
            eof = true;
            continue;
        }
        let got = data.len() as u64;
        out.push(data);
        if got < n {
            // A server may return less than asked without being at the end (a cap on its
            // side): ask for the rest, and smaller pieces from now on.
            chunk = chunk.min(got).max(512);
            let h = cx.header(tid.0);
            let rest = n - got;
            let w = cx.call(Message::new(
                h,
                ReadAndXRequest::new(fid.0, off + got, rest as u32).into(),
            ));
            pending.push_front((off + got, rest, w));
        }
    }
    if let Some(e) = err {
        return Err(e);
    }
    Ok(Reply::Read(ReadData { chunks: out }))
}

async fn write(cx: Cx, tid: TreeId, fid: FileId, offset: u64, data: Bytes) -> R<Reply> {
    require_connected(&cx)?;
    let window = io_window(&cx);
    let chunk = write_chunk(&cx) as usize;
    let mut pos = 0usize;
    let mut pending = VecDeque::new();
    let mut total = 0u64;
    let mut err = None;
    loop {
        while err.is_none() && pending.len() < window && pos < data.len() {
            let n = chunk.min(data.len() - pos);
            let h = cx.header(tid.0);
            let req = WriteAndXRequest {
                fid: fid.0,
                offset: offset + pos as u64,
                large_offset: true,
                data: data.slice(pos..pos + n),
                ..Default::default()
            };
            pending.push_back((n, cx.call(Message::new(h, req.into()))));
            pos += n;
        }
        let Some((n, w)) = pending.pop_front() else {
            break;
        };
        match w.await {
            Ok(m) if err.is_none() => {
                if let Err(e) = check(&m) {
                    err = Some(e);
                    continue;
                }
                match m.body() {
                    Response::WriteAndX(r) if r.count as usize == n => total += n as u64,
                    Response::WriteAndX(_) => err = Some(SmbError::Status(NtStatus::DISK_FULL)),
                    _ => err = Some(SmbError::Protocol("not a WRITE_ANDX response")),
                }
            }
            Ok(_) => {}
            Err(e) => {
                err.get_or_insert(e);
            }
        }
    }
    match err {
        Some(e) => Err(e),
        None => Ok(Reply::Written(total)),
    }
}

async fn simple(cx: Cx, tid: u16, body: Request) -> R<Reply> {
    require_connected(&cx)?;
    let m = request(&cx, tid, body).await?;
    check(&m)?;
    Ok(Reply::Done)
}

async fn trans2(cx: &Cx, tid: u16, sub: Trans2Sub, max_data: u16) -> R<(Bytes, Bytes)> {
    let unicode = cx.with(|i| i.neg.unicode);
    let req = sub.into_request(unicode, 64, max_data);
    let m = request(cx, tid, req).await?;
    check(&m)?;
    match m.body() {
        Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. })) => {
            Ok((payload.parameters.clone(), payload.data.clone()))
        }
        _ => Err(SmbError::Protocol("not a TRANS2 reply")),
    }
}

fn max_data(cx: &Cx) -> u16 {
    cx.with(|i| i.neg.max_buffer.clamp(1024, 0xFFFF) as u16)
        .saturating_sub(200)
}

async fn list(cx: Cx, tid: TreeId, pattern: String) -> R<Reply> {
    require_connected(&cx)?;
    let unicode = cx.with(|i| i.neg.unicode);
    let lvl = level::FIND_BOTH_DIRECTORY_INFO;
    let md = max_data(&cx);
    let first = Trans2Sub::FindFirst2(FindFirst2 {
        search_attributes: 0x16,
        search_count: 1366,
        flags: find_flags::CLOSE_AT_EOS | find_flags::RETURN_RESUME_KEYS,
        level: lvl,
        storage_type: 0,
        file_name: wire_path(&pattern),
    });
    let (p, d) = match trans2(&cx, tid.0, first, md).await {
        Ok(x) => x,
        Err(SmbError::Status(NtStatus::NO_SUCH_FILE | NtStatus::NO_MORE_FILES)) => {
            return Ok(Reply::Dir(Vec::new()));
        }
        Err(e) => return Err(e),
    };
    let ff = FindFirst2Response::decode(&p)
        .map_err(|_| SmbError::Protocol("bad FIND_FIRST2 parameters"))?;
    let mut entries = info::decode_find_entries(lvl, &d, unicode, true, ff.search_count as usize)
        .map_err(|_| SmbError::Protocol("bad directory entries"))?;
    let mut eos = ff.end_of_search != 0 || ff.search_count == 0;
    let sid = ff.sid;
    while !eos {
        if entries.len() > 10_000_000 {
            return Err(SmbError::Protocol("directory listing does not end"));
        }
        let last = entries
            .last()
            .map(|e| e.file_name.clone())
            .unwrap_or_default();
        let next = Trans2Sub::FindNext2(FindNext2 {
            sid,
            search_count: 1366,
            level: lvl,
            resume_key: entries.last().map_or(0, |e| e.file_index),
            flags: find_flags::CLOSE_AT_EOS
                | find_flags::RETURN_RESUME_KEYS
                | find_flags::CONTINUE_FROM_LAST,
            file_name: last,
        });
        let (p, d) = match trans2(&cx, tid.0, next, md).await {
            Ok(x) => x,
            Err(SmbError::Status(NtStatus::NO_MORE_FILES | NtStatus::NO_SUCH_FILE)) => break,
            Err(e) => return Err(e),
        };
        let fnx = FindNext2Response::decode(&p)
            .map_err(|_| SmbError::Protocol("bad FIND_NEXT2 parameters"))?;
        let more = info::decode_find_entries(lvl, &d, unicode, true, fnx.search_count as usize)
            .map_err(|_| SmbError::Protocol("bad directory entries"))?;
        eos = fnx.end_of_search != 0 || more.is_empty();
        entries.extend(more);
    }
    let out = entries
        .into_iter()
        .filter(|e| e.file_name != "." && e.file_name != "..")
        .map(|e| FileStat {
            name: e.file_name,
            size: e.end_of_file,
            allocation_size: e.allocation_size,
            created: e.creation_time,
            accessed: e.last_access_time,
            written: e.last_write_time,
            changed: e.change_time,
            attributes: e.attributes,
            is_dir: e.attributes & ext_attr::DIRECTORY != 0,
        })
        .collect();
    Ok(Reply::Dir(out))
}

async fn stat(cx: Cx, tid: TreeId, target: Result<String, FileId>) -> R<Reply> {
    require_connected(&cx)?;
    let unicode = cx.with(|i| i.neg.unicode);
    let lvl = level::FILE_ALL_INFO;
    let (name, sub) = match &target {
        Ok(p) => (
            p.clone(),
            Trans2Sub::QueryPathInformation {
                level: lvl,
                reserved: 0,
                file_name: wire_path(p),
            },
        ),
        Err(f) => (
            String::new(),
            Trans2Sub::QueryFileInformation {
                fid: f.0,
                level: lvl,
            },
        ),
    };
    let (_, d) = trans2(&cx, tid.0, sub, max_data(&cx)).await?;
    let i = info::decode_file_info(lvl, &d, unicode)
        .map_err(|_| SmbError::Protocol("bad file information"))?;
    let name = if name.is_empty() {
        i.file_name.rsplit('\\').next().unwrap_or("").into()
    } else {
        name
    };
    Ok(Reply::Stat(stat_from(&name, &i)))
}

/// Times to set (FILETIMEs); `None` leaves one unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Times {
    /// Creation.
    pub created: Option<u64>,
    /// Last access.
    pub accessed: Option<u64>,
    /// Last write.
    pub written: Option<u64>,
    /// Change.
    pub changed: Option<u64>,
}

async fn set_info(
    cx: Cx,
    tid: TreeId,
    target: Result<String, FileId>,
    times: Option<Times>,
    size: Option<u64>,
) -> R<Reply> {
    require_connected(&cx)?;
    let unicode = cx.with(|i| i.neg.unicode);
    let mut sets = Vec::new();
    if let Some(t) = times {
        sets.push((
            level::FILE_BASIC_INFO,
            info::encode_set_info(
                &info::SetFileInfo::Basic {
                    creation_time: t.created.unwrap_or(0),
                    last_access_time: t.accessed.unwrap_or(0),
                    last_write_time: t.written.unwrap_or(0),
                    change_time: t.changed.unwrap_or(0),
                    attributes: 0,
                },
                unicode,
            ),
        ));
    }
    if let Some(n) = size {
        sets.push((
            level::SET_FILE_END_OF_FILE_INFO,
            info::encode_set_info(&info::SetFileInfo::EndOfFile(n), unicode),
        ));
    }
    for (lvl, data) in sets {
        let sub = match &target {
            Ok(p) => Trans2Sub::SetPathInformation {
                level: lvl,
                reserved: 0,
                file_name: wire_path(p),
                data,
            },
            Err(f) => Trans2Sub::SetFileInformation {
                fid: f.0,
                level: lvl,
                reserved: 0,
                data,
            },
        };
        trans2(&cx, tid.0, sub, 0).await?;
    }
    Ok(Reply::Done)
}

async fn fs_info(cx: Cx, tid: TreeId) -> R<Reply> {
    require_connected(&cx)?;
    let unicode = cx.with(|i| i.neg.unicode);
    let (_, d) = trans2(
        &cx,
        tid.0,
        Trans2Sub::QueryFsInformation {
            level: level::FS_SIZE_INFO,
        },
        1024,
    )
    .await?;
    let f = info::decode_fs_info(level::FS_SIZE_INFO, &d, unicode)
        .map_err(|_| SmbError::Protocol("bad FS information"))?;
    let unit = f.sectors_per_unit as u64 * f.bytes_per_sector as u64;
    Ok(Reply::FsStat(FsStat {
        total_bytes: f.total_units * unit,
        free_bytes: f.free_units * unit,
    }))
}

async fn echo(cx: Cx, data: Bytes) -> R<Reply> {
    require_connected(&cx)?;
    let m = request(
        &cx,
        0xFFFF,
        EchoRequest {
            echo_count: 1,
            data,
        },
    )
    .await?;
    check(&m)?;
    match m.body() {
        Response::Echo(e) => Ok(Reply::Echo(e.data.clone())),
        _ => Err(SmbError::Protocol("not an ECHO response")),
    }
}

async fn shares(cx: Cx) -> R<Reply> {
    require_connected(&cx)?;
    let Reply::Tree(tid) = tree_connect(cx.clone(), String::from("IPC$")).await? else {
        return Err(SmbError::Protocol("no tree"));
    };
    let req = TransactionRequest {
        header: TransRequestHeader {
            max_parameter_count: 8,
            max_data_count: 0xFFE0,
            ..Default::default()
        },
        name: rap::LANMAN_PIPE.into(),
        payload: TransPayload::new(RapRequest::net_share_enum(0xFFE0).encode(), Bytes::new()),
    };
    let mut req = req;
    req.header.total_parameter_count = req.payload.parameters.len() as u16;
    let res = request(&cx, tid.0, req).await;
    let _ = request(&cx, tid.0, TreeDisconnectRequest).await;
    let m = res?;
    check(&m)?;
    let Response::Transaction(TransactionResponse(TransResponseBody::Reply { payload, .. })) =
        m.body()
    else {
        return Err(SmbError::Protocol("not a TRANSACTION reply"));
    };
    let (status, list, _) = rap::decode_share_enum(&payload.parameters, &payload.data)
        .map_err(|_| SmbError::Protocol("bad share list"))?;
    if status != rap::NERR_SUCCESS && status != rap::ERROR_MORE_DATA {
        return Err(SmbError::Protocol("the server refused to list shares"));
    }
    Ok(Reply::Shares(
        list.into_iter()
            .map(|s| ShareEntry {
                name: s.name,
                share_type: s.share_type,
                remark: s.remark,
            })
            .collect(),
    ))
}

async fn logoff(cx: Cx) -> R<Reply> {
    require_connected(&cx)?;
    let m = request(&cx, 0xFFFF, LogoffAndXRequest).await?;
    check(&m)?;
    cx.with(|i| i.neg.connected = false);
    Ok(Reply::Done)
}

impl ClientConnection {
    /// Performs the handshake: NetBIOS session request (if configured), NEGOTIATE and
    /// SESSION_SETUP_ANDX. Completes with [`Reply::Connected`].
    pub fn connect(&mut self, now: Now) -> RequestId {
        self.start(now, connect)
    }

    /// Connects to a share (`SHARE`, or a UNC path `\\host\share`); [`Reply::Tree`].
    pub fn tree_connect(&mut self, now: Now, share: &str) -> RequestId {
        let s = String::from(share);
        self.start(now, move |cx| tree_connect(cx, s))
    }

    /// Disconnects a tree; [`Reply::Done`].
    pub fn tree_disconnect(&mut self, now: Now, tree: TreeId) -> RequestId {
        self.start(now, move |cx| {
            simple(cx, tree.0, TreeDisconnectRequest.into())
        })
    }

    /// Opens or creates a file or directory; [`Reply::Opened`].
    pub fn open(&mut self, now: Now, tree: TreeId, path: &str, options: OpenOptions) -> RequestId {
        let p = String::from(path);
        self.start(now, move |cx| open(cx, tree, p, options))
    }

    /// Reads up to `len` bytes at `offset` (several READ_ANDX in flight); [`Reply::Read`],
    /// short at end of file.
    pub fn read(
        &mut self,
        now: Now,
        tree: TreeId,
        file: FileId,
        offset: u64,
        len: u64,
    ) -> RequestId {
        self.start(now, move |cx| read(cx, tree, file, offset, len))
    }

    /// Writes `data` at `offset` (several WRITE_ANDX in flight); [`Reply::Written`].
    pub fn write(
        &mut self,
        now: Now,
        tree: TreeId,
        file: FileId,
        offset: u64,
        data: Bytes,
    ) -> RequestId {
        self.start(now, move |cx| write(cx, tree, file, offset, data))
    }

    /// Closes a file; [`Reply::Done`].
    pub fn close(&mut self, now: Now, tree: TreeId, file: FileId) -> RequestId {
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                CloseRequest {
                    fid: file.0,
                    last_time_modified: u32::MAX,
                }
                .into(),
            )
        })
    }

    /// Flushes a file; [`Reply::Done`].
    pub fn flush(&mut self, now: Now, tree: TreeId, file: FileId) -> RequestId {
        self.start(now, move |cx| {
            simple(cx, tree.0, FlushRequest { fid: file.0 }.into())
        })
    }

    /// Lists a directory (`dir`, `dir\*`, or a pattern); [`Reply::Dir`] without `.` and `..`.
    pub fn list(&mut self, now: Now, tree: TreeId, pattern: &str) -> RequestId {
        let p = if crate::server::wildcard::has_wildcards(pattern) {
            String::from(pattern)
        } else {
            let base = wire_path(pattern);
            if base == "\\" {
                String::from("\\*")
            } else {
                format!("{base}\\*")
            }
        };
        self.start(now, move |cx| list(cx, tree, p))
    }

    /// Information about a path; [`Reply::Stat`].
    pub fn stat(&mut self, now: Now, tree: TreeId, path: &str) -> RequestId {
        let p = String::from(path);
        self.start(now, move |cx| stat(cx, tree, Ok(p)))
    }

    /// Information about an open file; [`Reply::Stat`].
    pub fn stat_file(&mut self, now: Now, tree: TreeId, file: FileId) -> RequestId {
        self.start(now, move |cx| stat(cx, tree, Err(file)))
    }

    /// Sets times and/or the size of a path; [`Reply::Done`].
    pub fn set_info(
        &mut self,
        now: Now,
        tree: TreeId,
        path: &str,
        times: Option<Times>,
        size: Option<u64>,
    ) -> RequestId {
        let p = String::from(path);
        self.start(now, move |cx| set_info(cx, tree, Ok(p), times, size))
    }

    /// Sets times and/or the size of an open file; [`Reply::Done`].
    pub fn set_file_info(
        &mut self,
        now: Now,
        tree: TreeId,
        file: FileId,
        times: Option<Times>,
        size: Option<u64>,
    ) -> RequestId {
        self.start(now, move |cx| set_info(cx, tree, Err(file), times, size))
    }

    /// Deletes a file; [`Reply::Done`].
    pub fn delete(&mut self, now: Now, tree: TreeId, path: &str) -> RequestId {
        let file_name = wire_path(path);
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                DeleteRequest {
                    search_attributes: 0x06,
                    buffer_format: 4,
                    file_name,
                }
                .into(),
            )
        })
    }

    /// Renames a file or directory; [`Reply::Done`].
    pub fn rename(&mut self, now: Now, tree: TreeId, from: &str, to: &str) -> RequestId {
        let (old_file_name, new_file_name) = (wire_path(from), wire_path(to));
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                RenameRequest {
                    search_attributes: 0x16,
                    old_file_name,
                    new_file_name,
                }
                .into(),
            )
        })
    }

    /// Creates a directory; [`Reply::Done`].
    pub fn mkdir(&mut self, now: Now, tree: TreeId, path: &str) -> RequestId {
        let directory_name = wire_path(path);
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                CreateDirectoryRequest {
                    buffer_format: 4,
                    directory_name,
                }
                .into(),
            )
        })
    }

    /// Removes an empty directory; [`Reply::Done`].
    pub fn rmdir(&mut self, now: Now, tree: TreeId, path: &str) -> RequestId {
        let directory_name = wire_path(path);
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                DeleteDirectoryRequest {
                    buffer_format: 4,
                    directory_name,
                }
                .into(),
            )
        })
    }

    /// File-system sizes of a tree; [`Reply::FsStat`].
    pub fn fs_info(&mut self, now: Now, tree: TreeId) -> RequestId {
        self.start(now, move |cx| fs_info(cx, tree))
    }

    /// ECHO; [`Reply::Echo`].
    pub fn echo(&mut self, now: Now, data: Bytes) -> RequestId {
        self.start(now, move |cx| echo(cx, data))
    }

    /// Lists the server's shares (RAP NetShareEnum over IPC$); [`Reply::Shares`].
    pub fn shares(&mut self, now: Now) -> RequestId {
        self.start(now, shares)
    }

    /// Ends the session; [`Reply::Done`].
    pub fn logoff(&mut self, now: Now) -> RequestId {
        self.start(now, logoff)
    }
}
