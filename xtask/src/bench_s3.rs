//! `cargo xtask bench`, row 8: smbclient reading and writing the big file through an
//! S3-backed share of `smb serve` vs the same transfers straight to the store with an
//! S3 client (curl, SigV4-signed single PUT and GET), on a private SeaweedFS. The ratio
//! (store alone / through the gateway) says how much of the store's own speed a client
//! gets through SMB; the goal is at least 0.8. The store is started with 1 GiB volumes
//! (SeaweedFS's mini mode grows 128 MiB ones), the same for both sides.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use smb_testkit::{ChildServer, S3_KEY, S3_SECRET, TempDir, Weed};

use crate::bench::{BenchOptions, Row, Runner, compare, smbclient, timed};

/// The store's own client: curl with SigV4.
fn curl() -> Command {
    let mut c = Command::new("curl");
    c.args(["-s", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3"])
        .args(["--user", &format!("{S3_KEY}:{S3_SECRET}")]);
    c
}

/// Runs the two comparisons; `smb` is the release binary. Skipped (no rows) when
/// SeaweedFS is not installed.
pub fn rows(smb: &Path, local: &Path, o: &BenchOptions) -> Result<Vec<Row>, String> {
    if !smb_testkit::weed_available() {
        eprintln!("bench: row 8 skipped (no SeaweedFS: run scripts/setup.sh)");
        return Ok(Vec::new());
    }
    let weed = Weed::start("bench");
    let conf = TempDir::new("bench-s3");
    let toml = conf.path().join("smb.toml");
    std::fs::write(
        &toml,
        format!(
            "[[share]]\nname = \"share\"\npath = \"s3://{}/gw\"\n\n[s3]\nstaging_dir = \"{}\"\n",
            weed.bucket,
            conf.path().join("staging").display()
        ),
    )
    .map_err(|e| e.to_string())?;
    let env = [
        ("AWS_ENDPOINT_URL", weed.endpoint()),
        ("AWS_ACCESS_KEY_ID", S3_KEY.to_string()),
        ("AWS_SECRET_ACCESS_KEY", S3_SECRET.to_string()),
    ];
    let gw = ChildServer::start_with(
        smb,
        &["--config".into(), toml.to_string_lossy().into_owned()],
        &env,
    );
    let size = if o.big_mib == 1024 {
        "1 GiB".to_string()
    } else {
        format!("{} MiB", o.big_mib)
    };
    let big = local.join("big.bin");
    let url = |key: &str| format!("{}/{}/{key}", weed.endpoint(), weed.bucket);
    let gp = gw.port;
    // Every round writes a new object on either side (an overwrite makes the store
    // delete the old one's chunks first); smbclient waits up to 120 s for an answer (the
    // CLOSE of 1 GiB waits for the store to assemble the multipart upload).
    let n = AtomicUsize::new(0);
    let smbclient_s3 = |cmds: String| {
        let mut c = smbclient(gp, &cmds, local);
        c.args(["-t", "120"]);
        c
    };
    let mut rows = Vec::new();
    let ours: Runner<'_> = Box::new(|| {
        let i = n.fetch_add(1, Ordering::Relaxed);
        timed(&mut smbclient_s3(format!("put big.bin up-{i}.bin")))
    });
    let theirs: Runner<'_> = Box::new(|| {
        let i = n.fetch_add(1, Ordering::Relaxed);
        timed(curl().arg("-T").arg(&big).args([
            url(&format!("direct/big-{i}.bin")).as_str(),
            "-o",
            "/dev/null",
        ]))
    });
    rows.push(compare(
        &format!("8. write {size} to S3: smbclient via smb serve vs S3 PUT"),
        ("smbclient -> smb serve -> S3", ours),
        ("curl PUT -> S3", theirs),
        o.rounds,
        Some(0.8),
    )?);
    // Both sides read the object the first round wrote through the gateway.
    let get_url = url("gw/up-0.bin");
    let ours: Runner<'_> = Box::new(|| timed(&mut smbclient_s3("get up-0.bin /dev/null".into())));
    let theirs: Runner<'_> = Box::new(|| timed(curl().args([get_url.as_str(), "-o", "/dev/null"])));
    rows.push(compare(
        &format!("8. read {size} from S3: smbclient via smb serve vs S3 GET"),
        ("smbclient <- smb serve <- S3", ours),
        ("curl GET <- S3", theirs),
        o.rounds,
        Some(0.8),
    )?);
    Ok(rows)
}
