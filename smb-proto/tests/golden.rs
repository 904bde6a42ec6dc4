//! The golden SMB messages of testdata/ntlm-vectors.json decode to their documented fields
//! and re-encode to the same bytes.

use bytes::Bytes;
use smb_proto::util::hex_decode;
use smb_proto::wire::msg::*;
use smb_proto::wire::{Message, MessageBody, Request, Response};

fn vectors() -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/ntlm-vectors.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn golden(name: &str) -> Bytes {
    let v = vectors();
    Bytes::from(hex_decode(v["smb1_golden_messages"][name].as_str().unwrap()).unwrap())
}

fn round_trip<B: MessageBody + std::fmt::Debug>(raw: &Bytes) -> Message<B> {
    let m = Message::<B>::decode(raw).unwrap();
    assert_eq!(&m.encode()[..], &raw[..], "re-encode of {m:?}");
    m
}

#[test]
fn negotiate_request() {
    let m = round_trip::<Request>(&golden("negotiate_request_nt_lm_0_12"));
    assert_eq!(m.header.pid_low, 0xFEFF);
    match m.body() {
        Request::Negotiate(n) => assert_eq!(n.dialects, ["NT LM 0.12"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn negotiate_response_non_extended() {
    let m = round_trip::<Response>(&golden(
        "negotiate_response_nt1_non_extended_challenge_0123456789abcdef",
    ));
    let Response::Negotiate(NegotiateResponse::NtLm(n)) = m.body() else {
        panic!()
    };
    assert_eq!(n.security_mode, 3);
    assert_eq!(n.max_mpx_count, 50);
    assert_eq!(n.max_buffer_size, 16644);
    assert_eq!(n.capabilities, 0xC2FC);
    assert_eq!(n.system_time, 133_485_408_000_000_000);
    assert_eq!(
        n.challenge(),
        Some([1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])
    );
    let NegotiateSecurity::Challenge {
        domain_name,
        server_name,
        ..
    } = &n.security
    else {
        panic!()
    };
    assert_eq!(domain_name, "DOMAIN");
    assert_eq!(server_name.as_deref(), Some("SERVER"));
}

#[test]
fn negotiate_response_extended() {
    let m = round_trip::<Response>(&golden("negotiate_response_nt1_extended_security"));
    let Response::Negotiate(NegotiateResponse::NtLm(n)) = m.body() else {
        panic!()
    };
    let NegotiateSecurity::Extended {
        server_guid,
        security_blob,
    } = &n.security
    else {
        panic!()
    };
    assert_eq!(server_guid, &core::array::from_fn::<u8, 16, _>(|i| i as u8));
    assert_eq!(security_blob.len(), 30);
}

#[test]
fn session_setup_non_extended() {
    let m = round_trip::<Request>(&golden(
        "session_setup_request_non_extended_ntlmv1_User_Domain",
    ));
    let Request::SessionSetupAndX(SessionSetupAndXRequest::NtLm(s)) = m.body() else {
        panic!()
    };
    assert_eq!(s.account_name, "User");
    assert_eq!(s.primary_domain, "Domain");
    assert_eq!(s.native_os.as_deref(), Some("Unix"));
    assert_eq!(s.native_lan_man.as_deref(), Some("Samba"));
    assert_eq!(s.oem_password.len(), 24);
    assert_eq!(s.unicode_password[..4], [0x67, 0xc4, 0x30, 0x11]);
    let m = round_trip::<Response>(&golden("session_setup_response_non_extended"));
    let Response::SessionSetupAndX(r) = m.body() else {
        panic!()
    };
    assert_eq!(r.native_os.as_deref(), Some("Windows 5.1"));
    assert_eq!(r.primary_domain.as_deref(), Some("DOMAIN"));
    assert_eq!(m.header.uid, 0x0800);
}

#[test]
fn session_setup_extended_legs() {
    for name in [
        "session_setup_request_extsec_leg1",
        "session_setup_request_extsec_leg2_authenticate_4_2_4_3",
    ] {
        let m = round_trip::<Request>(&golden(name));
        let Request::SessionSetupAndX(SessionSetupAndXRequest::Extended(s)) = m.body() else {
            panic!()
        };
        assert!(s.security_blob[0] == 0x60 || s.security_blob[0] == 0xa1);
        assert_eq!(s.native_os.as_deref(), Some("Unix"));
    }
    let m = round_trip::<Response>(&golden(
        "session_setup_response_extsec_leg1_more_processing",
    ));
    assert_eq!(m.header.status, 0xC000_0016);
    let Response::SessionSetupAndX(r) = m.body() else {
        panic!()
    };
    assert_eq!(r.security_blob.as_ref().unwrap().len(), 0x84);
    let m = round_trip::<Response>(&golden("session_setup_response_extsec_leg2_success"));
    let Response::SessionSetupAndX(r) = m.body() else {
        panic!()
    };
    assert_eq!(
        &r.security_blob.as_ref().unwrap()[..],
        &hex_decode("a1073005a0030a0100").unwrap()[..]
    );
}

#[test]
fn echo() {
    let m = round_trip::<Request>(&golden("echo_request"));
    let Request::Echo(e) = m.body() else { panic!() };
    assert_eq!(e.echo_count, 1);
    assert_eq!(&e.data[..], b"hello");
}

#[test]
fn tree_connect() {
    let raw = golden("tree_connect_andx_request_unicode_ipc");
    let m = round_trip::<Request>(&raw);
    assert_eq!(m.command(), smb_proto::wire::Command::TREE_CONNECT_ANDX);
    let Request::TreeConnectAndX(t) = m.body() else {
        panic!()
    };
    assert_eq!(t.path, "\\\\SRV\\IPC$");
    assert_eq!(t.service, "?????");
    assert_eq!(&t.password[..], &[0]);
}

/// smbd's non-extended NEGOTIATE response to nmap, whose request did not set
/// FLAGS2_UNICODE: the names are UTF-16 all the same (CAP_UNICODE), and decode so.
#[test]
fn negotiate_response_utf16_names_without_unicode_flag() {
    let raw = Bytes::from(
        hex_decode(
            "ff534d4272000000008807400000000000000000000000000000bd030000010011000003320001\
             000441000000000100a0050000fde38000f8cef3be3282dd0100000822007b0a3858729dfdf057\
             004f0052004b00470052004f0055005000000056004d000000",
        )
        .unwrap(),
    );
    let m = round_trip::<Response>(&raw);
    assert!(!m.header.flags2.is_unicode());
    let Response::Negotiate(NegotiateResponse::NtLm(n)) = m.body() else {
        panic!()
    };
    let NegotiateSecurity::Challenge {
        domain_name,
        server_name,
        ..
    } = &n.security
    else {
        panic!()
    };
    assert_eq!(domain_name, "WORKGROUP");
    assert_eq!(server_name.as_deref(), Some("VM"));
}
