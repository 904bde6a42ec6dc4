//! `cargo xtask bench`, row 3 in `close` mode: `smb serve` with its default durability
//! (written data on disk before CLOSE is answered) against the disk's own durable-write
//! ceiling measured in the same run: `dd` of the same bytes into the same file system,
//! once with `conv=fdatasync` (page cache, then one flush: what a close-mode write can at
//! best do; target >= 0.9) and once with `oflag=direct` (no page cache at all).

use std::path::Path;
use std::process::Command;

use crate::bench::{Row, compare, median, smbclient, timed};

/// `dd` copying `mib` MiB of `src` to `dst` with `how` (`conv=fdatasync`,
/// `oflag=direct`).
fn dd(src: &Path, dst: &Path, mib: usize, how: &str) -> Command {
    let mut c = Command::new("dd");
    c.arg(format!("if={}", src.display()))
        .arg(format!("of={}", dst.display()))
        .args(["bs=1M", &format!("count={mib}"), how, "status=none"]);
    c
}

/// The close-mode rows: `ours` is the port of `smb serve` in close mode, `share` its
/// folder, `local` the folder holding `big.bin` of `mib` MiB.
pub fn rows(
    ours: u16,
    share: &Path,
    local: &Path,
    mib: usize,
    size: &str,
    rounds: usize,
) -> Result<Vec<Row>, String> {
    let src = local.join("big.bin");
    let dst = share.join("dd.bin");
    let fdatasync = compare(
        &format!("3. write {size}, close mode, vs dd conv=fdatasync"),
        (
            "smbclient -> smb serve (close)",
            Box::new(|| timed(&mut smbclient(ours, "put big.bin up-close.bin", local))),
        ),
        (
            "dd conv=fdatasync",
            Box::new(|| timed(&mut dd(&src, &dst, mib, "conv=fdatasync"))),
        ),
        rounds,
        Some(0.9),
    )?;
    // O_DIRECT, interleaved with the same close-mode write: a second ceiling, no target.
    let mut direct = Vec::new();
    for _ in 0..rounds.min(3) {
        rustix::fs::sync();
        direct.push(timed(&mut dd(&src, &dst, mib, "oflag=direct"))?);
    }
    let direct_row = Row {
        name: format!("3. write {size}, close mode, vs dd oflag=direct"),
        ours: fdatasync.ours.clone(),
        theirs: "dd oflag=direct".into(),
        ours_median: fdatasync.ours_median,
        theirs_median: median(&mut direct),
        target: None,
        unit: "s",
        higher_is_better: false,
    };
    eprintln!(
        "  {:<44} ours {:>8.3} s  dd     {:>8.3} s  ratio {:.2}",
        direct_row.name,
        direct_row.ours_median,
        direct_row.theirs_median,
        direct_row.ratio()
    );
    let _ = std::fs::remove_file(&dst);
    let _ = std::fs::remove_file(share.join("up-close.bin"));
    Ok(vec![fdatasync, direct_row])
}
