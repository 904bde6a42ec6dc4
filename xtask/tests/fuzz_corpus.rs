//! The committed fuzz corpora (seeds from the captures and from recorded sessions, and any
//! regression inputs) replayed through the fuzz targets' code as ordinary tests.

use std::path::PathBuf;

fn replay(target: &str, f: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        // Files may vanish while a fuzzer minimises the corpus next to us.
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        f(&bytes);
        n += 1;
    }
    n
}

#[test]
fn decode_corpus() {
    assert!(replay("decode", smb_proto::testing::fuzz::decode) >= 100);
}

#[test]
fn auth_corpus() {
    assert!(replay("auth", smb_proto::testing::fuzz::auth) >= 10);
}

#[test]
fn server_corpus() {
    assert!(replay("server", smb_proto::testing::fuzz::server) >= 3);
}

#[test]
fn client_corpus() {
    assert!(replay("client", smb_proto::testing::fuzz::client) >= 2);
}

#[test]
fn nbns_corpus() {
    assert!(replay("nbns", smb_proto::testing::fuzz_nbns::nbns) >= 50);
}

#[test]
fn rpc_corpus() {
    assert!(replay("rpc", smb_proto::testing::fuzz::rpc) >= 100);
}
