//! Logons recognised by what the responses are, not by the flags the client set: the
//! forms nmap's smbauth.lua sends for each `smbtype` (v1, ntlm, v2, lmv2), in the
//! non-extended SESSION_SETUP_ANDX and inside NTLMSSP, byte for byte as nmap 7.93 builds
//! its AUTHENTICATE message (whose NT response length says 8 when 24 bytes follow).

use smb_proto::auth::ntlm::{self, LmHash, NtHash};
use smb_proto::auth::{
    AuthPolicy, Identity, MemoryAccounts, NtlmServer, ServerNames, Step, Verified,
    verify_password_fields,
};
use smb_proto::wire::NtStatus;

const USER: &str = "smbtest";
const PASS: &str = "smbpass";
const CHALLENGE: [u8; 8] = *b"\x11\x22\x33\x44\x55\x66\x77\x88";

fn store() -> MemoryAccounts {
    let mut a = MemoryAccounts::new();
    a.add(USER, PASS);
    a
}

fn permissive() -> AuthPolicy {
    AuthPolicy {
        allow_ntlmv1: true,
        allow_lm: true,
        allow_guest: false,
    }
}

fn nt() -> NtHash {
    NtHash::from_password(PASS)
}

/// nmap's v2 responses: HMAC-MD5(NTOWFv2, challenge ‖ random) ‖ random, with 8 random
/// bytes for LMv2 and 24 for "NTLMv2" (no blob structure at all).
fn v2_response(cc: &[u8]) -> Vec<u8> {
    let v2 = ntlm::ntowf_v2(&nt(), USER, "WORKGROUP");
    let (resp, _) = ntlm::ntlmv2_response(&v2, &CHALLENGE, cc);
    let mut out = resp[..16].to_vec();
    out.extend_from_slice(cc);
    out
}

fn basic(policy: &AuthPolicy, lm: &[u8], nt: &[u8]) -> Result<Verified, NtStatus> {
    verify_password_fields(policy, &store(), &CHALLENGE, USER, "WORKGROUP", lm, nt).map(|a| {
        assert_eq!(a.identity, Identity::User);
        a.verified
    })
}

#[test]
fn nmap_basic_forms_verify() {
    let p = permissive();
    let v1 = ntlm::ntlm_response(&nt(), &CHALLENGE);
    let lm = ntlm::lm_response(&LmHash::from_password(PASS).unwrap(), &CHALLENGE);
    // smbtype=v1: LM and NTLMv1.
    assert_eq!(basic(&p, &lm, &v1), Ok(Verified::Ntlmv1));
    // smbtype=ntlm: NTLMv1 in both fields.
    assert_eq!(basic(&p, &v1, &v1), Ok(Verified::Ntlmv1));
    // smbtype=v2: LMv2 and a 40-byte "NTLMv2" response.
    let lmv2 = v2_response(&[7; 8]);
    let ntv2 = v2_response(&[9; 24]);
    assert_eq!(ntv2.len(), 40);
    assert_eq!(basic(&p, &lmv2, &ntv2), Ok(Verified::Ntlmv2));
    // smbtype=lmv2: LMv2 alone.
    assert_eq!(basic(&p, &lmv2, &[]), Ok(Verified::Lmv2));
    // The v2 forms need no NTLMv1 or LM permission.
    assert_eq!(
        basic(&AuthPolicy::default(), &lmv2, &ntv2),
        Ok(Verified::Ntlmv2)
    );
    // A wrong password is refused in every form.
    let bad = ntlm::ntlm_response(&NtHash::from_password("nope"), &CHALLENGE);
    assert_eq!(basic(&p, &bad, &bad), Err(NtStatus::LOGON_FAILURE));
    assert_eq!(basic(&p, &bad, &[]), Err(NtStatus::LOGON_FAILURE));
}

#[test]
fn ntlmv1_in_the_lm_field_and_its_mac_key() {
    let p = permissive();
    let v1 = ntlm::ntlm_response(&nt(), &CHALLENGE);
    let a = verify_password_fields(&p, &store(), &CHALLENGE, USER, "", &v1, &[]).unwrap();
    assert_eq!(a.verified, Verified::Ntlmv1);
    // MAC key: the session key, then the response that verified (the LM field's).
    let mut want = ntlm::ntlm_session_base_key(&nt()).0.to_vec();
    want.extend_from_slice(&v1);
    assert_eq!(
        a.signing_key.as_deref().map(|k| k.as_slice()),
        Some(&want[..])
    );
    // Without NTLMv1 permission it is refused.
    let strict = AuthPolicy::default();
    assert_eq!(
        basic(&strict, &v1, &[]).unwrap_err(),
        NtStatus::LOGON_FAILURE
    );
}

#[test]
fn ntlm2_session_response_recognised_by_its_form() {
    // LM field: client nonce and 16 zero bytes; NT field: the session response. No
    // extended-session-security flag exists in a non-extended logon, yet it verifies.
    let nonce = [0x5A; 8];
    let (lm, ntr) = ntlm::ntlm2_session_response(&nt(), &CHALLENGE, &nonce);
    assert_eq!(&lm[8..], &[0; 16]);
    assert_eq!(basic(&permissive(), &lm, &ntr), Ok(Verified::Ntlm2Session));
}

/// nmap's NTLMSSP NEGOTIATE (flags 0x00088215, empty domain and workstation).
fn nmap_negotiate() -> Vec<u8> {
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend_from_slice(&1u32.to_le_bytes());
    m.extend_from_slice(&0x0008_8215u32.to_le_bytes());
    m.extend_from_slice(&[0; 16]);
    m
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// nmap's NTLMSSP AUTHENTICATE, laid out as smbauth.lua's get_security_blob does: the NT
/// response's length fields say `len - 16`, the bytes are all there, then a zero session
/// key of 16 bytes.
fn nmap_authenticate(lm: &[u8], ntr: &[u8], domain: &str) -> Vec<u8> {
    let (domain, user, host) = (utf16(domain), utf16(USER), utf16("nmap"));
    let d_off = 0x40u32;
    let u_off = d_off + domain.len() as u32;
    let h_off = u_off + user.len() as u32;
    let lm_off = h_off + host.len() as u32;
    let nt_off = lm_off + lm.len() as u32;
    let sk_off = nt_off + ntr.len() as u32;
    let nt_len = if ntr.is_empty() { 0 } else { ntr.len() - 16 } as u16;
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend_from_slice(&3u32.to_le_bytes());
    let field = |m: &mut Vec<u8>, len: u16, off: u32| {
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&off.to_le_bytes());
    };
    field(&mut m, lm.len() as u16, lm_off);
    field(&mut m, nt_len, nt_off);
    field(&mut m, domain.len() as u16, d_off);
    field(&mut m, user.len() as u16, u_off);
    field(&mut m, host.len() as u16, h_off);
    field(&mut m, 16, sk_off);
    m.extend_from_slice(&0x0008_8215u32.to_le_bytes());
    for part in [&domain[..], &user, &host, lm, ntr, &[0; 16]] {
        m.extend_from_slice(part);
    }
    m
}

fn ntlmssp_logon(policy: &AuthPolicy, make: impl Fn(&[u8; 8]) -> Vec<u8>) -> Step {
    let mut server = NtlmServer::new(
        CHALLENGE,
        133_485_408_000_000_000,
        ServerNames {
            netbios_name: "SMBRS".into(),
            netbios_domain: "WORKGROUP".into(),
            ..Default::default()
        },
    );
    let Step::Continue(challenge_msg) = server.step(&nmap_negotiate(), policy, &store()) else {
        panic!("no challenge");
    };
    let challenge: [u8; 8] = challenge_msg[24..32].try_into().unwrap();
    assert_eq!(challenge, CHALLENGE);
    server.step(&make(&challenge), policy, &store())
}

#[test]
fn nmap_ntlmssp_logon_with_the_short_nt_length() {
    // Under SPNEGO nmap sends its "ntlm" form whatever smbtype says: NTLMv1 in the LM
    // field, the same 24 bytes after it announced as 8, the ESS flag set.
    let step = ntlmssp_logon(&permissive(), |ch| {
        let v1 = ntlm::ntlm_response(&nt(), ch);
        nmap_authenticate(&v1, &v1, "WORKGROUP")
    });
    let Step::Done(a, _) = step else {
        panic!("{step:?}")
    };
    assert_eq!(a.verified, Verified::Ntlmv1);
    // The signing key nmap computes for extended security: MD4(NT hash).
    assert_eq!(
        a.signing_key.as_deref().map(|k| k.as_slice()),
        Some(&ntlm::ntlm_session_base_key(&nt()).0[..])
    );
    // A wrong password fails.
    let step = ntlmssp_logon(&permissive(), |ch| {
        let v1 = ntlm::ntlm_response(&NtHash::from_password("x"), ch);
        nmap_authenticate(&v1, &v1, "WORKGROUP")
    });
    assert!(
        matches!(step, Step::Failed(NtStatus::LOGON_FAILURE)),
        "{step:?}"
    );
    // Without NTLMv1 permission the same logon is refused.
    let step = ntlmssp_logon(&AuthPolicy::default(), |ch| {
        let v1 = ntlm::ntlm_response(&nt(), ch);
        nmap_authenticate(&v1, &v1, "WORKGROUP")
    });
    assert!(
        matches!(step, Step::Failed(NtStatus::LOGON_FAILURE)),
        "{step:?}"
    );
}
