//! Verifies the logins found in a capture with a user's password, using the capture's own
//! challenges (the NEGOTIATE response's, or the NTLMSSP CHALLENGE in SPNEGO).

use bytes::Bytes;
use smb_proto::auth::ntlmssp::ChallengeMessage;
use smb_proto::auth::spnego::{self, Token};
use smb_proto::auth::{
    AuthPolicy, MemoryAccounts, NtlmServer, verify_password_fields, verify_plaintext,
};
use smb_proto::wire::Header;
use smb_proto::wire::msg::{
    LanManNegotiate, NtLmNegotiate, SessionSetupAndXRequest, SessionSetupAndXResponse,
};

/// Login totals.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LoginCounts {
    /// Logins by the user that verified with the password.
    pub verified: usize,
    /// Logins by the user that did not verify.
    pub rejected: usize,
    /// Anonymous logins and logins by other users.
    pub skipped: usize,
}

/// Tracks one connection's authentication exchange.
#[derive(Debug)]
pub struct LoginChecker {
    user: String,
    accounts: MemoryAccounts,
    challenge: Option<[u8; 8]>,
    ntlm_challenge: Option<ChallengeMessage>,
    /// The pre-NT negotiate offered no challenge: passwords travel in clear.
    plaintext: bool,
    counts: LoginCounts,
}

/// The NTLMSSP token inside a security blob (SPNEGO-wrapped or raw).
fn ntlmssp_token(blob: &[u8]) -> Option<Vec<u8>> {
    if blob.starts_with(b"NTLMSSP\0") {
        return Some(blob.to_vec());
    }
    match spnego::decode(blob).ok()? {
        Token::Init(i) => i.mech_token,
        Token::Resp(r) => r.response_token,
    }
}

impl LoginChecker {
    /// A checker for `user` with `password`.
    pub fn new(user: &str, password: &str) -> Self {
        let mut accounts = MemoryAccounts::new();
        accounts.add(user, password);
        Self {
            user: user.to_string(),
            accounts,
            challenge: None,
            ntlm_challenge: None,
            plaintext: false,
            counts: LoginCounts::default(),
        }
    }

    /// The totals so far.
    pub fn counts(&self) -> LoginCounts {
        self.counts
    }

    fn policy() -> AuthPolicy {
        // Every variant counts: the question is whether the password matches.
        AuthPolicy {
            allow_ntlmv1: true,
            allow_lm: true,
            allow_guest: false,
        }
    }

    /// Records the challenge of a non-extended NEGOTIATE response.
    pub fn on_negotiate(&mut self, n: &NtLmNegotiate) {
        self.challenge = n.challenge();
    }

    /// Records the challenge of a pre-NT NEGOTIATE response (none: plaintext passwords).
    pub fn on_lanman_negotiate(&mut self, n: &LanManNegotiate) {
        self.challenge = n.challenge8();
        self.plaintext = self.challenge.is_none();
    }

    /// Records an NTLMSSP CHALLENGE carried by a session setup response.
    pub fn on_session_setup_response(&mut self, _h: &Header, r: &SessionSetupAndXResponse) {
        if let Some(tok) = r.security_blob.as_deref().and_then(ntlmssp_token)
            && let Ok(c) = ChallengeMessage::decode(&Bytes::from(tok))
        {
            self.ntlm_challenge = Some(c);
        }
    }

    fn verdict(&mut self, who: &str, result: Result<(), String>) -> String {
        match result {
            Ok(()) => {
                self.counts.verified += 1;
                format!("login {who:?} verified")
            }
            Err(why) => {
                self.counts.rejected += 1;
                format!("login {who:?} REJECTED ({why})")
            }
        }
    }

    fn skip(&mut self, why: &str) -> String {
        self.counts.skipped += 1;
        format!("login skipped ({why})")
    }

    /// Checks a session setup request; returns a note for the summary line.
    pub fn on_session_setup(&mut self, _h: &Header, s: &SessionSetupAndXRequest) -> String {
        match s {
            SessionSetupAndXRequest::NtLm(x) => {
                if x.account_name.is_empty()
                    && x.unicode_password.is_empty()
                    && x.oem_password.len() <= 1
                {
                    return self.skip("anonymous");
                }
                if !x.account_name.eq_ignore_ascii_case(&self.user) {
                    return self.skip("another user");
                }
                let Some(ch) = self.challenge else {
                    return self.skip("no challenge seen");
                };
                let r = verify_password_fields(
                    &Self::policy(),
                    &self.accounts,
                    &ch,
                    &x.account_name,
                    &x.primary_domain,
                    &x.oem_password,
                    &x.unicode_password,
                )
                .map(|_| ())
                .map_err(|s| s.to_string());
                let who = x.account_name.clone();
                self.verdict(&who, r)
            }
            SessionSetupAndXRequest::Extended(x) => {
                let Some(tok) = ntlmssp_token(&x.security_blob) else {
                    return "no NTLMSSP token".into();
                };
                if tok.len() < 12 || tok[8] != 3 {
                    return "NTLMSSP negotiate".into();
                }
                let bytes = Bytes::from(tok);
                let Ok(auth) = smb_proto::auth::ntlmssp::AuthenticateMessage::decode(&bytes) else {
                    self.counts.rejected += 1;
                    return "malformed AUTHENTICATE".into();
                };
                if auth.is_anonymous() {
                    return self.skip("anonymous");
                }
                if !auth.user.eq_ignore_ascii_case(&self.user) {
                    return self.skip("another user");
                }
                let Some(ch) = self.ntlm_challenge.clone() else {
                    return self.skip("no challenge seen");
                };
                let r = NtlmServer::verify_captured(&ch, &bytes, &Self::policy(), &self.accounts)
                    .map(|_| ())
                    .map_err(|s| s.to_string());
                self.verdict(&auth.user, r)
            }
            SessionSetupAndXRequest::LanMan(x) => {
                if x.account_name.is_empty() && x.password.len() <= 1 {
                    return self.skip("anonymous");
                }
                if !x.account_name.eq_ignore_ascii_case(&self.user) {
                    return self.skip("another user");
                }
                let r = if self.plaintext {
                    let end = x
                        .password
                        .iter()
                        .position(|&b| b == 0)
                        .unwrap_or(x.password.len());
                    let pw: String = x.password[..end].iter().map(|&b| char::from(b)).collect();
                    verify_plaintext(
                        &Self::policy(),
                        &self.accounts,
                        &x.account_name,
                        &x.primary_domain,
                        &pw,
                    )
                } else if let Some(ch) = self.challenge {
                    verify_password_fields(
                        &Self::policy(),
                        &self.accounts,
                        &ch,
                        &x.account_name,
                        &x.primary_domain,
                        &x.password,
                        &[],
                    )
                } else {
                    return self.skip("no challenge seen");
                };
                let who = x.account_name.clone();
                self.verdict(&who, r.map(|_| ()).map_err(|s| s.to_string()))
            }
            SessionSetupAndXRequest::Other { .. } => self.skip("unknown session setup form"),
        }
    }
}
