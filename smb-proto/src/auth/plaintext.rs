//! Plaintext passwords, as pre-NT clients send them when the server offered no
//! challenge.

use super::crypto::ct_eq;
use super::ntlm::{LmHash, NtHash};
use super::server::{
    AccountStore, AuthPolicy, Authenticated, Identity, LogonRefusal, Verified, guest_or_fail,
};
use crate::wire::NtStatus;

/// Verifies a plaintext password against the NT hash, or against the LM hash (LAN
/// Manager clients send passwords in upper case). No session key comes out of it.
pub fn verify_plaintext(
    policy: &AuthPolicy,
    store: &dyn AccountStore,
    user: &str,
    domain: &str,
    password: &str,
) -> Result<Authenticated, NtStatus> {
    if user.is_empty() && password.is_empty() {
        return guest_or_fail(policy, user, domain, Identity::Anonymous);
    }
    let Some(account) = store.lookup(user, domain) else {
        return guest_or_fail(policy, user, domain, Identity::Guest);
    };
    let nt = ct_eq(&NtHash::from_password(password).0, &account.nt_hash.0);
    let lm = match (&account.lm_hash, LmHash::from_password(password)) {
        (Some(want), Some(got)) => ct_eq(&want.0, &got.0),
        _ => false,
    };
    if !(nt || lm) {
        return Err(NtStatus::LOGON_FAILURE);
    }
    Ok(Authenticated {
        user: user.into(),
        domain: domain.into(),
        identity: Identity::User,
        verified: Verified::Plaintext,
        session_key: None,
        signing_key: None,
    })
}

/// Why [`verify_plaintext`] refused a logon, for the log (never the password).
pub fn plaintext_refusal(
    store: &dyn AccountStore,
    user: &str,
    domain: &str,
    password: &str,
) -> LogonRefusal {
    if user.is_empty() && password.is_empty() {
        LogonRefusal::AnonymousNotAllowed
    } else if store.lookup(user, domain).is_none() {
        LogonRefusal::UnknownUser
    } else {
        LogonRefusal::WrongPassword
    }
}
