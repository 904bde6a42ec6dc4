//! RAP (Remote Administration Protocol) over `\PIPE\LANMAN` in SMB_COM_TRANSACTION:
//! NetShareEnum (level 1) and NetServerGetInfo (level 1), both directions.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader, Writer};
use crate::wire::strings::{read_oem, write_oem_raw};

/// The transaction name RAP travels in.
pub const LANMAN_PIPE: &str = "\\PIPE\\LANMAN";

/// RAP function numbers.
pub mod function {
    /// NetShareEnum.
    pub const NET_SHARE_ENUM: u16 = 0;
    /// NetServerGetInfo.
    pub const NET_SERVER_GET_INFO: u16 = 13;
    /// NetWkstaGetInfo.
    pub const NET_WKSTA_GET_INFO: u16 = 63;
    /// NetServerEnum2.
    pub const NET_SERVER_ENUM2: u16 = 104;
}

/// RAP status: success.
pub const NERR_SUCCESS: u16 = 0;
/// RAP status: more data (the buffer was too small).
pub const ERROR_MORE_DATA: u16 = 234;
/// RAP status: not supported.
pub const ERROR_NOT_SUPPORTED: u16 = 50;
/// RAP status: invalid level.
pub const ERROR_INVALID_LEVEL: u16 = 124;

/// Share types in SHARE_INFO_1.
pub mod share_type {
    /// Disk tree.
    pub const DISK: u16 = 0;
    /// Print queue.
    pub const PRINTQ: u16 = 1;
    /// Communication device.
    pub const DEVICE: u16 = 2;
    /// IPC.
    pub const IPC: u16 = 3;
}

/// A decoded RAP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RapRequest {
    /// Function number.
    pub function: u16,
    /// Parameter descriptor, e.g. `WrLeh`.
    pub param_desc: String,
    /// Data descriptor, e.g. `B13BWz`.
    pub data_desc: String,
    /// Information level (`W` in the descriptor), when present.
    pub level: u16,
    /// Receive buffer length (`L`), when present.
    pub buffer_len: u16,
}

impl RapRequest {
    /// A NetShareEnum level 1 request.
    pub fn net_share_enum(buffer_len: u16) -> Self {
        Self {
            function: function::NET_SHARE_ENUM,
            param_desc: "WrLeh".into(),
            data_desc: "B13BWz".into(),
            level: 1,
            buffer_len,
        }
    }

    /// A NetServerGetInfo level 1 request.
    pub fn net_server_get_info(buffer_len: u16) -> Self {
        Self {
            function: function::NET_SERVER_GET_INFO,
            param_desc: "WrLh".into(),
            data_desc: "B16BBDz".into(),
            level: 1,
            buffer_len,
        }
    }

    /// Decodes the transaction parameters.
    pub fn decode(params: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        let function = r.u16("FunctionCode")?;
        let param_desc = read_oem(&mut r, "ParamDesc")?;
        let data_desc = read_oem(&mut r, "DataDesc")?;
        let mut level = 0;
        let mut buffer_len = 0;
        // Walk the parameter descriptor for the fields that travel in the request.
        for c in param_desc.chars() {
            match c {
                'W' if r.remaining() >= 2 => level = r.u16("Level")?,
                'L' if r.remaining() >= 2 => buffer_len = r.u16("BufferLength")?,
                'D' if r.remaining() >= 4 => {
                    r.u32("D")?;
                }
                'z' => {
                    read_oem(&mut r, "z")?;
                }
                _ => {}
            }
        }
        Ok(Self {
            function,
            param_desc,
            data_desc,
            level,
            buffer_len,
        })
    }

    /// Encodes the transaction parameters.
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::new();
        w.u16(self.function);
        write_oem_raw(&mut w, &self.param_desc);
        w.u8(0);
        write_oem_raw(&mut w, &self.data_desc);
        w.u8(0);
        w.u16(self.level);
        w.u16(self.buffer_len);
        w.freeze()
    }
}

/// One share of a NetShareEnum response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareInfo1 {
    /// Share name (at most 12 characters).
    pub name: String,
    /// Share type ([`share_type`]).
    pub share_type: u16,
    /// Remark.
    pub remark: String,
}

/// Builds a NetShareEnum level 1 response: (parameters, data). Shares that do not fit in
/// `buffer_len` are left out and the status says ERROR_MORE_DATA.
pub fn encode_share_enum(shares: &[ShareInfo1], buffer_len: u16) -> (Bytes, Bytes) {
    let converter: u16 = 0;
    let fixed = 20 * shares.len();
    let mut entries = Writer::new();
    let mut remarks = Writer::new();
    let mut count = 0u16;
    let limit = buffer_len as usize;
    for s in shares {
        let remark_len = s.remark.len() + 1;
        if (count as usize + 1) * 20 + remarks.pos() + remark_len > limit {
            break;
        }
        let mut name = [0u8; 13];
        for (i, c) in s.name.chars().take(12).enumerate() {
            name[i] = if (c as u32) < 0x100 { c as u8 } else { b'?' };
        }
        entries.bytes(&name);
        entries.u8(0);
        entries.u16(s.share_type);
        // Remark pointer: offset from the start of the data, plus the converter.
        let at = fixed.min(limit) + remarks.pos();
        entries.u32((at as u32).wrapping_add(converter as u32));
        write_oem_raw(&mut remarks, &s.remark);
        remarks.u8(0);
        count += 1;
    }
    // Remarks were placed assuming all entries fit; rebase them onto the entries written.
    let mut data = entries.into_vec();
    let shift = fixed.min(limit) - data.len();
    for i in 0..count as usize {
        let p = i * 20 + 16;
        let v = u32::from_le_bytes([data[p], data[p + 1], data[p + 2], data[p + 3]]);
        data[p..p + 4].copy_from_slice(&(v - shift as u32).to_le_bytes());
    }
    data.extend_from_slice(remarks.written());
    let status = if (count as usize) < shares.len() {
        ERROR_MORE_DATA
    } else {
        NERR_SUCCESS
    };
    let mut p = Writer::new();
    p.u16(status);
    p.u16(converter);
    p.u16(count);
    p.u16(shares.len() as u16);
    (p.freeze(), Bytes::from(data))
}

/// Decodes a NetShareEnum level 1 response; returns the RAP status, the shares and the
/// number available.
pub fn decode_share_enum(
    params: &Bytes,
    data: &Bytes,
) -> Result<(u16, Vec<ShareInfo1>, u16), DecodeError> {
    let mut p = Reader::new(params);
    let status = p.u16("Status")?;
    let converter = p.u16("Converter")?;
    let count = p.u16("EntryCount")? as usize;
    let available = p.u16("AvailableEntries")?;
    if count * 20 > data.len() {
        return Err(DecodeError::new(
            DecodeErrorKind::Truncated,
            "EntryCount",
            4,
        ));
    }
    let mut shares = Vec::with_capacity(count);
    for i in 0..count {
        let mut r = Reader::range(data, i * 20, 20, "ShareInfo1")?;
        let name_raw = r.slice(13, "NetworkName")?;
        let end = name_raw.iter().position(|&b| b == 0).unwrap_or(13);
        let name = name_raw[..end].iter().map(|&b| b as char).collect();
        r.u8("Pad")?;
        let share_type = r.u16("Type")?;
        let ptr = r.u32("RemarkOffset")?;
        let off = (ptr & 0xFFFF).wrapping_sub(converter as u32) as usize;
        let remark = if off < data.len() {
            let mut rr = Reader::range(data, off, data.len() - off, "Remark")?;
            read_oem(&mut rr, "Remark")?
        } else {
            String::new()
        };
        shares.push(ShareInfo1 {
            name,
            share_type,
            remark,
        });
    }
    Ok((status, shares, available))
}

/// Builds a NetServerGetInfo level 1 response.
pub fn encode_server_info(
    name: &str,
    major: u8,
    minor: u8,
    server_type: u32,
    comment: &str,
) -> (Bytes, Bytes) {
    let mut d = Writer::new();
    let mut n = [0u8; 16];
    for (i, c) in name.chars().take(15).enumerate() {
        n[i] = if (c as u32) < 0x100 { c as u8 } else { b'?' };
    }
    d.bytes(&n);
    d.u8(major);
    d.u8(minor);
    d.u32(server_type);
    d.u32(26);
    write_oem_raw(&mut d, comment);
    d.u8(0);
    let mut p = Writer::new();
    p.u16(NERR_SUCCESS);
    p.u16(0);
    p.u16(d.pos() as u16);
    (p.freeze(), d.freeze())
}

/// A RAP error response (status only).
pub fn encode_error(status: u16) -> Bytes {
    let mut p = Writer::new();
    p.u16(status);
    p.u16(0);
    p.u16(0);
    p.u16(0);
    p.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_enum_round_trip() {
        let shares = alloc::vec![
            ShareInfo1 {
                name: "share".into(),
                share_type: share_type::DISK,
                remark: "files".into()
            },
            ShareInfo1 {
                name: "IPC$".into(),
                share_type: share_type::IPC,
                remark: "IPC Service".into()
            },
        ];
        let req = RapRequest::net_share_enum(0xFFFF);
        assert_eq!(RapRequest::decode(&req.encode()).unwrap(), req);
        let (p, d) = encode_share_enum(&shares, 0xFFFF);
        let (status, got, avail) = decode_share_enum(&p, &d).unwrap();
        assert_eq!((status, avail), (NERR_SUCCESS, 2));
        assert_eq!(got, shares);
        let (p, d) = encode_share_enum(&shares, 30);
        let (status, got, _) = decode_share_enum(&p, &d).unwrap();
        assert_eq!(status, ERROR_MORE_DATA);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0], shares[0]);
    }
}
