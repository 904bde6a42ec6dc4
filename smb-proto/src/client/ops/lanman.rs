//! The client in the pre-NT dialects (LANMAN1.0, LM1.2X002/LANMAN2.1), for servers that
//! speak nothing newer: the one-password logon (an LM response, or the password in clear
//! when the server offers no challenge and [`AuthMethod::Plaintext`] allows it), names in
//! the OEM code page, and the commands those dialects have where the NT ones are missing:
//! the core SEARCH (LANMAN1 listings), QUERY_INFORMATION and QUERY_INFORMATION2 (stat),
//! SET_INFORMATION(2) and the zero-length WRITE (times, size), QUERY_INFORMATION_DISK.
//! Opens, reads and writes go through OPEN_ANDX, READ_ANDX and WRITE_ANDX (LANMAN1.0 has
//! them); LANMAN2 listings through TRANS2 FIND_FIRST2 at SMB_INFO_STANDARD.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::names::Times;
use super::{R, check, request, require_connected, status_of, wire_path};
use crate::auth::{AuthMethod, LmHash, Secret, ntlm};
use crate::client::conn::Cx;
use crate::client::types::*;
use crate::time::{dos_to_filetime, filetime_to_dos};
use crate::wire::consts::ext_attr;
use crate::wire::dialect::Protocol;
use crate::wire::msg::trans2::info::{filetime_to_utime, utime_to_filetime};
use crate::wire::msg::trans2::sub::Trans2Sub;
use crate::wire::msg::*;
use crate::wire::names::{names_mut, paths_mut, trans2_paths_mut};
use crate::wire::{NtStatus, Request, Response};

/// The pre-NT family negotiated, if any.
pub(super) fn protocol(cx: &Cx) -> Option<Protocol> {
    cx.with(|i| i.neg.lanman)
}

/// Puts the names of a request into the OEM code page (for a message without Unicode).
pub(super) fn names_out(cx: &Cx, req: &mut Request) {
    let cp = cx.with(|i| i.config.dos_charset);
    for s in paths_mut(req) {
        *s = cp.to_wire_lossy(s);
    }
    for s in names_mut(req) {
        *s = cp.to_wire_lossy(s);
    }
}

/// Puts the names of a TRANS2 subcommand into the OEM code page.
pub(super) fn sub_names_out(cx: &Cx, sub: &mut Trans2Sub) {
    let cp = cx.with(|i| i.config.dos_charset);
    for s in trans2_paths_mut(sub) {
        *s = cp.to_wire_lossy(s);
    }
}

/// A name read from a message without Unicode, as text.
pub(super) fn name_in(cx: &Cx, s: String) -> String {
    let cp = cx.with(|i| i.config.dos_charset);
    cp.from_wire(&s)
}

/// The one password field of the pre-NT session setup.
fn password_field(config: &ClientConfig, challenge: Option<[u8; 8]>) -> R<Vec<u8>> {
    let Some(c) = &config.credentials else {
        return Ok(Vec::new());
    };
    let Secret::Password(password) = &c.secret else {
        return Err(SmbError::Usage(
            "the LANMAN dialects need the password itself, not its NT hash",
        ));
    };
    match (challenge, config.auth) {
        (Some(ch), AuthMethod::Lm | AuthMethod::Plaintext) => {
            let lm = LmHash::from_password(password).ok_or(SmbError::Usage(
                "LM needs a password of at most 14 characters",
            ))?;
            Ok(ntlm::lm_response(&lm, &ch).to_vec())
        }
        (None, AuthMethod::Plaintext) => {
            let mut v = config.dos_charset.encode(password).ok_or(SmbError::Usage(
                "the password has characters the OEM code page lacks",
            ))?;
            v.push(0);
            Ok(v)
        }
        (Some(_), _) => Err(SmbError::Usage(
            "the server speaks only a LANMAN dialect, whose logon is an LM response: use the lm (or plaintext) authentication",
        )),
        (None, _) => Err(SmbError::Usage(
            "the server wants the password in clear: allow it with the plaintext authentication",
        )),
    }
}

/// The handshake after a pre-NT NEGOTIATE response: the one-password session setup.
pub(super) async fn connect(
    cx: &Cx,
    config: &ClientConfig,
    n: LanManNegotiate,
    protocol: Protocol,
) -> R<Reply> {
    if config.signing == SigningPolicy::Required {
        return Err(SmbError::Protocol(
            "signing required but the server speaks only a LANMAN dialect",
        ));
    }
    cx.with(|i| {
        i.neg.unicode = false;
        i.neg.extended = false;
        i.neg.caps = 0;
        i.neg.max_mpx = n.max_mpx_count.max(1);
        i.neg.max_buffer = u32::from(n.max_buffer_size);
        i.neg.sign = false;
        i.neg.lanman = Some(protocol);
    });
    let password = password_field(config, n.challenge8())?;
    let (user, domain) = super::connect::user_and_domain(config);
    let req = SessionSetupAndXRequest::LanMan(SessionSetupLanMan {
        max_buffer_size: 0xFFFF,
        max_mpx_count: config.max_in_flight.min(n.max_mpx_count.max(1)),
        vc_number: 0,
        session_key: n.session_key,
        reserved: 0,
        password: Bytes::from(password),
        account_name: user,
        primary_domain: domain,
        native_os: Some(config.native_os.clone()),
        native_lan_man: Some(config.native_lan_man.clone()),
    });
    let m = request(cx, 0, req).await?;
    check(&m)?;
    let Response::SessionSetupAndX(reply) = m.body() else {
        return Err(SmbError::Protocol("not a SESSION_SETUP response"));
    };
    cx.with(|i| {
        i.neg.uid = m.header.uid;
        i.neg.connected = true;
    });
    Ok(Reply::Connected(SessionInfo {
        capabilities: 0,
        max_mpx: n.max_mpx_count,
        max_buffer: u32::from(n.max_buffer_size),
        signing: false,
        guest: reply.action & session_setup::ACTION_GUEST != 0,
        extended_security: false,
        native_os: reply.native_os.clone().unwrap_or_default(),
        domain: n.domain.clone().unwrap_or_default(),
        protocol,
    }))
}

/// A file's information from the core fields (DOS attributes, a UTIME write time).
fn core_stat(name: String, attrs: u16, written: u64, size: u32) -> FileStat {
    FileStat {
        name,
        size: u64::from(size),
        written,
        attributes: ext_attr::from_dos(attrs),
        is_dir: attrs & 0x10 != 0,
        ..Default::default()
    }
}

/// A LANMAN1 listing: the core SEARCH, resumed by the last entry's key to the end.
pub(super) async fn search_list(cx: Cx, tid: TreeId, pattern: String) -> R<Reply> {
    require_connected(&cx)?;
    let room = cx.with(|i| i.neg.max_buffer.clamp(1024, 0xFFFF) as usize - 64) / SEARCH_ENTRY_LEN;
    let mut req = SearchRequest {
        max_count: room as u16,
        search_attributes: 0x16,
        file_name: wire_path(&pattern),
        resume_key: Bytes::new(),
    };
    let cp = cx.with(|i| i.config.dos_charset);
    let mut out = Vec::new();
    loop {
        let m = request(&cx, tid.0, req.clone()).await?;
        match status_of(&m) {
            NtStatus::SUCCESS => {}
            NtStatus::NO_MORE_FILES | NtStatus::NO_SUCH_FILE | NtStatus::OBJECT_NAME_NOT_FOUND => {
                break;
            }
            s => return Err(SmbError::Status(s)),
        }
        let Response::Search(r) = m.body() else {
            return Err(SmbError::Protocol("not a SEARCH response"));
        };
        let Some(last) = r.entries.last() else { break };
        if out.len() > 10_000_000 {
            return Err(SmbError::Protocol("directory listing does not end"));
        }
        for e in &r.entries {
            let end = e.file_name.iter().position(|&b| b == 0).unwrap_or(13);
            let name = cp.decode(&e.file_name[..end]);
            let written =
                dos_to_filetime((e.last_write_time >> 16) as u16, e.last_write_time as u16);
            out.push(core_stat(
                name,
                u16::from(e.file_attributes),
                written,
                e.file_size,
            ));
        }
        req.file_name.clear();
        req.resume_key = Bytes::copy_from_slice(&last.resume_key);
    }
    out.retain(|f| f.name != "." && f.name != "..");
    Ok(Reply::Dir(out))
}

/// The core QUERY_INFORMATION of a path.
async fn query_information(cx: &Cx, tid: TreeId, path: &str) -> R<QueryInformationResponse> {
    let m = request(
        cx,
        tid.0,
        QueryInformationRequest {
            file_name: wire_path(path),
        },
    )
    .await?;
    check(&m)?;
    match m.body() {
        Response::QueryInformation(q) => Ok(*q),
        _ => Err(SmbError::Protocol("not a QUERY_INFORMATION response")),
    }
}

/// Stat through the core commands: QUERY_INFORMATION by path, QUERY_INFORMATION2 by FID.
pub(super) async fn stat(cx: Cx, tid: TreeId, target: Result<String, FileId>) -> R<Reply> {
    require_connected(&cx)?;
    match target {
        Ok(path) => {
            let q = query_information(&cx, tid, &path).await?;
            let name = path.rsplit(['\\', '/']).next().unwrap_or("").into();
            let written = utime_to_filetime(q.last_write_time);
            Ok(Reply::Stat(core_stat(
                name,
                q.file_attributes,
                written,
                q.file_size,
            )))
        }
        Err(f) => {
            let m = request(&cx, tid.0, QueryInformation2Request { fid: f.0 }).await?;
            check(&m)?;
            let Response::QueryInformation2(q) = m.body() else {
                return Err(SmbError::Protocol("not a QUERY_INFORMATION2 response"));
            };
            let mut s = core_stat(
                String::new(),
                q.file_attributes,
                dos_to_filetime(q.last_write.0, q.last_write.1),
                q.file_data_size,
            );
            s.created = dos_to_filetime(q.creation.0, q.creation.1);
            s.accessed = dos_to_filetime(q.last_access.0, q.last_access.1);
            s.allocation_size = u64::from(q.file_allocation_size);
            Ok(Reply::Stat(s))
        }
    }
}

/// Times and sizes through the core commands: SET_INFORMATION2 and a zero-length WRITE on
/// an open file, SET_INFORMATION (the write time) on a path.
pub(super) async fn set_info(
    cx: Cx,
    tid: TreeId,
    target: Result<String, FileId>,
    times: Option<Times>,
    size: Option<u64>,
) -> R<Reply> {
    require_connected(&cx)?;
    match target {
        Err(f) => {
            if let Some(t) = times {
                let d = |v: Option<u64>| filetime_to_dos(v.unwrap_or(0));
                let m = request(
                    &cx,
                    tid.0,
                    SetInformation2Request {
                        fid: f.0,
                        creation: d(t.created),
                        last_access: d(t.accessed),
                        last_write: d(t.written),
                    },
                )
                .await?;
                check(&m)?;
            }
            if let Some(n) = size {
                let offset = u32::try_from(n)
                    .map_err(|_| SmbError::Usage("the LANMAN dialects have 32-bit sizes"))?;
                let m = request(
                    &cx,
                    tid.0,
                    WriteRequest {
                        fid: f.0,
                        offset,
                        ..Default::default()
                    },
                )
                .await?;
                check(&m)?;
            }
        }
        Ok(path) => {
            if size.is_some() {
                return Err(SmbError::Usage(
                    "the LANMAN dialects set a size only on an open file",
                ));
            }
            if let Some(written) = times.and_then(|t| t.written) {
                // SET_INFORMATION sets the attributes too: keep the current ones.
                let q = query_information(&cx, tid, &path).await?;
                let m = request(
                    &cx,
                    tid.0,
                    SetInformationRequest {
                        file_attributes: q.file_attributes,
                        last_write_time: filetime_to_utime(written),
                        reserved: [0; 5],
                        file_name: wire_path(&path),
                    },
                )
                .await?;
                check(&m)?;
            }
        }
    }
    Ok(Reply::Done)
}

/// File-system sizes through the core QUERY_INFORMATION_DISK.
pub(super) async fn fs_info(cx: Cx, tid: TreeId) -> R<Reply> {
    require_connected(&cx)?;
    let m = request(&cx, tid.0, QueryInformationDiskRequest).await?;
    check(&m)?;
    let Response::QueryInformationDisk(d) = m.body() else {
        return Err(SmbError::Protocol("not a QUERY_INFORMATION_DISK response"));
    };
    let unit = u64::from(d.blocks_per_unit) * u64::from(d.block_size);
    Ok(Reply::FsStat(FsStat {
        total_bytes: u64::from(d.total_units) * unit,
        free_bytes: u64::from(d.free_units) * unit,
    }))
}
