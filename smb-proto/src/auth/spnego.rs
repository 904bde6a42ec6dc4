//! SPNEGO (RFC 4178, MS-SPNG) tokens as SMB1 extended security carries them, with a
//! minimal DER codec that rejects indefinite, overlong or out-of-range lengths.

use alloc::string::String;
use alloc::vec::Vec;

use crate::wire::codec::{DecodeError, DecodeErrorKind};

/// OID 1.3.6.1.5.5.2 (SPNEGO), contents only.
pub const OID_SPNEGO: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/// OID 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), contents only.
pub const OID_NTLMSSP: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
/// OID 1.2.840.113554.1.2.2 (Kerberos 5), contents only.
pub const OID_KERBEROS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// OID 1.2.840.48018.1.2.2 (Microsoft Kerberos 5), contents only.
pub const OID_MS_KERBEROS: &[u8] = &[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02];

/// negState: accept-completed.
pub const ACCEPT_COMPLETED: u8 = 0;
/// negState: accept-incomplete.
pub const ACCEPT_INCOMPLETE: u8 = 1;
/// negState: reject.
pub const REJECT: u8 = 2;
/// negState: request-mic.
pub const REQUEST_MIC: u8 = 3;

/// The hint Windows and Samba put in their NegTokenInit2.
pub const NEG_HINT_NAME: &str = "not_defined_in_RFC4178@please_ignore";

/// Largest token accepted.
pub const MAX_TOKEN: usize = 64 * 1024;

/// A DER TLV reader over a byte slice.
struct Der<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Der<'a> {
    fn new(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn err(&self, kind: DecodeErrorKind, field: &'static str) -> DecodeError {
        DecodeError::new(kind, field, self.base + self.pos)
    }

    /// Reads one TLV; returns (tag, contents, offset of contents).
    fn tlv(&mut self, field: &'static str) -> Result<(u8, &'a [u8], usize), DecodeError> {
        let tag = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.err(DecodeErrorKind::Truncated, field))?;
        if tag & 0x1F == 0x1F {
            return Err(self.err(DecodeErrorKind::Invalid, field));
        }
        let l0 = *self
            .buf
            .get(self.pos + 1)
            .ok_or_else(|| self.err(DecodeErrorKind::Truncated, field))?;
        let mut p = self.pos + 2;
        let len = if l0 < 0x80 {
            l0 as usize
        } else {
            let n = (l0 & 0x7F) as usize;
            if n == 0 || n > 3 {
                // Indefinite length, or a length no SPNEGO token needs.
                return Err(self.err(DecodeErrorKind::Invalid, field));
            }
            let bytes = self
                .buf
                .get(p..p + n)
                .ok_or_else(|| self.err(DecodeErrorKind::Truncated, field))?;
            p += n;
            let v = bytes.iter().fold(0usize, |a, &b| a << 8 | b as usize);
            if v < 0x80 || (n > 1 && bytes[0] == 0) {
                return Err(self.err(DecodeErrorKind::Invalid, field)); // non-minimal
            }
            v
        };
        let end = p
            .checked_add(len)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err(DecodeErrorKind::Truncated, field))?;
        let contents = &self.buf[p..end];
        let off = self.base + p;
        self.pos = end;
        Ok((tag, contents, off))
    }

    fn expect(&mut self, tag: u8, field: &'static str) -> Result<(&'a [u8], usize), DecodeError> {
        let at = self.pos;
        let (t, c, off) = self.tlv(field)?;
        if t != tag {
            return Err(DecodeError::invalid(field, self.base + at));
        }
        Ok((c, off))
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else if len < 0x1_0000 {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    } else {
        out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
    }
}

fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(contents.len() + 5);
    v.push(tag);
    put_len(&mut v, contents.len());
    v.extend_from_slice(contents);
    v
}

/// negHints of a server's NegTokenInit2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NegHints {
    /// hintName (GeneralString).
    pub hint_name: Option<String>,
    /// hintAddress.
    pub hint_address: Option<Vec<u8>>,
}

/// NegTokenInit (or the server's NegTokenInit2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NegTokenInit {
    /// Mechanism OIDs (contents), preferred first.
    pub mech_types: Vec<Vec<u8>>,
    /// reqFlags (BIT STRING contents).
    pub req_flags: Option<Vec<u8>>,
    /// The optimistic token of the first mechanism.
    pub mech_token: Option<Vec<u8>>,
    /// negHints (NegTokenInit2 only).
    pub neg_hints: Option<NegHints>,
    /// mechListMIC.
    pub mech_list_mic: Option<Vec<u8>>,
}

/// NegTokenResp.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NegTokenResp {
    /// negState.
    pub neg_state: Option<u8>,
    /// supportedMech OID (contents).
    pub supported_mech: Option<Vec<u8>>,
    /// responseToken.
    pub response_token: Option<Vec<u8>>,
    /// mechListMIC.
    pub mech_list_mic: Option<Vec<u8>>,
}

/// A SPNEGO token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An initial token.
    Init(NegTokenInit),
    /// A response token.
    Resp(NegTokenResp),
}

fn octet_string(d: &[u8], off: usize, field: &'static str) -> Result<Vec<u8>, DecodeError> {
    let mut r = Der::new(d, off);
    let (c, _) = r.expect(0x04, field)?;
    Ok(c.to_vec())
}

fn decode_init(contents: &[u8], off: usize) -> Result<NegTokenInit, DecodeError> {
    let mut outer = Der::new(contents, off);
    let (seq, off) = outer.expect(0x30, "NegTokenInit")?;
    let mut r = Der::new(seq, off);
    let mut t = NegTokenInit::default();
    while !r.is_empty() {
        let (tag, c, coff) = r.tlv("NegTokenInit")?;
        match tag {
            0xA0 => {
                let mut m = Der::new(c, coff);
                let (list, loff) = m.expect(0x30, "mechTypes")?;
                let mut l = Der::new(list, loff);
                while !l.is_empty() {
                    let (oid, _) = l.expect(0x06, "MechType")?;
                    if t.mech_types.len() >= 16 {
                        return Err(DecodeError::new(
                            DecodeErrorKind::TooLarge,
                            "mechTypes",
                            loff,
                        ));
                    }
                    t.mech_types.push(oid.to_vec());
                }
            }
            0xA1 => {
                let mut m = Der::new(c, coff);
                let (bits, _) = m.expect(0x03, "reqFlags")?;
                t.req_flags = Some(bits.to_vec());
            }
            0xA2 => t.mech_token = Some(octet_string(c, coff, "mechToken")?),
            0xA3 if c.first() == Some(&0x30) => {
                let mut m = Der::new(c, coff);
                let (hints, hoff) = m.expect(0x30, "negHints")?;
                let mut h = Der::new(hints, hoff);
                let mut nh = NegHints::default();
                while !h.is_empty() {
                    let (tag, c, coff) = h.tlv("negHints")?;
                    let mut v = Der::new(c, coff);
                    match tag {
                        0xA0 => {
                            let (s, _) = v.expect(0x1B, "hintName")?;
                            nh.hint_name = Some(s.iter().map(|&b| b as char).collect());
                        }
                        0xA1 => nh.hint_address = Some(v.expect(0x04, "hintAddress")?.0.to_vec()),
                        _ => {}
                    }
                }
                t.neg_hints = Some(nh);
            }
            0xA3 | 0xA4 => t.mech_list_mic = Some(octet_string(c, coff, "mechListMIC")?),
            _ => {}
        }
    }
    Ok(t)
}

fn decode_resp(contents: &[u8], off: usize) -> Result<NegTokenResp, DecodeError> {
    let mut outer = Der::new(contents, off);
    let (seq, off) = outer.expect(0x30, "NegTokenResp")?;
    let mut r = Der::new(seq, off);
    let mut t = NegTokenResp::default();
    while !r.is_empty() {
        let (tag, c, coff) = r.tlv("NegTokenResp")?;
        let mut v = Der::new(c, coff);
        match tag {
            0xA0 => {
                let (e, eoff) = v.expect(0x0A, "negState")?;
                if e.len() != 1 {
                    return Err(DecodeError::invalid("negState", eoff));
                }
                t.neg_state = Some(e[0]);
            }
            0xA1 => t.supported_mech = Some(v.expect(0x06, "supportedMech")?.0.to_vec()),
            0xA2 => t.response_token = Some(v.expect(0x04, "responseToken")?.0.to_vec()),
            0xA3 => t.mech_list_mic = Some(v.expect(0x04, "mechListMIC")?.0.to_vec()),
            _ => {}
        }
    }
    Ok(t)
}

/// Decodes a SPNEGO token: an `[APPLICATION 0]` initial token, or a bare NegTokenInit
/// (`0xA0`) or NegTokenResp (`0xA1`).
pub fn decode(token: &[u8]) -> Result<Token, DecodeError> {
    if token.len() > MAX_TOKEN {
        return Err(DecodeError::new(DecodeErrorKind::TooLarge, "SPNEGO", 0));
    }
    let mut r = Der::new(token, 0);
    let (tag, c, off) = r.tlv("SPNEGO")?;
    match tag {
        0x60 => {
            let mut a = Der::new(c, off);
            let (oid, ooff) = a.expect(0x06, "thisMech")?;
            if oid != OID_SPNEGO {
                return Err(DecodeError::invalid("thisMech", ooff));
            }
            let (t, c, off) = a.tlv("innerContextToken")?;
            match t {
                0xA0 => decode_init(c, off).map(Token::Init),
                0xA1 => decode_resp(c, off).map(Token::Resp),
                _ => Err(DecodeError::invalid("innerContextToken", off)),
            }
        }
        0xA0 => decode_init(c, off).map(Token::Init),
        0xA1 => decode_resp(c, off).map(Token::Resp),
        _ => Err(DecodeError::invalid("SPNEGO", 0)),
    }
}

/// DER of a mechTypes list (`SEQUENCE OF OID`), what a mechListMIC signs.
pub fn mech_types_der(mechs: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for m in mechs {
        list.extend_from_slice(&tlv(0x06, m));
    }
    tlv(0x30, &list)
}

impl NegTokenInit {
    /// Encodes as an initial context token (`[APPLICATION 0]` with the SPNEGO OID).
    pub fn encode(&self) -> Vec<u8> {
        let mut seq = Vec::new();
        let mut mechs = Vec::new();
        for m in &self.mech_types {
            mechs.extend_from_slice(&tlv(0x06, m));
        }
        seq.extend_from_slice(&tlv(0xA0, &tlv(0x30, &mechs)));
        if let Some(f) = &self.req_flags {
            seq.extend_from_slice(&tlv(0xA1, &tlv(0x03, f)));
        }
        if let Some(t) = &self.mech_token {
            seq.extend_from_slice(&tlv(0xA2, &tlv(0x04, t)));
        }
        if let Some(h) = &self.neg_hints {
            let mut hs = Vec::new();
            if let Some(n) = &h.hint_name {
                let s: Vec<u8> = n.chars().map(|c| c as u32 as u8).collect();
                hs.extend_from_slice(&tlv(0xA0, &tlv(0x1B, &s)));
            }
            if let Some(a) = &h.hint_address {
                hs.extend_from_slice(&tlv(0xA1, &tlv(0x04, a)));
            }
            seq.extend_from_slice(&tlv(0xA3, &tlv(0x30, &hs)));
            if let Some(m) = &self.mech_list_mic {
                seq.extend_from_slice(&tlv(0xA4, &tlv(0x04, m)));
            }
        } else if let Some(m) = &self.mech_list_mic {
            seq.extend_from_slice(&tlv(0xA3, &tlv(0x04, m)));
        }
        let mut inner = tlv(0x06, OID_SPNEGO);
        inner.extend_from_slice(&tlv(0xA0, &tlv(0x30, &seq)));
        tlv(0x60, &inner)
    }

    /// The server's NegTokenInit2 offering NTLMSSP, with the customary negHints.
    pub fn server_ntlmssp() -> Self {
        Self {
            mech_types: alloc::vec![OID_NTLMSSP.to_vec()],
            neg_hints: Some(NegHints {
                hint_name: Some(NEG_HINT_NAME.into()),
                hint_address: None,
            }),
            ..Default::default()
        }
    }

    /// A client NegTokenInit offering NTLMSSP with the NEGOTIATE message.
    pub fn client_ntlmssp(negotiate: Vec<u8>) -> Self {
        Self {
            mech_types: alloc::vec![OID_NTLMSSP.to_vec()],
            mech_token: Some(negotiate),
            ..Default::default()
        }
    }
}

impl NegTokenResp {
    /// Encodes as `[1] NegTokenResp`.
    pub fn encode(&self) -> Vec<u8> {
        let mut seq = Vec::new();
        if let Some(s) = self.neg_state {
            seq.extend_from_slice(&tlv(0xA0, &tlv(0x0A, &[s])));
        }
        if let Some(m) = &self.supported_mech {
            seq.extend_from_slice(&tlv(0xA1, &tlv(0x06, m)));
        }
        if let Some(t) = &self.response_token {
            seq.extend_from_slice(&tlv(0xA2, &tlv(0x04, t)));
        }
        if let Some(m) = &self.mech_list_mic {
            seq.extend_from_slice(&tlv(0xA3, &tlv(0x04, m)));
        }
        tlv(0xA1, &tlv(0x30, &seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_decode;

    #[test]
    fn vectors() {
        let init2 = hex_decode("604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e65645f696e5f5246433431373840706c656173655f69676e6f7265").unwrap();
        assert_eq!(NegTokenInit::server_ntlmssp().encode(), init2);
        assert_eq!(
            decode(&init2).unwrap(),
            Token::Init(NegTokenInit::server_ntlmssp())
        );
        let done = hex_decode("a1073005a0030a0100").unwrap();
        let t = NegTokenResp {
            neg_state: Some(0),
            ..Default::default()
        };
        assert_eq!(t.encode(), done);
        assert_eq!(decode(&done).unwrap(), Token::Resp(t));
    }

    #[test]
    fn rejects_bad_der() {
        for bad in [
            &[0x60, 0x80, 0, 0][..],      // indefinite length
            &[0xa1, 0x84, 0, 0, 0, 1, 0], // 4-byte length
            &[0xa1, 0x81, 0x05, 0x30, 0], // non-minimal long form
            &[0xa1, 0x10, 0x30, 0x00],    // runs past the end
            &[0x60, 0x02, 0x06, 0x00],    // wrong OID / truncated
        ] {
            assert!(decode(bad).is_err(), "{bad:02x?}");
        }
    }
}
