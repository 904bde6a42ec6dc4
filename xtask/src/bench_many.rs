//! `cargo xtask bench`, rows 9 and 10: many clients at once, the same load generator (our
//! blocking client, one thread and one connection per client) against each server.
//!
//! - Row 9: 32 clients, each in a folder of its own, for a fixed time: open, read and
//!   close each of its 4 KiB files in turn, then list the folder; every open-read-close
//!   and every listing is one operation. Operations per second summed over the clients,
//!   and the 99th percentile of the operations' latencies.
//! - Row 10: 8 clients each writing a 64 MiB file of its own at once (aggregate MB/s);
//!   `smb serve` runs in `os` durability mode, as smbd does.

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bytes::Bytes;
use smb_proto::client::OpenOptions;

use crate::bench::{Row, median};
use crate::load::connect;

/// Files of 4 KiB in each client's folder.
const FILES: usize = 16;
/// Size of each small file.
const SMALL: usize = 4096;

/// Settings of the many-clients rows.
#[derive(Debug, Clone, Copy)]
pub struct Crowd {
    /// Clients of the small-file row.
    pub clients: usize,
    /// How long each small-file round runs.
    pub secs: f64,
    /// Writers of the write row.
    pub writers: usize,
    /// Size of each writer's file, MiB.
    pub write_mib: usize,
}

impl Default for Crowd {
    fn default() -> Self {
        Self {
            clients: 32,
            secs: 4.0,
            writers: 8,
            write_mib: 64,
        }
    }
}

/// Writes the small files of `clients` clients under `share` (`crowd/cNN/fNN.bin`).
pub fn prepare(share: &Path, clients: usize) -> Result<(), String> {
    for i in 0..clients {
        let d = share.join("crowd").join(format!("c{i:02}"));
        std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
        for k in 0..FILES {
            let data = smb_testkit::pattern(SMALL, (i * FILES + k) as u64);
            std::fs::write(d.join(format!("f{k:02}.bin")), data).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// One small-file round against the server on `port`: (operations per second, p99
/// latency in milliseconds).
fn small_round(port: u16, c: &Crowd) -> Result<(f64, f64), String> {
    let start = Arc::new(Barrier::new(c.clients + 1));
    let secs = c.secs;
    let workers: Vec<_> = (0..c.clients)
        .map(|i| {
            let start = start.clone();
            std::thread::spawn(move || small_client(port, i, secs, &start))
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    let mut lat = Vec::new();
    let mut first_err = None;
    for w in workers {
        match w.join() {
            Ok(Ok(v)) => lat.extend(v),
            Ok(Err(e)) => first_err = first_err.or(Some(e)),
            Err(_) => first_err = first_err.or(Some("a client panicked".into())),
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    if let Some(e) = first_err {
        return Err(format!("small-file client: {e}"));
    }
    Ok((lat.len() as f64 / elapsed, percentile_ms(&mut lat, 0.99)))
}

/// The `p` quantile of latencies in microseconds, in milliseconds.
fn percentile_ms(lat: &mut [u32], p: f64) -> f64 {
    if lat.is_empty() {
        return f64::INFINITY;
    }
    lat.sort_unstable();
    let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
    f64::from(lat[i]) / 1000.0
}

/// One client of the small-file row: the latency of each operation, in microseconds.
fn small_client(port: u16, i: usize, secs: f64, start: &Barrier) -> Result<Vec<u32>, String> {
    let setup = connect(port).and_then(|mut c| {
        let t = c.tree_connect("share").map_err(|e| format!("tree: {e}"))?;
        Ok((c, t))
    });
    // Everyone passes the barrier, set up or not, so that the round never hangs.
    start.wait();
    let (mut c, t) = setup?;
    let dir = format!("crowd\\c{i:02}");
    let names: Vec<String> = (0..FILES).map(|k| format!("{dir}\\f{k:02}.bin")).collect();
    let want: Vec<Vec<u8>> = (0..FILES)
        .map(|k| smb_testkit::pattern(SMALL, (i * FILES + k) as u64))
        .collect();
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let mut lat = Vec::with_capacity(16_384);
    let us = |t0: Instant| t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
    while Instant::now() < until {
        for (k, name) in names.iter().enumerate() {
            let t0 = Instant::now();
            let o = c
                .open(t, name, OpenOptions::read())
                .map_err(|e| format!("open {name}: {e}"))?;
            let r = c
                .read(t, o.fid, 0, SMALL as u64)
                .map_err(|e| format!("read {name}: {e}"))?;
            c.close(t, o.fid)
                .map_err(|e| format!("close {name}: {e}"))?;
            lat.push(us(t0));
            if r.len() != SMALL || r.to_vec() != want[k] {
                return Err(format!("{name}: wrong bytes"));
            }
        }
        let t0 = Instant::now();
        let l = c.list(t, &dir).map_err(|e| format!("list {dir}: {e}"))?;
        lat.push(us(t0));
        if l.iter().filter(|s| s.name.ends_with(".bin")).count() != FILES {
            return Err(format!("{dir}: {} entries listed", l.len()));
        }
    }
    let _ = c.logoff();
    Ok(lat)
}

/// One write round: seconds for `writers` clients to write `write_mib` MiB each.
fn write_round(port: u16, c: &Crowd, data: &Bytes) -> Result<f64, String> {
    let start = Arc::new(Barrier::new(c.writers + 1));
    let workers: Vec<_> = (0..c.writers)
        .map(|i| {
            let (start, data) = (start.clone(), data.clone());
            std::thread::spawn(move || -> Result<(), String> {
                let setup = connect(port).and_then(|mut c| {
                    let t = c.tree_connect("share").map_err(|e| format!("tree: {e}"))?;
                    Ok((c, t))
                });
                start.wait();
                let (mut c, t) = setup?;
                let n = c
                    .upload(t, &format!("writer-{i}.bin"), &mut &data[..], &mut |_| {})
                    .map_err(|e| format!("put writer-{i}.bin: {e}"))?;
                if n != data.len() as u64 {
                    return Err(format!("writer-{i}.bin: {n} bytes written"));
                }
                let _ = c.logoff();
                Ok(())
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    for w in workers {
        w.join().map_err(|_| "a writer panicked".to_string())??;
    }
    Ok(t0.elapsed().as_secs_f64())
}

/// Rows 9 (operations per second, p99 latency) and 10 (aggregate write speed), `rounds`
/// interleaved rounds each (ours, then smbd). `ours_os` is `smb serve` in `os` mode
/// (small files are only read: durability does not matter to row 9).
/// The writers' files are deleted from `shares` (the two servers' folders) afterwards.
pub fn rows(
    ours_os: u16,
    smbd: u16,
    shares: [&Path; 2],
    rounds: usize,
    c: &Crowd,
) -> Result<Vec<Row>, String> {
    let (mut ops, mut p99) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    // One warm-up each (page cache, smbd's forks).
    small_round(ours_os, &Crowd { secs: 1.0, ..*c })?;
    small_round(smbd, &Crowd { secs: 1.0, ..*c })?;
    for _ in 0..rounds {
        rustix::fs::sync();
        let (o, l) = small_round(ours_os, c)?;
        ops.0.push(o);
        p99.0.push(l);
        rustix::fs::sync();
        let (o, l) = small_round(smbd, c)?;
        ops.1.push(o);
        p99.1.push(l);
    }
    let n = c.clients;
    let ops_row = Row {
        name: format!("9. {n} clients, open-read-close 4 KiB + list: ops/s"),
        ours: "smb serve".into(),
        theirs: "smbd".into(),
        ours_median: median(&mut ops.0),
        theirs_median: median(&mut ops.1),
        target: Some(1.5),
        unit: "ops/s",
        higher_is_better: true,
    };
    let p99_row = Row {
        name: format!("9. {n} clients, open-read-close 4 KiB + list: p99"),
        ours: "smb serve".into(),
        theirs: "smbd".into(),
        ours_median: median(&mut p99.0),
        theirs_median: median(&mut p99.1),
        target: Some(1.0),
        unit: "ms",
        higher_is_better: false,
    };
    let data = Bytes::from(smb_testkit::pattern(c.write_mib << 20, 7));
    let total_mb = (c.writers * (c.write_mib << 20)) as f64 / 1e6;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    write_round(ours_os, c, &data)?;
    write_round(smbd, c, &data)?;
    for _ in 0..rounds {
        rustix::fs::sync();
        a.push(total_mb / write_round(ours_os, c, &data)?);
        rustix::fs::sync();
        b.push(total_mb / write_round(smbd, c, &data)?);
    }
    let w = c.writers;
    let m = c.write_mib;
    for dir in shares {
        for i in 0..w {
            let _ = std::fs::remove_file(dir.join(format!("writer-{i}.bin")));
        }
    }
    let write_row = Row {
        name: format!("10. {w} clients writing {m} MiB each"),
        ours: "smb serve (os)".into(),
        theirs: "smbd".into(),
        ours_median: median(&mut a),
        theirs_median: median(&mut b),
        target: Some(1.25),
        unit: "MB/s",
        higher_is_better: true,
    };
    for r in [&ops_row, &p99_row, &write_row] {
        eprintln!(
            "  {:<44} ours {:>9.1} {u}  Samba {:>9.1} {u}  ratio {:.2}",
            r.name,
            r.ours_median,
            r.theirs_median,
            r.ratio(),
            u = r.unit
        );
    }
    Ok(vec![ops_row, p99_row, write_row])
}

#[cfg(test)]
mod tests {
    use super::percentile_ms;

    #[test]
    fn the_99th_percentile_of_100_latencies_is_the_99th_smallest() {
        let mut v: Vec<u32> = (1..=100).rev().map(|i| i * 1000).collect();
        assert_eq!(percentile_ms(&mut v, 0.99), 99.0);
        assert_eq!(percentile_ms(&mut v, 1.0), 100.0);
        assert_eq!(percentile_ms(&mut [5000], 0.99), 5.0);
        assert!(percentile_ms(&mut [], 0.99).is_infinite());
    }
}
