//! OEM code pages: the byte encodings of strings in messages without Unicode (every string
//! of the pre-NT dialects, and the OEM strings of NT LM 0.12).
//!
//! The codec itself keeps OEM strings as *byte characters*: each byte of the wire becomes
//! the character with the same number (U+0000 to U+00FF, as ISO-8859-1 reads them), so
//! every message decodes and re-encodes byte for byte whatever its code page. A
//! [`CodePage`] turns such a wire string into the text it stands for
//! ([`CodePage::from_wire`]) and text back into a wire string
//! ([`CodePage::to_wire`]); the server and client cores do this where names meet the file
//! system and the user.
//!
//! Supported: CP437 (DOS United States), CP850 (DOS Western Europe, Samba's default
//! `dos charset`), CP852 (DOS Central Europe), CP858 (CP850 with the euro sign), CP866
//! (DOS Cyrillic) and ISO-8859-1. Each maps its 256 bytes to 256 distinct characters, bytes
//! below 0x80 to ASCII.
//!
//! ```
//! use smb_proto::wire::codepage::CodePage;
//! // "café" from a DOS client in CP850: é is byte 0x82.
//! let wire: String = [b'c', b'a', b'f', 0x82].iter().map(|&b| b as char).collect();
//! assert_eq!(CodePage::Cp850.from_wire(&wire), "café");
//! assert_eq!(CodePage::Cp850.to_wire("café").as_deref(), Some(wire.as_str()));
//! assert_eq!(CodePage::Cp850.to_wire("日本"), None);
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// An OEM code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CodePage {
    /// ISO-8859-1: every byte is the character with its number.
    Latin1,
    /// IBM PC, DOS United States.
    Cp437,
    /// DOS Western Europe (Samba's default `dos charset`).
    #[default]
    Cp850,
    /// DOS Central Europe.
    Cp852,
    /// DOS Western Europe with the euro sign at 0xD5.
    Cp858,
    /// DOS Cyrillic.
    Cp866,
}

impl CodePage {
    /// Every supported code page.
    pub const ALL: [CodePage; 6] = [
        CodePage::Latin1,
        CodePage::Cp437,
        CodePage::Cp850,
        CodePage::Cp852,
        CodePage::Cp858,
        CodePage::Cp866,
    ];

    /// The usual name (`CP850`, `ISO-8859-1`...).
    pub fn name(self) -> &'static str {
        match self {
            CodePage::Latin1 => "ISO-8859-1",
            CodePage::Cp437 => "CP437",
            CodePage::Cp850 => "CP850",
            CodePage::Cp852 => "CP852",
            CodePage::Cp858 => "CP858",
            CodePage::Cp866 => "CP866",
        }
    }

    /// The code page a name stands for: `CP850`, `cp850`, `850`, `IBM850`; `ISO-8859-1`,
    /// `LATIN1`.
    pub fn from_name(name: &str) -> Option<CodePage> {
        let n: String = name
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .flat_map(char::to_uppercase)
            .collect();
        let digits = n
            .strip_prefix("CP")
            .or_else(|| n.strip_prefix("IBM"))
            .unwrap_or(&n);
        Some(match digits {
            "437" => CodePage::Cp437,
            "850" => CodePage::Cp850,
            "852" => CodePage::Cp852,
            "858" => CodePage::Cp858,
            "866" => CodePage::Cp866,
            "ISO88591" | "LATIN1" => CodePage::Latin1,
            _ => return None,
        })
    }

    fn table(self) -> Option<&'static [u16; 128]> {
        match self {
            CodePage::Latin1 => None,
            CodePage::Cp437 => Some(&CP437),
            CodePage::Cp850 => Some(&CP850),
            CodePage::Cp852 => Some(&CP852),
            CodePage::Cp858 => Some(&CP858),
            CodePage::Cp866 => Some(&CP866),
        }
    }

    /// The character of a byte.
    pub fn decode_byte(self, b: u8) -> char {
        match self.table() {
            Some(t) if b >= 0x80 => char::from_u32(u32::from(t[usize::from(b - 0x80)]))
                .unwrap_or(char::REPLACEMENT_CHARACTER),
            _ => char::from(b),
        }
    }

    /// The byte of a character, if the code page has it.
    pub fn encode_char(self, c: char) -> Option<u8> {
        let u = c as u32;
        if u < 0x80 {
            return Some(u as u8);
        }
        match self.table() {
            None => u8::try_from(u).ok(),
            Some(t) => t
                .iter()
                .position(|&x| u32::from(x) == u)
                .map(|i| 0x80 + i as u8),
        }
    }

    /// Decodes bytes.
    pub fn decode(self, bytes: &[u8]) -> String {
        bytes.iter().map(|&b| self.decode_byte(b)).collect()
    }

    /// Encodes text; `None` when a character is not in the code page.
    pub fn encode(self, s: &str) -> Option<Vec<u8>> {
        s.chars().map(|c| self.encode_char(c)).collect()
    }

    /// The text a wire string (byte characters, see the module documentation) stands
    /// for. Characters above U+00FF, which no decoded string holds, are kept.
    pub fn from_wire(self, wire: &str) -> String {
        if self == CodePage::Latin1 || wire.is_ascii() {
            return String::from(wire);
        }
        wire.chars()
            .map(|c| match u8::try_from(c as u32) {
                Ok(b) => self.decode_byte(b),
                Err(_) => c,
            })
            .collect()
    }

    /// The wire string (byte characters) of a text; `None` when a character is not in
    /// the code page.
    pub fn to_wire(self, s: &str) -> Option<String> {
        if s.is_ascii() {
            return Some(String::from(s));
        }
        s.chars()
            .map(|c| self.encode_char(c).map(char::from))
            .collect()
    }

    /// Like [`to_wire`](Self::to_wire), with `_` for characters the code page lacks (for
    /// strings that are shown, never used as names).
    pub fn to_wire_lossy(self, s: &str) -> String {
        s.chars()
            .map(|c| self.encode_char(c).map_or('_', char::from))
            .collect()
    }
}

impl fmt::Display for CodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A code page name that is not supported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCodePage(pub String);

impl fmt::Display for UnknownCodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown code page {:?} (supported:", self.0)?;
        for c in CodePage::ALL {
            write!(f, " {c}")?;
        }
        f.write_str(")")
    }
}

impl core::error::Error for UnknownCodePage {}

impl core::str::FromStr for CodePage {
    type Err = UnknownCodePage;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CodePage::from_name(s).ok_or_else(|| UnknownCodePage(String::from(s)))
    }
}

/// CP437: the characters of bytes 0x80 to 0xFF.
const CP437: [u16; 128] = [
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557,
    0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
    0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4,
    0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
];

/// CP850: the characters of bytes 0x80 to 0xFF.
const CP850: [u16; 128] = [
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0, 0x00A9, 0x2563, 0x2551, 0x2557,
    0x255D, 0x00A2, 0x00A5, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4, 0x00F0, 0x00D0, 0x00CA, 0x00CB,
    0x00C8, 0x0131, 0x00CD, 0x00CE, 0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
    0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE, 0x00DE, 0x00DA, 0x00DB, 0x00D9,
    0x00FD, 0x00DD, 0x00AF, 0x00B4, 0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8,
    0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
];

/// CP852: the characters of bytes 0x80 to 0xFF.
const CP852: [u16; 128] = [
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x016F, 0x0107, 0x00E7, 0x0142, 0x00EB, 0x0150, 0x0151,
    0x00EE, 0x0179, 0x00C4, 0x0106, 0x00C9, 0x0139, 0x013A, 0x00F4, 0x00F6, 0x013D, 0x013E, 0x015A,
    0x015B, 0x00D6, 0x00DC, 0x0164, 0x0165, 0x0141, 0x00D7, 0x010D, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x0104, 0x0105, 0x017D, 0x017E, 0x0118, 0x0119, 0x00AC, 0x017A, 0x010C, 0x015F, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x011A, 0x015E, 0x2563, 0x2551, 0x2557,
    0x255D, 0x017B, 0x017C, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x0102, 0x0103,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4, 0x0111, 0x0110, 0x010E, 0x00CB,
    0x010F, 0x0147, 0x00CD, 0x00CE, 0x011B, 0x2518, 0x250C, 0x2588, 0x2584, 0x0162, 0x016E, 0x2580,
    0x00D3, 0x00DF, 0x00D4, 0x0143, 0x0144, 0x0148, 0x0160, 0x0161, 0x0154, 0x00DA, 0x0155, 0x0170,
    0x00FD, 0x00DD, 0x0163, 0x00B4, 0x00AD, 0x02DD, 0x02DB, 0x02C7, 0x02D8, 0x00A7, 0x00F7, 0x00B8,
    0x00B0, 0x00A8, 0x02D9, 0x0171, 0x0158, 0x0159, 0x25A0, 0x00A0,
];

/// CP858: the characters of bytes 0x80 to 0xFF.
const CP858: [u16; 128] = [
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0, 0x00A9, 0x2563, 0x2551, 0x2557,
    0x255D, 0x00A2, 0x00A5, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4, 0x00F0, 0x00D0, 0x00CA, 0x00CB,
    0x00C8, 0x20AC, 0x00CD, 0x00CE, 0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
    0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE, 0x00DE, 0x00DA, 0x00DB, 0x00D9,
    0x00FD, 0x00DD, 0x00AF, 0x00B4, 0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8,
    0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
];

/// CP866: the characters of bytes 0x80 to 0xFF.
const CP866: [u16; 128] = [
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417, 0x0418, 0x0419, 0x041A, 0x041B,
    0x041C, 0x041D, 0x041E, 0x041F, 0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,
    0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F, 0x0430, 0x0431, 0x0432, 0x0433,
    0x0434, 0x0435, 0x0436, 0x0437, 0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557,
    0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
    0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447, 0x0448, 0x0449, 0x044A, 0x044B,
    0x044C, 0x044D, 0x044E, 0x044F, 0x0401, 0x0451, 0x0404, 0x0454, 0x0407, 0x0457, 0x040E, 0x045E,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x2116, 0x00A4, 0x25A0, 0x00A0,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_a_bijection_with_ascii_below_0x80() {
        for cp in CodePage::ALL {
            let mut seen = alloc::collections::BTreeSet::new();
            for b in 0..=255u8 {
                let c = cp.decode_byte(b);
                assert!(seen.insert(c), "{cp}: {b:#x} repeats {c:?}");
                assert_eq!(cp.encode_char(c), Some(b), "{cp}: {b:#x}");
                if b < 0x80 {
                    assert_eq!(c as u32, u32::from(b));
                }
            }
        }
    }

    #[test]
    fn known_characters() {
        // é, ü, the box-drawing corner and the euro sign where each page has them.
        assert_eq!(CodePage::Cp437.decode_byte(0x82), 'é');
        assert_eq!(CodePage::Cp437.decode_byte(0xC9), '╔');
        assert_eq!(CodePage::Cp850.decode_byte(0x81), 'ü');
        assert_eq!(CodePage::Cp850.decode_byte(0xD5), 'ı');
        assert_eq!(CodePage::Cp858.decode_byte(0xD5), '€');
        assert_eq!(CodePage::Cp852.decode_byte(0xA5), 'ą');
        assert_eq!(CodePage::Cp866.decode_byte(0x80), 'А');
        assert_eq!(CodePage::Latin1.decode_byte(0xE9), 'é');
        assert_eq!(CodePage::Cp850.encode("€"), None);
        assert_eq!(CodePage::Cp858.encode("€"), Some(alloc::vec![0xD5]));
    }

    #[test]
    fn names() {
        for cp in CodePage::ALL {
            assert_eq!(CodePage::from_name(cp.name()), Some(cp));
        }
        assert_eq!("cp850".parse::<CodePage>(), Ok(CodePage::Cp850));
        assert_eq!(CodePage::from_name("ibm437"), Some(CodePage::Cp437));
        assert_eq!(CodePage::from_name("latin1"), Some(CodePage::Latin1));
        assert!("utf-8".parse::<CodePage>().is_err());
        assert_eq!(CodePage::default(), CodePage::Cp850);
    }

    #[test]
    fn wire_round_trip() {
        let s = "Grüße, Åsa";
        for cp in [CodePage::Cp850, CodePage::Cp437, CodePage::Latin1] {
            let w = cp.to_wire(s).unwrap();
            assert!(w.chars().all(|c| (c as u32) < 0x100));
            assert_eq!(cp.from_wire(&w), s);
        }
        assert_eq!(CodePage::Cp866.to_wire(s), None);
        assert_eq!(CodePage::Cp866.to_wire_lossy("aüb"), "a_b");
    }
}
