//! The handshake, step by step: NetBIOS session request (port 139), NEGOTIATE, SESSION_SETUP
//! (one leg with raw NTLM/LM responses, or two with SPNEGO + NTLMSSP), and the decision
//! whether the session signs.

use alloc::string::String;
use bytes::Bytes;

use super::{R, check, request, status_of};
use crate::auth::{AuthMethod, NtlmClient};
use crate::client::conn::Cx;
use crate::client::types::*;
use crate::signing::SigningState;
use crate::wire::dialect::{Protocol, client_dialects, protocol_of};
use crate::wire::msg::negotiate::{caps, security_mode};
use crate::wire::msg::*;
use crate::wire::netbios::NbssPacket;
use crate::wire::{Message, NtStatus, Response};

/// Client capabilities announced in session setup.
const CLIENT_CAPS: u32 = caps::UNICODE
    | caps::LARGE_FILES
    | caps::NT_SMBS
    | caps::STATUS32
    | caps::LARGE_READX
    | caps::LARGE_WRITEX;

/// The whole handshake; completes with the session's [`SessionInfo`].
pub(super) async fn connect(cx: Cx) -> R<Reply> {
    let config = cx.with(|i| i.config.clone());
    if let Some(nb) = &config.netbios {
        netbios_session(&cx, nb).await?;
    }
    let n = match negotiate(&cx, &config).await? {
        Offer::Nt(n) => n,
        Offer::LanMan(n, p) => return super::lanman::connect(&cx, &config, n, p).await,
    };
    let sign = signing_wanted(config.signing, n.security_mode)?;
    let extended = n.extended_security();
    cx.with(|i| {
        i.neg.unicode = n.capabilities & caps::UNICODE != 0;
        i.neg.extended = extended;
        i.neg.caps = n.capabilities;
        i.neg.max_mpx = n.max_mpx_count.max(1);
        i.neg.max_buffer = n.max_buffer_size;
        i.neg.sign = sign;
    });
    // The method actually used depends on what the server offers.
    let method = match (config.auth, extended) {
        (AuthMethod::Ntlmssp, false) => AuthMethod::Ntlmv2,
        (AuthMethod::NtlmsspV1, false) => AuthMethod::Ntlm,
        (m, _) => m,
    };
    let mut client = NtlmClient::new(config.credentials.clone(), method, &config.workstation);
    let common = SessionSetupCommon {
        max_buffer_size: 0xFFFF,
        max_mpx_count: config.max_in_flight.min(n.max_mpx_count.max(1)),
        vc_number: 0,
        session_key: n.session_key,
        reserved: 0,
        capabilities: CLIENT_CAPS | if extended { caps::EXTENDED_SECURITY } else { 0 },
    };
    let final_reply = if extended {
        session_setup_extended(&cx, &config, &mut client, common).await?
    } else {
        let challenge = n.challenge().unwrap_or([0; 8]);
        session_setup_raw(&cx, &config, &mut client, common, &challenge).await?
    };
    let Response::SessionSetupAndX(reply) = final_reply.body() else {
        return Err(SmbError::Protocol("not a SESSION_SETUP response"));
    };
    let guest = reply.action & session_setup::ACTION_GUEST != 0;
    let signing = start_signing(&cx, &config, &client, sign && !guest, &final_reply)?;
    if sign && !signing && config.signing == SigningPolicy::Required {
        return Err(SmbError::Protocol(
            "signing required but the session has no key (guest or anonymous)",
        ));
    }
    cx.with(|i| i.neg.connected = true);
    Ok(Reply::Connected(SessionInfo {
        capabilities: n.capabilities,
        max_mpx: n.max_mpx_count,
        max_buffer: n.max_buffer_size,
        signing,
        guest,
        extended_security: extended,
        native_os: reply.native_os.clone().unwrap_or_default(),
        domain: reply.primary_domain.clone().unwrap_or_default(),
        protocol: Protocol::Nt1,
    }))
}

/// The NetBIOS session request (port 139, or when configured).
async fn netbios_session(cx: &Cx, nb: &NetbiosNames) -> R<()> {
    let answer = cx
        .nbss_exchange(NbssPacket::SessionRequest {
            called: nb.called.clone(),
            calling: nb.calling.clone(),
        })
        .await?;
    match answer {
        NbssPacket::PositiveResponse => Ok(()),
        NbssPacket::NegativeResponse(c) => {
            Err(SmbError::Connection(ConnectionError::NetbiosRefused(c)))
        }
        NbssPacket::Retarget { addr, port } => {
            Err(SmbError::Connection(ConnectionError::Retarget {
                addr,
                port,
            }))
        }
        _ => Err(SmbError::Protocol("unexpected NetBIOS answer")),
    }
}

/// What the server chose.
enum Offer {
    /// NT LM 0.12.
    Nt(NtLmNegotiate),
    /// A pre-NT dialect, of this family.
    LanMan(LanManNegotiate, Protocol),
}

/// NEGOTIATE: offers the dialects of the configured families (NT LM 0.12 alone by
/// default) and returns what the server chose.
async fn negotiate(cx: &Cx, config: &ClientConfig) -> R<Offer> {
    cx.with(|i| i.neg.extended = config.auth.extended());
    let dialects = client_dialects(config.min_protocol, config.max_protocol);
    let mut h = cx.header(0);
    h.set_pid(config.pid);
    let m = cx
        .call(Message::new(
            h,
            NegotiateRequest {
                dialects: dialects.iter().map(|d| String::from(*d)).collect(),
            }
            .into(),
        ))
        .await?;
    check(&m)?;
    match m.body() {
        Response::Negotiate(NegotiateResponse::NtLm(n)) => Ok(Offer::Nt(n.clone())),
        Response::Negotiate(NegotiateResponse::LanMan(n)) => {
            let chosen = dialects
                .get(n.dialect_index as usize)
                .and_then(|d| protocol_of(d))
                .filter(|p| p.is_pre_nt())
                .ok_or(SmbError::Protocol(
                    "the server chose a dialect we did not offer",
                ))?;
            Ok(Offer::LanMan(n.clone(), chosen))
        }
        Response::Negotiate(_) => Err(SmbError::Connection(ConnectionError::NoDialect)),
        _ => Err(SmbError::Protocol("not a NEGOTIATE response")),
    }
}

/// Whether the session will sign, from our policy and the server's security mode.
fn signing_wanted(policy: SigningPolicy, security_mode: u8) -> R<bool> {
    let server_required = security_mode & security_mode::SIGNATURES_REQUIRED != 0;
    let server_enabled = security_mode & security_mode::SIGNATURES_ENABLED != 0;
    match policy {
        SigningPolicy::Required if !server_enabled && !server_required => Err(SmbError::Protocol(
            "signing required but the server does not sign",
        )),
        SigningPolicy::Disabled if server_required => {
            Err(SmbError::Protocol("the server requires signing"))
        }
        SigningPolicy::Required => Ok(true),
        SigningPolicy::Disabled => Ok(false),
        SigningPolicy::IfRequired => Ok(server_required),
    }
}

/// SESSION_SETUP with SPNEGO + NTLMSSP: NEGOTIATE_MESSAGE, then AUTHENTICATE_MESSAGE;
/// returns the final (successful) response.
async fn session_setup_extended(
    cx: &Cx,
    config: &ClientConfig,
    client: &mut NtlmClient,
    common: SessionSetupCommon,
) -> R<Message<Response>> {
    let leg = |common: SessionSetupCommon, blob: Bytes| {
        SessionSetupAndXRequest::Extended(SessionSetupExtended {
            common,
            security_blob: blob,
            native_os: Some(config.native_os.clone()),
            native_lan_man: Some(config.native_lan_man.clone()),
        })
    };
    let m = request(
        cx,
        0,
        leg(common.clone(), Bytes::from(client.initial_token())),
    )
    .await?;
    if status_of(&m) != NtStatus::MORE_PROCESSING_REQUIRED {
        check(&m)?;
        return Err(SmbError::Protocol("session setup finished in one leg"));
    }
    let uid = m.header.uid;
    cx.with(|i| i.neg.uid = uid);
    let Response::SessionSetupAndX(r) = m.body() else {
        return Err(SmbError::Protocol("not a SESSION_SETUP response"));
    };
    let server_blob = r.security_blob.clone().unwrap_or_default();
    let tok = cx.with(|i| {
        let now = i.now.filetime;
        client.authenticate_token(&server_blob, now, &mut i.rng)
    })?;
    let m = request(cx, 0, leg(common, Bytes::from(tok))).await?;
    check(&m)?;
    let Response::SessionSetupAndX(r) = m.body() else {
        return Err(SmbError::Protocol("not a SESSION_SETUP response"));
    };
    client.finish(r.security_blob.as_deref().unwrap_or(&[]))?;
    Ok(m)
}

/// SESSION_SETUP with the raw LM/NTLM/NTLMv2 responses to the negotiated challenge.
async fn session_setup_raw(
    cx: &Cx,
    config: &ClientConfig,
    client: &mut NtlmClient,
    common: SessionSetupCommon,
    challenge: &[u8; 8],
) -> R<Message<Response>> {
    let fields = cx.with(|i| {
        let now = i.now.filetime;
        client.password_fields(challenge, now, &mut i.rng)
    })?;
    let (user, domain) = user_and_domain(config);
    let req = SessionSetupAndXRequest::NtLm(SessionSetupNtLm {
        common,
        oem_password: Bytes::copy_from_slice(&fields.oem),
        unicode_password: Bytes::copy_from_slice(&fields.unicode),
        account_name: user,
        primary_domain: domain,
        native_os: Some(config.native_os.clone()),
        native_lan_man: Some(config.native_lan_man.clone()),
    });
    let m = request(cx, 0, req).await?;
    check(&m)?;
    let uid = m.header.uid;
    cx.with(|i| i.neg.uid = uid);
    Ok(m)
}

/// The account name and domain to log on with (empty for anonymous).
pub(super) fn user_and_domain(config: &ClientConfig) -> (String, String) {
    config
        .credentials
        .as_ref()
        .map_or((String::new(), String::new()), |c| {
            (c.user.clone(), c.domain.clone())
        })
}

/// Starts signing when the session has a key and the server signed its final response;
/// returns whether messages are signed from now on.
fn start_signing(
    cx: &Cx,
    config: &ClientConfig,
    client: &NtlmClient,
    wanted: bool,
    final_reply: &Message<Response>,
) -> R<bool> {
    let Some(key) = client.signing_key().filter(|_| wanted) else {
        return Ok(false);
    };
    if !crate::signing::verify(key, &final_reply.encode(), 1) {
        // The server did not start signing with this session (smbd does not for NTLMv1
        // and LM without extended security): go on unsigned unless signing is required.
        if config.signing == SigningPolicy::Required {
            return Err(SmbError::Connection(ConnectionError::BadSignature));
        }
        cx.with(|i| i.neg.sign = false);
        return Ok(false);
    }
    cx.with(|i| i.signing = Some(SigningState::new(key)));
    Ok(true)
}
