//! Per-share access in the server core (read and write lists, drop boxes, guests, hidden
//! shares, a configuration swapped on a live connection) and the audit events of a
//! session, with our client core against the server core in memory.

use std::sync::Arc;

use bytes::Bytes;
use smb_proto::auth::{AuthMethod, Credentials, Identity, LogonRefusal, MemoryAccounts, Verified};
use smb_proto::client::{ClientConfig, OpenOptions, Reply, SmbError, TreeId};
use smb_proto::server::{
    AuditEvent, RefusalReason, Rights, ServerConfig, ServerEvent, ShareAccess,
};
use smb_proto::testing::pair::{client_config, fixture, in_order, server_config};
use smb_proto::testing::{MemFs, Pair};
use smb_proto::wire::NtStatus;

const READER: &str = "reader";
const OTHER: &str = "other";

fn config(access: ShareAccess) -> ServerConfig {
    let mut c = server_config();
    let mut accounts = MemoryAccounts::new();
    for u in [smb_proto::testing::pair::USER, READER, OTHER] {
        accounts.add(u, smb_proto::testing::pair::PASSWORD);
    }
    c.accounts = Arc::new(accounts);
    c.shares[0].access = access;
    c
}

fn as_user(user: &str) -> ClientConfig {
    ClientConfig {
        credentials: Some(Credentials::new(
            user,
            "",
            smb_proto::testing::pair::PASSWORD,
        )),
        ..client_config()
    }
}

fn logged_on(c: ServerConfig, client: ClientConfig, fs: Arc<MemFs>) -> Pair {
    let mut p = Pair::new(0, in_order(), client, c, fs);
    let id = p.client.connect(p.now);
    p.wait(id).expect("logon");
    p
}

fn tree(p: &mut Pair) -> Result<TreeId, SmbError> {
    let id = p.client.tree_connect(p.now, "share");
    match p.wait(id)? {
        Reply::Tree(t) => Ok(t),
        r => panic!("{r:?}"),
    }
}

fn status<T: std::fmt::Debug>(r: Result<T, SmbError>) -> Option<NtStatus> {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => e.status(),
    }
}

/// Creates `name` with `data` (create, write, close); the status of the first failure.
fn put(p: &mut Pair, t: TreeId, name: &str, data: &[u8], o: OpenOptions) -> Result<(), SmbError> {
    let id = p.client.open(p.now, t, name, o);
    let Reply::Opened(f) = p.wait(id)? else {
        panic!()
    };
    let id = p
        .client
        .write(p.now, t, f.fid, 0, Bytes::copy_from_slice(data));
    p.wait(id)?;
    let id = p.client.close(p.now, t, f.fid);
    p.wait(id).map(|_| ())
}

fn get(p: &mut Pair, t: TreeId, name: &str) -> Result<Vec<u8>, SmbError> {
    let id = p.client.open(p.now, t, name, OpenOptions::read());
    let Reply::Opened(f) = p.wait(id)? else {
        panic!()
    };
    let id = p.client.read(p.now, t, f.fid, 0, 1 << 20);
    let data = match p.wait(id)? {
        Reply::Read(d) => d.to_vec(),
        r => panic!("{r:?}"),
    };
    let id = p.client.close(p.now, t, f.fid);
    p.wait(id)?;
    Ok(data)
}

fn drop_box() -> ShareAccess {
    ShareAccess {
        write: Some(vec![smb_proto::testing::pair::USER.into()]),
        read: Some(vec![READER.into()]),
        drop_box: true,
        ..ShareAccess::default()
    }
}

#[test]
fn a_drop_box_takes_new_files_and_shows_nothing() {
    let fs = Arc::new(fixture());
    let mut p = logged_on(config(drop_box()), client_config(), fs.clone());
    let t = tree(&mut p).unwrap();
    put(&mut p, t, "scan-1.pdf", b"%PDF one", OpenOptions::create()).unwrap();
    assert_eq!(fs.get("scan-1.pdf").unwrap(), b"%PDF one");
    // A folder of one's own, and a file in it.
    let id = p.client.mkdir(p.now, t, "batch");
    p.wait(id).unwrap();
    put(&mut p, t, "batch\\p1.pdf", b"p1", OpenOptions::create()).unwrap();
    assert_eq!(fs.get("batch/p1.pdf").unwrap(), b"p1");
    let denied = Some(NtStatus::ACCESS_DENIED);
    // Nothing that is there can be listed, read, stat'ed, replaced, renamed or deleted,
    // the scanner's own file included.
    let id = p.client.list(p.now, t, "*");
    assert_eq!(status(p.wait(id)), denied, "list");
    for name in ["file.txt", "scan-1.pdf"] {
        assert_eq!(status(get(&mut p, t, name)), denied, "get {name}");
        let id = p.client.stat(p.now, t, name);
        assert_eq!(status(p.wait(id)), denied, "stat {name}");
        for o in [OpenOptions::create(), OpenOptions::create_or_open()] {
            assert_eq!(
                status(put(&mut p, t, name, b"evil", o)),
                denied,
                "overwrite {name}"
            );
        }
        let id = p.client.rename(p.now, t, name, "moved.txt");
        assert_eq!(status(p.wait(id)), denied, "rename {name}");
        let id = p.client.delete(p.now, t, name);
        assert_eq!(status(p.wait(id)), denied, "delete {name}");
    }
    let id = p.client.rmdir(p.now, t, "dir\\sub");
    assert_eq!(status(p.wait(id)), denied, "rmdir");
    assert_eq!(fs.get("file.txt").unwrap(), b"hello, world\n");
    assert_eq!(fs.get("scan-1.pdf").unwrap(), b"%PDF one");
    assert!(fs.exists("dir/sub/deep.txt"));
    // Folders can still be walked into (stat of a directory).
    let id = p.client.stat(p.now, t, "dir");
    assert!(matches!(p.wait(id), Ok(Reply::Stat(s)) if s.is_dir));

    // The reader lists and reads what was dropped, and cannot write.
    let mut r = logged_on(config(drop_box()), as_user(READER), fs.clone());
    let t = tree(&mut r).unwrap();
    let id = r.client.list(r.now, t, "*");
    let Ok(Reply::Dir(v)) = r.wait(id) else {
        panic!()
    };
    assert!(v.iter().any(|e| e.name == "scan-1.pdf"), "{v:?}");
    assert_eq!(get(&mut r, t, "scan-1.pdf").unwrap(), b"%PDF one");
    assert_eq!(
        status(put(&mut r, t, "new.txt", b"x", OpenOptions::create())),
        denied
    );
    let id = r.client.delete(r.now, t, "scan-1.pdf");
    assert_eq!(status(r.wait(id)), denied);
    assert!(!fs.exists("new.txt"));

    // Anyone else may not connect at all; the refusal names the share as configured.
    let mut o = logged_on(config(drop_box()), as_user(OTHER), fs.clone());
    assert_eq!(status(tree(&mut o)), denied);
    let refusals: Vec<_> = o
        .events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Refused {
                user,
                share,
                path,
                reason,
                ..
            } => Some((user.as_str(), share.as_deref(), path.is_none(), *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        refusals,
        [(OTHER, Some("share"), true, RefusalReason::AccessDenied)]
    );
}

#[test]
fn a_read_account_cannot_write_on_a_writable_share() {
    let access = ShareAccess {
        read: Some(vec![READER.into()]),
        write: Some(vec![smb_proto::testing::pair::USER.into()]),
        ..ShareAccess::default()
    };
    let fs = Arc::new(fixture());
    let mut r = logged_on(config(access.clone()), as_user(READER), fs.clone());
    let t = tree(&mut r).unwrap();
    assert_eq!(get(&mut r, t, "file.txt").unwrap(), b"hello, world\n");
    let denied = Some(NtStatus::ACCESS_DENIED);
    assert_eq!(
        status(put(&mut r, t, "new.txt", b"x", OpenOptions::create())),
        denied
    );
    for op in 0..4 {
        let id = match op {
            0 => r.client.delete(r.now, t, "file.txt"),
            1 => r.client.rename(r.now, t, "file.txt", "x.txt"),
            2 => r.client.mkdir(r.now, t, "newdir"),
            _ => r.client.rmdir(r.now, t, "dir\\sub"),
        };
        assert_eq!(status(r.wait(id)), denied, "operation {op}");
    }
    let id = r
        .client
        .open(r.now, t, "file.txt", OpenOptions::read_write());
    assert_eq!(status(r.wait(id)), denied);
    // The writer writes.
    let mut w = logged_on(config(access), client_config(), fs.clone());
    let t = tree(&mut w).unwrap();
    put(&mut w, t, "new.txt", b"w", OpenOptions::create()).unwrap();
    assert_eq!(fs.get("new.txt").unwrap(), b"w");
}

#[test]
fn guests_connect_only_where_a_share_lets_them() {
    let guest = ClientConfig {
        credentials: Some(Credentials::new("nobody-known", "", "x")),
        ..client_config()
    };
    let closed = ShareAccess {
        guest: false,
        ..ShareAccess::default()
    };
    let mut p = logged_on(config(closed), guest.clone(), Arc::new(fixture()));
    assert_eq!(status(tree(&mut p)), Some(NtStatus::ACCESS_DENIED));
    // A drop box guests may drop into: `guest` in its write list.
    let open = ShareAccess {
        write: Some(vec!["guest".into()]),
        drop_box: true,
        ..ShareAccess::default()
    };
    let fs = Arc::new(fixture());
    let mut p = logged_on(config(open), guest, fs.clone());
    let t = tree(&mut p).unwrap();
    put(&mut p, t, "g.txt", b"g", OpenOptions::create()).unwrap();
    assert_eq!(fs.get("g.txt").unwrap(), b"g");
    assert_eq!(
        status(get(&mut p, t, "g.txt")),
        Some(NtStatus::ACCESS_DENIED)
    );
}

#[test]
fn hidden_shares_are_not_listed_but_connect() {
    let mut c = config(ShareAccess {
        browseable: false,
        ..ShareAccess::default()
    });
    c.shares.push(smb_proto::server::ShareConfig::new("public"));
    let mut p = logged_on(c, client_config(), Arc::new(fixture()));
    let id = p.client.shares(p.now);
    let Ok(Reply::Shares(v)) = p.wait(id) else {
        panic!()
    };
    let names: Vec<_> = v.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["public", "IPC$"]);
    let t = tree(&mut p).unwrap();
    assert_eq!(get(&mut p, t, "file.txt").unwrap(), b"hello, world\n");
}

#[test]
fn a_swapped_configuration_applies_to_new_trees_only() {
    let fs = Arc::new(fixture());
    let mut p = logged_on(config(ShareAccess::default()), client_config(), fs.clone());
    let t = tree(&mut p).unwrap();
    // The share becomes read-only for this account.
    let reload = config(ShareAccess {
        read: Some(vec![smb_proto::testing::pair::USER.into()]),
        write: Some(vec![]),
        ..ShareAccess::default()
    });
    p.server.set_config(Arc::new(reload));
    put(&mut p, t, "old-tree.txt", b"1", OpenOptions::create()).unwrap();
    let t2 = tree(&mut p).unwrap();
    assert_eq!(
        status(put(&mut p, t2, "new-tree.txt", b"2", OpenOptions::create())),
        Some(NtStatus::ACCESS_DENIED)
    );
    assert!(fs.exists("old-tree.txt") && !fs.exists("new-tree.txt"));
}

fn audits(p: &Pair) -> Vec<AuditEvent> {
    p.events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Audit(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_session_audits_logon_tree_and_file_changes_in_order() {
    let fs = Arc::new(fixture());
    let mut p = logged_on(server_config(), client_config(), fs.clone());
    let t = tree(&mut p).unwrap();
    put(&mut p, t, "a.txt", &[5u8; 70_000], OpenOptions::create()).unwrap();
    let id = p.client.rename(p.now, t, "a.txt", "b.txt");
    p.wait(id).unwrap();
    let id = p.client.delete(p.now, t, "b.txt");
    p.wait(id).unwrap();
    // A read touches nothing the log records.
    get(&mut p, t, "file.txt").unwrap();
    let user = smb_proto::testing::pair::USER.to_string();
    let share = "share".to_string();
    let got = audits(&p);
    let want = vec![
        AuditEvent::Logon {
            uid: match &got[0] {
                AuditEvent::Logon { uid, .. } => *uid,
                e => panic!("{e:?}"),
            },
            user: user.clone(),
            domain: match &got[0] {
                AuditEvent::Logon { domain, .. } => domain.clone(),
                e => panic!("{e:?}"),
            },
            ntlmssp: true,
            response: Verified::Ntlmv2,
            identity: Some(Identity::User),
            status: NtStatus::SUCCESS,
            refusal: None,
        },
        AuditEvent::TreeConnect {
            user: user.clone(),
            share: share.clone(),
            rights: Some(Rights::Full),
        },
        AuditEvent::Created {
            user: user.clone(),
            share: share.clone(),
            path: "a.txt".into(),
            directory: false,
            replaced: false,
        },
        AuditEvent::Written {
            user: user.clone(),
            share: share.clone(),
            path: "a.txt".into(),
            bytes: 70_000,
        },
        AuditEvent::Renamed {
            user: user.clone(),
            share: share.clone(),
            from: "a.txt".into(),
            to: "b.txt".into(),
        },
        AuditEvent::Deleted {
            user,
            share,
            path: "b.txt".into(),
            directory: false,
        },
    ];
    assert_eq!(got, want);
    assert!(!fs.exists("b.txt"));
}

#[test]
fn refused_logons_are_audited_without_secrets() {
    for auth in [AuthMethod::Ntlmssp, AuthMethod::Ntlmv2] {
        let client = ClientConfig {
            credentials: Some(Credentials::new(
                smb_proto::testing::pair::USER,
                "",
                "wrong-password",
            )),
            auth,
            ..client_config()
        };
        let mut p = Pair::new(0, in_order(), client, server_config(), Arc::new(fixture()));
        let id = p.client.connect(p.now);
        assert!(p.wait(id).is_err());
        let got = audits(&p);
        assert_eq!(got.len(), 1, "{got:?}");
        let AuditEvent::Logon {
            user,
            status,
            identity,
            response,
            ntlmssp,
            refusal,
            ..
        } = &got[0]
        else {
            panic!("{got:?}")
        };
        assert_eq!(user, smb_proto::testing::pair::USER);
        assert_eq!(*status, NtStatus::LOGON_FAILURE);
        assert_eq!(*identity, None);
        assert_eq!(*response, Verified::Ntlmv2);
        assert_eq!(*ntlmssp, auth == AuthMethod::Ntlmssp);
        assert_eq!(
            *refusal,
            Some(RefusalReason::Logon(LogonRefusal::WrongPassword))
        );
        let all = format!("{:?}", p.events);
        assert!(
            !all.contains("wrong-password") && !all.contains("simpass"),
            "{all}"
        );
    }
}

#[test]
fn a_drop_box_refuses_change_notify_which_would_name_what_others_drop() {
    use smb_proto::server::notify::filter;
    use smb_proto::testing::hub::{Hub, created, notify, open_dir};
    // The hub's clients log on as guests: `guest` drops into the box.
    let guests_drop = ShareAccess {
        write: Some(vec!["guest".into()]),
        drop_box: true,
        ..ShareAccess::default()
    };
    let mut h = Hub::new(config(guests_drop), Arc::new(fixture()));
    let a = h.connect(false);
    // The folder opens (walking into it is allowed), but cannot be watched.
    let m = h.call(a, open_dir("dir"));
    assert_eq!(m.header.nt_status(), NtStatus::SUCCESS);
    let (dir, _) = created(&m);
    let m = h.call(a, notify(dir, filter::FILE_NAME, true, 1000));
    assert_eq!(m.header.nt_status(), NtStatus::ACCESS_DENIED);
    // On a share the guest may read, the same request waits for a change.
    let mut h = Hub::new(config(ShareAccess::default()), Arc::new(fixture()));
    let a = h.connect(false);
    let (dir, _) = created(&h.call(a, open_dir("dir")));
    let mid = h.send(a, notify(dir, filter::FILE_NAME, true, 1000));
    assert!(h.response(a, mid).is_none(), "pending until a change");
}
