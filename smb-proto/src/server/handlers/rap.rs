//! The RAP calls of `\PIPE\LANMAN` besides NetShareEnum, as smbd answers them:
//! NetServerGetInfo (levels 0 and 1), NetServerEnum2 (levels 0 and 1), NetShareGetInfo
//! (levels 0 and 1), NetSessionEnum and NetSessionGetInfo (level 2) and NetRemoteTOD.
//!
//! Every answer is the RAP parameter block (status, converter, then counts) and a data
//! block whose strings (`z`) are 16-bit offsets from the start of the data (the converter
//! is 0) followed by two zero bytes.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::server::config::ServerConfig;
use crate::server::cx::Cx;
use crate::wire::codec::{Reader, Writer};
use crate::wire::msg::rap::{self, RapRequest, share_type};
use crate::wire::strings::read_oem;

/// RAP function numbers answered here.
pub(crate) mod func {
    /// NetShareGetInfo.
    pub const SHARE_GET_INFO: u16 = 1;
    /// NetSessionEnum.
    pub const SESSION_ENUM: u16 = 6;
    /// NetSessionGetInfo.
    pub const SESSION_GET_INFO: u16 = 7;
    /// NetServerGetInfo.
    pub const SERVER_GET_INFO: u16 = 13;
    /// NetRemoteTOD.
    pub const REMOTE_TOD: u16 = 91;
    /// NetServerEnum2.
    pub const SERVER_ENUM2: u16 = 104;
}

/// NERR_NetNameNotFound: no share of that name.
const NERR_NET_NAME_NOT_FOUND: u16 = 2310;
/// Server type bits: workstation, server, NT workstation, NT server... as smbd sends.
const SERVER_TYPE: u32 = 0x0000_9003;
/// SV_TYPE_DOMAIN_ENUM: NetServerEnum2 lists workgroups instead of servers.
const SV_TYPE_DOMAIN_ENUM: u32 = 0x8000_0000;

/// A RAP data block: fixed-size records first, their strings after them.
struct Data {
    fixed: Writer,
    strings: Vec<(usize, String)>,
}

impl Data {
    fn new() -> Self {
        Self {
            fixed: Writer::new(),
            strings: Vec::new(),
        }
    }

    /// A `B<n>` field: the name upper-cased, NUL-padded to `n` bytes.
    fn name(&mut self, s: &str, n: usize) {
        let up: Vec<u8> = s.bytes().map(|b| b.to_ascii_uppercase()).collect();
        let k = up.len().min(n - 1);
        self.fixed.bytes(&up[..k]);
        self.fixed.zeros(n - k);
    }

    /// A `z` field: a pointer filled in by [`Data::finish`].
    fn string(&mut self, s: &str) {
        self.strings.push((self.fixed.pos(), s.into()));
        self.fixed.u32(0);
    }

    fn finish(self) -> Bytes {
        let mut out = self.fixed.into_vec();
        for (at, s) in self.strings {
            let off = out.len().min(0xFFFF) as u16;
            out[at..at + 2].copy_from_slice(&off.to_le_bytes());
            out.extend(s.bytes().filter(|b| *b != 0));
            out.push(0);
        }
        Bytes::from(out)
    }
}

fn params(words: &[u16]) -> Bytes {
    let mut w = Writer::new();
    for v in words {
        w.u16(*v);
    }
    w.freeze()
}

/// The strings and numbers a request's parameter descriptor announces, after the level
/// and buffer length [`RapRequest::decode`] already read: `z` strings and `D` words.
fn request_args(raw: &Bytes) -> (Vec<String>, Vec<u32>) {
    let mut r = Reader::new(raw);
    let (mut strs, mut dwords) = (Vec::new(), Vec::new());
    let Ok(_) = r.u16("FunctionCode") else {
        return (strs, dwords);
    };
    let (Ok(pdesc), Ok(_)) = (read_oem(&mut r, "ParamDesc"), read_oem(&mut r, "DataDesc")) else {
        return (strs, dwords);
    };
    for c in pdesc.chars() {
        let ok = match c {
            'W' | 'L' => r.u16("W").is_ok(),
            'D' => r.u32("D").map(|v| dwords.push(v)).is_ok(),
            'z' => read_oem(&mut r, "z").map(|s| strs.push(s)).is_ok(),
            _ => true,
        };
        if !ok {
            break;
        }
    }
    (strs, dwords)
}

/// NetServerGetInfo level 0 (`B16`) or 1 (`B16BBDz`).
fn server_get_info(config: &ServerConfig, level: u16) -> (Bytes, Bytes) {
    if level > 1 {
        return (rap::encode_error(rap::ERROR_INVALID_LEVEL), Bytes::new());
    }
    let mut d = Data::new();
    server_record(&mut d, &config.server_name, level, "smb-rs");
    let data = d.finish();
    (params(&[rap::NERR_SUCCESS, 0, data.len() as u16]), data)
}

fn server_record(d: &mut Data, name: &str, level: u16, comment: &str) {
    d.name(name, 16);
    if level == 1 {
        d.fixed.u8(4);
        d.fixed.u8(9);
        d.fixed.u32(SERVER_TYPE);
        d.string(comment);
    }
}

/// NetServerEnum2 level 0 or 1: this server (or, for SV_TYPE_DOMAIN_ENUM, its workgroup)
/// when the type filter admits it. (Browsing proper, with the names other servers
/// announce, is the browser's.)
fn server_enum2(config: &ServerConfig, level: u16, server_type: u32) -> (Bytes, Bytes) {
    if level > 1 {
        return (rap::encode_error(rap::ERROR_INVALID_LEVEL), Bytes::new());
    }
    let mut d = Data::new();
    let mut n = 0u16;
    if server_type & SV_TYPE_DOMAIN_ENUM != 0 {
        if !config.domain.is_empty() {
            server_record(&mut d, &config.domain, level, &config.server_name);
            n += 1;
        }
    } else if server_type & SERVER_TYPE != 0 {
        server_record(&mut d, &config.server_name, level, "smb-rs");
        n += 1;
    }
    (params(&[rap::NERR_SUCCESS, 0, n, n]), d.finish())
}

/// NetShareGetInfo level 0 (`B13`) or 1 (`B13BWz`).
fn share_get_info(config: &ServerConfig, name: &str, level: u16) -> (Bytes, Bytes) {
    if level > 1 {
        return (rap::encode_error(rap::ERROR_INVALID_LEVEL), Bytes::new());
    }
    let found = config
        .shares
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
        .map(|s| (s.name.clone(), share_type::DISK, s.comment.clone()))
        .or_else(|| {
            name.eq_ignore_ascii_case("IPC$").then(|| {
                (
                    String::from("IPC$"),
                    share_type::IPC,
                    alloc::format!("IPC Service ({})", config.server_name),
                )
            })
        });
    let Some((n, t, comment)) = found else {
        return (params(&[NERR_NET_NAME_NOT_FOUND, 0, 0]), Bytes::new());
    };
    let mut d = Data::new();
    d.name(&n, 13);
    if level == 1 {
        d.fixed.u8(0);
        d.fixed.u16(t);
        d.string(&comment);
    }
    let data = d.finish();
    (params(&[rap::NERR_SUCCESS, 0, data.len() as u16]), data)
}

/// One SESSION_INFO_2 record (`zzWWWDDDz`).
fn session_record(d: &mut Data, computer: &str, user: &str, opens: u16, connections: u16) {
    d.string(computer);
    d.string(user);
    d.fixed.u16(opens);
    d.fixed.u16(connections);
    d.fixed.u16(1);
    d.fixed.u32(0);
    d.fixed.u32(0);
    d.fixed.u32(0);
    d.string("");
}

/// The established sessions of this connection, as (user, open files, trees). The client's
/// computer name is not known to the core: it is reported empty.
fn sessions(cx: &Cx) -> Vec<(String, u16, u16)> {
    cx.with(|i| {
        i.sessions
            .iter()
            .filter(|(_, s)| s.established)
            .map(|(_, s)| {
                // Trees belong to the connection (any of its sessions may use them).
                let trees = i.trees.len();
                (
                    s.user.clone(),
                    i.files.len().min(0xFFFF) as u16,
                    trees as u16,
                )
            })
            .collect()
    })
}

/// NetSessionEnum level 2.
fn session_enum(cx: &Cx, level: u16) -> (Bytes, Bytes) {
    if level != 2 {
        return (rap::encode_error(rap::ERROR_INVALID_LEVEL), Bytes::new());
    }
    let list = sessions(cx);
    let mut d = Data::new();
    for (user, opens, trees) in &list {
        session_record(&mut d, "", user, *opens, *trees);
    }
    let n = list.len() as u16;
    (params(&[rap::NERR_SUCCESS, 0, n, n]), d.finish())
}

/// NetSessionGetInfo level 2 for `\\computer` (every session's computer name is empty).
fn session_get_info(cx: &Cx, name: &str, level: u16) -> (Bytes, Bytes) {
    if level != 2 {
        return (rap::encode_error(rap::ERROR_INVALID_LEVEL), Bytes::new());
    }
    let computer = name.trim_start_matches('\\');
    let list = sessions(cx);
    let Some((user, opens, trees)) = list.first().filter(|_| computer.is_empty()) else {
        return (params(&[NERR_NO_SUCH_SESSION, 0, 0]), Bytes::new());
    };
    let mut d = Data::new();
    session_record(&mut d, "", user, *opens, *trees);
    let data = d.finish();
    (params(&[rap::NERR_SUCCESS, 0, data.len() as u16]), data)
}

/// NERR_ClientNameNotFound: no session from that computer.
const NERR_NO_SUCH_SESSION: u16 = 2312;

/// NetRemoteTOD: the time of day (`DDBBBBWWBBWB`), in UTC (time zone 0).
fn remote_tod(cx: &Cx) -> (Bytes, Bytes) {
    let ft = cx.with(|i| i.now.filetime);
    let (secs, nanos) = crate::time::filetime_to_unix(ft);
    let secs = secs.max(0) as u64;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = crate::time::civil_from_days(days as i64);
    let mut w = Writer::new();
    w.u32(secs.min(u32::MAX as u64) as u32);
    w.u32(((secs % 86_400) * 1000 + u64::from(nanos) / 1_000_000) as u32);
    w.u8((rem / 3600) as u8);
    w.u8((rem / 60 % 60) as u8);
    w.u8((rem % 60) as u8);
    w.u8((nanos / 10_000_000) as u8);
    w.u16(0);
    w.u16(310);
    w.u8(d as u8);
    w.u8(m as u8);
    w.u16(y as u16);
    // 1970-01-01 was a Thursday (4).
    w.u8(((days + 4) % 7) as u8);
    (params(&[rap::NERR_SUCCESS, 0]), w.freeze())
}

/// Answers the RAP calls of this file; `None` for the others.
pub(crate) fn answer(cx: &Cx, req: &RapRequest, raw: &Bytes) -> Option<(Bytes, Bytes)> {
    let config = cx.with(|i| i.config.clone());
    let (strs, dwords) = request_args(raw);
    Some(match req.function {
        func::SERVER_GET_INFO => server_get_info(&config, req.level),
        func::SERVER_ENUM2 => server_enum2(&config, req.level, dwords.first().copied()?),
        func::SHARE_GET_INFO => share_get_info(&config, strs.first()?, req.level),
        func::SESSION_ENUM => session_enum(cx, req.level),
        func::SESSION_GET_INFO => session_get_info(cx, strs.first()?, req.level),
        func::REMOTE_TOD => remote_tod(cx),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(crate::time::civil_from_days(0), (1970, 1, 1));
        assert_eq!(crate::time::civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(crate::time::civil_from_days(20_789), (2026, 12, 2));
    }

    #[test]
    fn data_strings_follow_the_records() {
        let mut d = Data::new();
        d.name("srv", 16);
        d.string("hello");
        d.string("");
        let b = d.finish();
        assert_eq!(&b[..4], b"SRV\0");
        assert_eq!(u16::from_le_bytes([b[16], b[17]]), 24);
        assert_eq!(u16::from_le_bytes([b[20], b[21]]), 30);
        assert_eq!(&b[24..31], b"hello\0\0");
    }

    #[test]
    fn request_arguments_are_read_by_descriptor() {
        let mut w = Writer::new();
        w.u16(func::SERVER_ENUM2);
        w.bytes(b"WrLehDz\0B16\0");
        w.u16(0);
        w.u16(8192);
        w.u32(0x8000_0000);
        w.bytes(b"WORKGROUP\0");
        let (s, d) = request_args(&w.freeze());
        assert_eq!(d, [0x8000_0000]);
        assert_eq!(s, ["WORKGROUP"]);
    }
}
