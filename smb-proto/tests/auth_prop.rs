//! For random users, passwords and challenges: what the client side builds, the server side
//! accepts for every variant the policy allows, refuses when the policy forbids the
//! variant, and refuses for any other password.

use proptest::prelude::*;
use smb_proto::auth::{
    AuthMethod, AuthPolicy, Credentials, Identity, MemoryAccounts, NtlmClient, NtlmServer,
    ServerNames, Step, Verified, verify_password_fields,
};
use smb_proto::rng::Rng;

fn names() -> ServerNames {
    ServerNames {
        netbios_name: "SERVER".into(),
        netbios_domain: "WORKGROUP".into(),
        dns_name: "server".into(),
        dns_domain: "".into(),
    }
}

/// Runs one login; `Ok(verified)` or `Err(())` when the server refused.
#[allow(clippy::too_many_arguments)]
fn login(
    method: AuthMethod,
    user: &str,
    domain: &str,
    client_pw: &str,
    server_pw: &str,
    policy: AuthPolicy,
    challenge: [u8; 8],
    seed: [u8; 32],
) -> Result<Verified, ()> {
    let mut store = MemoryAccounts::new();
    store.add(user, server_pw);
    let mut rng = Rng::from_seed(seed);
    let now = 133_485_408_000_000_000u64;
    let mut c = NtlmClient::new(
        Some(Credentials::new(user, domain, client_pw)),
        method,
        "CLIENT",
    );
    if method.extended() {
        let mut s = NtlmServer::new(challenge, now, names());
        let t1 = c.initial_token();
        let Step::Continue(t2) = s.step(&t1, &policy, &store) else {
            panic!("leg 1")
        };
        let t3 = c.authenticate_token(&t2, now, &mut rng).unwrap();
        match s.step(&t3, &policy, &store) {
            Step::Done(a, fin) => {
                assert_eq!(a.identity, Identity::User);
                // Both sides derived the same session key, and the client accepts the
                // server's mechListMIC.
                assert_eq!(
                    a.session_key.as_ref().unwrap().0,
                    c.session_key().unwrap().0
                );
                c.finish(&fin).unwrap();
                Ok(a.verified)
            }
            Step::Failed(_) => Err(()),
            Step::Continue(_) => panic!("three legs"),
        }
    } else {
        let f = c
            .password_fields(&challenge, now, &mut rng)
            .map_err(|_| ())?;
        match verify_password_fields(
            &policy, &store, &challenge, user, domain, &f.oem, &f.unicode,
        ) {
            Ok(a) => {
                assert_eq!(a.identity, Identity::User);
                Ok(a.verified)
            }
            Err(_) => Err(()),
        }
    }
}

const ALL: AuthPolicy = AuthPolicy {
    allow_ntlmv1: true,
    allow_lm: true,
    allow_guest: false,
};
const V2_ONLY: AuthPolicy = AuthPolicy {
    allow_ntlmv1: false,
    allow_lm: false,
    allow_guest: false,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn client_and_server_agree(
        user in "[A-Za-z][A-Za-z0-9_.-]{0,19}",
        domain in "[A-Za-z0-9]{0,15}",
        password in "\\PC{0,14}",
        other in "\\PC{0,14}",
        challenge in any::<[u8; 8]>(),
        seed in any::<[u8; 32]>(),
    ) {
        for method in [AuthMethod::Ntlmssp, AuthMethod::NtlmsspV1, AuthMethod::Ntlmv2, AuthMethod::Ntlm, AuthMethod::Lm] {
            let ok = login(method, &user, &domain, &password, &password, ALL, challenge, seed);
            prop_assert!(ok.is_ok(), "{method:?} refused with the right password");
            let v2 = matches!(method, AuthMethod::Ntlmssp | AuthMethod::Ntlmv2);
            let strict = login(method, &user, &domain, &password, &password, V2_ONLY, challenge, seed);
            prop_assert_eq!(strict.is_ok(), v2, "{:?} under the NTLMv2-only policy", method);
            if other != password {
                let bad = login(method, &user, &domain, &other, &password, ALL, challenge, seed);
                // LM ignores case: passwords equal up to case still verify with LM.
                let same_lm = smb_proto::auth::LmHash::from_password(&other).map(|h| h.0)
                    == smb_proto::auth::LmHash::from_password(&password).map(|h| h.0);
                if !(method == AuthMethod::Lm && same_lm) {
                    prop_assert!(bad.is_err(), "{:?} accepted a wrong password", method);
                }
            }
        }
    }

    #[test]
    fn lm_only_policy_accepts_lm(
        user in "[a-z]{1,10}",
        password in "[a-zA-Z0-9]{1,14}",
        challenge in any::<[u8; 8]>(),
    ) {
        let p = AuthPolicy { allow_ntlmv1: false, allow_lm: true, allow_guest: false };
        prop_assert_eq!(login(AuthMethod::Lm, &user, "", &password, &password, p, challenge, [1; 32]), Ok(Verified::Lm));
        prop_assert!(login(AuthMethod::Ntlm, &user, "", &password, &password, p, challenge, [1; 32]).is_err());
    }
}

#[test]
fn anonymous_and_guest_follow_the_policy() {
    let store = MemoryAccounts::new();
    let ch = [7u8; 8];
    let guest = AuthPolicy {
        allow_guest: true,
        ..V2_ONLY
    };
    assert_eq!(
        verify_password_fields(&guest, &store, &ch, "", "", &[], &[])
            .unwrap()
            .identity,
        Identity::Anonymous
    );
    assert!(verify_password_fields(&V2_ONLY, &store, &ch, "", "", &[], &[]).is_err());
    // Unknown user: guest when allowed.
    assert_eq!(
        verify_password_fields(&guest, &store, &ch, "nosuch", "", &[1; 24], &[2; 24])
            .unwrap()
            .identity,
        Identity::Guest
    );
    assert!(
        verify_password_fields(&V2_ONLY, &store, &ch, "nosuch", "", &[1; 24], &[2; 24]).is_err()
    );
    // NTLMSSP anonymous.
    let mut c = NtlmClient::new(None, AuthMethod::Ntlmssp, "C");
    let mut s = NtlmServer::new(ch, 0, names());
    let Step::Continue(t) = s.step(&c.initial_token(), &guest, &store) else {
        panic!()
    };
    let t = c
        .authenticate_token(&t, 0, &mut Rng::from_seed([0; 32]))
        .unwrap();
    let Step::Done(a, _) = s.step(&t, &guest, &store) else {
        panic!()
    };
    assert_eq!(a.identity, Identity::Anonymous);
    let mut s = NtlmServer::new(ch, 0, names());
    let mut c = NtlmClient::new(None, AuthMethod::Ntlmssp, "C");
    let Step::Continue(t) = s.step(&c.initial_token(), &V2_ONLY, &store) else {
        panic!()
    };
    let t = c
        .authenticate_token(&t, 0, &mut Rng::from_seed([0; 32]))
        .unwrap();
    assert!(matches!(s.step(&t, &V2_ONLY, &store), Step::Failed(_)));
}
