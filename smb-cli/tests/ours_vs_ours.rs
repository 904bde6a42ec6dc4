//! Our clients (all three adapters) against our servers (all three adapters), in one
//! process over loopback: every file operation of the client issue.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{ADAPTERS, AUTHS, Adapter, config, connect, list_get_put};
use smb_proto::auth::{AuthMethod, AuthPolicy, MemoryAccounts};
use smb_proto::server::{ServerConfig, ShareConfig};
use smb_proto::wire::NtStatus;

fn server_config() -> ServerConfig {
    let mut accounts = MemoryAccounts::new();
    accounts.add(smb_testkit::USER, smb_testkit::PASS);
    let mut c = ServerConfig::new(vec![ShareConfig::new("share")], Arc::new(accounts));
    c.policy = AuthPolicy {
        allow_ntlmv1: true,
        allow_lm: true,
        allow_guest: true,
    };
    c
}

/// Runs a server of the given adapter on a thread; returns its port and a stopper.
fn start(a: Adapter, dir: &Path) -> (u16, Box<dyn FnOnce()>) {
    let fs = Arc::new(smb_localfs::LocalFs::new(&[(dir.to_path_buf(), false)]).unwrap());
    match a {
        Adapter::Blocking => {
            let s = smb_blocking::server::Server::bind(
                "127.0.0.1:0",
                server_config(),
                fs,
                Default::default(),
            )
            .unwrap();
            let port = s.local_addr().unwrap().port();
            let stop = s.stop_handle().unwrap();
            let t = std::thread::spawn(move || s.run());
            (
                port,
                Box::new(move || {
                    stop.stop();
                    let _ = t.join();
                }),
            )
        }
        Adapter::Tokio => {
            let rt = tokio::runtime::Runtime::new().unwrap();
            let s = rt
                .block_on(smb_tokio::Server::bind("127.0.0.1:0", server_config(), fs))
                .unwrap();
            let port = s.local_addr().unwrap().port();
            let stop = s.stop_handle();
            let t = std::thread::spawn(move || rt.block_on(s.run()));
            (
                port,
                Box::new(move || {
                    stop.stop();
                    let _ = t.join();
                }),
            )
        }
        Adapter::Smol => {
            let s = smb_smol::Server::bind(([127, 0, 0, 1], 0), server_config(), fs).unwrap();
            let port = s.local_addr().unwrap().port();
            let stop = s.stop_handle();
            let t = std::thread::spawn(move || smol::block_on(s.run()));
            (
                port,
                Box::new(move || {
                    stop.stop();
                    let _ = t.join();
                }),
            )
        }
    }
}

#[test]
fn every_client_adapter_against_every_server_adapter() {
    for server in ADAPTERS {
        let dir = smb_testkit::TempDir::new("ours");
        let big = common::populate(dir.path(), 300, 5 * 1024 * 1024 + 77);
        let (port, stop) = start(server, dir.path());
        for client in ADAPTERS {
            for (name, auth) in AUTHS {
                let tag = format!("{client:?}-client-{server:?}-server-{name}");
                let mut s = connect(client, port, config(auth, smb_testkit::PASS, false))
                    .unwrap_or_else(|e| panic!("{tag}: {e}"));
                list_get_put(s.as_mut(), dir.path(), &big, &tag);
            }
            // Signing asked for by the client.
            let tag = format!("{client:?}-client-{server:?}-server-signed");
            let mut s = connect(
                client,
                port,
                config(Some(AuthMethod::Ntlmssp), smb_testkit::PASS, true),
            )
            .unwrap();
            assert!(s.info().signing, "{tag}");
            list_get_put(s.as_mut(), dir.path(), &big, &tag);
            // Names: mkdir, rename, delete, rmdir; errors leave the session usable.
            let mut s = connect(
                client,
                port,
                config(Some(AuthMethod::Ntlmssp), smb_testkit::PASS, false),
            )
            .unwrap();
            let t = s.tree("share").unwrap();
            let d = format!("dir-{client:?}");
            s.mkdir(t, &d).unwrap();
            s.put(t, &format!("{d}/a.txt"), b"hello").unwrap();
            s.rename(t, &format!("{d}/a.txt"), &format!("{d}/b.txt"))
                .unwrap();
            assert_eq!(
                std::fs::read(dir.path().join(&d).join("b.txt")).unwrap(),
                b"hello"
            );
            assert_eq!(
                s.rmdir(t, &d).unwrap_err().status(),
                Some(NtStatus::DIRECTORY_NOT_EMPTY)
            );
            assert!(
                s.delete(t, &format!("{d}/nope.txt"))
                    .unwrap_err()
                    .is_not_found()
            );
            s.delete(t, &format!("{d}/b.txt")).unwrap();
            s.rmdir(t, &d).unwrap();
            assert!(!dir.path().join(&d).exists());
            assert_eq!(
                s.tree("nosuchshare").unwrap_err().status(),
                Some(NtStatus::BAD_NETWORK_NAME)
            );
            assert_eq!(s.stat(t, "big.bin").unwrap().size, big.len() as u64);
            s.logoff().unwrap();
            // A wrong password.
            let e = connect(
                client,
                port,
                config(Some(AuthMethod::Ntlmssp), "wrong", false),
            )
            .err()
            .expect("wrong password accepted");
            assert_eq!(e.status(), Some(NtStatus::LOGON_FAILURE));
        }
        stop();
    }
}

#[test]
fn download_many_fetches_every_file_and_stops_cleanly_at_a_missing_one() {
    let dir = smb_testkit::TempDir::new("many");
    let mut paths = Vec::new();
    let mut want = Vec::new();
    for i in 0..40usize {
        let data = smb_testkit::pattern(i * 997, i as u64);
        std::fs::write(dir.path().join(format!("m{i:02}.bin")), &data).unwrap();
        paths.push(format!("m{i:02}.bin"));
        want.push(data);
    }
    let (port, stop) = start(Adapter::Tokio, dir.path());
    let mut c = smb_blocking::client::Client::connect(
        ("127.0.0.1", port),
        config(Some(AuthMethod::Ntlmssp), smb_testkit::PASS, false),
        &Default::default(),
    )
    .unwrap();
    let t = c.tree_connect("share").unwrap();
    let mut got: Vec<Vec<u8>> = vec![Vec::new(); paths.len()];
    let mut done = vec![0u32; paths.len()];
    let n = c
        .download_many(t, &paths, 8, &mut |i, chunks, last| {
            for ch in chunks {
                got[i].extend_from_slice(ch);
            }
            if last {
                done[i] += 1;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(n, want.iter().map(|d| d.len() as u64).sum::<u64>());
    assert_eq!(got, want);
    assert!(
        done.iter().all(|&d| d == 1),
        "each file ends once: {done:?}"
    );
    // A missing file among them: its status comes back, the others' handles are closed
    // and the session stays usable.
    let mut with_missing = paths.clone();
    with_missing.insert(20, "missing.bin".into());
    let e = c
        .download_many(t, &with_missing, 8, &mut |_, _, _| Ok(()))
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    // The local side failing stops it too.
    let e = c
        .download_many(t, &paths, 8, &mut |i, _, _| {
            if i == 5 {
                Err(std::io::ErrorKind::Other.into())
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert!(e.to_string().contains("local file"), "{e}");
    assert_eq!(c.list(t, "").unwrap().len(), 40);
    // No handle left open: every file can be deleted right away.
    for p in &paths {
        c.delete(t, p).unwrap();
    }
    c.logoff().unwrap();
    stop();
}
