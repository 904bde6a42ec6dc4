//! The client side of NTLM: builds what goes into SESSION_SETUP_ANDX for each method.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::AuthError;
use super::ntlm::{self, LmHash, NtHash, SessionKey};
use super::ntlmssp::{
    AuthenticateMessage, AvPairs, ChallengeMessage, NegotiateMessage, SignDirection, Signer, av,
    flags,
};
use super::spnego::{self, NegTokenInit, NegTokenResp, OID_NTLMSSP, Token};
use crate::rng::Rng;

/// How the client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// NTLMSSP inside SPNEGO, NTLMv2 (the default).
    #[default]
    Ntlmssp,
    /// NTLMSSP inside SPNEGO with NTLMv1 (NTLM2 session response when the server agrees to
    /// extended session security).
    NtlmsspV1,
    /// No extended security: NTLMv2 and LMv2 in the password fields.
    Ntlmv2,
    /// No extended security: NTLMv1 in both password fields.
    Ntlm,
    /// No extended security: LM and NTLMv1.
    Lm,
    /// As [`Lm`](Self::Lm), and the password in clear to a server that offers no
    /// challenge (pre-NT servers that want plaintext passwords). Never chosen by default.
    Plaintext,
}

impl AuthMethod {
    /// Whether the method uses extended security (SPNEGO/NTLMSSP).
    pub fn extended(self) -> bool {
        matches!(self, AuthMethod::Ntlmssp | AuthMethod::NtlmsspV1)
    }
}

/// The password, or its NT hash.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub enum Secret {
    /// A clear-text password.
    Password(String),
    /// An NT hash (pass-the-hash; LM is then unavailable).
    NtHash([u8; 16]),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// User, domain and secret.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// User name.
    pub user: String,
    /// Domain (or workgroup); may be empty.
    pub domain: String,
    /// Password or hash.
    pub secret: Secret,
}

impl Credentials {
    /// Credentials with a password.
    pub fn new(user: &str, domain: &str, password: &str) -> Self {
        Self {
            user: user.into(),
            domain: domain.into(),
            secret: Secret::Password(password.into()),
        }
    }

    fn nt_hash(&self) -> NtHash {
        match &self.secret {
            Secret::Password(p) => NtHash::from_password(p),
            Secret::NtHash(h) => NtHash(*h),
        }
    }

    fn lm_hash(&self) -> Option<LmHash> {
        match &self.secret {
            Secret::Password(p) => LmHash::from_password(p),
            Secret::NtHash(_) => None,
        }
    }
}

/// The NEGOTIATE flags this client sends (what Samba's smbclient sends).
pub const CLIENT_FLAGS: u32 = flags::UNICODE
    | flags::REQUEST_TARGET
    | flags::SIGN
    | flags::NTLM
    | flags::ALWAYS_SIGN
    | flags::EXTENDED_SESSIONSECURITY
    | flags::VERSION
    | flags::NEGOTIATE_128
    | flags::KEY_EXCH;

/// The version this client announces (6.1, NTLM revision 15, as Samba does).
pub const CLIENT_VERSION: [u8; 8] = [6, 1, 0, 0, 0, 0, 0, 0x0f];

/// The password fields of a non-extended session setup.
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct PasswordFields {
    /// OEMPassword (case-insensitive / LM field).
    pub oem: Vec<u8>,
    /// UnicodePassword (case-sensitive / NT field).
    pub unicode: Vec<u8>,
}

impl fmt::Debug for PasswordFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PasswordFields({} + {} bytes)",
            self.oem.len(),
            self.unicode.len()
        )
    }
}

/// An NTLM client for one session setup.
pub struct NtlmClient {
    creds: Option<Credentials>,
    method: AuthMethod,
    workstation: String,
    negotiate: Vec<u8>,
    session_key: Option<SessionKey>,
    signing_key: Option<Zeroizing<Vec<u8>>>,
    negotiated_flags: u32,
    mech_list_mic_key: Option<[u8; 16]>,
}

impl fmt::Debug for NtlmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtlmClient")
            .field("method", &self.method)
            .field("anonymous", &self.creds.is_none())
            .finish_non_exhaustive()
    }
}

impl NtlmClient {
    /// A client for `creds` (`None`: anonymous) using `method`.
    pub fn new(creds: Option<Credentials>, method: AuthMethod, workstation: &str) -> Self {
        Self {
            creds,
            method,
            workstation: workstation.into(),
            negotiate: Vec::new(),
            session_key: None,
            signing_key: None,
            negotiated_flags: 0,
            mech_list_mic_key: None,
        }
    }

    /// Whether this is an anonymous login.
    pub fn is_anonymous(&self) -> bool {
        self.creds.is_none()
    }

    /// The method.
    pub fn method(&self) -> AuthMethod {
        self.method
    }

    /// The session key once authentication is built (none for anonymous).
    pub fn session_key(&self) -> Option<&SessionKey> {
        self.session_key.as_ref()
    }

    /// The SMB signing MAC key once authentication is built (none for anonymous).
    pub fn signing_key(&self) -> Option<&[u8]> {
        self.signing_key.as_ref().map(|k| &k[..])
    }

    /// First extended-security token: a SPNEGO NegTokenInit carrying an NTLMSSP NEGOTIATE.
    pub fn initial_token(&mut self) -> Vec<u8> {
        let mut f = CLIENT_FLAGS;
        if self.creds.is_none() {
            f = (f & !flags::EXTENDED_SESSIONSECURITY) | flags::ANONYMOUS;
        }
        let neg = NegotiateMessage {
            flags: f,
            domain: String::new(),
            workstation: String::new(),
            version: Some(CLIENT_VERSION),
        };
        self.negotiate = neg.encode();
        NegTokenInit::client_ntlmssp(self.negotiate.clone()).encode()
    }

    /// Second extended-security token: answers the server's CHALLENGE (inside a SPNEGO
    /// NegTokenResp, or raw NTLMSSP) with an AUTHENTICATE inside a NegTokenResp.
    pub fn authenticate_token(
        &mut self,
        server_token: &[u8],
        filetime: u64,
        rng: &mut Rng,
    ) -> Result<Vec<u8>, AuthError> {
        let challenge_bytes = match spnego::decode(server_token) {
            Ok(Token::Resp(r)) => {
                if r.neg_state == Some(spnego::REJECT) {
                    return Err(AuthError::Rejected);
                }
                r.response_token
                    .ok_or(AuthError::Protocol("no CHALLENGE in the server token"))?
            }
            Ok(Token::Init(_)) => return Err(AuthError::Protocol("unexpected NegTokenInit")),
            Err(_) if server_token.starts_with(super::ntlmssp::SIGNATURE) => server_token.to_vec(),
            Err(e) => return Err(AuthError::Decode(e)),
        };
        let challenge_bytes = Bytes::from(challenge_bytes);
        let ch = ChallengeMessage::decode(&challenge_bytes).map_err(AuthError::Decode)?;
        let auth = self.build_authenticate(&ch, filetime, rng)?;
        Ok(NegTokenResp {
            response_token: Some(auth),
            ..Default::default()
        }
        .encode())
    }

    fn build_authenticate(
        &mut self,
        ch: &ChallengeMessage,
        filetime: u64,
        rng: &mut Rng,
    ) -> Result<Vec<u8>, AuthError> {
        let ours = if self.creds.is_none() {
            (CLIENT_FLAGS & !flags::EXTENDED_SESSIONSECURITY) | flags::ANONYMOUS
        } else {
            CLIENT_FLAGS
        };
        let mut negotiated = ours & ch.flags | flags::VERSION;
        if ch.flags & flags::UNICODE == 0 {
            negotiated = (negotiated & !flags::UNICODE) | flags::OEM;
        }
        self.negotiated_flags = negotiated;
        let sc = ch.server_challenge;
        let Some(creds) = self.creds.clone() else {
            // Anonymous: empty user and responses; with key exchange, a random key
            // encrypted under the all-zero anonymous session key (as Samba sends).
            let encrypted_session_key = if negotiated & flags::KEY_EXCH != 0 {
                let k: [u8; 16] = rng.bytes();
                ntlm::rc4_key(&SessionKey([0; 16]), &k).0.to_vec()
            } else {
                Vec::new()
            };
            let m = AuthenticateMessage {
                encrypted_session_key,
                flags: negotiated,
                version: Some(CLIENT_VERSION),
                workstation: self.workstation.clone(),
                ..Default::default()
            };
            return Ok(m.encode());
        };
        let nt = creds.nt_hash();
        let (lm_resp, nt_resp, base_key): (Vec<u8>, Vec<u8>, SessionKey) = match self.method {
            AuthMethod::NtlmsspV1 | AuthMethod::Ntlm | AuthMethod::Lm | AuthMethod::Plaintext => {
                if negotiated & flags::EXTENDED_SESSIONSECURITY != 0 {
                    let cc: [u8; 8] = rng.bytes();
                    let (lm, ntr) = ntlm::ntlm2_session_response(&nt, &sc, &cc);
                    let base = ntlm::ntlm_session_base_key(&nt);
                    let kx = ntlm::ess_key_exchange_key(&base, &sc, &lm);
                    (lm.to_vec(), ntr.to_vec(), kx)
                } else {
                    let ntr = ntlm::ntlm_response(&nt, &sc);
                    let lm = match creds.lm_hash() {
                        Some(l)
                            if matches!(self.method, AuthMethod::Lm | AuthMethod::Plaintext) =>
                        {
                            ntlm::lm_response(&l, &sc)
                        }
                        _ => ntr,
                    };
                    (lm.to_vec(), ntr.to_vec(), ntlm::ntlm_session_base_key(&nt))
                }
            }
            AuthMethod::Ntlmssp | AuthMethod::Ntlmv2 => {
                let v2 = ntlm::ntowf_v2(&nt, &creds.user, &creds.domain);
                let cc: [u8; 8] = rng.bytes();
                let info = ch.target_info.clone().unwrap_or_default();
                let ts = info.timestamp().unwrap_or(filetime);
                let raw_info = if ch.target_info_raw.is_empty() {
                    AvPairs::default().encode()
                } else {
                    ch.target_info_raw.clone()
                };
                let blob = ntlm::ntlmv2_blob(ts, &cc, &raw_info);
                let (ntr, base) = ntlm::ntlmv2_response(&v2, &sc, &blob);
                let lm = if info.timestamp().is_some() {
                    alloc::vec![0; 24]
                } else {
                    ntlm::lmv2_response(&v2, &sc, &cc).to_vec()
                };
                (lm, ntr, base)
            }
        };
        let exported = if negotiated & flags::KEY_EXCH != 0 {
            let k: [u8; 16] = rng.bytes();
            k
        } else {
            base_key.0
        };
        let encrypted = if negotiated & flags::KEY_EXCH != 0 {
            ntlm::rc4_key(&base_key, &exported).0.to_vec()
        } else {
            Vec::new()
        };
        let m = AuthenticateMessage {
            lm_response: lm_resp,
            nt_response: nt_resp,
            domain: creds.domain.clone(),
            user: creds.user.clone(),
            workstation: self.workstation.clone(),
            encrypted_session_key: encrypted,
            flags: negotiated,
            version: Some(CLIENT_VERSION),
            mic: None,
        };
        self.session_key = Some(SessionKey(exported));
        self.signing_key = Some(Zeroizing::new(exported.to_vec()));
        self.mech_list_mic_key = Some(exported);
        Ok(m.encode())
    }

    /// Checks the server's final token (accept-completed, or a reject).
    pub fn finish(&mut self, server_token: &[u8]) -> Result<(), AuthError> {
        if server_token.is_empty() {
            return Ok(());
        }
        match spnego::decode(server_token) {
            Ok(Token::Resp(r)) => match r.neg_state {
                Some(spnego::REJECT) => Err(AuthError::Rejected),
                _ => {
                    if let (Some(mic), Some(key)) = (&r.mech_list_mic, self.mech_list_mic_key) {
                        let mut s =
                            Signer::new(&key, self.negotiated_flags, SignDirection::ServerToClient);
                        let want = s.sign(0, &spnego::mech_types_der(&[OID_NTLMSSP.to_vec()]));
                        if !super::crypto::ct_eq(&want, mic) {
                            return Err(AuthError::Protocol("bad mechListMIC from the server"));
                        }
                    }
                    Ok(())
                }
            },
            Ok(Token::Init(_)) => Err(AuthError::Protocol("unexpected NegTokenInit")),
            Err(e) => Err(AuthError::Decode(e)),
        }
    }

    /// The password fields for a non-extended session setup, given the 8-byte challenge
    /// from the NEGOTIATE response.
    pub fn password_fields(
        &mut self,
        challenge: &[u8; 8],
        filetime: u64,
        rng: &mut Rng,
    ) -> Result<PasswordFields, AuthError> {
        let Some(creds) = self.creds.clone() else {
            return Ok(PasswordFields::default());
        };
        let nt = creds.nt_hash();
        let (oem, unicode, key) = match self.method {
            AuthMethod::Ntlmv2 | AuthMethod::Ntlmssp => {
                let v2 = ntlm::ntowf_v2(&nt, &creds.user, &creds.domain);
                let cc: [u8; 8] = rng.bytes();
                let mut info = AvPairs::default();
                info.push_str(av::NB_DOMAIN_NAME, &creds.domain);
                let blob = ntlm::ntlmv2_blob(filetime, &cc, &info.encode());
                let (ntr, key) = ntlm::ntlmv2_response(&v2, challenge, &blob);
                let lm = ntlm::lmv2_response(&v2, challenge, &cc);
                (lm.to_vec(), ntr, key)
            }
            AuthMethod::Ntlm | AuthMethod::NtlmsspV1 => {
                let ntr = ntlm::ntlm_response(&nt, challenge);
                (ntr.to_vec(), ntr.to_vec(), ntlm::ntlm_session_base_key(&nt))
            }
            AuthMethod::Lm | AuthMethod::Plaintext => {
                let ntr = ntlm::ntlm_response(&nt, challenge);
                let lm = creds.lm_hash().ok_or(AuthError::Protocol(
                    "LM needs a password of at most 14 characters",
                ))?;
                (
                    ntlm::lm_response(&lm, challenge).to_vec(),
                    ntr.to_vec(),
                    ntlm::ntlm_session_base_key(&nt),
                )
            }
        };
        let mut mac = key.0.to_vec();
        mac.extend_from_slice(&unicode);
        self.session_key = Some(key);
        self.signing_key = Some(Zeroizing::new(mac));
        Ok(PasswordFields { oem, unicode })
    }
}
