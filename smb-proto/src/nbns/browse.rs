//! Browser protocol frames (MS-BRWS 2.2) and the whole host announcement datagram.
//!
//! A server makes itself known to the browse list by broadcasting a HostAnnouncement to
//! `WORKGROUP<1D>` (the local master browser's name) on UDP port 138: a direct group
//! datagram ([`DatagramPacket`]) whose user data is a mailslot write
//! ([`MailslotWrite`]) to `\MAILSLOT\BROWSE` carrying the frame. [`host_announcement`]
//! builds that datagram; [`decode_browse_datagram`] takes one apart.
//!
//! ```
//! use smb_proto::nbns::Addr;
//! use smb_proto::nbns::browse::{self, Announcement, BrowseFrame, sv_type};
//!
//! let ann = Announcement::new("FILES", sv_type::SERVER_DEFAULT, "file server", 720_000);
//! let dgram = browse::host_announcement(7, Addr::new([10, 0, 0, 5], 138), "WORKGROUP", &ann);
//! let (packet, frame) = browse::decode_browse_datagram(&dgram).unwrap();
//! assert_eq!(packet.dgm_id, 7);
//! assert_eq!(frame, BrowseFrame::HostAnnouncement(ann));
//! ```

use bytes::Bytes;

use super::Addr;
use super::datagram::{DatagramBody, DatagramPacket};
use super::mailslot::{BROWSE_MAILSLOT, MailslotWrite};
use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader, Writer};
use crate::wire::netbios::NetbiosName;

/// Frame opcodes (MS-BRWS 2.2).
pub mod opcode {
    /// HostAnnouncement.
    pub const HOST_ANNOUNCEMENT: u8 = 0x01;
    /// AnnouncementRequest.
    pub const ANNOUNCEMENT_REQUEST: u8 = 0x02;
    /// RequestElection.
    pub const REQUEST_ELECTION: u8 = 0x08;
    /// GetBackupListRequest.
    pub const GET_BACKUP_LIST_REQUEST: u8 = 0x09;
    /// GetBackupListResponse.
    pub const GET_BACKUP_LIST_RESPONSE: u8 = 0x0A;
    /// BecomeBackup.
    pub const BECOME_BACKUP: u8 = 0x0B;
    /// DomainAnnouncement.
    pub const DOMAIN_ANNOUNCEMENT: u8 = 0x0C;
    /// MasterAnnouncement.
    pub const MASTER_ANNOUNCEMENT: u8 = 0x0D;
    /// ResetStateRequest.
    pub const RESET_STATE_REQUEST: u8 = 0x0E;
    /// LocalMasterAnnouncement.
    pub const LOCAL_MASTER_ANNOUNCEMENT: u8 = 0x0F;
}

/// Server type bits (MS-BRWS 2.2.1, the SV_TYPE_* of MS-RAP).
pub mod sv_type {
    /// A workstation.
    pub const WORKSTATION: u32 = 0x0000_0001;
    /// A server (file sharing).
    pub const SERVER: u32 = 0x0000_0002;
    /// A print queue server.
    pub const PRINTQ_SERVER: u32 = 0x0000_0200;
    /// A Xenix/Unix server (Samba sets it).
    pub const SERVER_UNIX: u32 = 0x0000_0800;
    /// A Windows NT-family machine.
    pub const NT: u32 = 0x0000_1000;
    /// A Windows server (not a workstation edition).
    pub const SERVER_NT: u32 = 0x0000_8000;
    /// Can run the browser service.
    pub const POTENTIAL_BROWSER: u32 = 0x0001_0000;
    /// A backup browser.
    pub const BACKUP_BROWSER: u32 = 0x0002_0000;
    /// The local master browser.
    pub const MASTER_BROWSER: u32 = 0x0004_0000;
    /// The domain master browser.
    pub const DOMAIN_MASTER: u32 = 0x0008_0000;
    /// A domain or workgroup (in domain announcements).
    pub const DOMAIN_ENUM: u32 = 0x8000_0000;
    /// What this crate's server announces: workstation, server, NT, NT server (not a
    /// browser: it takes no part in elections).
    pub const SERVER_DEFAULT: u32 = WORKSTATION | SERVER | NT | SERVER_NT;
}

/// The browser protocol version in announcements (MS-BRWS: 15.1).
pub const BROWSER_VERSION: (u8, u8) = (15, 1);
/// The signature of announcements.
pub const SIGNATURE: u16 = 0xAA55;
/// Longest comment MS-BRWS allows (43 bytes and the terminator).
pub const MAX_COMMENT: usize = 43;

/// HostAnnouncement, DomainAnnouncement and LocalMasterAnnouncement (one layout).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Announcement {
    /// UpdateCount (MS-BRWS: sent as 0, ignored).
    pub update_count: u8,
    /// Periodicity: milliseconds until the next announcement.
    pub periodicity: u32,
    /// ServerName: 15 characters, NUL-padded to 16 bytes (the workgroup in a domain
    /// announcement).
    pub server_name: [u8; 16],
    /// OS major version.
    pub os_major: u8,
    /// OS minor version.
    pub os_minor: u8,
    /// ServerType bits ([`sv_type`]).
    pub server_type: u32,
    /// Browser protocol major version.
    pub browser_major: u8,
    /// Browser protocol minor version.
    pub browser_minor: u8,
    /// Signature (0xAA55).
    pub signature: u16,
    /// Comment, without its terminating NUL (the local master browser's name in a domain
    /// announcement).
    pub comment: Bytes,
    /// Bytes after the comment's NUL, kept for exact re-encoding.
    pub trailing: Bytes,
}

impl Announcement {
    /// An announcement of server `name` (upper-cased, at most 15 bytes), OS version 6.1
    /// (what Windows 7 and Server 2008 R2 say), comment cut at [`MAX_COMMENT`] bytes.
    pub fn new(name: &str, server_type: u32, comment: &str, periodicity: u32) -> Self {
        let mut server_name = [0u8; 16];
        for (d, s) in server_name.iter_mut().zip(name.bytes().take(15)) {
            *d = s.to_ascii_uppercase();
        }
        let comment = comment.as_bytes();
        let comment = &comment[..comment.len().min(MAX_COMMENT)];
        Self {
            update_count: 0,
            periodicity,
            server_name,
            os_major: 6,
            os_minor: 1,
            server_type,
            browser_major: BROWSER_VERSION.0,
            browser_minor: BROWSER_VERSION.1,
            signature: SIGNATURE,
            comment: Bytes::copy_from_slice(comment),
            trailing: Bytes::new(),
        }
    }

    /// The server name without the NUL padding.
    pub fn name(&self) -> &[u8] {
        let end = self.server_name.iter().position(|&b| b == 0).unwrap_or(16);
        &self.server_name[..end]
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let update_count = r.u8("UpdateCount")?;
        let periodicity = r.u32("Periodicity")?;
        let server_name = r.array("ServerName")?;
        let os_major = r.u8("OSVersionMajor")?;
        let os_minor = r.u8("OSVersionMinor")?;
        let server_type = r.u32("ServerType")?;
        let browser_major = r.u8("BrowserConfigVersionMajor")?;
        let browser_minor = r.u8("BrowserConfigVersionMinor")?;
        let signature = r.u16("Signature")?;
        let (comment, trailing) = cstring(r, "Comment")?;
        Ok(Self {
            update_count,
            periodicity,
            server_name,
            os_major,
            os_minor,
            server_type,
            browser_major,
            browser_minor,
            signature,
            comment,
            trailing,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.u8(self.update_count);
        w.u32(self.periodicity);
        w.bytes(&self.server_name);
        w.u8(self.os_major);
        w.u8(self.os_minor);
        w.u32(self.server_type);
        w.u8(self.browser_major);
        w.u8(self.browser_minor);
        w.u16(self.signature);
        w.bytes(&self.comment);
        w.u8(0);
        w.bytes(&self.trailing);
    }
}

/// A NUL-terminated string and whatever follows it.
fn cstring(r: &mut Reader<'_>, field: &'static str) -> Result<(Bytes, Bytes), DecodeError> {
    let rest = r.rest();
    let nul = rest.iter().position(|&b| b == 0).ok_or(DecodeError::new(
        DecodeErrorKind::Truncated,
        field,
        r.pos() - rest.len(),
    ))?;
    Ok((rest.slice(..nul), rest.slice(nul + 1..)))
}

/// A browser frame (the data of a `\MAILSLOT\BROWSE` write).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BrowseFrame {
    /// 0x01: a server announces itself.
    HostAnnouncement(Announcement),
    /// 0x02: asks every server to announce itself (within 30 s).
    AnnouncementRequest {
        /// The unused byte after the opcode.
        unused: u8,
        /// ResponseName (without the NUL).
        response_name: Bytes,
        /// Bytes after the NUL.
        trailing: Bytes,
    },
    /// 0x0C: a master browser announces its workgroup.
    DomainAnnouncement(Announcement),
    /// 0x0F: the local master browser announces itself.
    LocalMasterAnnouncement(Announcement),
    /// Any other frame: opcode and the bytes after it.
    Other {
        /// The opcode.
        opcode: u8,
        /// The rest.
        body: Bytes,
    },
}

impl BrowseFrame {
    /// Decodes a frame.
    pub fn decode(data: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(data);
        Ok(match r.u8("Opcode")? {
            opcode::HOST_ANNOUNCEMENT => Self::HostAnnouncement(Announcement::decode(&mut r)?),
            opcode::DOMAIN_ANNOUNCEMENT => Self::DomainAnnouncement(Announcement::decode(&mut r)?),
            opcode::LOCAL_MASTER_ANNOUNCEMENT => {
                Self::LocalMasterAnnouncement(Announcement::decode(&mut r)?)
            }
            opcode::ANNOUNCEMENT_REQUEST => {
                let unused = r.u8("Unused")?;
                let (response_name, trailing) = cstring(&mut r, "ResponseName")?;
                Self::AnnouncementRequest {
                    unused,
                    response_name,
                    trailing,
                }
            }
            op => Self::Other {
                opcode: op,
                body: r.rest(),
            },
        })
    }

    /// Encodes the frame.
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::with_capacity(64);
        match self {
            Self::HostAnnouncement(a) => {
                w.u8(opcode::HOST_ANNOUNCEMENT);
                a.encode(&mut w);
            }
            Self::DomainAnnouncement(a) => {
                w.u8(opcode::DOMAIN_ANNOUNCEMENT);
                a.encode(&mut w);
            }
            Self::LocalMasterAnnouncement(a) => {
                w.u8(opcode::LOCAL_MASTER_ANNOUNCEMENT);
                a.encode(&mut w);
            }
            Self::AnnouncementRequest {
                unused,
                response_name,
                trailing,
            } => {
                w.u8(opcode::ANNOUNCEMENT_REQUEST);
                w.u8(*unused);
                w.bytes(response_name);
                w.u8(0);
                w.bytes(trailing);
            }
            Self::Other { opcode, body } => {
                w.u8(*opcode);
                w.bytes(body);
            }
        }
        w.freeze()
    }
}

/// The host announcement datagram: a direct group datagram from `NAME<00>` at `source`
/// (our address, port 138) to `WORKGROUP<1D>`, carrying the frame in a
/// `\MAILSLOT\BROWSE` write. Send it to the subnet's broadcast address, port 138.
pub fn host_announcement(dgm_id: u16, source: Addr, workgroup: &str, ann: &Announcement) -> Bytes {
    let mut raw = [b' '; 16];
    raw[..ann.name().len()].copy_from_slice(ann.name());
    raw[15] = 0x00;
    let from = NetbiosName::from_raw(raw);
    let to = NetbiosName::new(workgroup, 0x1D);
    browse_datagram(
        dgm_id,
        source,
        from,
        to,
        &BrowseFrame::HostAnnouncement(ann.clone()),
    )
}

/// A direct group datagram from `from` at `source` to `to` carrying `frame` in a
/// `\MAILSLOT\BROWSE` write.
pub fn browse_datagram(
    dgm_id: u16,
    source: Addr,
    from: NetbiosName,
    to: NetbiosName,
    frame: &BrowseFrame,
) -> Bytes {
    let smb = MailslotWrite::browse(frame.encode()).encode();
    DatagramPacket::direct_group(dgm_id, source, from, to, smb).encode()
}

/// Decodes a datagram carrying a browse frame: the datagram, then the frame. Fails when
/// the datagram carries no data, its data is not a mailslot write, or the mailslot is not
/// `\MAILSLOT\BROWSE`.
pub fn decode_browse_datagram(
    datagram: &[u8],
) -> Result<(DatagramPacket, BrowseFrame), DecodeError> {
    let packet = DatagramPacket::decode(&Bytes::copy_from_slice(datagram))?;
    let DatagramBody::Data { user_data, .. } = &packet.body else {
        return Err(DecodeError::invalid("MSG_TYPE", 0));
    };
    let write = MailslotWrite::decode(user_data)?;
    if !write.name.eq_ignore_ascii_case(BROWSE_MAILSLOT) {
        return Err(DecodeError::invalid("Name", 0));
    }
    let frame = BrowseFrame::decode(&write.data)?;
    Ok((packet, frame))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_announcement_layout() {
        let a = Announcement::new("files", sv_type::SERVER_DEFAULT, "shares", 60_000);
        let f = BrowseFrame::HostAnnouncement(a.clone()).encode();
        assert_eq!(f[0], 1);
        assert_eq!(&f[2..6], &60_000u32.to_le_bytes());
        assert_eq!(&f[6..22], b"FILES\0\0\0\0\0\0\0\0\0\0\0");
        assert_eq!((f[22], f[23]), (6, 1));
        assert_eq!(&f[24..28], &0x9003u32.to_le_bytes());
        assert_eq!((f[28], f[29]), (15, 1));
        assert_eq!(&f[30..32], &[0x55, 0xAA]);
        assert_eq!(&f[32..], b"shares\0");
        assert_eq!(
            BrowseFrame::decode(&f).unwrap(),
            BrowseFrame::HostAnnouncement(a)
        );
        // An unterminated comment is refused.
        let e = BrowseFrame::decode(&f.slice(..f.len() - 1)).unwrap_err();
        assert_eq!(e.field, "Comment");
    }

    #[test]
    fn announcement_request() {
        let req = BrowseFrame::AnnouncementRequest {
            unused: 0,
            response_name: Bytes::from_static(b"CLIENT"),
            trailing: Bytes::new(),
        };
        let b = req.encode();
        assert_eq!(b.as_ref(), b"\x02\x00CLIENT\0");
        assert_eq!(BrowseFrame::decode(&b).unwrap(), req);
    }
}
