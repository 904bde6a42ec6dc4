//! Every refused logon, tree connect and access is reported as a `ServerEvent::Refused`,
//! with the user, the share and the path where known and the reason, and never a secret.

use std::sync::Arc;

use smb_proto::auth::{AuthMethod, Credentials, LogonRefusal};
use smb_proto::client::{ClientConfig, Reply};
use smb_proto::server::{RefusalReason, ServerConfig, ServerEvent, SigningMode};
use smb_proto::testing::Pair;
use smb_proto::testing::pair::{PASSWORD, USER, client_config, fixture, in_order, server_config};
use smb_proto::wire::NtStatus;

#[derive(Debug, PartialEq)]
struct Seen {
    user: String,
    share: Option<String>,
    path: Option<String>,
    status: NtStatus,
    reason: RefusalReason,
}

fn refusals(p: &Pair) -> Vec<Seen> {
    p.events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Refused {
                user,
                share,
                path,
                status,
                reason,
            } => Some(Seen {
                user: user.clone(),
                share: share.clone(),
                path: path.clone(),
                status: *status,
                reason: *reason,
            }),
            _ => None,
        })
        .collect()
}

fn pair(server: impl FnOnce(&mut ServerConfig), client: ClientConfig) -> Pair {
    let mut c = server_config();
    server(&mut c);
    Pair::new(0, in_order(), client, c, Arc::new(fixture()))
}

fn logon(server: impl FnOnce(&mut ServerConfig), client: ClientConfig) -> (Pair, bool) {
    let mut p = pair(server, client);
    let id = p.client.connect(p.now);
    let ok = p.wait(id).is_ok();
    (p, ok)
}

fn as_user(password: &str, auth: AuthMethod) -> ClientConfig {
    ClientConfig {
        credentials: Some(Credentials::new(USER, "", password)),
        auth,
        ..client_config()
    }
}

fn logon_refusal(user: &str, why: LogonRefusal) -> Seen {
    Seen {
        user: user.into(),
        share: None,
        path: None,
        status: NtStatus::LOGON_FAILURE,
        reason: RefusalReason::Logon(why),
    }
}

#[test]
fn refused_logons_say_why() {
    let strict = |c: &mut ServerConfig| c.policy = Default::default();
    for auth in [AuthMethod::Ntlmssp, AuthMethod::Ntlmv2] {
        let (p, ok) = logon(strict, as_user("wrong", auth));
        assert!(!ok);
        assert_eq!(
            refusals(&p),
            [logon_refusal(USER, LogonRefusal::WrongPassword)],
            "{auth:?}"
        );
    }
    // The right password in a form the policy refuses.
    for auth in [AuthMethod::Ntlm, AuthMethod::NtlmsspV1] {
        let (p, ok) = logon(strict, as_user(PASSWORD, auth));
        assert!(!ok);
        assert_eq!(
            refusals(&p),
            [logon_refusal(USER, LogonRefusal::Ntlmv1NotAllowed)],
            "{auth:?}"
        );
        assert!(!format!("{:?}", p.events).contains(PASSWORD));
    }
    // An unknown user, a null session: refused without guest logons.
    let stranger = ClientConfig {
        credentials: Some(Credentials::new("mallory", "", "x")),
        ..client_config()
    };
    let (p, _) = logon(strict, stranger);
    assert_eq!(
        refusals(&p),
        [logon_refusal("mallory", LogonRefusal::UnknownUser)]
    );
    let anonymous = ClientConfig {
        credentials: None,
        auth: AuthMethod::Ntlm,
        ..client_config()
    };
    let (p, _) = logon(strict, anonymous);
    assert_eq!(
        refusals(&p),
        [logon_refusal("", LogonRefusal::AnonymousNotAllowed)]
    );
    // A guest logon when signing is required: no key to sign with.
    let guest = ClientConfig {
        credentials: Some(Credentials::new("nobody", "", "x")),
        ..client_config()
    };
    let (p, _) = logon(|c| c.signing = SigningMode::Required, guest);
    assert_eq!(
        refusals(&p),
        [Seen {
            reason: RefusalReason::SigningRequired,
            ..logon_refusal("nobody", LogonRefusal::Malformed)
        }]
    );
    // A good logon reports no refusal.
    let (p, ok) = logon(|_| {}, client_config());
    assert!(ok);
    assert!(refusals(&p).is_empty());
}

#[test]
fn refused_tree_connects_and_accesses() {
    let (mut p, ok) = logon(|c| c.shares[0].read_only = true, client_config());
    assert!(ok);
    let id = p.client.tree_connect(p.now, "nosuch");
    assert!(p.wait(id).is_err());
    let id = p.client.tree_connect(p.now, "share");
    let Ok(Reply::Tree(t)) = p.wait(id) else {
        panic!()
    };
    let id = p.client.mkdir(p.now, t, "newdir");
    assert!(p.wait(id).is_err());
    let id = p.client.delete(p.now, t, "file.txt");
    assert!(p.wait(id).is_err());
    let seen = |share: &str, path: Option<&str>, status, reason| Seen {
        user: USER.into(),
        share: Some(share.into()),
        path: path.map(String::from),
        status,
        reason,
    };
    assert_eq!(
        refusals(&p),
        [
            // The name as the client sent it (ours upper-cases share names).
            seen(
                "NOSUCH",
                None,
                NtStatus::BAD_NETWORK_NAME,
                RefusalReason::NoSuchShare
            ),
            seen(
                "share",
                Some("\\newdir"),
                NtStatus::ACCESS_DENIED,
                RefusalReason::AccessDenied
            ),
            seen(
                "share",
                Some("\\file.txt"),
                NtStatus::ACCESS_DENIED,
                RefusalReason::AccessDenied
            ),
        ]
    );
}
