//! Real servers' quirks the client tolerates, with crafted bytes: fewer words than the
//! minimum when no needed field is missing (LOGOFF_ANDX and TREE_CONNECT_ANDX), UTF-16
//! strings without their alignment pad or terminator, bytes after the message; and the
//! strictness kept where a wrong value could mislead (lengths and offsets).

use bytes::Bytes;
use smb_proto::client::{ClientEvent, Reply};
use smb_proto::testing::pair::session;
use smb_proto::wire::msg::*;
use smb_proto::wire::{Flags, Flags2, Message, Response};

fn header(command: u8, flags2: u16, uid: u16, mid: u16) -> Vec<u8> {
    let mut h = b"\xffSMB".to_vec();
    h.push(command);
    h.extend_from_slice(&0u32.to_le_bytes()); // status
    h.push(Flags::REPLY);
    h.extend_from_slice(&flags2.to_le_bytes());
    h.extend_from_slice(&[0; 12]); // pid high, signature, reserved
    h.extend_from_slice(&0u16.to_le_bytes()); // tid
    h.extend_from_slice(&0xFEFFu16.to_le_bytes()); // pid
    h.extend_from_slice(&uid.to_le_bytes());
    h.extend_from_slice(&mid.to_le_bytes());
    assert_eq!(h.len(), 32);
    h
}

fn decode(raw: Vec<u8>) -> Result<Message<Response>, smb_proto::wire::codec::DecodeError> {
    Message::decode(&Bytes::from(raw))
}

#[test]
fn logoff_andx_with_no_words() {
    let mut raw = header(0x74, 0, 100, 7);
    raw.extend_from_slice(&[0, 0, 0]); // WordCount 0, ByteCount 0
    let m = decode(raw).unwrap();
    assert!(matches!(m.body(), Response::LogoffAndX(_)));

    // The client's logoff completes on such an answer.
    let (mut p, _, _) = session();
    let id = p.client.logoff(p.now);
    let t = p.client.poll_transmit().expect("LOGOFF_ANDX sent");
    let sent: Vec<u8> = t.parts().flat_map(|x| x.to_vec()).collect();
    let (uid, mid) = (
        u16::from_le_bytes([sent[4 + 28], sent[4 + 29]]),
        u16::from_le_bytes([sent[4 + 30], sent[4 + 31]]),
    );
    let mut answer = header(0x74, Flags2::NT_STATUS, uid, mid);
    answer.extend_from_slice(&[0, 0, 0]);
    let mut framed = (answer.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(&answer);
    p.client.handle_input(p.now, &framed).unwrap();
    let mut done = None;
    while let Some(ev) = p.client.poll_event() {
        if let ClientEvent::Completed { id: got, result } = ev {
            assert_eq!(got, id.id());
            done = Some(result);
        }
    }
    assert!(matches!(done, Some(Ok(Reply::Done))), "{done:?}");
}

#[test]
fn tree_connect_andx_without_optional_support() {
    let mut raw = header(0x75, 0, 100, 3);
    raw.extend_from_slice(&[2, 0xFF, 0, 0, 0]); // WordCount 2: the AndX header alone
    raw.extend_from_slice(&3u16.to_le_bytes());
    raw.extend_from_slice(b"A:\0");
    let m = decode(raw).unwrap();
    let Response::TreeConnectAndX(t) = m.body() else {
        panic!("{m:?}")
    };
    assert_eq!((t.optional_support, t.service.as_str()), (None, "A:"));
}

/// A non-extended SESSION_SETUP_ANDX response (WordCount 3) with `strings` as its data.
fn session_setup(strings: &[u8], flags2: u16) -> Result<SessionSetupAndXResponse, String> {
    let mut raw = header(0x73, flags2, 100, 2);
    raw.extend_from_slice(&[3, 0xFF, 0, 0, 0, 0, 0]);
    raw.extend_from_slice(&(strings.len() as u16).to_le_bytes());
    raw.extend_from_slice(strings);
    match decode(raw).map_err(|e| e.to_string())?.body() {
        Response::SessionSetupAndX(s) => Ok(s.clone()),
        other => Err(format!("{other:?}")),
    }
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

#[test]
fn native_strings_with_odd_padding() {
    let unicode = Flags2::UNICODE | Flags2::NT_STATUS;
    // The data starts at offset 41 (odd): Windows puts a pad byte before the strings.
    let mut padded = vec![0];
    padded.extend(utf16z("Windows 5.0"));
    padded.extend(utf16z("Windows 2000 LAN Manager"));
    padded.extend(utf16z("WORKGROUP"));
    let s = session_setup(&padded, unicode).unwrap();
    assert_eq!(s.native_os.as_deref(), Some("Windows 5.0"));
    assert_eq!(s.primary_domain.as_deref(), Some("WORKGROUP"));
    // Some servers send no pad at all: the strings still read right.
    let mut unpadded = utf16z("Unix");
    unpadded.extend(utf16z("NAS"));
    let s = session_setup(&unpadded, unicode).unwrap();
    assert_eq!(
        (s.native_os.as_deref(), s.native_lan_man.as_deref()),
        (Some("Unix"), Some("NAS"))
    );
    assert_eq!(s.primary_domain, None);
    // The last string without its terminator, and trailing bytes after the message.
    let mut cut = vec![0];
    cut.extend(utf16z("Unix"));
    cut.extend("Samba".encode_utf16().flat_map(u16::to_le_bytes));
    let s = session_setup(&cut, unicode).unwrap();
    assert_eq!(s.native_lan_man.as_deref(), Some("Samba"));
    // OEM strings need no pad.
    let s = session_setup(b"Unix\0Samba\0WORKGROUP\0", 0).unwrap();
    assert_eq!(s.native_lan_man.as_deref(), Some("Samba"));
}

#[test]
fn trailing_bytes_after_a_message_are_ignored() {
    let mut raw = header(0x04, 0, 100, 9); // CLOSE response
    raw.extend_from_slice(&[0, 0, 0]);
    raw.extend_from_slice(b"\0\0garbage");
    let m = decode(raw).unwrap();
    assert!(matches!(m.body(), Response::Close(_)));
}

#[test]
fn lengths_and_offsets_stay_strict() {
    // READ_ANDX response (WordCount 12) whose DataLength runs past the message.
    let read = |len: u16, offset: u16| {
        let mut raw = header(0x2E, 0, 100, 4);
        raw.push(12);
        raw.extend_from_slice(&[0xFF, 0, 0, 0]); // AndX
        raw.extend_from_slice(&[0xFF, 0xFF, 0, 0, 0, 0]); // Available, compaction, reserved
        raw.extend_from_slice(&len.to_le_bytes());
        raw.extend_from_slice(&offset.to_le_bytes());
        raw.extend_from_slice(&[0; 10]); // DataLengthHigh, reserved
        raw.extend_from_slice(&5u16.to_le_bytes());
        raw.extend_from_slice(b"\0data");
        decode(raw)
    };
    let ok = read(4, 60).unwrap();
    let Response::ReadAndX(r) = ok.body() else {
        panic!()
    };
    assert_eq!(&r.data[..], b"data");
    assert!(read(400, 60).is_err(), "a length beyond the message");
    assert!(read(4, 20).is_err(), "an offset inside the words");
    assert!(read(4, 9000).is_err(), "an offset beyond the message");
}
