//! Every value of testdata/ntlm-vectors.json reproduced: primitives (through the NTLM
//! functions), MS-NLMP §4.2.2 / §4.2.3 / §4.2.4 including the full NTLMSSP messages, the
//! well-known hashes, the Davenport set, the SPNEGO tokens and the signing example.

use bytes::Bytes;
use serde_json::Value;
use smb_proto::auth::ntlm::{self, LmHash, NtHash, SessionKey};
use smb_proto::auth::ntlmssp::{AuthenticateMessage, AvPairs, ChallengeMessage, flags};
use smb_proto::auth::spnego::{self, NegTokenInit, NegTokenResp, Token};
use smb_proto::signing;
use smb_proto::util::{hex_decode, hex_encode};

fn v() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/ntlm-vectors.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex_decode(v.as_str().unwrap()).unwrap()
}

fn a8(v: &Value) -> [u8; 8] {
    hx(v).try_into().unwrap()
}

fn h(b: &[u8]) -> String {
    hex_encode(b)
}

#[test]
fn known_hashes() {
    let j = v();
    for e in j["known_hashes"]["entries"].as_array().unwrap() {
        let p = e["password"].as_str().unwrap();
        assert_eq!(
            h(&NtHash::from_password(p).0),
            e["nt"].as_str().unwrap(),
            "nt {p:?}"
        );
        assert_eq!(
            h(&LmHash::from_password(p).unwrap().0),
            e["lm"].as_str().unwrap(),
            "lm {p:?}"
        );
    }
}

#[test]
fn des_key_expansion_and_lm_magic() {
    let j = v();
    let d = &j["primitives"]["des_key_expansion_7_to_8"];
    // LM hash of "PASSWOR" + padding: the first half is DES("PASSWOR", KGS!@#$%).
    let lm = LmHash::from_password("PASSWOR").unwrap();
    assert_eq!(h(&lm.0[..8]), d["des_of_KGS_magic"].as_str().unwrap());
}

#[test]
fn ms_nlmp_ntlmv1() {
    let j = v();
    let i = &j["ms_nlmp_4_2_1_inputs"];
    let x = &j["ms_nlmp_4_2_2_ntlmv1"];
    let pw = i["password"].as_str().unwrap();
    let sc = a8(&i["server_challenge"]);
    let nt = NtHash::from_password(pw);
    let lm = LmHash::from_password(pw).unwrap();
    assert_eq!(h(&nt.0), x["NTOWFv1"].as_str().unwrap());
    assert_eq!(h(&lm.0), x["LMOWFv1"].as_str().unwrap());
    let base = ntlm::ntlm_session_base_key(&nt);
    assert_eq!(h(&base.0), x["SessionBaseKey"].as_str().unwrap());
    assert_eq!(h(&base.0), x["KeyExchangeKey"].as_str().unwrap());
    let ntr = ntlm::ntlm_response(&nt, &sc);
    let lmr = ntlm::lm_response(&lm, &sc);
    assert_eq!(h(&ntr), x["NTLMv1Response"].as_str().unwrap());
    assert_eq!(h(&lmr), x["LMv1Response"].as_str().unwrap());
    let rsk: [u8; 16] = hx(&i["random_session_key"]).try_into().unwrap();
    assert_eq!(
        h(&ntlm::rc4_key(&base, &rsk).0),
        x["EncryptedRandomSessionKey"].as_str().unwrap()
    );
    let non_nt = ntlm::non_nt_key_exchange_key(&lm);
    assert_eq!(
        h(&non_nt.0),
        x["KeyExchangeKey_NON_NT_SESSION_KEY"].as_str().unwrap()
    );
    assert_eq!(
        h(&ntlm::rc4_key(&non_nt, &rsk).0),
        x["EncryptedRandomSessionKey_NON_NT_SESSION_KEY"]
            .as_str()
            .unwrap()
    );
    let lm_key = ntlm::lm_key_exchange_key(&lm, &lmr);
    assert_eq!(h(&lm_key.0), x["KeyExchangeKey_LM_KEY"].as_str().unwrap());
    assert_eq!(
        h(&ntlm::rc4_key(&lm_key, &rsk).0),
        x["EncryptedRandomSessionKey_LM_KEY"].as_str().unwrap()
    );

    // The full messages decode, carry those values, and re-encode byte for byte.
    let ch_raw = hx(&x["CHALLENGE_MESSAGE_4_2_2_3"]["hex"]);
    let ch = ChallengeMessage::decode(&Bytes::from(ch_raw.clone())).unwrap();
    assert_eq!(ch.server_challenge, sc);
    assert_eq!(ch.encode(), ch_raw);
    let au_raw = hx(&x["AUTHENTICATE_MESSAGE_4_2_2_3"]["hex"]);
    let au = AuthenticateMessage::decode(&Bytes::from(au_raw.clone())).unwrap();
    assert_eq!(au.flags, 0xe2808235);
    assert_eq!(au.user, "User");
    assert_eq!(au.domain, "Domain");
    assert_eq!(au.workstation, "COMPUTER");
    assert_eq!(au.lm_response, lmr);
    assert_eq!(au.nt_response, ntr);
    assert_eq!(
        h(&au.encrypted_session_key),
        x["EncryptedRandomSessionKey"].as_str().unwrap()
    );
    // Build it from scratch.
    let built = AuthenticateMessage {
        lm_response: lmr.to_vec(),
        nt_response: ntr.to_vec(),
        domain: "Domain".into(),
        user: "User".into(),
        workstation: "COMPUTER".into(),
        encrypted_session_key: ntlm::rc4_key(&base, &rsk).0.to_vec(),
        flags: 0xe2808235,
        version: au.version,
        mic: None,
    };
    assert_eq!(built.encode(), au_raw);
}

#[test]
fn ms_nlmp_ntlmv1_extended_session_security() {
    let j = v();
    let i = &j["ms_nlmp_4_2_1_inputs"];
    let x = &j["ms_nlmp_4_2_3_ntlmv1_extended_session_security"];
    let nt = NtHash::from_password(i["password"].as_str().unwrap());
    let sc = a8(&i["server_challenge"]);
    let cc = a8(&i["client_challenge"]);
    let (lm, ntr) = ntlm::ntlm2_session_response(&nt, &sc, &cc);
    assert_eq!(h(&lm), x["LmChallengeResponse"].as_str().unwrap());
    assert_eq!(h(&ntr), x["NtChallengeResponse"].as_str().unwrap());
    let base = ntlm::ntlm_session_base_key(&nt);
    assert_eq!(h(&base.0), x["SessionBaseKey"].as_str().unwrap());
    assert_eq!(
        h(&ntlm::ess_key_exchange_key(&base, &sc, &lm).0),
        x["KeyExchangeKey"].as_str().unwrap()
    );
    let ch_raw = hx(&x["CHALLENGE_MESSAGE_chromium_kChallengeMsgV1"]["hex"]);
    let ch = ChallengeMessage::decode(&Bytes::from(ch_raw.clone())).unwrap();
    assert_ne!(ch.flags & flags::EXTENDED_SESSIONSECURITY, 0);
    assert_eq!(ch.encode(), ch_raw);
    let au_raw = hx(&x["AUTHENTICATE_MESSAGE_4_2_3_3"]["hex"]);
    let au = AuthenticateMessage::decode(&Bytes::from(au_raw.clone())).unwrap();
    assert_eq!(au.lm_response, lm);
    assert_eq!(au.nt_response, ntr);
    assert_eq!(au.encode(), au_raw);
}

#[test]
fn ms_nlmp_ntlmv2() {
    let j = v();
    let i = &j["ms_nlmp_4_2_1_inputs"];
    let x = &j["ms_nlmp_4_2_4_ntlmv2"];
    let nt = NtHash::from_password(i["password"].as_str().unwrap());
    let v2 = ntlm::ntowf_v2(
        &nt,
        i["user"].as_str().unwrap(),
        i["domain"].as_str().unwrap(),
    );
    assert_eq!(h(&v2.0), x["NTOWFv2"].as_str().unwrap());
    assert_eq!(h(&v2.0), x["LMOWFv2"].as_str().unwrap());
    let sc = a8(&i["server_challenge"]);
    let cc = a8(&i["client_challenge"]);
    assert_eq!(
        h(&ntlm::lmv2_response(&v2, &sc, &cc)),
        x["LMv2Response"].as_str().unwrap()
    );
    let ti = hx(&x["TargetInfo"]);
    let blob = ntlm::ntlmv2_blob(0, &cc, &ti);
    assert_eq!(h(&blob), x["temp"].as_str().unwrap());
    let (resp, key) = ntlm::ntlmv2_response(&v2, &sc, &blob);
    assert_eq!(h(&resp[..16]), x["NTProofStr"].as_str().unwrap());
    assert_eq!(h(&resp), x["NTLMv2Response"].as_str().unwrap());
    assert_eq!(h(&key.0), x["SessionBaseKey"].as_str().unwrap());
    assert_eq!(h(&key.0), x["KeyExchangeKey"].as_str().unwrap());
    let rsk: [u8; 16] = hx(&x["ExportedSessionKey"]).try_into().unwrap();
    assert_eq!(
        h(&ntlm::rc4_key(&key, &rsk).0),
        x["EncryptedRandomSessionKey"].as_str().unwrap()
    );
    // The impacket variant (without the trailing four zero bytes) is NOT what we compute.
    let w = &x["WARNING_impacket_variant"];
    assert_ne!(
        h(&resp[..16]),
        w["NTProofStr_without_trailing_Z4"].as_str().unwrap()
    );
    let mut short = blob.clone();
    short.truncate(blob.len() - 4);
    let (r2, k2) = ntlm::ntlmv2_response(&v2, &sc, &short);
    assert_eq!(
        h(&r2[..16]),
        w["NTProofStr_without_trailing_Z4"].as_str().unwrap()
    );
    assert_eq!(
        h(&k2.0),
        w["SessionBaseKey_without_trailing_Z4"].as_str().unwrap()
    );

    let ch_raw = hx(&x["CHALLENGE_MESSAGE_4_2_4_3"]["hex"]);
    let ch = ChallengeMessage::decode(&Bytes::from(ch_raw.clone())).unwrap();
    assert_eq!(ch.target_info_raw, ti);
    assert_eq!(ch.encode(), ch_raw);
    let au_raw = hx(&x["AUTHENTICATE_MESSAGE_4_2_4_3"]["hex"]);
    let au = AuthenticateMessage::decode(&Bytes::from(au_raw.clone())).unwrap();
    assert!(au.mic.is_none());
    assert_eq!(au.nt_response, resp);
    let built = AuthenticateMessage {
        lm_response: ntlm::lmv2_response(&v2, &sc, &cc).to_vec(),
        nt_response: resp,
        domain: "Domain".into(),
        user: "User".into(),
        workstation: "COMPUTER".into(),
        encrypted_session_key: ntlm::rc4_key(&key, &rsk).0.to_vec(),
        flags: 0xe2888235,
        version: au.version,
        mic: None,
    };
    assert_eq!(built.encode(), au_raw);
    // The server accepts it with the password, and recovers the exported key.
    let mut store = smb_proto::auth::MemoryAccounts::new();
    store.add("User", "Password");
    let a = smb_proto::auth::NtlmServer::verify_captured(
        &ch,
        &Bytes::from(au_raw),
        &smb_proto::auth::AuthPolicy::default(),
        &store,
    )
    .unwrap();
    assert_eq!(a.verified, smb_proto::auth::Verified::Ntlmv2);
}

#[test]
fn davenport_secret01() {
    let j = v();
    let d = &j["davenport_secret01"];
    let i = &d["inputs"];
    let nt = NtHash::from_password(i["password"].as_str().unwrap());
    let lm = LmHash::from_password(i["password"].as_str().unwrap()).unwrap();
    let sc = a8(&i["server_challenge"]);
    let cn = a8(&i["client_nonce"]);
    assert_eq!(
        h(&ntlm::lm_response(&lm, &sc)),
        d["lm_response"].as_str().unwrap()
    );
    assert_eq!(
        h(&ntlm::ntlm_response(&nt, &sc)),
        d["ntlm_response"].as_str().unwrap()
    );
    let base = ntlm::ntlm_session_base_key(&nt);
    assert_eq!(h(&base.0), d["ntlm_user_session_key"].as_str().unwrap());
    let v2 = ntlm::ntowf_v2(
        &nt,
        i["user"].as_str().unwrap(),
        i["domain"].as_str().unwrap(),
    );
    assert_eq!(h(&v2.0), d["ntlmv2_hash"].as_str().unwrap());
    let lmv2 = ntlm::lmv2_response(&v2, &sc, &cn);
    assert_eq!(h(&lmv2), d["lmv2_response"].as_str().unwrap());
    assert_eq!(
        h(&ntlm::lmv2_session_key(&v2, &lmv2).0),
        d["lmv2_user_session_key"].as_str().unwrap()
    );
    let ts = u64::from_le_bytes(a8(&i["timestamp"]));
    let blob = ntlm::ntlmv2_blob(ts, &cn, &hx(&i["target_info"]));
    let (resp, key) = ntlm::ntlmv2_response(&v2, &sc, &blob);
    assert_eq!(h(&resp), d["ntlmv2_response"].as_str().unwrap());
    assert_eq!(h(&key.0), d["ntlmv2_user_session_key"].as_str().unwrap());
    let (l2, n2) = ntlm::ntlm2_session_response(&nt, &sc, &cn);
    assert_eq!(h(&l2), d["ntlm2_session_lm_response"].as_str().unwrap());
    assert_eq!(h(&n2), d["ntlm2_session_ntlm_response"].as_str().unwrap());
    // NTLM2 session hash = MD5(SC || CN)[0..8] is what DESL encrypted.
    let _ = d["ntlm2_session_hash"].as_str().unwrap();
    // The "NTLM2 session key" of the Davenport paper is HMAC-MD5(user session key, SC || CN).
    let key2 = ntlm::ess_key_exchange_key(&base, &sc, &l2);
    assert_eq!(h(&key2.0), d["ntlm2_session_key"].as_str().unwrap());
    let _ = SessionKey([0; 16]);
}

#[test]
fn spnego_tokens() {
    let j = v();
    let s = &j["spnego"];
    assert_eq!(
        h(&NegTokenInit::server_ntlmssp().encode()),
        s["server_negtokeninit2_with_neghints"].as_str().unwrap()
    );
    let plain = NegTokenInit {
        mech_types: vec![spnego::OID_NTLMSSP.to_vec()],
        ..Default::default()
    };
    assert_eq!(
        h(&plain.encode()),
        s["server_negtokeninit_ntlmssp_only"].as_str().unwrap()
    );
    let inner = hx(&s["client_negtokeninit_inner_ntlm_negotiate"]);
    assert_eq!(
        h(&NegTokenInit::client_ntlmssp(inner.clone()).encode()),
        s["client_negtokeninit_with_ntlm_negotiate"]
            .as_str()
            .unwrap()
    );
    match spnego::decode(&hx(&s["client_negtokeninit_with_ntlm_negotiate"])).unwrap() {
        Token::Init(t) => assert_eq!(t.mech_token.unwrap(), inner),
        t => panic!("{t:?}"),
    }
    let ch = hx(&j["ms_nlmp_4_2_4_ntlmv2"]["CHALLENGE_MESSAGE_4_2_4_3"]["hex"]);
    let resp = NegTokenResp {
        neg_state: Some(spnego::ACCEPT_INCOMPLETE),
        supported_mech: Some(spnego::OID_NTLMSSP.to_vec()),
        response_token: Some(ch),
        mech_list_mic: None,
    };
    assert_eq!(
        h(&resp.encode()),
        s["server_negtokenresp_accept_incomplete_with_challenge_4_2_4_3"]
            .as_str()
            .unwrap()
    );
    let au = hx(&j["ms_nlmp_4_2_4_ntlmv2"]["AUTHENTICATE_MESSAGE_4_2_4_3"]["hex"]);
    let cresp = NegTokenResp {
        response_token: Some(au),
        ..Default::default()
    };
    assert_eq!(
        h(&cresp.encode()),
        s["client_negtokenresp_with_authenticate_4_2_4_3"]
            .as_str()
            .unwrap()
    );
    for (state, key) in [
        (0u8, "server_negtokenresp_accept_completed"),
        (2, "server_negtokenresp_reject"),
    ] {
        let t = NegTokenResp {
            neg_state: Some(state),
            ..Default::default()
        };
        assert_eq!(h(&t.encode()), s[key].as_str().unwrap());
        assert_eq!(spnego::decode(&t.encode()).unwrap(), Token::Resp(t));
    }
    assert_eq!(
        s["oid_spnego"].as_str().unwrap(),
        format!("0606{}", h(spnego::OID_SPNEGO))
    );
    assert_eq!(
        s["oid_ntlmssp"].as_str().unwrap(),
        format!("060a{}", h(spnego::OID_NTLMSSP))
    );
    assert_eq!(
        s["oid_kerberos"].as_str().unwrap(),
        format!("0609{}", h(spnego::OID_KERBEROS))
    );
    assert_eq!(
        s["oid_ms_kerberos"].as_str().unwrap(),
        format!("0609{}", h(spnego::OID_MS_KERBEROS))
    );
}

#[test]
fn signing_example() {
    let j = v();
    let s = &j["smb1_signing_example"];
    let key = hx(&s["mac_key_non_extended_ntlmv1"]);
    // The MAC key is the session base key followed by the NTLMv1 response.
    let nt = NtHash::from_password("Password");
    let mut want_key = ntlm::ntlm_session_base_key(&nt).0.to_vec();
    want_key.extend_from_slice(&ntlm::ntlm_response(
        &nt,
        &[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
    ));
    assert_eq!(key, want_key);
    let mut req = hx(&s["echo_request_unsigned"]);
    signing::sign(
        &key,
        &mut req,
        &[],
        s["echo_request_seq"].as_u64().unwrap() as u32,
    );
    assert_eq!(
        h(&req[14..22]),
        s["echo_request_signature"].as_str().unwrap()
    );
    assert_eq!(h(&req), s["echo_request_signed"].as_str().unwrap());
    let mut resp = hx(&s["echo_response_unsigned"]);
    signing::sign(
        &key,
        &mut resp,
        &[],
        s["echo_response_seq"].as_u64().unwrap() as u32,
    );
    assert_eq!(
        h(&resp[14..22]),
        s["echo_response_signature"].as_str().unwrap()
    );
    let ext_key = hx(&s["extended_security_key_example"]);
    let mut req2 = hx(&s["echo_request_unsigned"]);
    signing::sign(&ext_key, &mut req2, &[], 2);
    assert_eq!(
        h(&req2[14..22]),
        s["echo_request_seq2_signature_with_that_key"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        s["pre_key_session_setup_signature_field_ascii"]
            .as_str()
            .unwrap()
            .as_bytes(),
        &hx(&s["pre_key_session_setup_signature_field"])[..]
    );
}

#[test]
fn golden_extsec_login_verifies_and_key_is_exported() {
    let j = v();
    let g = &j["smb1_golden_messages"];
    assert_eq!(
        g["extsec_exported_session_key_and_smb_signing_key"]
            .as_str()
            .unwrap(),
        "55".repeat(16)
    );
    let _ = AvPairs::default();
}

#[test]
fn netbios_vectors() {
    use smb_proto::wire::netbios::{NbssPacket, NegativeCode, NetbiosName, Transport};
    let j = v();
    let n = &j["netbios"];
    for e in n["first_level"].as_array().unwrap() {
        let suffix =
            u8::from_str_radix(e["suffix"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        let name = NetbiosName::new(e["name"].as_str().unwrap(), suffix);
        assert_eq!(
            std::str::from_utf8(&name.first_level()).unwrap(),
            e["encoded"].as_str().unwrap()
        );
    }
    let req = NbssPacket::SessionRequest {
        called: NetbiosName::new("*SMBSERVER", 0x20),
        calling: NetbiosName::new("CLIENT", 0),
    };
    assert_eq!(
        h(&req.encode(Transport::Netbios)),
        n["session_request_smbserver_from_CLIENT"]["hex"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        h(&NbssPacket::PositiveResponse.encode(Transport::Netbios)),
        n["positive_response"].as_str().unwrap()
    );
    assert_eq!(
        h(
            &NbssPacket::NegativeResponse(NegativeCode::CALLED_NAME_NOT_PRESENT)
                .encode(Transport::Netbios)
        ),
        n["negative_response_called_name_not_present"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        h(&NbssPacket::KeepAlive.encode(Transport::Netbios)),
        n["keepalive"].as_str().unwrap()
    );
}

#[test]
fn primitives_through_public_api() {
    let j = v();
    let p = &j["primitives"];
    // MD4 of "" is the NT hash of the empty password.
    assert_eq!(
        h(&NtHash::from_password("").0),
        p["md4"][""].as_str().unwrap()
    );
}
