//! UUIDs and syntax identifiers (an interface or transfer syntax: UUID plus version).

use core::fmt;

use super::ndr::{NdrReader, NdrWriter};
use crate::wire::codec::DecodeError;

/// A DCE UUID, kept as its four fields so that it is written in either byte order.
///
/// On the wire the first three fields follow the PDU's integer representation (little
/// endian in practice); the last eight bytes are written as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uuid {
    /// `time_low`.
    pub d1: u32,
    /// `time_mid`.
    pub d2: u16,
    /// `time_hi_and_version`.
    pub d3: u16,
    /// `clock_seq` and `node`.
    pub d4: [u8; 8],
}

const fn hex_digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not a hex digit in a UUID literal"),
    }
}

const fn hex_at(s: &[u8], at: usize, digits: usize) -> u64 {
    let mut v = 0u64;
    let mut i = 0;
    while i < digits {
        v = v * 16 + hex_digit(s[at + i]) as u64;
        i += 1;
    }
    v
}

impl Uuid {
    /// The nil UUID (all zero).
    pub const NIL: Uuid = Uuid {
        d1: 0,
        d2: 0,
        d3: 0,
        d4: [0; 8],
    };

    /// Parses the canonical text form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` at compile
    /// time (a malformed literal fails the build).
    ///
    /// ```
    /// use smb_proto::rpc::uuid::Uuid;
    /// const SRVSVC: Uuid = Uuid::parse("4b324fc8-1670-01d3-1278-5a47bf6ee188");
    /// assert_eq!(SRVSVC.d1, 0x4b32_4fc8);
    /// assert_eq!(SRVSVC.to_string(), "4b324fc8-1670-01d3-1278-5a47bf6ee188");
    /// ```
    pub const fn parse(s: &str) -> Uuid {
        let b = s.as_bytes();
        assert!(b.len() == 36 && b[8] == b'-' && b[13] == b'-' && b[18] == b'-' && b[23] == b'-');
        let mut d4 = [0u8; 8];
        d4[0] = hex_at(b, 19, 2) as u8;
        d4[1] = hex_at(b, 21, 2) as u8;
        let mut i = 0;
        while i < 6 {
            d4[2 + i] = hex_at(b, 24 + 2 * i, 2) as u8;
            i += 1;
        }
        Uuid {
            d1: hex_at(b, 0, 8) as u32,
            d2: hex_at(b, 9, 4) as u16,
            d3: hex_at(b, 14, 4) as u16,
            d4,
        }
    }

    /// Reads 16 bytes.
    pub fn decode(r: &mut NdrReader<'_>, field: &'static str) -> Result<Uuid, DecodeError> {
        let d1 = r.u32(field)?;
        let d2 = r.u16(field)?;
        let d3 = r.u16(field)?;
        let d4 = r.array::<8>(field)?;
        Ok(Uuid { d1, d2, d3, d4 })
    }

    /// Writes 16 bytes.
    pub fn encode(&self, w: &mut NdrWriter) {
        w.u32(self.d1);
        w.u16(self.d2);
        w.u16(self.d3);
        w.bytes(&self.d4);
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.d4;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            self.d1, self.d2, self.d3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}

/// A syntax identifier: an interface (abstract syntax) or a transfer syntax, with its
/// version as written on the wire (`major` in the low 16 bits, `minor` in the high 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SyntaxId {
    /// The UUID.
    pub uuid: Uuid,
    /// `if_version`: major version | minor version << 16.
    pub version: u32,
}

impl SyntaxId {
    /// A syntax from its UUID text and major.minor version.
    pub const fn new(uuid: &str, major: u16, minor: u16) -> Self {
        SyntaxId {
            uuid: Uuid::parse(uuid),
            version: major as u32 | (minor as u32) << 16,
        }
    }

    /// The major version.
    pub fn major(&self) -> u16 {
        self.version as u16
    }

    /// The minor version.
    pub fn minor(&self) -> u16 {
        (self.version >> 16) as u16
    }

    /// Reads 20 bytes.
    pub fn decode(r: &mut NdrReader<'_>, field: &'static str) -> Result<Self, DecodeError> {
        let uuid = Uuid::decode(r, field)?;
        let version = r.u32(field)?;
        Ok(SyntaxId { uuid, version })
    }

    /// Writes 20 bytes.
    pub fn encode(&self, w: &mut NdrWriter) {
        self.uuid.encode(w);
        w.u32(self.version);
    }

    /// If this is a bind-time feature negotiation syntax (`6cb71c2c-9812-4540-XXXX-...`,
    /// MS-RPCE 3.3.1.5.3), the feature bits the client offers (the first two bytes of
    /// the last eight, little endian).
    pub fn bind_time_features(&self) -> Option<u16> {
        let prefix = BIND_TIME_FEATURES_PREFIX;
        (self.uuid.d1 == prefix.d1 && self.uuid.d2 == prefix.d2 && self.uuid.d3 == prefix.d3)
            .then(|| u16::from_le_bytes([self.uuid.d4[0], self.uuid.d4[1]]))
    }
}

impl fmt::Display for SyntaxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}.{}", self.uuid, self.major(), self.minor())
    }
}

/// The NDR 2.0 transfer syntax (`8a885d04-1ceb-11c9-9fe8-08002b104860` v2.0), the only
/// one this implementation speaks.
pub const NDR20: SyntaxId = SyntaxId::new("8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 0);

/// The NDR64 transfer syntax (`71710533-beba-4937-8319-b5dbef9ccc36` v1.0), refused.
pub const NDR64: SyntaxId = SyntaxId::new("71710533-beba-4937-8319-b5dbef9ccc36", 1, 0);

/// The fixed part of the bind-time feature negotiation UUID; its last eight bytes carry
/// the feature bits.
pub const BIND_TIME_FEATURES_PREFIX: Uuid = Uuid::parse("6cb71c2c-9812-4540-0000-000000000000");

/// Bind-time feature: security context multiplexing.
pub const FEATURE_SECURITY_CONTEXT_MULTIPLEXING: u16 = 0x0001;
/// Bind-time feature: keep the connection on orphan.
pub const FEATURE_KEEP_CONNECTION_ON_ORPHAN: u16 = 0x0002;

/// The server service interface, srvsvc v3.0 (MS-SRVS).
pub const SRVSVC: SyntaxId = SyntaxId::new("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 0);

/// The workstation service interface, wkssvc v1.0 (MS-WKST).
pub const WKSSVC: SyntaxId = SyntaxId::new("6bffd098-a112-3610-9833-46c3f87e345a", 1, 0);

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn wire_layout_of_the_ndr_syntax() {
        let mut w = NdrWriter::new();
        NDR20.encode(&mut w);
        assert_eq!(
            crate::util::hex_encode(&w.into_vec()),
            "045d888aeb1cc9119fe808002b10486002000000"
        );
        assert_eq!(
            NDR20.to_string(),
            "8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0"
        );
    }

    #[test]
    fn bind_time_features() {
        let mut s = SyntaxId {
            uuid: Uuid::parse("6cb71c2c-9812-4540-0300-000000000000"),
            version: 1,
        };
        assert_eq!(s.bind_time_features(), Some(3));
        s.uuid.d3 = 0x4541;
        assert_eq!(s.bind_time_features(), None);
        assert_eq!(NDR20.bind_time_features(), None);
    }
}
