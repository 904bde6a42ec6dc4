//! NetBIOS names on the name service and datagram service wire (RFC 1001 14, RFC 1002 4.1).
//!
//! The 16-byte form (15 characters upper-cased and padded with spaces, then a suffix byte)
//! is [`NetbiosName`], shared with the session service. Its first-level encoding turns
//! each byte into two letters `A`..`P` (32 bytes); an optional scope (`corp.example`)
//! follows as more labels. On the wire that is the second-level (DNS label) encoding:
//! length-prefixed labels ending with a zero byte, where any tail of labels may be replaced
//! by a compression pointer (two bytes, top bits `11`, a 14-bit offset from the start of
//! the packet) to the same labels earlier in the packet.
//!
//! [`decode`] follows pointers with three bounds: every pointer must land strictly before
//! the lowest position read so far (so it can neither loop nor point forward or past the
//! packet), the name may be at most [`MAX_ENCODED_LEN`] bytes long once expanded, and the
//! first label must be the 32-letter name. [`NamePointer`] records where a decoded name
//! used a pointer so that [`encode`] writes it back byte for byte.
//!
//! ```
//! use bytes::Bytes;
//! use smb_proto::nbns::name;
//! use smb_proto::wire::{NetbiosName, Reader, Writer};
//!
//! let n = NetbiosName::new("files", 0x20).with_scope("corp.example").unwrap();
//! assert_eq!(name::scope_str(&n), "CORP.EXAMPLE");
//! let mut w = Writer::new();
//! name::encode(&mut w, &n, None);
//! let wire = w.freeze();
//! assert_eq!(&wire[..5], b"\x20EGEJ");
//! let (back, pointer) = name::decode(&mut Reader::new(&wire), "Name").unwrap();
//! assert_eq!((back, pointer), (n, None));
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader, Writer};
use crate::wire::netbios::NetbiosName;

/// Longest encoded name accepted or produced: 255 bytes counting every length byte and the
/// final zero (the DNS limit RFC 1002 inherits).
pub const MAX_ENCODED_LEN: usize = 255;

/// Longest label (the top two bits of a length byte are the pointer tag).
pub const MAX_LABEL_LEN: usize = 63;

/// Where a name on the wire stopped writing labels and pointed back instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NamePointer {
    /// How many labels were written in place before the pointer (0: the whole name is a
    /// pointer, the usual `0xC00C` to the question name).
    pub labels: u8,
    /// The offset the pointer holds, from the start of the packet.
    pub offset: u16,
}

impl NamePointer {
    /// A pointer standing for the whole name.
    pub const fn whole(offset: u16) -> Self {
        Self { labels: 0, offset }
    }
}

/// The offset of the first name in a name service packet (right after the 12-byte header),
/// where registration and release requests point their additional record's name.
pub const QUESTION_NAME_OFFSET: u16 = 12;

impl NetbiosName {
    /// A name from its 16 raw bytes (no scope).
    pub fn from_raw(raw: [u8; 16]) -> Self {
        Self {
            raw,
            scope: Bytes::new(),
        }
    }

    /// This name with a scope (`corp.example`; empty for none), upper-cased. `None` when a
    /// label is empty or longer than 63 bytes, or the encoded name would be longer than
    /// [`MAX_ENCODED_LEN`].
    pub fn with_scope(mut self, scope: &str) -> Option<Self> {
        let mut labels = Vec::new();
        if !scope.is_empty() {
            for label in scope.split('.') {
                if label.is_empty() || label.len() > MAX_LABEL_LEN {
                    return None;
                }
                labels.push(label.len() as u8);
                labels.extend(label.bytes().map(|b| b.to_ascii_uppercase()));
            }
        }
        // Length byte and 32 letters, the scope labels, the final zero.
        if 33 + labels.len() + 1 > MAX_ENCODED_LEN {
            return None;
        }
        self.scope = Bytes::from(labels);
        Some(self)
    }

    /// Whether this is the wildcard `*` name of node status requests (`*` and 15 zeros).
    pub fn is_wildcard(&self) -> bool {
        self.raw[0] == b'*' && self.raw[1..].iter().all(|&b| b == 0)
    }

    /// The same name, ignoring ASCII case in the name and the scope (the suffix byte must
    /// be equal).
    pub fn same_as(&self, other: &NetbiosName) -> bool {
        self.raw[15] == other.raw[15]
            && self.raw[..15].eq_ignore_ascii_case(&other.raw[..15])
            && self.scope.eq_ignore_ascii_case(&other.scope)
    }
}

/// The scope of a name as dotted text (empty when it has none).
pub fn scope_str(name: &NetbiosName) -> String {
    let mut out = String::new();
    for label in labels(&name.scope) {
        if !out.is_empty() {
            out.push('.');
        }
        out.extend(label.iter().map(|&b| b as char));
    }
    out
}

/// The scope labels of an encoded scope (stops at a malformed length).
fn labels(scope: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = scope;
    core::iter::from_fn(move || {
        let (&n, tail) = rest.split_first()?;
        let label = tail.get(..n as usize)?;
        rest = &tail[n as usize..];
        Some(label)
    })
}

/// Writes a name in the second-level encoding; with a `pointer`, its first
/// `pointer.labels` labels and then the pointer.
pub fn encode(w: &mut Writer, name: &NetbiosName, pointer: Option<NamePointer>) {
    let Some(p) = pointer else {
        name.encode(w);
        return;
    };
    if p.labels > 0 {
        w.u8(32);
        w.bytes(&name.first_level());
        for label in labels(&name.scope).take(p.labels as usize - 1) {
            w.u8(label.len() as u8);
            w.bytes(label);
        }
    }
    w.u16_be(0xC000 | (p.offset & 0x3FFF));
}

/// The number of bytes [`encode`] writes.
pub fn encoded_len(name: &NetbiosName, pointer: Option<NamePointer>) -> usize {
    match pointer {
        None => 33 + name.scope.len() + 1,
        Some(p) if p.labels == 0 => 2,
        Some(p) => {
            33 + labels(&name.scope)
                .take(p.labels as usize - 1)
                .map(|l| 1 + l.len())
                .sum::<usize>()
                + 2
        }
    }
}

/// Reads a name at the reader's position, following compression pointers within the
/// reader's buffer; the reader ends up after the name as written in place. `field` names
/// the field in errors.
pub fn decode(
    r: &mut Reader<'_>,
    field: &'static str,
) -> Result<(NetbiosName, Option<NamePointer>), DecodeError> {
    let buf = r.buffer();
    let limit = r.end();
    let start = r.pos();
    let mut pos = start;
    let mut lowest = start;
    let mut resume = None;
    let mut pointer = None;
    let mut label_count: usize = 0;
    let mut total = 0usize;
    let mut raw = [0u8; 16];
    let mut scope = Vec::new();
    loop {
        let &len = buf[..limit]
            .get(pos)
            .ok_or(DecodeError::truncated(field, pos))?;
        match len >> 6 {
            0 if len == 0 => {
                pos += 1;
                break;
            }
            0 => {
                let n = len as usize;
                let label = buf[..limit]
                    .get(pos + 1..pos + 1 + n)
                    .ok_or(DecodeError::truncated(field, pos))?;
                total += 1 + n;
                if total + 1 > MAX_ENCODED_LEN {
                    return Err(DecodeError::new(DecodeErrorKind::TooLarge, field, pos));
                }
                if label_count == 0 {
                    raw = first_level_decode(label).ok_or(DecodeError::invalid(field, pos))?;
                } else {
                    scope.push(len);
                    scope.extend_from_slice(label);
                }
                label_count += 1;
                pos += 1 + n;
            }
            3 => {
                let &lo = buf[..limit]
                    .get(pos + 1)
                    .ok_or(DecodeError::truncated(field, pos))?;
                let target = (((len & 0x3F) as usize) << 8) | lo as usize;
                if target >= lowest {
                    return Err(DecodeError::invalid(field, pos));
                }
                if pointer.is_none() {
                    // At most 255 bytes of labels precede the first pointer, so fewer
                    // than 255 labels.
                    pointer = Some(NamePointer {
                        labels: label_count as u8,
                        offset: target as u16,
                    });
                    resume = Some(pos + 2);
                }
                lowest = target;
                pos = target;
            }
            _ => return Err(DecodeError::invalid(field, pos)),
        }
    }
    if label_count == 0 {
        return Err(DecodeError::invalid(field, start));
    }
    r.seek(resume.unwrap_or(pos), field)?;
    let name = NetbiosName {
        raw,
        scope: Bytes::from(scope),
    };
    Ok((name, pointer))
}

/// Decodes the 32-letter first-level encoding; `None` when it is not 32 letters `A`..`P`.
pub fn first_level_decode(label: &[u8]) -> Option<[u8; 16]> {
    if label.len() != 32 {
        return None;
    }
    let mut raw = [0u8; 16];
    for (i, pair) in label.chunks_exact(2).enumerate() {
        let hi = pair[0].wrapping_sub(b'A');
        let lo = pair[1].wrapping_sub(b'A');
        if hi > 15 || lo > 15 {
            return None;
        }
        raw[i] = (hi << 4) | lo;
    }
    Some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_decode;

    fn dec(b: &[u8], at: usize) -> Result<(NetbiosName, Option<NamePointer>, usize), DecodeError> {
        let bytes = Bytes::copy_from_slice(b);
        let mut r = Reader::new(&bytes);
        r.seek(at, "t").unwrap();
        let (n, p) = decode(&mut r, "Name")?;
        Ok((n, p, r.pos()))
    }

    #[test]
    fn first_level_of_a_known_name() {
        // RFC 1001 14.1: "FRED" as the encoded name of the example.
        let n = NetbiosName::new("FRED", 0x20);
        assert_eq!(&n.first_level(), b"EGFCEFEECACACACACACACACACACACACA");
        let w = NetbiosName::new("*", 0);
        assert!(w.is_wildcard());
        assert_eq!(&w.first_level(), b"CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    }

    #[test]
    fn pointer_to_an_earlier_name() {
        let mut w = Writer::new();
        w.zeros(12);
        let n = NetbiosName::new("SERVER", 0).with_scope("a.bc").unwrap();
        encode(&mut w, &n, None);
        let second = w.pos();
        encode(&mut w, &n, Some(NamePointer::whole(12)));
        // A partial pointer: the name label in place, the scope from the first copy.
        let third = w.pos();
        encode(
            &mut w,
            &n,
            Some(NamePointer {
                labels: 1,
                offset: 12 + 33,
            }),
        );
        let b = w.into_vec();
        assert_eq!(&b[second..second + 2], &[0xC0, 0x0C]);
        assert_eq!(
            dec(&b, second).unwrap(),
            (n.clone(), Some(NamePointer::whole(12)), second + 2)
        );
        let (got, p, end) = dec(&b, third).unwrap();
        assert_eq!(got, n);
        assert_eq!(
            p,
            Some(NamePointer {
                labels: 1,
                offset: 45
            })
        );
        assert_eq!(end, b.len());
        assert_eq!(encoded_len(&n, p), b.len() - third);
        assert_eq!(scope_str(&got), "A.BC");
    }

    #[test]
    fn refuses_loops_forward_pointers_and_bad_labels() {
        // A pointer to itself, and one pointing forward.
        assert!(dec(&hex_decode("c000").unwrap(), 0).is_err());
        assert!(dec(&hex_decode("c0020000").unwrap(), 0).is_err());
        // Two pointers that would bounce between each other: 4 -> 0 -> 2 -> (>= 0) refused.
        let loop_ = hex_decode("01 41 c0 00 c0 00").unwrap();
        assert_eq!(dec(&loop_, 4).unwrap_err().kind, DecodeErrorKind::Invalid);
        // Label types 01 and 10 are reserved.
        assert!(dec(&hex_decode("40").unwrap(), 0).is_err());
        assert!(dec(&hex_decode("80").unwrap(), 0).is_err());
        // The root alone is not a NetBIOS name; a first label that is not 32 letters either.
        assert!(dec(&[0], 0).is_err());
        assert!(dec(&hex_decode("0141 00").unwrap(), 0).is_err());
        let mut lower = alloc::vec![32u8];
        lower.extend_from_slice(b"egfcefeecacacacacacacacacacacaaa");
        lower.push(0);
        assert!(dec(&lower, 0).is_err());
        // Truncated.
        assert_eq!(
            dec(&[32, b'A'], 0).unwrap_err().kind,
            DecodeErrorKind::Truncated
        );
    }

    #[test]
    fn refuses_names_over_255_bytes() {
        let mut b = alloc::vec![32u8];
        b.extend_from_slice(&NetbiosName::new("X", 0).first_level());
        for _ in 0..4 {
            b.push(63);
            b.extend_from_slice(&[b'A'; 63]);
        }
        b.push(0);
        let e = dec(&b, 0).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TooLarge);
        // Scope text that would be too long is refused when building the name, too.
        let long = [[b'a'; 63]; 4]
            .map(|l| String::from_utf8(l.to_vec()).unwrap())
            .join(".");
        assert!(NetbiosName::new("X", 0).with_scope(&long).is_none());
        assert!(NetbiosName::new("X", 0).with_scope("a..b").is_none());
    }

    #[test]
    fn comparison_ignores_case() {
        let a = NetbiosName::from_raw(*b"files          \x20");
        assert!(a.same_as(&NetbiosName::new("FILES", 0x20)));
        assert!(!a.same_as(&NetbiosName::new("FILES", 0x00)));
    }
}
