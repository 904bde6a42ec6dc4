//! One-line summaries of decoded messages: command(s), status and the main fields.

use std::collections::HashMap;
use std::fmt::Write as _;

use smb_proto::util::hex_encode;
use smb_proto::wire::msg::*;
use smb_proto::wire::{Header, Message, MessageBody, Request, Response};

use crate::logins::LoginChecker;

/// Per-connection state the summaries need: what each outstanding request asked for.
#[derive(Debug, Default)]
pub struct Context {
    /// TRANS2 subcommand and information level by MID.
    pub trans2: HashMap<u16, (u16, Option<u16>)>,
    /// Login verification, when credentials were given.
    pub logins: Option<LoginChecker>,
}

fn ids(h: &Header) -> String {
    format!(
        "mid={} uid={} tid={} pid={:#x}",
        h.mid,
        h.uid,
        h.tid,
        h.pid()
    )
}

fn trans2_name(sub: u16) -> &'static str {
    match sub {
        0x00 => "OPEN2",
        0x01 => "FIND_FIRST2",
        0x02 => "FIND_NEXT2",
        0x03 => "QUERY_FS_INFORMATION",
        0x04 => "SET_FS_INFORMATION",
        0x05 => "QUERY_PATH_INFORMATION",
        0x06 => "SET_PATH_INFORMATION",
        0x07 => "QUERY_FILE_INFORMATION",
        0x08 => "SET_FILE_INFORMATION",
        0x0D => "CREATE_DIRECTORY",
        0x10 => "GET_DFS_REFERRAL",
        _ => "UNKNOWN",
    }
}

/// The information level a TRANS2 request asks for, read from its parameters.
fn trans2_level(sub: u16, params: &[u8]) -> Option<u16> {
    let at = match sub {
        0x01 => 6,
        0x02 => 4,
        0x03 | 0x05 => 0,
        0x06 => 0,
        0x07 | 0x08 => 2,
        _ => return None,
    };
    params
        .get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
}

/// Summarises a request.
pub fn request(m: &Message<Request>, ctx: &mut Context) -> String {
    let mut s = String::new();
    for (i, body) in m.bodies().enumerate() {
        if i > 0 {
            s.push_str(" + ");
        }
        let _ = write!(s, "{}", body_name(body.command()));
        let detail = match body {
            Request::Negotiate(n) => format!("dialects={:?}", n.dialects),
            Request::SessionSetupAndX(SessionSetupAndXRequest::NtLm(x)) => format!(
                "account={:?} domain={:?} oem_pw={}B unicode_pw={}B caps={:#x}",
                x.account_name,
                x.primary_domain,
                x.oem_password.len(),
                x.unicode_password.len(),
                x.common.capabilities
            ),
            Request::SessionSetupAndX(SessionSetupAndXRequest::Extended(x)) => format!(
                "blob={}B caps={:#x} os={:?}",
                x.security_blob.len(),
                x.common.capabilities,
                x.native_os.as_deref().unwrap_or("")
            ),
            Request::SessionSetupAndX(SessionSetupAndXRequest::LanMan(x)) => format!(
                "pre-NT account={:?} domain={:?} password={}B",
                x.account_name,
                x.primary_domain,
                x.password.len()
            ),
            Request::SessionSetupAndX(SessionSetupAndXRequest::Other { words, .. }) => {
                format!("(wc={})", words.len() / 2)
            }
            Request::TreeConnectAndX(t) => format!("path={:?} service={:?}", t.path, t.service),
            Request::NtCreateAndX(c) => format!(
                "name={:?} access={:#x} share={:#x} disposition={} options={:#x}",
                c.file_name,
                c.desired_access,
                c.share_access,
                c.create_disposition,
                c.create_options
            ),
            Request::OpenAndX(o) => format!(
                "name={:?} access_mode={:#x} open_mode={:#x}",
                o.file_name, o.access_mode, o.open_mode
            ),
            Request::ReadAndX(r) => format!(
                "fid={:#x} offset={} count={}",
                r.fid,
                r.offset,
                r.max_count()
            ),
            Request::WriteAndX(w) => {
                format!("fid={:#x} offset={} len={}", w.fid, w.offset, w.data.len())
            }
            Request::Close(c) => format!("fid={:#x}", c.fid),
            Request::Flush(f) => format!("fid={:#x}", f.fid),
            Request::Delete(d) => format!("name={:?}", d.file_name),
            Request::Rename(r) => format!("{:?} -> {:?}", r.old_file_name, r.new_file_name),
            Request::CreateDirectory(d) => format!("name={:?}", d.directory_name),
            Request::DeleteDirectory(d) => format!("name={:?}", d.directory_name),
            Request::CheckDirectory(d) => format!("name={:?}", d.directory_name),
            Request::Echo(e) => format!("count={} data={}B", e.echo_count, e.data.len()),
            Request::Trans2(t) => {
                let sub = t.subcommand().unwrap_or(0xFFFF);
                let level = trans2_level(sub, &t.payload.parameters);
                ctx.trans2.insert(m.header.mid, (sub, level));
                format!(
                    "{} level={} params={}B data={}B",
                    trans2_name(sub),
                    level.map_or_else(|| "-".into(), |l| format!("{l:#x}")),
                    t.payload.parameters.len(),
                    t.payload.data.len()
                )
            }
            Request::Transaction(t) => format!(
                "name={:?} params={}B data={}B",
                t.name,
                t.payload.parameters.len(),
                t.payload.data.len()
            ),
            Request::NtTransact(t) => format!("function={}", t.function),
            Request::LockingAndX(l) => format!(
                "fid={:#x} locks={} unlocks={}",
                l.fid,
                l.locks.len(),
                l.unlocks.len()
            ),
            Request::Raw(r) => format!(
                "(untyped: {} words, {} bytes)",
                r.words.len() / 2,
                r.data.len()
            ),
            _ => String::new(),
        };
        if !detail.is_empty() {
            let _ = write!(s, " {detail}");
        }
        if let (Request::SessionSetupAndX(ss), Some(l)) = (body, ctx.logins.as_mut()) {
            let _ = write!(s, " [{}]", l.on_session_setup(&m.header, ss));
        }
    }
    let _ = write!(s, " {}", ids(&m.header));
    s
}

/// Summarises a response.
pub fn response(m: &Message<Response>, ctx: &mut Context) -> String {
    let mut s = String::new();
    for (i, body) in m.bodies().enumerate() {
        if i > 0 {
            s.push_str(" + ");
        }
        let _ = write!(s, "{}", body_name(body.command()));
        let detail = match body {
            Response::Negotiate(NegotiateResponse::NtLm(n)) => {
                if let Some(l) = ctx.logins.as_mut() {
                    l.on_negotiate(n);
                }
                let sec = match &n.security {
                    NegotiateSecurity::Challenge {
                        challenge,
                        domain_name,
                        server_name,
                    } => format!(
                        "challenge={} domain={:?} server={:?}",
                        hex_encode(challenge),
                        domain_name,
                        server_name.as_deref().unwrap_or("")
                    ),
                    NegotiateSecurity::Extended { security_blob, .. } => {
                        format!("extended blob={}B", security_blob.len())
                    }
                };
                format!(
                    "dialect={} mode={:#x} mpx={} maxbuf={} caps={:#x} {sec}",
                    n.dialect_index,
                    n.security_mode,
                    n.max_mpx_count,
                    n.max_buffer_size,
                    n.capabilities
                )
            }
            Response::Negotiate(NegotiateResponse::LanMan(n)) => {
                if let Some(l) = ctx.logins.as_mut() {
                    l.on_lanman_negotiate(n);
                }
                format!(
                    "pre-NT dialect={} mode={:#x} mpx={} maxbuf={} raw={:#x} challenge={}",
                    n.dialect_index,
                    n.security_mode,
                    n.max_mpx_count,
                    n.max_buffer_size,
                    n.raw_mode,
                    hex_encode(&n.challenge)
                )
            }
            Response::Negotiate(NegotiateResponse::DialectOnly { dialect_index }) => {
                format!("dialect={dialect_index:#x}")
            }
            Response::SessionSetupAndX(r) => {
                if let Some(l) = ctx.logins.as_mut() {
                    l.on_session_setup_response(&m.header, r);
                }
                format!(
                    "action={:#x} blob={} os={:?}",
                    r.action,
                    r.security_blob
                        .as_ref()
                        .map_or_else(|| "-".into(), |b| format!("{}B", b.len())),
                    r.native_os.as_deref().unwrap_or("")
                )
            }
            Response::TreeConnectAndX(t) => format!(
                "service={:?} fs={:?}",
                t.service,
                t.native_file_system.as_deref().unwrap_or("")
            ),
            Response::NtCreateAndX(c) => format!(
                "fid={:#x} action={} size={} attrs={:#x} dir={}",
                c.fid, c.create_action, c.end_of_file, c.ext_file_attributes, c.directory
            ),
            Response::OpenAndX(o) => format!(
                "fid={:#x} size={} results={:#x}",
                o.fid, o.file_data_size, o.open_results
            ),
            Response::ReadAndX(r) => format!("len={}", r.data.len()),
            Response::WriteAndX(w) => format!("count={}", w.count),
            Response::Echo(e) => format!("seq={} data={}B", e.sequence_number, e.data.len()),
            Response::Trans2(Trans2Response(body)) => match body {
                TransResponseBody::Interim => "interim".into(),
                TransResponseBody::Reply { payload, .. } => {
                    let sub = ctx.trans2.remove(&m.header.mid);
                    format!(
                        "{} params={}B data={}B",
                        sub.map_or("?".into(), |(sub, level)| format!(
                            "{} level={}",
                            trans2_name(sub),
                            level.map_or_else(|| "-".into(), |l| format!("{l:#x}"))
                        )),
                        payload.parameters.len(),
                        payload.data.len()
                    )
                }
            },
            Response::Error(_) => String::new(),
            Response::Raw(r) => format!(
                "(untyped: {} words, {} bytes)",
                r.words.len() / 2,
                r.data.len()
            ),
            _ => String::new(),
        };
        if !detail.is_empty() {
            let _ = write!(s, " {detail}");
        }
    }
    let _ = write!(s, " status={} {}", m.header.status(), ids(&m.header));
    s
}

fn body_name(c: smb_proto::wire::Command) -> String {
    match c.name() {
        Some(n) => n.to_string(),
        None => format!("CMD_{:#04x}", c.0),
    }
}
