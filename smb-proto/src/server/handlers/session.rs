//! NEGOTIATE, SESSION_SETUP_ANDX (raw NTLM/LM responses, or SPNEGO + NTLMSSP) and
//! LOGOFF_ANDX.

use alloc::string::String;
use bytes::Bytes;

use super::*;
use crate::auth::{
    Identity, LogonRefusal, NtlmServer, ServerNames, Step, password_fields_refusal,
    verify_password_fields,
};
use crate::server::cx::Cx;
use crate::server::event::RefusalReason;
use crate::server::state::Session;
use crate::signing::SigningState;
use crate::wire::msg::negotiate::{caps, security_mode};
use crate::wire::{Flags2, NtStatus};

pub(super) fn negotiate(cx: &Cx, rc: &Rc, r: NegotiateRequest) -> HResult {
    let already = cx.with(|i| i.neg.done);
    if already {
        return Err(NtStatus::INVALID_SMB);
    }
    let idx = match super::session_lanman::choose(cx, &r.dialects) {
        super::session_lanman::Chosen::Nt1(i) => i,
        super::session_lanman::Chosen::PreNt(i, p) => {
            return super::session_lanman::negotiate(cx, i, p);
        }
        super::session_lanman::Chosen::None => {
            cx.with(|i| i.neg.done = true);
            return Ok(Answer::ok(NegotiateResponse::DialectOnly {
                dialect_index: 0xFFFF,
            }));
        }
    };
    let extended = rc.h.flags2.has(Flags2::EXTENDED_SECURITY);
    let (config, now, challenge) = cx.with(|i| {
        let ch: [u8; 8] = i.rng.bytes();
        i.neg.done = true;
        i.neg.challenge = ch;
        i.neg.extended = extended;
        (i.config.clone(), i.now, ch)
    });
    let mut mode = security_mode::USER | security_mode::ENCRYPT_PASSWORDS;
    match config.signing {
        crate::server::config::SigningMode::Off => {}
        crate::server::config::SigningMode::Enabled => mode |= security_mode::SIGNATURES_ENABLED,
        crate::server::config::SigningMode::Required => {
            mode |= security_mode::SIGNATURES_ENABLED | security_mode::SIGNATURES_REQUIRED
        }
    }
    let security = if extended {
        NegotiateSecurity::Extended {
            server_guid: config.server_guid,
            security_blob: Bytes::from(NtlmServer::negotiate_token()),
        }
    } else {
        NegotiateSecurity::Challenge {
            challenge: Bytes::copy_from_slice(&challenge),
            domain_name: config.domain.clone(),
            server_name: Some(config.server_name.clone()),
        }
    };
    let n = NtLmNegotiate {
        dialect_index: idx as u16,
        security_mode: mode,
        max_mpx_count: config.limits.max_mpx,
        max_number_vcs: 1,
        max_buffer_size: 0xFFFF,
        max_raw_size: 65536,
        session_key: 0,
        capabilities: SERVER_CAPS | if extended { caps::EXTENDED_SECURITY } else { 0 },
        system_time: now.filetime,
        server_time_zone: 0,
        security,
    };
    Ok(Answer::ok(NegotiateResponse::NtLm(n)))
}

fn server_strings(cx: &Cx) -> (Option<String>, Option<String>, Option<String>) {
    let domain = cx.with(|i| i.config.domain.clone());
    (Some("Unix".into()), Some("smb-rs".into()), Some(domain))
}

pub(super) async fn session_setup(cx: &Cx, rc: &Rc, r: SessionSetupAndXRequest) -> HResult {
    let (config, neg) = cx.with(|i| (i.config.clone(), i.neg.clone()));
    if !neg.done {
        return Err(NtStatus::INVALID_SMB);
    }
    let wants_signing = rc.h.flags2.has(Flags2::SECURITY_SIGNATURE)
        || rc.h.flags2.has(Flags2::SECURITY_SIGNATURE_REQUIRED);
    let (os, lanman, domain) = server_strings(cx);
    match r {
        SessionSetupAndXRequest::Extended(x) => {
            cx.with(|i| {
                i.neg.client_max_buffer = x.common.max_buffer_size;
                i.neg.client_caps = x.common.capabilities;
            });
            // Continue an exchange on this UID, authenticate an established session again
            // (it keeps its UID, as on Windows), or start one.
            if rc.uid != 0 && !cx.with(|i| i.sessions.contains_key(&rc.uid)) {
                // Windows and Samba refuse a UID they did not give out.
                return Err(NtStatus::SMB_BAD_UID);
            }
            cx.with(|i| reauth_start(i, rc.uid));
            let uid = match cx.with(|i| i.sessions.get(&rc.uid).is_some_and(|s| s.ntlm.is_some())) {
                true => rc.uid,
                false => cx.with(|i| {
                    if i.sessions.len() >= i.config.limits.max_sessions {
                        return Err(NtStatus::TOO_MANY_SESSIONS);
                    }
                    let uid = i.new_uid().ok_or(NtStatus::TOO_MANY_SESSIONS)?;
                    let ntlm = new_ntlm(i);
                    i.sessions.insert(
                        uid,
                        Session {
                            user: String::new(),
                            identity: Identity::Anonymous,
                            established: false,
                            ntlm: Some(ntlm),
                        },
                    );
                    Ok(uid)
                })?,
            };
            let mut ntlm = cx
                .with(|i| i.sessions.get_mut(&uid).and_then(|s| s.ntlm.take()))
                .ok_or(NtStatus::INVALID_PARAMETER)?;
            let step = ntlm.step(&x.security_blob, &config.policy, config.accounts.as_ref());
            match step {
                Step::Continue(tok) => {
                    cx.with(|i| {
                        if let Some(s) = i.sessions.get_mut(&uid) {
                            s.ntlm = Some(ntlm);
                        }
                    });
                    let mut a = Answer::ok(SessionSetupAndXResponse {
                        action: 0,
                        security_blob: Some(Bytes::from(tok)),
                        native_os: os,
                        native_lan_man: lanman,
                        primary_domain: domain,
                    });
                    a.status = NtStatus::MORE_PROCESSING_REQUIRED;
                    a.uid = Some(uid);
                    Ok(a)
                }
                Step::Done(auth, tok) => {
                    finish_login(cx, uid, auth, wants_signing)?;
                    let guest = cx.with(|i| {
                        i.sessions
                            .get(&uid)
                            .is_some_and(|s| s.identity == Identity::Guest)
                    });
                    let mut a = Answer::ok(SessionSetupAndXResponse {
                        action: if guest {
                            session_setup::ACTION_GUEST
                        } else {
                            0
                        },
                        security_blob: Some(Bytes::from(tok)),
                        native_os: os,
                        native_lan_man: lanman,
                        primary_domain: domain,
                    });
                    a.uid = Some(uid);
                    Ok(a)
                }
                Step::Failed(s) => {
                    // A failed exchange ends the session, and a failed new authentication
                    // of an established one logs it off.
                    let files = cx.with(|i| i.detach_session(uid));
                    close_all(cx, files, false).await;
                    let (client, why) = ntlm.refusal();
                    let user = client.map(|(u, _)| String::from(u)).unwrap_or_default();
                    refuse(cx, user, None, None, s, RefusalReason::Logon(why));
                    Err(s)
                }
            }
        }
        SessionSetupAndXRequest::NtLm(x) => {
            cx.with(|i| {
                i.neg.client_max_buffer = x.common.max_buffer_size;
                i.neg.client_caps = x.common.capabilities;
            });
            let (policy, store, ch) = (&config.policy, config.accounts.as_ref(), &neg.challenge);
            let (user, dom) = (&x.account_name, &x.primary_domain);
            let (oem, uni) = (&x.oem_password, &x.unicode_password);
            let auth = verify_password_fields(policy, store, ch, user, dom, oem, uni).inspect_err(
                |&s| {
                    let why = password_fields_refusal(policy, store, ch, user, dom, oem, uni);
                    refuse(cx, user.clone(), None, None, s, RefusalReason::Logon(why));
                },
            )?;
            let uid = cx.with(|i| {
                if i.sessions.len() >= i.config.limits.max_sessions {
                    return Err(NtStatus::TOO_MANY_SESSIONS);
                }
                i.new_uid().ok_or(NtStatus::TOO_MANY_SESSIONS)
            })?;
            cx.with(|i| {
                i.sessions.insert(
                    uid,
                    Session {
                        user: String::new(),
                        identity: Identity::Anonymous,
                        established: false,
                        ntlm: None,
                    },
                )
            });
            if let Err(e) = finish_login(cx, uid, auth, wants_signing) {
                cx.with(|i| i.sessions.remove(&uid));
                return Err(e);
            }
            let guest = cx.with(|i| {
                i.sessions
                    .get(&uid)
                    .is_some_and(|s| s.identity == Identity::Guest)
            });
            let mut a = Answer::ok(SessionSetupAndXResponse {
                action: if guest {
                    session_setup::ACTION_GUEST
                } else {
                    0
                },
                security_blob: None,
                native_os: os,
                native_lan_man: lanman,
                primary_domain: domain,
            });
            a.uid = Some(uid);
            Ok(a)
        }
        SessionSetupAndXRequest::LanMan(x) => super::session_lanman::session_setup(cx, x).await,
        SessionSetupAndXRequest::Other { .. } => {
            let why = RefusalReason::Logon(LogonRefusal::Malformed);
            refuse(cx, String::new(), None, None, NtStatus::NOT_SUPPORTED, why);
            Err(NtStatus::NOT_SUPPORTED)
        }
    }
}

/// A fresh NTLM exchange with a new challenge.
fn new_ntlm(i: &mut crate::server::state::Inner) -> NtlmServer {
    let ch: [u8; 8] = i.rng.bytes();
    let names = ServerNames {
        netbios_name: i.config.server_name.clone(),
        netbios_domain: i.config.domain.clone(),
        dns_name: crate::server::path::fold_case(&i.config.server_name),
        dns_domain: String::new(),
    };
    NtlmServer::new(ch, i.now.filetime, names)
}

/// Starts a new authentication of the established session `uid`, if there is one: the
/// session keeps its UID, files and trees while the exchange runs.
fn reauth_start(i: &mut crate::server::state::Inner, uid: u16) {
    if i.sessions
        .get(&uid)
        .is_some_and(|s| s.established && s.ntlm.is_none())
    {
        let ntlm = new_ntlm(i);
        if let Some(s) = i.sessions.get_mut(&uid) {
            s.ntlm = Some(ntlm);
        }
    }
}

pub(super) fn finish_login(
    cx: &Cx,
    uid: u16,
    auth: crate::auth::Authenticated,
    wants_signing: bool,
) -> Result<(), NtStatus> {
    cx.with(|i| {
        let mode = i.config.signing;
        if i.signing.is_none() {
            match (&auth.signing_key, mode) {
                (Some(k), crate::server::config::SigningMode::Required) => {
                    i.signing = Some(SigningState::new(k))
                }
                (Some(k), crate::server::config::SigningMode::Enabled) if wants_signing => {
                    i.signing = Some(SigningState::new(k))
                }
                (None, crate::server::config::SigningMode::Required) => {
                    i.sessions.remove(&uid);
                    crate::server::audit::refusing(i, RefusalReason::SigningRequired);
                    i.events.push_back(crate::server::ServerEvent::Refused {
                        user: auth.user.clone(),
                        share: None,
                        path: None,
                        status: NtStatus::LOGON_FAILURE,
                        reason: RefusalReason::SigningRequired,
                    });
                    return Err(NtStatus::LOGON_FAILURE);
                }
                _ => {}
            }
        }
        if let Some(s) = i.sessions.get_mut(&uid) {
            s.user = auth.user.clone();
            s.identity = auth.identity;
            s.established = true;
            s.ntlm = None;
        }
        crate::server::audit::logon(i, uid, &auth);
        i.events
            .push_back(crate::server::ServerEvent::SessionEstablished {
                uid,
                user: auth.user.clone(),
                identity: auth.identity,
            });
        Ok(())
    })
}

pub(super) async fn logoff(cx: &Cx, rc: &Rc) -> HResult {
    check_uid(cx, rc)?;
    let files = cx.with(|i| i.detach_session(rc.uid));
    close_all(cx, files, false).await;
    Ok(Answer::ok(LogoffAndXResponse))
}
