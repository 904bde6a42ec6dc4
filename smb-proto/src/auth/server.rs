//! The server side of NTLM: verifies responses against an account store under a policy.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use zeroize::Zeroizing;

use super::crypto::ct_eq;
use super::ntlm::{self, LmHash, NtHash, SessionKey};
use super::ntlmssp::{
    AV_FLAG_MIC_PRESENT, AuthenticateMessage, AvPairs, ChallengeMessage, NegotiateMessage,
    SignDirection, Signer, av, flags,
};
use super::spnego::{self, NegTokenResp, OID_NTLMSSP, Token};
use crate::wire::NtStatus;

/// What the server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuthPolicy {
    /// Accept NTLMv1 and NTLM2 session responses.
    pub allow_ntlmv1: bool,
    /// Accept LM responses.
    pub allow_lm: bool,
    /// Accept anonymous and guest logins and map unknown users to guest.
    pub allow_guest: bool,
}

/// An account's password hashes.
#[derive(Clone)]
pub struct Account {
    /// NT hash.
    pub nt_hash: NtHash,
    /// LM hash, when the password has one and LM is to be usable.
    pub lm_hash: Option<LmHash>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Account(<redacted>)")
    }
}

impl Account {
    /// Hashes a password.
    pub fn from_password(password: &str) -> Self {
        Self {
            nt_hash: NtHash::from_password(password),
            lm_hash: LmHash::from_password(password),
        }
    }
}

/// Looks up accounts by user name (and domain, which a standalone server may ignore).
pub trait AccountStore {
    /// The account for `user`, if it exists.
    fn lookup(&self, user: &str, domain: &str) -> Option<Account>;
}

/// An in-memory account store; user names match case-insensitively.
#[derive(Clone, Default)]
pub struct MemoryAccounts {
    accounts: BTreeMap<String, Account>,
}

impl fmt::Debug for MemoryAccounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryAccounts")
            .field("users", &self.accounts.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl MemoryAccounts {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a user with a password.
    pub fn add(&mut self, user: &str, password: &str) {
        self.accounts.insert(
            crate::server::path::fold_case(user),
            Account::from_password(password),
        );
    }

    /// Adds (or replaces) a user with hashes.
    pub fn add_account(&mut self, user: &str, account: Account) {
        self.accounts
            .insert(crate::server::path::fold_case(user), account);
    }
}

impl AccountStore for MemoryAccounts {
    fn lookup(&self, user: &str, _domain: &str) -> Option<Account> {
        self.accounts
            .get(&crate::server::path::fold_case(user))
            .cloned()
    }
}

/// Who logged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// An account holder.
    User,
    /// Guest (an unknown user mapped to guest).
    Guest,
    /// Anonymous (null session).
    Anonymous,
}

/// Which response verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// NTLMv2.
    Ntlmv2,
    /// LMv2.
    Lmv2,
    /// NTLM2 session response.
    Ntlm2Session,
    /// NTLMv1.
    Ntlmv1,
    /// LM.
    Lm,
    /// No response checked (anonymous, guest).
    None,
    /// A plaintext password (pre-NT session setup without a challenge).
    Plaintext,
}

/// A successful authentication.
pub struct Authenticated {
    /// The user name as sent.
    pub user: String,
    /// The domain as sent.
    pub domain: String,
    /// User, guest or anonymous.
    pub identity: Identity,
    /// Which response verified.
    pub verified: Verified,
    /// The session key (none for guest and anonymous).
    pub session_key: Option<SessionKey>,
    /// The SMB signing MAC key (none for guest and anonymous).
    pub signing_key: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticated")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("identity", &self.identity)
            .field("verified", &self.verified)
            .finish_non_exhaustive()
    }
}

/// The result of checking the response fields: the key material, or a failure status.
struct Check {
    verified: Verified,
    base_key: SessionKey,
    /// KXKEY when it differs from the base key (NTLM2 session).
    kx_key: Option<SessionKey>,
    /// The response that verified was in the LM field.
    lm_field: bool,
}

fn domains(domain: &str) -> Vec<String> {
    let mut v = alloc::vec![String::from(domain)];
    let up: String = domain.chars().flat_map(char::to_uppercase).collect();
    if up != domain {
        v.push(up);
    }
    if !domain.is_empty() {
        v.push(String::new());
    }
    v
}

impl Check {
    /// A response that verified, with its session base key; `lm_field` when it came in
    /// the LM field.
    fn new(verified: Verified, base_key: SessionKey, lm_field: bool) -> Self {
        Check {
            verified,
            base_key,
            kx_key: None,
            lm_field,
        }
    }
}

/// Verifies LM/NT responses for a known account. What a response is comes from its length
/// and form, not from the flags the client set: a longer NT response is NTLMv2; a 24-byte
/// one is NTLMv1 or the NTLM2 session response.
#[allow(clippy::too_many_arguments)]
fn check_responses(
    policy: &AuthPolicy,
    account: &Account,
    user: &str,
    domain: &str,
    challenge: &[u8; 8],
    lm: &[u8],
    nt: &[u8],
    ess: bool,
) -> Option<Check> {
    if nt.len() > 24 {
        let (proof, blob) = nt.split_at(16);
        for d in domains(domain) {
            let v2 = ntlm::ntowf_v2(&account.nt_hash, user, &d);
            let (resp, key) = ntlm::ntlmv2_response(&v2, challenge, blob);
            if ct_eq(&resp[..16], proof) {
                return Some(Check::new(Verified::Ntlmv2, key, false));
            }
        }
    }
    if lm.len() == 24 && nt.len() != 24 {
        // LMv2 (sent alone or beside an NTLMv2 response that did not verify).
        let cc: [u8; 8] = lm[16..24].try_into().unwrap_or_default();
        for d in domains(domain) {
            let v2 = ntlm::ntowf_v2(&account.nt_hash, user, &d);
            let want = ntlm::lmv2_response(&v2, challenge, &cc);
            if ct_eq(&want, lm) {
                let lm24: [u8; 24] = lm.try_into().unwrap_or([0; 24]);
                let key = ntlm::lmv2_session_key(&v2, &lm24);
                return Some(Check::new(Verified::Lmv2, key, true));
            }
        }
    }
    if nt.len() == 24 && policy.allow_ntlmv1 {
        // The NTLM2 session response is recognised by its form too (an LM field holding
        // the 8-byte client nonce and 16 zero bytes): a client may send it without
        // NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY.
        let nonce_form = lm.len() == 24 && lm[8..].iter().all(|&b| b == 0);
        if (ess || nonce_form) && lm.len() >= 8 {
            let cc: [u8; 8] = lm[..8].try_into().unwrap_or_default();
            let (_, want) = ntlm::ntlm2_session_response(&account.nt_hash, challenge, &cc);
            if ct_eq(&want, nt) {
                let base = ntlm::ntlm_session_base_key(&account.nt_hash);
                let kx = ntlm::ess_key_exchange_key(&base, challenge, lm);
                let mut c = Check::new(Verified::Ntlm2Session, base, false);
                c.kx_key = Some(kx);
                return Some(c);
            }
        }
        let want = ntlm::ntlm_response(&account.nt_hash, challenge);
        if ct_eq(&want, nt) {
            let key = ntlm::ntlm_session_base_key(&account.nt_hash);
            return Some(Check::new(Verified::Ntlmv1, key, false));
        }
    }
    // The NTLMv1 response in the LM field beside an NT field that holds no response
    // (empty, or cut short: nmap's NTLMSSP messages announce 8 bytes of NT response), as
    // Samba's ntlm_password_check accepts it when NTLMv1 is allowed.
    if lm.len() == 24 && nt.len() != 24 && policy.allow_ntlmv1 {
        let want = ntlm::ntlm_response(&account.nt_hash, challenge);
        if ct_eq(&want, lm) {
            let key = ntlm::ntlm_session_base_key(&account.nt_hash);
            return Some(Check::new(Verified::Ntlmv1, key, true));
        }
    }
    if lm.len() == 24 && policy.allow_lm {
        if let Some(lmh) = &account.lm_hash {
            let want = ntlm::lm_response(lmh, challenge);
            if ct_eq(&want, lm) {
                return Some(Check::new(Verified::Lm, ntlm::lm_session_key(lmh), true));
            }
        }
    }
    None
}

fn is_anonymous(user: &str, lm: &[u8], nt: &[u8]) -> bool {
    user.is_empty() && nt.is_empty() && (lm.is_empty() || lm == [0])
}

pub(super) fn guest_or_fail(
    policy: &AuthPolicy,
    user: &str,
    domain: &str,
    identity: Identity,
) -> Result<Authenticated, NtStatus> {
    if policy.allow_guest {
        Ok(Authenticated {
            user: user.into(),
            domain: domain.into(),
            identity,
            verified: Verified::None,
            session_key: None,
            signing_key: None,
        })
    } else {
        Err(NtStatus::LOGON_FAILURE)
    }
}

/// Why a logon was refused, for logs: never a secret, only what kind of failure it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogonRefusal {
    /// The account does not exist, and guest logons are off.
    UnknownUser,
    /// The responses do not match the account's password.
    WrongPassword,
    /// A null session, and anonymous logons are off.
    AnonymousNotAllowed,
    /// The response is a good NTLMv1 (or NTLM2 session) response, which the policy refuses.
    Ntlmv1NotAllowed,
    /// The response is a good LM response, which the policy refuses.
    LmNotAllowed,
    /// The logon could not be read (a malformed or unexpected token, or a form of
    /// SESSION_SETUP_ANDX this server does not take).
    Malformed,
    /// The responses verify but a message integrity code (MIC) does not.
    IntegrityCheckFailed,
    /// A plaintext password (a pre-NT client), and `allow_plaintext` is off.
    PlaintextNotAllowed,
}

impl fmt::Display for LogonRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogonRefusal::UnknownUser => "unknown user",
            LogonRefusal::WrongPassword => "wrong password",
            LogonRefusal::AnonymousNotAllowed => "anonymous logon not allowed",
            LogonRefusal::Ntlmv1NotAllowed => "NTLMv1 not allowed by policy",
            LogonRefusal::LmNotAllowed => "LM not allowed by policy",
            LogonRefusal::Malformed => "malformed logon",
            LogonRefusal::IntegrityCheckFailed => "message integrity check failed",
            LogonRefusal::PlaintextNotAllowed => {
                "plaintext password not allowed by policy (allow_plaintext is off)"
            }
        })
    }
}

/// Classifies a refused logon: the responses are checked again with NTLMv1 and LM
/// allowed, to tell a policy refusal from a wrong password.
#[allow(clippy::too_many_arguments)]
fn classify(
    policy: &AuthPolicy,
    account: Option<&Account>,
    user: &str,
    domain: &str,
    challenge: &[u8; 8],
    lm: &[u8],
    nt: &[u8],
    ess: bool,
) -> LogonRefusal {
    let Some(account) = account else {
        return LogonRefusal::UnknownUser;
    };
    let open = AuthPolicy {
        allow_ntlmv1: true,
        allow_lm: true,
        ..*policy
    };
    match check_responses(&open, account, user, domain, challenge, lm, nt, ess).map(|c| c.verified)
    {
        Some(Verified::Ntlmv1 | Verified::Ntlm2Session) if !policy.allow_ntlmv1 => {
            LogonRefusal::Ntlmv1NotAllowed
        }
        Some(Verified::Lm) if !policy.allow_lm => LogonRefusal::LmNotAllowed,
        _ => LogonRefusal::WrongPassword,
    }
}

/// Why [`verify_password_fields`] refused these fields (call it after a refusal).
pub fn password_fields_refusal(
    policy: &AuthPolicy,
    store: &dyn AccountStore,
    challenge: &[u8; 8],
    user: &str,
    domain: &str,
    oem_password: &[u8],
    unicode_password: &[u8],
) -> LogonRefusal {
    if is_anonymous(user, oem_password, unicode_password) {
        return LogonRefusal::AnonymousNotAllowed;
    }
    let account = store.lookup(user, domain);
    classify(
        policy,
        account.as_ref(),
        user,
        domain,
        challenge,
        oem_password,
        unicode_password,
        false,
    )
}

/// Verifies the password fields of a non-extended SESSION_SETUP_ANDX against the 8-byte
/// challenge sent in the NEGOTIATE response.
pub fn verify_password_fields(
    policy: &AuthPolicy,
    store: &dyn AccountStore,
    challenge: &[u8; 8],
    user: &str,
    domain: &str,
    oem_password: &[u8],
    unicode_password: &[u8],
) -> Result<Authenticated, NtStatus> {
    if is_anonymous(user, oem_password, unicode_password) {
        return guest_or_fail(policy, user, domain, Identity::Anonymous);
    }
    let Some(account) = store.lookup(user, domain) else {
        return guest_or_fail(policy, user, domain, Identity::Guest);
    };
    let check = check_responses(
        policy,
        &account,
        user,
        domain,
        challenge,
        oem_password,
        unicode_password,
        false,
    )
    .ok_or(NtStatus::LOGON_FAILURE)?;
    // MAC key: session key ‖ the response that verified.
    let resp: &[u8] = if check.lm_field {
        oem_password
    } else {
        unicode_password
    };
    let mut mac = check.base_key.0.to_vec();
    mac.extend_from_slice(resp);
    Ok(Authenticated {
        user: user.into(),
        domain: domain.into(),
        identity: Identity::User,
        verified: check.verified,
        session_key: Some(check.base_key),
        signing_key: Some(Zeroizing::new(mac)),
    })
}

/// Names the server puts in its CHALLENGE target info.
#[derive(Debug, Clone, Default)]
pub struct ServerNames {
    /// NetBIOS computer name (uppercase).
    pub netbios_name: String,
    /// NetBIOS domain (workgroup) name.
    pub netbios_domain: String,
    /// DNS computer name.
    pub dns_name: String,
    /// DNS domain name.
    pub dns_domain: String,
}

/// One step of an extended-security (NTLMSSP) authentication.
#[derive(Debug)]
pub enum Step {
    /// Send this token with STATUS_MORE_PROCESSING_REQUIRED and wait for the next leg.
    Continue(Vec<u8>),
    /// Authentication succeeded: send this final token with STATUS_SUCCESS.
    Done(Authenticated, Vec<u8>),
    /// Authentication failed with this status.
    Failed(NtStatus),
}

/// The server side of one NTLMSSP exchange, inside SPNEGO or raw.
pub struct NtlmServer {
    /// Who tried, and why they were refused, after a failed AUTHENTICATE.
    refused: Option<(String, String, LogonRefusal)>,
    challenge: [u8; 8],
    filetime: u64,
    names: ServerNames,
    negotiate: Option<Vec<u8>>,
    challenge_msg: Option<Vec<u8>>,
    client_mechs: Vec<Vec<u8>>,
    spnego: bool,
}

impl fmt::Debug for NtlmServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtlmServer")
            .field("names", &self.names)
            .field("spnego", &self.spnego)
            .finish_non_exhaustive()
    }
}

impl NtlmServer {
    /// A server exchange with the server challenge (random bytes from the host) and the
    /// current time.
    pub fn new(challenge: [u8; 8], filetime: u64, names: ServerNames) -> Self {
        Self {
            refused: None,
            challenge,
            filetime,
            names,
            negotiate: None,
            challenge_msg: None,
            client_mechs: Vec::new(),
            spnego: true,
        }
    }

    /// After [`Step::Failed`]: the user and domain the client gave, if its AUTHENTICATE
    /// message could be read, and why the logon was refused.
    pub fn refusal(&self) -> (Option<(&str, &str)>, LogonRefusal) {
        match &self.refused {
            Some((u, d, why)) => (Some((u, d)), *why),
            None => (None, LogonRefusal::Malformed),
        }
    }

    /// The SPNEGO token for the NEGOTIATE response (NegTokenInit2 offering NTLMSSP).
    pub fn negotiate_token() -> Vec<u8> {
        spnego::NegTokenInit::server_ntlmssp().encode()
    }

    fn wrap(
        &self,
        state: u8,
        token: Option<Vec<u8>>,
        mic: Option<Vec<u8>>,
        first: bool,
    ) -> Vec<u8> {
        if !self.spnego {
            return token.unwrap_or_default();
        }
        NegTokenResp {
            neg_state: Some(state),
            supported_mech: first.then(|| OID_NTLMSSP.to_vec()),
            response_token: token,
            mech_list_mic: mic,
        }
        .encode()
    }

    /// Processes one client token.
    pub fn step(&mut self, token: &[u8], policy: &AuthPolicy, store: &dyn AccountStore) -> Step {
        let (ntlm, mic) = if token.starts_with(super::ntlmssp::SIGNATURE) {
            if self.negotiate.is_none() {
                self.spnego = false;
            }
            (token.to_vec(), None)
        } else {
            match spnego::decode(token) {
                Ok(Token::Init(i)) => {
                    if !i.mech_types.iter().any(|m| m == OID_NTLMSSP) {
                        return Step::Failed(NtStatus::LOGON_FAILURE);
                    }
                    self.client_mechs = i.mech_types.clone();
                    match i.mech_token {
                        // No optimistic token: ask for NTLMSSP.
                        None => {
                            return Step::Continue(self.wrap(
                                spnego::ACCEPT_INCOMPLETE,
                                None,
                                None,
                                true,
                            ));
                        }
                        Some(t) => (t, None),
                    }
                }
                Ok(Token::Resp(r)) => match r.response_token {
                    Some(t) => (t, r.mech_list_mic),
                    None => return Step::Failed(NtStatus::INVALID_PARAMETER),
                },
                Err(_) => return Step::Failed(NtStatus::INVALID_PARAMETER),
            }
        };
        let bytes = Bytes::from(ntlm);
        if self.negotiate.is_none() {
            let Ok(neg) = NegotiateMessage::decode(&bytes) else {
                return Step::Failed(NtStatus::INVALID_PARAMETER);
            };
            let ch = self.build_challenge(neg.flags);
            let enc = ch.encode();
            self.negotiate = Some(bytes.to_vec());
            self.challenge_msg = Some(enc.clone());
            return Step::Continue(self.wrap(spnego::ACCEPT_INCOMPLETE, Some(enc), None, true));
        }
        let Ok(auth) = AuthenticateMessage::decode(&bytes) else {
            return Step::Failed(NtStatus::INVALID_PARAMETER);
        };
        let verified = self.verify(&auth, &bytes, policy, store, mic.as_deref());
        if let Err(why) = &verified {
            self.refused = Some((auth.user.clone(), auth.domain.clone(), *why));
        }
        match verified.map_err(|_| NtStatus::LOGON_FAILURE) {
            Ok((a, exported, negotiated)) => {
                let mic = match (exported, self.spnego) {
                    (Some(k), true) if !self.client_mechs.is_empty() => {
                        let mut s = Signer::new(&k, negotiated, SignDirection::ServerToClient);
                        Some(
                            s.sign(0, &spnego::mech_types_der(&self.client_mechs))
                                .to_vec(),
                        )
                    }
                    _ => None,
                };
                let tok = self.wrap(spnego::ACCEPT_COMPLETED, None, mic, false);
                Step::Done(a, tok)
            }
            Err(s) => Step::Failed(s),
        }
    }

    fn build_challenge(&self, client_flags: u32) -> ChallengeMessage {
        let mut f = flags::NTLM
            | flags::REQUEST_TARGET
            | flags::TARGET_TYPE_SERVER
            | flags::TARGET_INFO
            | flags::VERSION;
        f |= client_flags
            & (flags::SIGN
                | flags::SEAL
                | flags::ALWAYS_SIGN
                | flags::EXTENDED_SESSIONSECURITY
                | flags::NEGOTIATE_128
                | flags::NEGOTIATE_56
                | flags::KEY_EXCH);
        f |= if client_flags & flags::UNICODE != 0 {
            flags::UNICODE
        } else {
            flags::OEM
        };
        let mut info = AvPairs::default();
        info.push_str(av::NB_DOMAIN_NAME, &self.names.netbios_domain);
        info.push_str(av::NB_COMPUTER_NAME, &self.names.netbios_name);
        info.push_str(av::DNS_DOMAIN_NAME, &self.names.dns_domain);
        info.push_str(av::DNS_COMPUTER_NAME, &self.names.dns_name);
        info.0.push(super::ntlmssp::AvPair {
            id: av::TIMESTAMP,
            value: self.filetime.to_le_bytes().to_vec(),
        });
        ChallengeMessage {
            target_name: self.names.netbios_name.clone(),
            flags: f,
            server_challenge: self.challenge,
            reserved: [0; 8],
            target_info: Some(info),
            target_info_raw: Vec::new(),
            version: Some(super::client::CLIENT_VERSION),
        }
    }

    /// Verifies an AUTHENTICATE message; returns the result, the exported session key and
    /// the negotiated flags.
    fn verify(
        &self,
        auth: &AuthenticateMessage,
        raw: &[u8],
        policy: &AuthPolicy,
        store: &dyn AccountStore,
        client_mic: Option<&[u8]>,
    ) -> Result<(Authenticated, Option<[u8; 16]>, u32), LogonRefusal> {
        if auth.is_anonymous() || (auth.flags & flags::ANONYMOUS != 0 && auth.user.is_empty()) {
            return guest_or_fail(policy, &auth.user, &auth.domain, Identity::Anonymous)
                .map(|a| (a, None, auth.flags))
                .map_err(|_| LogonRefusal::AnonymousNotAllowed);
        }
        let Some(account) = store.lookup(&auth.user, &auth.domain) else {
            return guest_or_fail(policy, &auth.user, &auth.domain, Identity::Guest)
                .map(|a| (a, None, auth.flags))
                .map_err(|_| LogonRefusal::UnknownUser);
        };
        let ess = auth.flags & flags::EXTENDED_SESSIONSECURITY != 0;
        let check = check_responses(
            policy,
            &account,
            &auth.user,
            &auth.domain,
            &self.challenge,
            &auth.lm_response,
            &auth.nt_response,
            ess,
        )
        .ok_or_else(|| {
            classify(
                policy,
                Some(&account),
                &auth.user,
                &auth.domain,
                &self.challenge,
                &auth.lm_response,
                &auth.nt_response,
                ess,
            )
        })?;
        let kx = check
            .kx_key
            .clone()
            .unwrap_or_else(|| check.base_key.clone());
        let exported =
            if auth.flags & flags::KEY_EXCH != 0 && auth.encrypted_session_key.len() == 16 {
                let enc: [u8; 16] = auth.encrypted_session_key[..]
                    .try_into()
                    .unwrap_or_default();
                ntlm::rc4_key(&kx, &enc).0
            } else {
                kx.0
            };
        // The MIC, when the client says it sent one (NTLMv2 AV flags).
        if check.verified == Verified::Ntlmv2 && auth.nt_response.len() > 44 {
            let pairs = AvPairs::decode(&auth.nt_response[44..]).unwrap_or_default();
            if pairs.av_flags().unwrap_or(0) & AV_FLAG_MIC_PRESENT != 0 {
                let (Some(got), Some(neg), Some(ch)) =
                    (auth.mic, &self.negotiate, &self.challenge_msg)
                else {
                    return Err(LogonRefusal::IntegrityCheckFailed);
                };
                let mut zeroed = raw.to_vec();
                zeroed[AuthenticateMessage::MIC_OFFSET..AuthenticateMessage::MIC_OFFSET + 16]
                    .fill(0);
                let want = ntlm::mic(&SessionKey(exported), neg, ch, &zeroed);
                if !ct_eq(&want, &got) {
                    return Err(LogonRefusal::IntegrityCheckFailed);
                }
            }
        }
        // The client's mechListMIC, when it sent one.
        if let Some(m) = client_mic {
            if !self.client_mechs.is_empty() {
                let mut s = Signer::new(&exported, auth.flags, SignDirection::ClientToServer);
                let want = s.sign(0, &spnego::mech_types_der(&self.client_mechs));
                if !ct_eq(&want, m) {
                    return Err(LogonRefusal::IntegrityCheckFailed);
                }
            }
        }
        Ok((
            Authenticated {
                user: auth.user.clone(),
                domain: auth.domain.clone(),
                identity: Identity::User,
                verified: check.verified,
                session_key: Some(SessionKey(exported)),
                signing_key: Some(Zeroizing::new(exported.to_vec())),
            },
            Some(exported),
            auth.flags,
        ))
    }

    /// Verifies an AUTHENTICATE message against a CHALLENGE message captured elsewhere
    /// (used to check logins found in packet captures).
    pub fn verify_captured(
        challenge: &ChallengeMessage,
        authenticate: &Bytes,
        policy: &AuthPolicy,
        store: &dyn AccountStore,
    ) -> Result<Authenticated, NtStatus> {
        let a =
            AuthenticateMessage::decode(authenticate).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        // Captured verification checks the responses only (a MIC would need the NEGOTIATE).
        let account = store
            .lookup(&a.user, &a.domain)
            .ok_or(NtStatus::LOGON_FAILURE)?;
        let store_check = check_responses(
            policy,
            &account,
            &a.user,
            &a.domain,
            &challenge.server_challenge,
            &a.lm_response,
            &a.nt_response,
            a.flags & flags::EXTENDED_SESSIONSECURITY != 0,
        )
        .ok_or(NtStatus::LOGON_FAILURE)?;
        Ok(Authenticated {
            user: a.user,
            domain: a.domain,
            identity: Identity::User,
            verified: store_check.verified,
            session_key: Some(store_check.base_key),
            signing_key: None,
        })
    }
}
