//! The client core in the pre-NT dialects against the server core, joined in memory with
//! random chunking and reordered file-system answers: it negotiates LANMAN1 or LANMAN2
//! with a server that offers nothing newer, logs on with an LM response or (when both
//! sides allow it) a plaintext password, and lists, reads, writes, renames and deletes
//! with the commands those dialects have.

use std::sync::Arc;

use bytes::Bytes;
use smb_proto::auth::AuthMethod;
use smb_proto::client::{ClientConfig, OpenOptions, SmbError, TreeId};
use smb_proto::server::ServerConfig;
use smb_proto::testing::pair::{client_config, fixture, server_config};
use smb_proto::testing::{MemFs, Pair, SimOptions};
use smb_proto::wire::NtStatus;
use smb_proto::wire::dialect::Protocol;

fn pair(seed: u64, client: ClientConfig, server: ServerConfig) -> (Pair, TreeId) {
    let fs = fixture();
    fs.put("café.txt", b"cp850 name");
    fs.put("A Long File Name.text", b"long");
    let mut p = Pair::new(seed, SimOptions::default(), client, server, Arc::new(fs));
    let id = p.client.connect(p.now);
    let info = id.result(p.wait(id)).expect("logon");
    assert!(info.protocol.is_pre_nt(), "{info:?}");
    assert!(!info.signing);
    let id = p.client.tree_connect(p.now, "share");
    let t = id.result(p.wait(id)).expect("tree");
    (p, t)
}

/// A client offering every dialect from LANMAN1 up, with an LM logon.
fn lanman_client(max: Protocol) -> ClientConfig {
    ClientConfig {
        auth: AuthMethod::Lm,
        min_protocol: Protocol::Lanman1,
        max_protocol: max,
        max_read_size: 7000,
        ..client_config()
    }
}

/// A server that speaks nothing newer than `max`.
fn lanman_server(max: Protocol) -> ServerConfig {
    let mut c = server_config();
    c.max_protocol = max;
    c
}

fn files_round(p: &mut Pair, t: TreeId, proto: Protocol) {
    let now = p.now;
    let names = |v: Vec<smb_proto::client::FileStat>| {
        let mut n: Vec<String> = v.into_iter().map(|f| f.name).collect();
        n.sort();
        n
    };
    let id = p.client.list(now, t, "");
    let listed = names(id.result(p.wait(id)).unwrap());
    if proto == Protocol::Lanman1 {
        // The core SEARCH: 8.3 names in upper case, é in CP850 and back.
        assert!(
            listed.contains(&"FILE.TXT".into()) && listed.contains(&"CAFÉ.TXT".into()),
            "{listed:?}"
        );
        assert!(
            listed
                .iter()
                .any(|n| n.starts_with("ALON~") && n.ends_with(".TEX")),
            "{listed:?}"
        );
    } else {
        assert!(
            listed.contains(&"café.txt".into()) && listed.contains(&"A Long File Name.text".into()),
            "{listed:?}"
        );
    }
    // Read a file of 3000 bytes in pieces, write one of 100 000.
    let id = p.client.open(now, t, "dir/inner.bin", OpenOptions::read());
    let f = id.result(p.wait(id)).unwrap();
    assert_eq!(f.stat.size, 3000);
    let id = p.client.read(now, t, f.fid, 0, 10_000);
    assert_eq!(id.result(p.wait(id)).unwrap().to_vec(), vec![7u8; 3000]);
    let id = p.client.stat_file(now, t, f.fid);
    let st = id.result(p.wait(id)).unwrap();
    assert_eq!(st.size, 3000);
    let id = p.client.close(now, t, f.fid);
    p.wait(id).unwrap();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let id = p.client.open(now, t, "new/up.bin", OpenOptions::create());
    assert!(
        matches!(p.wait(id), Err(SmbError::Status(_))),
        "no such directory yet"
    );
    let id = p.client.mkdir(now, t, "new");
    p.wait(id).unwrap();
    let id = p.client.open(now, t, "new/up.bin", OpenOptions::create());
    let f = id.result(p.wait(id)).unwrap();
    let id = p.client.write(now, t, f.fid, 0, Bytes::from(data.clone()));
    assert_eq!(id.result(p.wait(id)).unwrap(), 100_000);
    let id = p.client.close(now, t, f.fid);
    p.wait(id).unwrap();
    assert_eq!(p.fs.get("new/up.bin").unwrap(), data);
    // Rename, stat by path, delete, rmdir; the OEM name opens café.txt.
    let id = p.client.rename(now, t, "new/up.bin", "new/moved.bin");
    p.wait(id).unwrap();
    let id = p.client.stat(now, t, "new/moved.bin");
    assert_eq!(id.result(p.wait(id)).unwrap().size, 100_000);
    let id = p.client.open(now, t, "café.txt", OpenOptions::read());
    let f = id.result(p.wait(id)).unwrap();
    let id = p.client.read(now, t, f.fid, 0, 100);
    assert_eq!(id.result(p.wait(id)).unwrap().to_vec(), b"cp850 name");
    let id = p.client.delete(now, t, "new/moved.bin");
    p.wait(id).unwrap();
    let id = p.client.rmdir(now, t, "new");
    p.wait(id).unwrap();
    assert!(!p.fs.exists("new"));
    let id = p.client.fs_info(now, t);
    assert!(id.result(p.wait(id)).unwrap().total_bytes > 0);
    // Errors come back as the NT statuses they stand for.
    let id = p.client.stat(now, t, "nothere.txt");
    assert_eq!(
        p.wait(id).unwrap_err().status(),
        Some(NtStatus::OBJECT_NAME_NOT_FOUND)
    );
}

#[test]
fn lanman2_and_lanman1_against_a_lanman_only_server() {
    for (seed, proto) in [
        (1, Protocol::Lanman2),
        (2, Protocol::Lanman1),
        (3, Protocol::Lanman2),
    ] {
        let (mut p, t) = pair(seed, lanman_client(Protocol::Nt1), lanman_server(proto));
        files_round(&mut p, t, proto);
    }
}

#[test]
fn plaintext_logon_when_both_sides_allow_it() {
    let mut s = server_config();
    s.max_protocol = Protocol::Lanman2;
    s.policy.allow_lm = false;
    s.allow_plaintext = true;
    let c = ClientConfig {
        auth: AuthMethod::Plaintext,
        ..lanman_client(Protocol::Lanman2)
    };
    let (mut p, t) = pair(4, c.clone(), s.clone());
    files_round(&mut p, t, Protocol::Lanman2);
    // An LM-only client refuses to send its password in clear.
    let mut p = Pair::new(
        5,
        SimOptions::default(),
        lanman_client(Protocol::Lanman2),
        s,
        Arc::new(MemFs::new()),
    );
    let id = p.client.connect(p.now);
    assert!(matches!(p.wait(id), Err(SmbError::Usage(u)) if u.contains("plaintext")));
}

#[test]
fn nt_clients_and_servers_keep_nt_lm_0_12() {
    // The LANMAN dialects on offer change nothing when the server speaks NT LM 0.12.
    let mut p = Pair::new(
        6,
        SimOptions::default(),
        lanman_client(Protocol::Nt1),
        server_config(),
        Arc::new(fixture()),
    );
    let id = p.client.connect(p.now);
    let info = id.result(p.wait(id)).unwrap();
    assert_eq!(info.protocol, Protocol::Nt1);
    // A client offering NT LM 0.12 alone gets nothing from a LANMAN-only server.
    let mut p = Pair::new(
        7,
        SimOptions::default(),
        client_config(),
        lanman_server(Protocol::Lanman2),
        Arc::new(fixture()),
    );
    let id = p.client.connect(p.now);
    assert!(matches!(p.wait(id), Err(SmbError::Connection(_))));
    // A LANMAN logon needs the LM (or plaintext) method.
    let c = ClientConfig {
        auth: AuthMethod::Ntlmv2,
        ..lanman_client(Protocol::Lanman2)
    };
    let mut p = Pair::new(
        8,
        SimOptions::default(),
        c,
        lanman_server(Protocol::Lanman2),
        Arc::new(fixture()),
    );
    let id = p.client.connect(p.now);
    assert!(matches!(p.wait(id), Err(SmbError::Usage(u)) if u.contains("LM response")));
}
