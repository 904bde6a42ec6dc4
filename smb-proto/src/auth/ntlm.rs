//! NTLM password hashes, challenge responses and session keys (MS-NLMP §3.3).
//!
//! Everything here is a pure function of its inputs; time (FILETIME) and random bytes
//! (client challenges, exported session keys) are parameters.

use alloc::vec::Vec;
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::crypto::{des7, desl, hmac_md5, key7, md4, md5, rc4};
use crate::wire::strings::utf16le;

/// The constant LM hashes encrypt.
const LM_MAGIC: &[u8; 8] = b"KGS!@#$%";

macro_rules! secret16 {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name(pub [u8; 16]);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl $name {
            /// The 16 bytes.
            pub fn bytes(&self) -> &[u8; 16] {
                &self.0
            }
        }
    };
}

secret16!(
    /// The NT hash (NTOWFv1): MD4 of the UTF-16LE password.
    NtHash
);
secret16!(
    /// The LM hash (LMOWFv1).
    LmHash
);
secret16!(
    /// A 16-byte session key (session base key, key exchange key, exported key).
    SessionKey
);

impl NtHash {
    /// Hashes a password.
    pub fn from_password(password: &str) -> Self {
        let mut u = utf16le(password);
        let h = NtHash(md4(&u));
        u.zeroize();
        h
    }
}

impl LmHash {
    /// Hashes a password: uppercased (ASCII/Latin-1 as an OEM code page stand-in), padded
    /// to 14 bytes. Passwords longer than 14 bytes have no LM hash (`None`).
    pub fn from_password(password: &str) -> Option<Self> {
        let mut p = [0u8; 14];
        for (n, c) in password.chars().enumerate() {
            let up = c.to_uppercase().next().unwrap_or(c);
            let b = if (up as u32) < 0x100 { up as u8 } else { b'?' };
            if n == 14 {
                p.zeroize();
                return None;
            }
            p[n] = b;
        }
        let mut h = [0u8; 16];
        h[..8].copy_from_slice(&des7(&key7(&p[..7]), LM_MAGIC));
        h[8..].copy_from_slice(&des7(&key7(&p[7..]), LM_MAGIC));
        p.zeroize();
        Some(LmHash(h))
    }
}

/// NTOWFv2 (= LMOWFv2): HMAC-MD5 keyed with the NT hash over UTF-16LE(uppercase(user) ‖
/// domain). Only the user name is uppercased.
pub fn ntowf_v2(nt: &NtHash, user: &str, domain: &str) -> SessionKey {
    let mut upper = alloc::string::String::new();
    for c in user.chars() {
        upper.extend(c.to_uppercase());
    }
    let mut msg = utf16le(&upper);
    msg.extend_from_slice(&utf16le(domain));
    SessionKey(hmac_md5(&nt.0, &[&msg]))
}

/// The NTLMv1 response: DESL(NT hash, server challenge).
pub fn ntlm_response(nt: &NtHash, challenge: &[u8; 8]) -> [u8; 24] {
    desl(&nt.0, challenge)
}

/// The LM response: DESL(LM hash, server challenge).
pub fn lm_response(lm: &LmHash, challenge: &[u8; 8]) -> [u8; 24] {
    desl(&lm.0, challenge)
}

/// The NTLMv1 session base key ("user session key"): MD4(NT hash).
pub fn ntlm_session_base_key(nt: &NtHash) -> SessionKey {
    SessionKey(md4(&nt.0))
}

/// The LM session key (LM logons): the first 8 bytes of the LM hash, then 8 zeros.
pub fn lm_session_key(lm: &LmHash) -> SessionKey {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&lm.0[..8]);
    SessionKey(k)
}

/// The NTLM2 session response (NTLMv1 with extended session security): returns the LM
/// field (client challenge + 16 zeros) and the NT field.
pub fn ntlm2_session_response(
    nt: &NtHash,
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
) -> ([u8; 24], [u8; 24]) {
    let mut lm = [0u8; 24];
    lm[..8].copy_from_slice(client_challenge);
    let h = md5(&[server_challenge, client_challenge]);
    let mut sess = [0u8; 8];
    sess.copy_from_slice(&h[..8]);
    (lm, desl(&nt.0, &sess))
}

/// Key exchange key with extended session security:
/// HMAC-MD5(session base key, server challenge ‖ LM response\[0..8\]).
pub fn ess_key_exchange_key(
    session_base_key: &SessionKey,
    server_challenge: &[u8; 8],
    lm_response: &[u8],
) -> SessionKey {
    let lm8 = &lm_response[..lm_response.len().min(8)];
    SessionKey(hmac_md5(&session_base_key.0, &[server_challenge, lm8]))
}

/// Key exchange key with NTLMSSP_NEGOTIATE_LM_KEY (NTLMv1, no ESS).
pub fn lm_key_exchange_key(lm: &LmHash, lm_response: &[u8; 24]) -> SessionKey {
    let data: [u8; 8] = lm_response[..8].try_into().unwrap_or_default();
    let mut k2 = [0xBDu8; 7];
    k2[0] = lm.0[7];
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&des7(&key7(&lm.0[..7]), &data));
    k[8..].copy_from_slice(&des7(&k2, &data));
    SessionKey(k)
}

/// Key exchange key with NTLMSSP_REQUEST_NON_NT_SESSION_KEY: LM hash\[0..8\] ‖ zeros.
pub fn non_nt_key_exchange_key(lm: &LmHash) -> SessionKey {
    lm_session_key(lm)
}

/// The LMv2 response: HMAC-MD5(NTOWFv2, server ‖ client challenge) ‖ client challenge.
pub fn lmv2_response(
    ntowfv2: &SessionKey,
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[..16].copy_from_slice(&hmac_md5(&ntowfv2.0, &[server_challenge, client_challenge]));
    out[16..].copy_from_slice(client_challenge);
    out
}

/// The NTLMv2 client blob ("temp"): header, timestamp, client challenge, AV pairs and the
/// four trailing zero bytes.
pub fn ntlmv2_blob(timestamp: u64, client_challenge: &[u8; 8], target_info: &[u8]) -> Vec<u8> {
    let mut t = Vec::with_capacity(32 + target_info.len());
    t.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 0]);
    t.extend_from_slice(&timestamp.to_le_bytes());
    t.extend_from_slice(client_challenge);
    t.extend_from_slice(&[0; 4]);
    t.extend_from_slice(target_info);
    t.extend_from_slice(&[0; 4]);
    t
}

/// The NTLMv2 response (NTProofStr ‖ blob) and its session base key.
pub fn ntlmv2_response(
    ntowfv2: &SessionKey,
    server_challenge: &[u8; 8],
    blob: &[u8],
) -> (Vec<u8>, SessionKey) {
    let proof = hmac_md5(&ntowfv2.0, &[server_challenge, blob]);
    let key = SessionKey(hmac_md5(&ntowfv2.0, &[&proof]));
    let mut resp = Vec::with_capacity(16 + blob.len());
    resp.extend_from_slice(&proof);
    resp.extend_from_slice(blob);
    (resp, key)
}

/// The LMv2 session key: HMAC-MD5(NTOWFv2, LMv2 response\[0..16\]).
pub fn lmv2_session_key(ntowfv2: &SessionKey, lmv2: &[u8; 24]) -> SessionKey {
    SessionKey(hmac_md5(&ntowfv2.0, &[&lmv2[..16]]))
}

/// RC4-encrypts (or decrypts) a 16-byte session key with the key exchange key.
pub fn rc4_key(kxkey: &SessionKey, key: &[u8; 16]) -> SessionKey {
    let mut k = *key;
    rc4(&kxkey.0, &mut k);
    SessionKey(k)
}

/// The MIC: HMAC-MD5(exported session key, NEGOTIATE ‖ CHALLENGE ‖ AUTHENTICATE with the
/// MIC field zeroed).
pub fn mic(
    exported: &SessionKey,
    negotiate: &[u8],
    challenge: &[u8],
    authenticate: &[u8],
) -> [u8; 16] {
    hmac_md5(&exported.0, &[negotiate, challenge, authenticate])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex_decode;

    fn h16(s: &str) -> [u8; 16] {
        hex_decode(s).unwrap().try_into().unwrap()
    }

    #[test]
    fn ms_nlmp_v1() {
        let nt = NtHash::from_password("Password");
        let lm = LmHash::from_password("Password").unwrap();
        assert_eq!(nt.0, h16("a4f49c406510bdcab6824ee7c30fd852"));
        assert_eq!(lm.0, h16("e52cac67419a9a224a3b108f3fa6cb6d"));
        let sc = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
        assert_eq!(
            ntlm_response(&nt, &sc)[..],
            hex_decode("67c43011f30298a2ad35ece64f16331c44bdbed927841f94").unwrap()
        );
        assert_eq!(
            ntlm_session_base_key(&nt).0,
            h16("d87262b0cde4b1cb7499becccdf10784")
        );
        assert!(LmHash::from_password("123456789012345").is_none());
        assert!(alloc::format!("{nt:?}").contains("redacted"));
    }
}
