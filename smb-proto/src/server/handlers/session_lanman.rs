//! The pre-NT dialects' NEGOTIATE and SESSION_SETUP_ANDX (LANMAN1.0, LM1.2X002,
//! LANMAN2.1): the dialect choice under the `min_protocol`/`max_protocol` policy (with a
//! [`ServerEvent::Refused`] line when nothing fits), the WordCount 13 negotiate response,
//! the one-password session setup (an LM response, or plaintext when allowed), and the
//! short TREE_CONNECT_ANDX answer these clients get.

use alloc::string::String;
use bytes::Bytes;

use super::*;
use crate::auth::{
    LogonRefusal, password_fields_refusal, plaintext_refusal, verify_password_fields,
    verify_plaintext,
};
use crate::server::cx::Cx;
use crate::server::event::{DialectRefusal, DialectRefusalWhy, RefusalReason};
use crate::server::lanman;
use crate::server::state::Session;
use crate::time::filetime_to_dos;
use crate::wire::NtStatus;
use crate::wire::dialect::{self, Protocol};
use crate::wire::msg::negotiate::security_mode;
use crate::wire::msg::negotiate_lanman::{LanManNegotiate, RAW_MODE_READ, RAW_MODE_WRITE};
use crate::wire::msg::session_setup_lanman::SessionSetupLanMan;

/// The dialect a NEGOTIATE settles on.
pub(super) enum Chosen {
    /// NT LM 0.12, at this index.
    Nt1(usize),
    /// A pre-NT dialect, at this index.
    PreNt(usize, Protocol),
    /// None (a [`ServerEvent::Refused`] says why).
    None,
}

/// Chooses among the client's dialects under the configured policy.
pub(super) fn choose(cx: &Cx, offered: &[String]) -> Chosen {
    let config = cx.with(|i| i.config.clone());
    let range = lanman::range(&config);
    match dialect::choose(offered, range.min, range.max) {
        Some((i, Protocol::Nt1)) => return Chosen::Nt1(i),
        Some((i, p)) => return Chosen::PreNt(i, p),
        None => {}
    }
    // The client's best dialect, by the server's order of preference.
    let best = dialect::DIALECTS
        .iter()
        .find(|(d, _)| offered.iter().any(|o| o == d))
        .copied();
    let why = match best {
        None => DialectRefusalWhy::Unknown,
        Some((_, p)) if p < Protocol::Lanman1 => DialectRefusalWhy::CoreNotServed,
        Some(_) if range.pre_nt_off.is_some() => range
            .pre_nt_off
            .unwrap_or(DialectRefusalWhy::LanmanWithoutLogon),
        Some((_, p)) if p < range.min && config.min_protocol.is_none() => {
            DialectRefusalWhy::LanmanOffByDefault
        }
        Some((_, p)) if p < range.min => DialectRefusalWhy::BelowMin,
        Some(_) => DialectRefusalWhy::AboveMax,
    };
    let refusal = DialectRefusal {
        best,
        min: range.min,
        max: range.max,
        why,
    };
    // The client is answered with dialect index 0xFFFF and no error status.
    let reason = RefusalReason::Dialect(refusal);
    refuse(cx, String::new(), None, None, NtStatus::SUCCESS, reason);
    Chosen::None
}

/// The pre-NT NEGOTIATE response (WordCount 13): the challenge when LM responses are
/// accepted, none (plaintext passwords) when only plaintext is.
pub(super) fn negotiate(cx: &Cx, index: usize, protocol: Protocol) -> HResult {
    let (config, now, challenge, session_key, plaintext) = cx.with(|i| {
        let ch: [u8; 8] = i.rng.bytes();
        let plaintext = !i.config.policy.allow_lm;
        i.neg.done = true;
        i.neg.challenge = ch;
        i.neg.extended = false;
        i.lanman.protocol = Some(protocol);
        i.lanman.plaintext = plaintext;
        (i.config.clone(), i.now, ch, i.rng.u32(), plaintext)
    });
    let (date, time) = filetime_to_dos(now.filetime);
    let mode = security_mode::USER
        | if plaintext {
            0
        } else {
            security_mode::ENCRYPT_PASSWORDS
        };
    Ok(Answer::ok(NegotiateResponse::LanMan(LanManNegotiate {
        dialect_index: index as u16,
        security_mode: u16::from(mode),
        max_buffer_size: 0xFFFF,
        max_mpx_count: config.limits.max_mpx,
        max_number_vcs: 1,
        raw_mode: RAW_MODE_READ | RAW_MODE_WRITE,
        session_key,
        server_time: time,
        server_date: date,
        server_time_zone: 0,
        reserved: 0,
        challenge: if plaintext {
            Bytes::new()
        } else {
            Bytes::copy_from_slice(&challenge)
        },
        domain: None,
    })))
}

/// The password a client typed, from the plaintext password field (OEM, maybe
/// NUL-terminated).
fn plaintext_password(cx: &Cx, field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let cp = cx.with(|i| i.config.dos_charset);
    cp.decode(&field[..end])
}

/// The pre-NT SESSION_SETUP_ANDX (WordCount 10).
pub(super) async fn session_setup(cx: &Cx, x: SessionSetupLanMan) -> HResult {
    let (config, neg, pre_nt, plaintext) = cx.with(|i| {
        (
            i.config.clone(),
            i.neg.clone(),
            i.lanman.pre_nt(),
            i.lanman.plaintext,
        )
    });
    if !neg.done {
        return Err(NtStatus::INVALID_SMB);
    }
    if !pre_nt {
        // The NT LM 0.12 session setup has WordCount 13 or 12.
        return Err(NtStatus::NOT_SUPPORTED);
    }
    cx.with(|i| {
        i.neg.client_max_buffer = x.max_buffer_size;
        i.neg.client_caps = 0;
    });
    let (user, domain) = (x.account_name.as_str(), x.primary_domain.as_str());
    let anonymous = user.is_empty() && matches!(&x.password[..], [] | [0]);
    let as_plaintext = plaintext || (x.password.len() != 24 && !anonymous);
    let (policy, store) = (&config.policy, config.accounts.as_ref());
    let refused = |s: NtStatus, why: LogonRefusal| {
        refuse(cx, user.into(), None, None, s, RefusalReason::Logon(why));
        s
    };
    let auth = if as_plaintext {
        if !config.allow_plaintext {
            let s = NtStatus::LOGON_FAILURE;
            return Err(refused(s, LogonRefusal::PlaintextNotAllowed));
        }
        let password = plaintext_password(cx, &x.password);
        verify_plaintext(policy, store, user, domain, &password)
            .map_err(|s| refused(s, plaintext_refusal(store, user, domain, &password)))?
    } else {
        let (ch, pw) = (&neg.challenge, &x.password[..]);
        verify_password_fields(policy, store, ch, user, domain, pw, &[]).map_err(|s| {
            refused(
                s,
                password_fields_refusal(policy, store, ch, user, domain, pw, &[]),
            )
        })?
    };
    let uid = cx.with(|i| {
        if i.sessions.len() >= i.config.limits.max_sessions {
            return Err(NtStatus::TOO_MANY_SESSIONS);
        }
        let uid = i.new_uid().ok_or(NtStatus::TOO_MANY_SESSIONS)?;
        i.sessions.insert(
            uid,
            Session {
                user: String::new(),
                identity: crate::auth::Identity::Anonymous,
                established: false,
                ntlm: None,
            },
        );
        Ok(uid)
    })?;
    if let Err(e) = super::session::finish_login(cx, uid, auth, false) {
        cx.with(|i| i.sessions.remove(&uid));
        return Err(e);
    }
    let guest = cx.with(|i| {
        i.sessions
            .get(&uid)
            .is_some_and(|s| s.identity == crate::auth::Identity::Guest)
    });
    // As Samba answers the pre-NT dialects: the action word and no strings.
    let mut a = Answer::ok(SessionSetupAndXResponse {
        action: if guest {
            session_setup::ACTION_GUEST
        } else {
            0
        },
        ..Default::default()
    });
    a.uid = Some(uid);
    Ok(a)
}

/// The TREE_CONNECT_ANDX answer of a pre-NT connection: WordCount 2 (no OptionalSupport)
/// and the service alone, as Samba and LAN Manager servers send it.
pub(super) fn downlevel_tree_answer(cx: &Cx, a: &mut Answer) {
    if !cx.with(|i| i.lanman.pre_nt()) {
        return;
    }
    if let Response::TreeConnectAndX(t) = &mut a.body {
        t.optional_support = None;
        t.extended = None;
        t.native_file_system = None;
    }
}
