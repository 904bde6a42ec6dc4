//! RAP NetServerEnum2 (function 104, MS-RAP 2.5.5.2): the browse list a client asks a
//! server for over `\PIPE\LANMAN`: the servers of a workgroup (levels 0 and 1), or the
//! workgroups themselves (server type `SV_TYPE_DOMAIN_ENUM`).

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::rap::{ERROR_MORE_DATA, NERR_SUCCESS, function};
use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader, Writer};
use crate::wire::strings::{read_oem, write_oem_raw};

/// The parameter descriptor of NetServerEnum2.
pub const PARAM_DESC: &str = "WrLehDz";
/// Fixed bytes of one entry at level 0 (the name) and level 1 (name, version, type,
/// comment pointer).
const ENTRY_LEN: [usize; 2] = [16, 26];

/// A NetServerEnum2 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEnumRequest {
    /// Information level: 0 (names) or 1 (names, versions, types, comments).
    pub level: u16,
    /// The client's receive buffer size.
    pub buffer_len: u16,
    /// Server type mask (`SV_TYPE_*`); `SV_TYPE_DOMAIN_ENUM` asks for workgroups.
    pub server_type: u32,
    /// The workgroup asked about (empty: the server's own).
    pub domain: String,
}

impl ServerEnumRequest {
    /// The data descriptor for the level.
    fn data_desc(level: u16) -> &'static str {
        if level == 0 { "B16" } else { "B16BBDz" }
    }

    /// Decodes the transaction parameters (function code included); the function code
    /// must be NetServerEnum2's.
    pub fn decode(params: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        if r.u16("FunctionCode")? != function::NET_SERVER_ENUM2 {
            return Err(DecodeError::invalid("FunctionCode", 0));
        }
        let pd = read_oem(&mut r, "ParamDesc")?;
        if pd != PARAM_DESC {
            return Err(DecodeError::invalid("ParamDesc", 2));
        }
        read_oem(&mut r, "DataDesc")?;
        let level = r.u16("InfoLevel")?;
        let buffer_len = r.u16("ReceiveBufferSize")?;
        let server_type = r.u32("ServerType")?;
        // The domain is optional: a request may end after the type.
        let domain = if r.is_empty() {
            String::new()
        } else {
            read_oem(&mut r, "Domain")?
        };
        Ok(Self {
            level,
            buffer_len,
            server_type,
            domain,
        })
    }

    /// Encodes the transaction parameters.
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::new();
        w.u16(function::NET_SERVER_ENUM2);
        write_oem_raw(&mut w, PARAM_DESC);
        w.u8(0);
        write_oem_raw(&mut w, Self::data_desc(self.level));
        w.u8(0);
        w.u16(self.level);
        w.u16(self.buffer_len);
        w.u32(self.server_type);
        write_oem_raw(&mut w, &self.domain);
        w.u8(0);
        w.freeze()
    }
}

/// One server (or workgroup) of the list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerEntry {
    /// Its NetBIOS name (at most 15 characters).
    pub name: String,
    /// OS major version (level 1).
    pub version_major: u8,
    /// OS minor version (level 1).
    pub version_minor: u8,
    /// `SV_TYPE_*` bits (level 1).
    pub server_type: u32,
    /// Comment (level 1; for a workgroup, its master browser's name).
    pub comment: String,
}

/// Bytes of a string in the OEM encoding (one per character).
fn oem_len(s: &str) -> usize {
    s.chars().count()
}

fn name16(name: &str) -> [u8; 16] {
    let mut n = [0u8; 16];
    for (i, c) in name.chars().take(15).enumerate() {
        n[i] = if (c as u32) < 0x100 { c as u8 } else { b'?' };
    }
    n
}

/// Builds a NetServerEnum2 response at `level` (0 or 1): (parameters, data). Entries that
/// do not fit in `buffer_len` are left out and the status says ERROR_MORE_DATA.
pub fn encode_server_enum(level: u16, entries: &[ServerEntry], buffer_len: u16) -> (Bytes, Bytes) {
    let fixed = ENTRY_LEN[usize::from(level != 0)];
    let limit = usize::from(buffer_len);
    // How many fit: fixed parts, plus the comments at level 1.
    let mut count = 0;
    let mut need = 0;
    for e in entries {
        let more = fixed
            + if level == 0 {
                0
            } else {
                oem_len(&e.comment) + 1
            };
        if need + more > limit {
            break;
        }
        need += more;
        count += 1;
    }
    let mut data = Writer::new();
    let mut comment_at = count * fixed;
    for e in &entries[..count] {
        data.bytes(&name16(&e.name));
        if level != 0 {
            data.u8(e.version_major);
            data.u8(e.version_minor);
            data.u32(e.server_type);
            data.u32(comment_at as u32);
            comment_at += oem_len(&e.comment) + 1;
        }
    }
    if level != 0 {
        for e in &entries[..count] {
            write_oem_raw(&mut data, &e.comment);
            data.u8(0);
        }
    }
    let mut p = Writer::new();
    p.u16(if count < entries.len() {
        ERROR_MORE_DATA
    } else {
        NERR_SUCCESS
    });
    p.u16(0); // converter
    p.u16(count as u16);
    p.u16(entries.len().min(usize::from(u16::MAX)) as u16);
    (p.freeze(), data.freeze())
}

/// Decodes a NetServerEnum2 response at `level`: the RAP status, the entries and the
/// number available.
pub fn decode_server_enum(
    level: u16,
    params: &Bytes,
    data: &Bytes,
) -> Result<(u16, Vec<ServerEntry>, u16), DecodeError> {
    let mut p = Reader::new(params);
    let status = p.u16("Status")?;
    let converter = p.u16("Converter")?;
    let count = usize::from(p.u16("EntriesReturned")?);
    let available = p.u16("EntriesAvailable")?;
    let fixed = ENTRY_LEN[usize::from(level != 0)];
    if count * fixed > data.len() {
        return Err(DecodeError::new(
            DecodeErrorKind::Truncated,
            "EntriesReturned",
            4,
        ));
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut r = Reader::range(data, i * fixed, fixed, "ServerInfo")?;
        let raw = r.slice(16, "ServerName")?;
        let end = raw.iter().position(|&b| b == 0).unwrap_or(16);
        let mut e = ServerEntry {
            name: raw[..end].iter().map(|&b| b as char).collect(),
            ..Default::default()
        };
        if level != 0 {
            e.version_major = r.u8("MajorVersion")?;
            e.version_minor = r.u8("MinorVersion")?;
            e.server_type = r.u32("ServerType")?;
            let ptr = r.u32("ServerComment")?;
            let off = (ptr & 0xFFFF).wrapping_sub(u32::from(converter)) as usize;
            if off < data.len() {
                let mut c = Reader::range(data, off, data.len() - off, "Comment")?;
                e.comment = read_oem(&mut c, "Comment")?;
            }
        }
        out.push(e);
    }
    Ok((status, out, available))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samba_request_decodes() {
        // smbclient's NetServerEnum2 for the workgroup list: level 1, SV_TYPE_DOMAIN_ENUM.
        let mut w = Writer::new();
        w.u16(104);
        w.bytes(b"WrLehDz\0B16BBDz\0");
        w.u16(1);
        w.u16(0xFFE0);
        w.u32(0x8000_0000);
        w.bytes(b"WORKGROUP\0");
        let r = ServerEnumRequest::decode(&w.freeze()).unwrap();
        assert_eq!(
            r,
            ServerEnumRequest {
                level: 1,
                buffer_len: 0xFFE0,
                server_type: 0x8000_0000,
                domain: "WORKGROUP".into()
            }
        );
        assert_eq!(ServerEnumRequest::decode(&r.encode()).unwrap(), r);
    }

    #[test]
    fn levels_round_trip_and_truncate() {
        let entries = [
            ServerEntry {
                name: "FILES".into(),
                version_major: 6,
                version_minor: 1,
                server_type: 0x9003,
                comment: "smb-rs".into(),
            },
            ServerEntry {
                name: "OTHER".into(),
                version_major: 4,
                version_minor: 9,
                server_type: 0x3,
                comment: String::new(),
            },
        ];
        let (p, d) = encode_server_enum(1, &entries, 0xFFFF);
        assert_eq!(d.len(), 2 * 26 + 7 + 1);
        let (st, got, avail) = decode_server_enum(1, &p, &d).unwrap();
        assert_eq!((st, avail), (NERR_SUCCESS, 2));
        assert_eq!(got, entries);
        let (p, d) = encode_server_enum(0, &entries, 0xFFFF);
        assert_eq!(&d[..6], b"FILES\0");
        let (_, got, _) = decode_server_enum(0, &p, &d).unwrap();
        assert_eq!(got[1].name, "OTHER");
        // A buffer for one entry.
        let (p, d) = encode_server_enum(1, &entries, 40);
        let (st, got, avail) = decode_server_enum(1, &p, &d).unwrap();
        assert_eq!((st, got.len(), avail), (ERROR_MORE_DATA, 1, 2));
        assert_eq!(got[0].comment, "smb-rs");
    }
}
