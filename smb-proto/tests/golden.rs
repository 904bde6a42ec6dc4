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

#[path = "support/tcp_pcap.rs"]
mod tcp_pcap;

/// The messages of a capture of testdata/lanman, each decoded and re-encoded byte for byte.
fn lanman_capture(name: &str) -> (Vec<Message<Request>>, Vec<Message<Response>>) {
    let path = format!("{}/../testdata/lanman/{name}", env!("CARGO_MANIFEST_DIR"));
    let msgs = tcp_pcap::messages(&std::fs::read(path).unwrap(), 445);
    assert!(msgs.len() >= 30, "{name}: {} messages", msgs.len());
    let (mut reqs, mut resps) = (Vec::new(), Vec::new());
    for m in msgs {
        if m.from_client {
            reqs.push(round_trip::<Request>(&m.smb));
        } else {
            resps.push(round_trip::<Response>(&m.smb));
        }
    }
    (reqs, resps)
}

fn find<B: MessageBody + Clone, T>(v: &[Message<B>], f: impl Fn(&B) -> Option<T>) -> T {
    v.iter()
        .find_map(|m| f(m.body()))
        .expect("message in the capture")
}

/// The LM response of a pre-NT session setup verifies with the password (and only with
/// it) against the challenge of the pre-NT negotiate response.
fn check_lm_logon(reqs: &[Message<Request>], resps: &[Message<Response>]) {
    use smb_proto::auth::{AuthPolicy, MemoryAccounts, Verified, verify_password_fields};
    let n = find(resps, |b| match b {
        Response::Negotiate(NegotiateResponse::LanMan(n)) => Some(n.clone()),
        _ => None,
    });
    assert_eq!((n.security_mode, n.raw_mode, n.max_mpx_count), (3, 3, 50));
    assert_eq!((n.max_buffer_size, n.domain.as_deref()), (16644, None));
    let s = find(reqs, |b| match b {
        Request::SessionSetupAndX(SessionSetupAndXRequest::LanMan(s)) => Some(s.clone()),
        _ => None,
    });
    assert_eq!(
        (s.account_name.as_str(), s.primary_domain.as_str()),
        ("smbtest", "WORKGROUP")
    );
    assert_eq!(s.password.len(), 24);
    assert_eq!(s.session_key, n.session_key);
    let policy = AuthPolicy {
        allow_lm: true,
        ..Default::default()
    };
    for (pass, ok) in [("smbpass", true), ("SMBPASS", true), ("wrong", false)] {
        let mut store = MemoryAccounts::new();
        store.add("smbtest", pass);
        let r = verify_password_fields(
            &policy,
            &store,
            &n.challenge8().unwrap(),
            &s.account_name,
            &s.primary_domain,
            &s.password,
            &[],
        );
        assert_eq!(
            r.map(|a| a.verified).ok(),
            ok.then_some(Verified::Lm),
            "{pass}"
        );
    }
    // smbd answers the pre-NT session setup with no strings, and the tree connect with
    // WordCount 2.
    let r = find(resps, |b| match b {
        Response::SessionSetupAndX(r) => Some(r.clone()),
        _ => None,
    });
    assert_eq!(r, SessionSetupAndXResponse::default());
    let t = find(resps, |b| match b {
        Response::TreeConnectAndX(t) => Some(t.clone()),
        _ => None,
    });
    assert_eq!((t.optional_support, t.service.as_str()), (None, "A:"));
}

#[test]
fn lanman1_capture_of_smbclient_and_smbd() {
    let (reqs, resps) = lanman_capture("smbclient-lanman1.pcap");
    let Request::Negotiate(n) = reqs[0].body() else {
        panic!()
    };
    assert_eq!(
        n.dialects,
        [
            "PC NETWORK PROGRAM 1.0",
            "MICROSOFT NETWORKS 1.03",
            "MICROSOFT NETWORKS 3.0",
            "LANMAN1.0"
        ]
    );
    let Response::Negotiate(NegotiateResponse::LanMan(l)) = resps[0].body() else {
        panic!()
    };
    assert_eq!(l.dialect_index, 3);
    check_lm_logon(&reqs, &resps);
    // The core search: upper-case 8.3 names, NUL-padded; its resume keys carry the
    // search attributes in byte 0.
    let s = find(&resps, |b| match b {
        Response::Search(s) if !s.entries.is_empty() => Some(s.clone()),
        _ => None,
    });
    let names: Vec<&[u8]> = s.entries.iter().map(|e| &e.file_name[..]).collect();
    assert_eq!(
        names,
        [
            &b".\0\0\0\0\0\0\0\0\0\0\0\0"[..],
            b"..\0\0\0\0\0\0\0\0\0\0\0",
            b"HELLO.TXT\0\0\0\0"
        ]
    );
    assert_eq!(
        (s.entries[2].file_size, s.entries[0].resume_key[0]),
        (26, 0x16)
    );
    // FIND_CLOSE: Samba's answer has no data block.
    let c = find(&resps, |b| match b {
        Response::FindClose(c) => Some(*c),
        _ => None,
    });
    assert_eq!(c, FindCloseResponse::default());
    let q = find(&resps, |b| match b {
        Response::QueryInformation2(q) => Some(*q),
        _ => None,
    });
    assert_eq!(q.file_data_size, 26);
    let (date, time) = q.last_write;
    assert!(smb_proto::time::dos_to_filetime(date, time) > 133_485_408_000_000_000);
}

#[test]
fn lanman2_capture_of_smbclient_and_smbd() {
    use smb_proto::wire::msg::trans2::info::decode_find_entries;
    let (reqs, resps) = lanman_capture("smbclient-lanman2.pcap");
    let Request::Negotiate(n) = reqs[0].body() else {
        panic!()
    };
    assert_eq!(n.dialects.len(), 8);
    let Response::Negotiate(NegotiateResponse::LanMan(l)) = resps[0].body() else {
        panic!()
    };
    assert_eq!(n.dialects[l.dialect_index as usize], "LANMAN2.1");
    check_lm_logon(&reqs, &resps);
    // TRANS2 FIND_FIRST2 at SMB_INFO_STANDARD with resume keys, OEM names.
    let first = find(&reqs, |b| match b {
        Request::Trans2(t) => match Trans2Sub::decode(
            &t.header.setup,
            &t.payload.parameters,
            &t.payload.data,
            false,
        ) {
            Ok(Trans2Sub::FindFirst2(f)) => Some(f),
            _ => None,
        },
        _ => None,
    });
    assert_eq!((first.level, first.file_name.as_str()), (1, "\\*"));
    let data = find(&resps, |b| match b {
        Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. }))
            if payload.data.len() == 96 =>
        {
            Some(payload.data.clone())
        }
        _ => None,
    });
    let entries = decode_find_entries(1, &data, false, true, 3).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.file_name.as_str()).collect();
    assert_eq!(names, [".", "..", "hello.txt"]);
    assert_eq!(
        (entries[2].end_of_file, entries[0].attributes & 0x10),
        (26, 0x10)
    );
}

#[test]
fn lanman1_plaintext_capture_of_smbclient_and_smb_serve() {
    use smb_proto::auth::{AuthPolicy, MemoryAccounts, verify_plaintext};
    let (reqs, resps) = lanman_capture("smbclient-lanman1-plaintext-vs-smb-serve.pcap");
    // Our server's pre-NT answer without a challenge (allow_plaintext, no allow_lm).
    let n = find(&resps, |b| match b {
        Response::Negotiate(NegotiateResponse::LanMan(n)) => Some(n.clone()),
        _ => None,
    });
    assert_eq!((n.security_mode, n.challenge.len(), n.raw_mode), (1, 0, 3));
    // smbclient sends the password in clear, NUL-terminated.
    let s = find(&reqs, |b| match b {
        Request::SessionSetupAndX(SessionSetupAndXRequest::LanMan(s)) => Some(s.clone()),
        _ => None,
    });
    assert_eq!(&s.password[..], b"smbpass\0");
    let mut store = MemoryAccounts::new();
    store.add("smbtest", "smbpass");
    assert!(verify_plaintext(&AuthPolicy::default(), &store, "smbtest", "", "smbpass").is_ok());
    assert!(verify_plaintext(&AuthPolicy::default(), &store, "smbtest", "", "other").is_err());
    // The listing is the core SEARCH with 8.3 names.
    let s = find(&resps, |b| match b {
        Response::Search(s) if !s.entries.is_empty() => Some(s.clone()),
        _ => None,
    });
    assert_eq!(&s.entries[2].file_name, b"HELLO.TXT\0\0\0\0");
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
