//! Dialects: the strings of NEGOTIATE and the protocol families they belong to.
//!
//! A client offers dialect strings oldest first; a server answers with the index of the
//! one it chose. The families ([`Protocol`]) are Samba's names, which its `server min
//! protocol` / `client max protocol` settings use too.
//!
//! ```
//! use smb_proto::wire::dialect::{Protocol, choose, client_dialects};
//! // What smbclient offers with `client max protocol = LANMAN2`.
//! let offered = ["PC NETWORK PROGRAM 1.0", "LANMAN1.0", "LM1.2X002", "LANMAN2.1"];
//! assert_eq!(choose(&offered, Protocol::Lanman1, Protocol::Nt1), Some((3, Protocol::Lanman2)));
//! assert_eq!(choose(&offered, Protocol::Nt1, Protocol::Nt1), None);
//! assert_eq!(client_dialects(Protocol::Lanman2, Protocol::Nt1).last(), Some(&"NT LM 0.12"));
//! ```

use alloc::vec::Vec;
use core::fmt;

/// A protocol family, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Protocol {
    /// The core protocol (`PC NETWORK PROGRAM 1.0`); never served.
    Core,
    /// Core plus (`MICROSOFT NETWORKS 1.03`); never served.
    CorePlus,
    /// LAN Manager 1.0: `LANMAN1.0`, `MICROSOFT NETWORKS 3.0` (DOS).
    Lanman1,
    /// LAN Manager 2.x: `LM1.2X002`, `LANMAN2.1` and their DOS forms, `Samba`.
    Lanman2,
    /// `NT LM 0.12` (the default).
    #[default]
    Nt1,
}

impl Protocol {
    /// Samba's name: `CORE`, `COREPLUS`, `LANMAN1`, `LANMAN2`, `NT1`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Core => "CORE",
            Protocol::CorePlus => "COREPLUS",
            Protocol::Lanman1 => "LANMAN1",
            Protocol::Lanman2 => "LANMAN2",
            Protocol::Nt1 => "NT1",
        }
    }

    /// The family of a name (Samba's names, any case).
    pub fn from_name(s: &str) -> Option<Protocol> {
        [
            Protocol::Core,
            Protocol::CorePlus,
            Protocol::Lanman1,
            Protocol::Lanman2,
            Protocol::Nt1,
        ]
        .into_iter()
        .find(|p| p.name().eq_ignore_ascii_case(s))
    }

    /// Whether this is a pre-NT family (no NT status codes, no Unicode, one password).
    pub fn is_pre_nt(self) -> bool {
        self < Protocol::Nt1
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Protocol {
    type Err = UnknownProtocol;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Protocol::from_name(s).ok_or(UnknownProtocol)
    }
}

/// A protocol name that is none of `CORE`, `COREPLUS`, `LANMAN1`, `LANMAN2`, `NT1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownProtocol;

impl fmt::Display for UnknownProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown protocol (LANMAN1, LANMAN2 or NT1)")
    }
}

impl core::error::Error for UnknownProtocol {}

/// The dialects a server understands, most desirable first (Samba's order, with `DOS
/// LANMAN2.1` beside `LANMAN2.1`). `NT LANMAN 1.0` is not among them: this server
/// answers NT clients in `NT LM 0.12` only.
pub const DIALECTS: &[(&str, Protocol)] = &[
    ("NT LM 0.12", Protocol::Nt1),
    ("LANMAN2.1", Protocol::Lanman2),
    ("DOS LANMAN2.1", Protocol::Lanman2),
    ("LM1.2X002", Protocol::Lanman2),
    ("Samba", Protocol::Lanman2),
    ("DOS LM1.2X002", Protocol::Lanman2),
    ("LANMAN1.0", Protocol::Lanman1),
    ("MICROSOFT NETWORKS 3.0", Protocol::Lanman1),
    ("MICROSOFT NETWORKS 1.03", Protocol::CorePlus),
    ("PC NETWORK PROGRAM 1.0", Protocol::Core),
];

/// The family of a dialect string.
pub fn protocol_of(dialect: &str) -> Option<Protocol> {
    DIALECTS
        .iter()
        .find(|(d, _)| *d == dialect)
        .map(|(_, p)| *p)
}

/// The dialect a server picks among `offered` within `[min, max]`: the most desirable one
/// of [`DIALECTS`] (the last copy when a client repeats it), with its index. Core
/// dialects are never picked.
pub fn choose<S: AsRef<str>>(
    offered: &[S],
    min: Protocol,
    max: Protocol,
) -> Option<(usize, Protocol)> {
    DIALECTS
        .iter()
        .filter(|(_, p)| *p >= min.max(Protocol::Lanman1) && *p <= max)
        .find_map(|(d, p)| {
            offered
                .iter()
                .rposition(|o| o.as_ref() == *d)
                .map(|i| (i, *p))
        })
}

/// The dialect strings a client offers for `[min, max]`, oldest first (as Samba's client
/// does, without the core dialects).
pub fn client_dialects(min: Protocol, max: Protocol) -> Vec<&'static str> {
    let mut v = Vec::new();
    if min <= Protocol::Lanman1 && max >= Protocol::Lanman1 {
        v.extend(["MICROSOFT NETWORKS 3.0", "LANMAN1.0"]);
    }
    if min <= Protocol::Lanman2 && max >= Protocol::Lanman2 {
        v.extend(["LM1.2X002", "DOS LANMAN2.1", "LANMAN2.1"]);
    }
    if max >= Protocol::Nt1 {
        v.push("NT LM 0.12");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smbclient_offers() {
        let lm1 = [
            "PC NETWORK PROGRAM 1.0",
            "MICROSOFT NETWORKS 1.03",
            "MICROSOFT NETWORKS 3.0",
            "LANMAN1.0",
        ];
        // As smbd answers: LANMAN1.0 (index 3).
        assert_eq!(
            choose(&lm1, Protocol::Lanman1, Protocol::Nt1),
            Some((3, Protocol::Lanman1))
        );
        assert_eq!(choose(&lm1, Protocol::Lanman2, Protocol::Nt1), None);
        let lm2 = [
            "PC NETWORK PROGRAM 1.0",
            "MICROSOFT NETWORKS 1.03",
            "MICROSOFT NETWORKS 3.0",
            "LANMAN1.0",
            "LM1.2X002",
            "DOS LANMAN2.1",
            "LANMAN2.1",
            "Samba",
        ];
        // As smbd answers: LANMAN2.1 (index 6).
        assert_eq!(
            choose(&lm2, Protocol::Lanman1, Protocol::Nt1),
            Some((6, Protocol::Lanman2))
        );
        assert_eq!(
            choose(&lm2, Protocol::Lanman1, Protocol::Lanman1),
            Some((3, Protocol::Lanman1))
        );
        let nt = ["NT LANMAN 1.0", "NT LM 0.12"];
        assert_eq!(
            choose(&nt, Protocol::Lanman1, Protocol::Nt1),
            Some((1, Protocol::Nt1))
        );
        assert_eq!(choose(&nt, Protocol::Lanman1, Protocol::Lanman2), None);
        // Core dialects are never chosen.
        assert_eq!(
            choose(&["PC NETWORK PROGRAM 1.0"], Protocol::Core, Protocol::Nt1),
            None
        );
    }

    #[test]
    fn names_and_client_lists() {
        for p in [Protocol::Lanman1, Protocol::Lanman2, Protocol::Nt1] {
            assert_eq!(p.name().parse::<Protocol>(), Ok(p));
        }
        assert_eq!("lanman2".parse::<Protocol>(), Ok(Protocol::Lanman2));
        assert!("SMB2".parse::<Protocol>().is_err());
        assert_eq!(
            client_dialects(Protocol::Nt1, Protocol::Nt1),
            ["NT LM 0.12"]
        );
        assert_eq!(
            client_dialects(Protocol::Lanman1, Protocol::Lanman1),
            ["MICROSOFT NETWORKS 3.0", "LANMAN1.0"]
        );
        for d in client_dialects(Protocol::Lanman1, Protocol::Nt1) {
            assert!(protocol_of(d).is_some_and(|p| p >= Protocol::Lanman1));
        }
    }
}
