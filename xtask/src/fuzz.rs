//! `cargo xtask fuzz-seed` and `cargo xtask fuzz`: seed the corpora from the captures and
//! run the cargo-fuzz targets for a while.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bytes::Bytes;
use smb_proto::wire::msg::{NegotiateResponse, NegotiateSecurity, SessionSetupAndXRequest};
use smb_proto::wire::{Deframer, Message, NbssPacket, Request, Response, Transport};

use crate::pcap;
use crate::tcp::{Flow, Reassembler};

/// The fuzz targets.
pub const TARGETS: &[&str] = &["decode", "auth", "server", "client", "nbns", "rpc"];

/// The repository root (the parent of the xtask crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Every direction's reassembled byte stream of a capture.
pub fn capture_streams(file: &[u8]) -> Result<Vec<(Flow, Vec<u8>)>, pcap::PcapError> {
    let cap = pcap::parse(file)?;
    let mut r = Reassembler::new();
    let mut streams: HashMap<Flow, Vec<u8>> = HashMap::new();
    let mut order = Vec::new();
    for rec in &cap.records {
        if let Some(seg) = pcap::tcp_segment(cap.linktype, rec.data) {
            let (flow, bytes) = r.feed(&seg);
            if !bytes.is_empty() {
                streams
                    .entry(flow)
                    .or_insert_with(|| {
                        order.push(flow);
                        Vec::new()
                    })
                    .extend_from_slice(&bytes);
            }
        }
    }
    Ok(order
        .into_iter()
        .map(|f| (f, streams.remove(&f).unwrap_or_default()))
        .collect())
}

/// The SMB frames (4-byte header included) of a byte stream.
pub fn frames(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut d = Deframer::new(Transport::Direct, 0xFF_FFFF);
    d.push(stream);
    let mut out = Vec::new();
    while let Ok(Some(p)) = d.next_packet() {
        if let NbssPacket::Message(m) = p {
            out.push(NbssPacket::Message(m).encode(Transport::Direct).to_vec());
        }
    }
    out
}

/// Security blobs and NTLMSSP tokens found in a capture's session setups.
fn auth_tokens(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for f in frames(stream) {
        let m = Bytes::copy_from_slice(&f[4..]);
        if let Ok(req) = Message::<Request>::decode(&m)
            && let Request::SessionSetupAndX(SessionSetupAndXRequest::Extended(x)) = req.body()
        {
            out.push(x.security_blob.to_vec());
        }
        if let Ok(resp) = Message::<Response>::decode(&m) {
            match resp.body() {
                Response::SessionSetupAndX(r) => {
                    out.extend(r.security_blob.iter().map(|b| b.to_vec()))
                }
                Response::Negotiate(NegotiateResponse::NtLm(n)) => {
                    if let NegotiateSecurity::Extended { security_blob, .. } = &n.security {
                        out.push(security_blob.to_vec());
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Writes seed files for the `decode` and `auth` targets from every capture in
/// testdata/captures and testdata/lanman; returns how many were written.
pub fn seed() -> std::io::Result<usize> {
    let root = repo_root();
    let mut n = 0;
    // The NT LM 0.12 captures and the pre-NT (LANMAN) ones.
    let mut captures = Vec::new();
    for dir in ["testdata/captures", "testdata/lanman"] {
        captures.extend(
            std::fs::read_dir(root.join(dir))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pcap")),
        );
    }
    captures.sort();
    for cap in captures {
        let name = cap
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("cap")
            .to_string();
        let bytes = std::fs::read(&cap)?;
        let streams = capture_streams(&bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        for (si, (_, stream)) in streams.iter().enumerate() {
            let dir = root.join("fuzz/corpus/decode");
            std::fs::create_dir_all(&dir)?;
            // The whole stream in 128-byte chunks.
            let mut whole = vec![0xFEu8];
            whole.extend_from_slice(stream);
            std::fs::write(dir.join(format!("seed-{name}-s{si}")), &whole)?;
            n += 1;
            for (fi, f) in frames(stream).into_iter().enumerate() {
                let mut s = vec![0x02u8];
                s.extend_from_slice(&f);
                std::fs::write(dir.join(format!("seed-{name}-s{si}-f{fi}")), &s)?;
                n += 1;
            }
            let adir = root.join("fuzz/corpus/auth");
            std::fs::create_dir_all(&adir)?;
            for (ti, t) in auth_tokens(stream).into_iter().enumerate() {
                std::fs::write(adir.join(format!("seed-{name}-s{si}-t{ti}")), &t)?;
                n += 1;
            }
        }
    }
    n += seed_rpc(&root)?;
    for (target, seeds) in [
        ("server", smb_proto::testing::fuzz::server_seeds()),
        ("client", smb_proto::testing::fuzz::client_seeds()),
    ] {
        let dir = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-session-{i}")), s)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Runs one fuzz target for `secs` seconds; returns the number of executions libFuzzer
/// reported.
pub fn run(target: &str, secs: u64, jobs: u32) -> Result<u64, String> {
    let root = repo_root();
    let corpus = root.join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let out = Command::new("cargo")
        .current_dir(root.join("fuzz"))
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", target])
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={secs}"))
        // One job runs in-process (its statistics come on stderr); several jobs run as
        // workers that log to fuzz-N.log, so only one multi-job run at a time.
        .args(if jobs > 1 {
            vec![format!("-jobs={jobs}"), format!("-workers={jobs}")]
        } else {
            Vec::new()
        })
        .arg("-print_final_stats=1")
        .output()
        .map_err(|e| {
            format!("cannot run cargo fuzz (install it with `cargo install cargo-fuzz`): {e}")
        })?;
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    // With -jobs, each worker logs to fuzz-N.log in the fuzz directory.
    for i in 0..if jobs > 1 { jobs } else { 0 } {
        if let Ok(l) = std::fs::read_to_string(root.join(format!("fuzz/fuzz-{i}.log"))) {
            text.push_str(&l);
            let _ = std::fs::remove_file(root.join(format!("fuzz/fuzz-{i}.log")));
        }
    }
    let execs: u64 = text
        .lines()
        .filter_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .sum();
    if !out.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        return Err(format!(
            "fuzz target {target} failed after {:?}:\n{}",
            start.elapsed(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(execs)
}

/// Seeds for `rpc` from the DCE/RPC fixtures (smb-proto/tests/data/rpc): per pipe, the
/// client's PDUs after its bind, behind a control byte naming the pipe's interface (the
/// target binds first); and each client PDU alone. Returns how many were written.
fn seed_rpc(root: &Path) -> std::io::Result<usize> {
    use smb_proto::rpc::pdu::{Body, Pdu};
    use smb_proto::rpc::uuid::WKSSVC;
    let dir = root.join("fuzz/corpus/rpc");
    std::fs::create_dir_all(&dir)?;
    let mut files: Vec<_> = std::fs::read_dir(root.join("smb-proto/tests/data/rpc"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    let mut n = 0;
    for f in files {
        let name = f
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("rpc")
            .to_string();
        let data = std::fs::read(&f)?;
        // Records: pipe u8, direction u8, length u32 LE, PDU.
        let mut pipes: Vec<(u8, Vec<u8>)> = Vec::new();
        let mut i = 0;
        let mut single = 0;
        while let Some(head) = data.get(i..i + 6) {
            let len = u32::from_le_bytes([head[2], head[3], head[4], head[5]]) as usize;
            let Some(pdu) = data.get(i + 6..i + 6 + len) else {
                break;
            };
            i += 6 + len;
            if head[1] != 0 {
                continue;
            }
            let decoded = Pdu::decode(pdu).ok();
            if let Some(Body::Bind(b)) = decoded.as_ref().map(|p| &p.body) {
                let wkssvc = b
                    .contexts
                    .first()
                    .is_some_and(|c| c.abstract_syntax == WKSSVC);
                pipes.push((u8::from(wkssvc), Vec::new()));
                continue;
            }
            if let Some((ctl, stream)) = pipes.last_mut() {
                stream.extend_from_slice(pdu);
                let mut one = vec![*ctl | 0x80];
                one.extend_from_slice(pdu);
                std::fs::write(dir.join(format!("seed-{name}-pdu{single}")), &one)?;
                single += 1;
                n += 1;
            }
        }
        for (pi, (ctl, stream)) in pipes.into_iter().enumerate() {
            let mut seed = vec![ctl | 0xFC];
            seed.extend_from_slice(&stream);
            std::fs::write(dir.join(format!("seed-{name}-pipe{pi}")), &seed)?;
            n += 1;
        }
    }
    Ok(n)
}
