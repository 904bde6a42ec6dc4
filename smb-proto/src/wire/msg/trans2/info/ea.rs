//! Extended-attribute lists: FEA (names and values) and GEA (names to get), as
//! SMB_INFO_QUERY_EAS_FROM_LIST, SMB_INFO_QUERY_ALL_EAS and SMB_INFO_SET_EAS carry them.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader, Writer};
use crate::wire::strings::{read_oem_len, write_oem_raw};

/// One entry of an FEA list (name and value of an extended attribute).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeaEntry {
    /// Flags (0x80: NEED_EA).
    pub flags: u8,
    /// Name (ASCII).
    pub name: String,
    /// Value.
    pub value: Bytes,
}

/// Encodes an FEA list (SizeOfListInBytes, then the entries).
pub fn encode_fea_list(eas: &[FeaEntry]) -> Bytes {
    let mut w = Writer::new();
    let at = w.placeholder_u32();
    for e in eas {
        w.u8(e.flags);
        w.u8(e.name.len().min(255) as u8);
        w.u16(e.value.len().min(0xFFFF) as u16);
        write_oem_raw(&mut w, &e.name[..e.name.len().min(255)]);
        w.u8(0);
        w.bytes(&e.value[..e.value.len().min(0xFFFF)]);
    }
    let n = w.pos() as u32;
    w.patch_u32(at, n);
    w.freeze()
}

/// Decodes an FEA list (bounded by its own size field and the data).
pub fn decode_fea_list(data: &Bytes) -> Result<Vec<FeaEntry>, DecodeError> {
    let mut r = Reader::new(data);
    let size = r.u32("SizeOfListInBytes")? as usize;
    let end = size.min(data.len());
    let mut out = Vec::new();
    while r.pos() + 4 <= end {
        let flags = r.u8("Flags")?;
        let nl = r.u8("AttributeNameLengthInBytes")? as usize;
        let vl = r.u16("AttributeValueLengthInBytes")? as usize;
        let name = read_oem_len(&mut r, nl, "AttributeName")?;
        r.u8("NameTerminator")?;
        let value = r.bytes(vl, "AttributeValue")?;
        out.push(FeaEntry { flags, name, value });
        if out.len() > 1024 {
            return Err(DecodeError::new(
                DecodeErrorKind::TooLarge,
                "FEAList",
                r.pos(),
            ));
        }
    }
    Ok(out)
}

/// Decodes a GEA list (names of attributes to get).
pub fn decode_gea_list(data: &Bytes) -> Result<Vec<String>, DecodeError> {
    let mut r = Reader::new(data);
    let size = r.u32("SizeOfListInBytes")? as usize;
    let end = size.min(data.len());
    let mut out = Vec::new();
    while r.pos() < end {
        let nl = r.u8("AttributeNameLengthInBytes")? as usize;
        let name = read_oem_len(&mut r, nl, "AttributeName")?;
        if r.remaining() > 0 {
            r.u8("NameTerminator")?;
        }
        out.push(name);
        if out.len() > 1024 {
            return Err(DecodeError::new(
                DecodeErrorKind::TooLarge,
                "GEAList",
                r.pos(),
            ));
        }
    }
    Ok(out)
}

/// Encodes a GEA list.
pub fn encode_gea_list(names: &[String]) -> Bytes {
    let mut w = Writer::new();
    let at = w.placeholder_u32();
    for n in names {
        w.u8(n.len().min(255) as u8);
        write_oem_raw(&mut w, &n[..n.len().min(255)]);
        w.u8(0);
    }
    let n = w.pos() as u32;
    w.patch_u32(at, n);
    w.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ea_lists() {
        let gea = Bytes::from_static(&[0x0b, 0, 0, 0, 5, b'E', b'A', b'O', b'N', b'E', 0]);
        assert_eq!(decode_gea_list(&gea).unwrap(), ["EAONE"]);
        let fea = crate::util::hex_decode("330000000005040045414f4e4500626c61680006070045412054574f00666f6f206261720007030045415448524545007878310000").unwrap();
        let list = decode_fea_list(&Bytes::from(fea)).unwrap();
        assert_eq!(list.len(), 3, "{list:?}");
        assert_eq!(list[1].name, "EA TWO");
        assert_eq!(&list[2].value[..], b"xx1");
        let enc = encode_fea_list(&list);
        assert_eq!(decode_fea_list(&enc).unwrap(), list);
        assert_eq!(
            decode_gea_list(&encode_gea_list(&["A".into(), "BC".into()])).unwrap(),
            ["A", "BC"]
        );
    }
}
