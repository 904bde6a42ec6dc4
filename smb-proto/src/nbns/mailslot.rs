//! A mailslot write: the SMB `TRANSACTION` request (MS-CIFS 2.2.4.33, with the mailslot
//! setup words of MS-MAIL) that a datagram's user data carries to `\MAILSLOT\BROWSE`.
//!
//! This reuses the crate's SMB codec ([`Message`], [`TransactionRequest`]) unchanged: a
//! mailslot write is a TRANSACTION request with three setup words (opcode 1 "write
//! mailslot", priority, class 2 "unreliable"), the mailslot's name as the transaction
//! name, no parameters and the message as data. [`MailslotWrite::to_message`] lays it out
//! the way Samba's nmbd does (every header field zero, no padding, ParameterOffset 0), which
//! Windows and Wireshark accept.

use alloc::string::String;
use alloc::vec;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, Pad};
use crate::wire::header::{Command, Header};
use crate::wire::message::Message;
use crate::wire::msg::{Request, TransPayload, TransRequestHeader, TransactionRequest};

/// The browser's mailslot.
pub const BROWSE_MAILSLOT: &str = "\\MAILSLOT\\BROWSE";

/// Setup word 0 of a mailslot write.
pub const MAILSLOT_WRITE: u16 = 1;

/// Setup word 2: second-class (unreliable, broadcast) mailslot.
pub const CLASS_UNRELIABLE: u16 = 2;

/// A write to a mailslot.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MailslotWrite {
    /// The mailslot, e.g. [`BROWSE_MAILSLOT`].
    pub name: String,
    /// Setup word 1 (Samba and Windows send 1).
    pub priority: u16,
    /// Setup word 2 ([`CLASS_UNRELIABLE`] for browse frames).
    pub class: u16,
    /// The message.
    pub data: Bytes,
}

impl MailslotWrite {
    /// A browse-mailslot write of `data` (priority 1, class 2).
    pub fn browse(data: Bytes) -> Self {
        Self {
            name: String::from(BROWSE_MAILSLOT),
            priority: 1,
            class: CLASS_UNRELIABLE,
            data,
        }
    }

    /// The SMB message.
    pub fn to_message(&self) -> Message<Request> {
        let body = TransactionRequest {
            header: TransRequestHeader {
                total_data_count: self.data.len() as u16,
                setup: vec![MAILSLOT_WRITE, self.priority, self.class],
                ..Default::default()
            },
            name: self.name.clone(),
            payload: TransPayload {
                pad1: Pad(Some(Bytes::new())),
                pad2: Pad(Some(Bytes::new())),
                data: self.data.clone(),
                empty_parameter_offset: Some(0),
                ..Default::default()
            },
        };
        Message::new(Header::default(), body.into())
    }

    /// The encoded SMB message.
    pub fn encode(&self) -> Bytes {
        self.to_message().encode()
    }

    /// The mailslot write a message is, if it is one.
    pub fn from_message(msg: &Message<Request>) -> Result<Self, DecodeError> {
        let Request::Transaction(t) = msg.body() else {
            return Err(DecodeError::invalid("Command", 4));
        };
        // Setup words start at offset 32 + 1 + 28 (after the 14 fixed words).
        match t.header.setup[..] {
            [MAILSLOT_WRITE, priority, class] => Ok(Self {
                name: t.name.clone(),
                priority,
                class,
                data: t.payload.data.clone(),
            }),
            _ => Err(DecodeError::invalid("Setup", 61)),
        }
    }

    /// Decodes an SMB message as a mailslot write.
    pub fn decode(smb: &Bytes) -> Result<Self, DecodeError> {
        let msg = Message::<Request>::decode(smb)?;
        if msg.command() != Command::TRANSACTION {
            return Err(DecodeError::invalid("Command", 4));
        }
        Self::from_message(&msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_samba_nmbd() {
        let m = MailslotWrite::browse(Bytes::from_static(b"\x01\x00hello"));
        let b = m.encode();
        assert_eq!(&b[..5], b"\xffSMB\x25");
        assert_eq!(b[32], 17, "WordCount");
        let word = |i: usize| u16::from_le_bytes([b[33 + 2 * i], b[34 + 2 * i]]);
        assert_eq!(word(1), 7, "TotalDataCount");
        assert_eq!(word(9), 0, "ParameterCount");
        assert_eq!(word(10), 0, "ParameterOffset");
        assert_eq!(word(11), 7, "DataCount");
        // 70 + strlen(mailslot), as nmbd computes it.
        assert_eq!(word(12) as usize, 70 + BROWSE_MAILSLOT.len(), "DataOffset");
        assert_eq!(word(13), 3, "SetupCount");
        assert_eq!((word(14), word(15), word(16)), (1, 1, 2));
        assert_eq!(&b[69..86], b"\\MAILSLOT\\BROWSE\0");
        assert_eq!(&b[86..], b"\x01\x00hello");
        assert_eq!(MailslotWrite::decode(&b).unwrap(), m);
    }
}
