//! get, put and cat, single files and whole trees, with progress bars on a terminal.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use smb_blocking::client::Client;
use smb_proto::client::TreeId;

use crate::client_cmd::{ClientOpts, Failure, connect_share, explain};
use crate::url::SmbUrl;

/// Files up to this size are fetched many at a time by `get -r`.
const SMALL_FILE: u64 = 256 * 1024;

fn bar(len: u64, name: &str, quiet: bool) -> Option<ProgressBar> {
    if quiet || !io::stderr().is_terminal() {
        return None;
    }
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template(
            "{msg} {bar:30} {percent:>3}% {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b.set_message(name.to_string());
    Some(b)
}

fn local_err(p: &Path, e: io::Error) -> Failure {
    Failure::usage(format!("{}: {e}", p.display()))
}

fn summary(files: u64, dirs: u64, bytes: u64, t: Instant) {
    let secs = t.elapsed().as_secs_f64().max(1e-6);
    eprintln!(
        "{files} files, {dirs} directories, {bytes} bytes in {secs:.2} s ({:.1} MB/s)",
        bytes as f64 / secs / 1e6
    );
}

fn get_one(
    c: &mut Client,
    t: TreeId,
    remote: &str,
    out: &mut dyn Write,
    size: u64,
    quiet: bool,
) -> Result<u64, Failure> {
    let name = remote.rsplit('/').next().unwrap_or(remote);
    let pb = bar(size, name, quiet);
    let n = c
        .download(t, remote, out, &mut |done| {
            if let Some(b) = &pb {
                b.set_position(done);
            }
        })
        .map_err(|e| explain(&e))?;
    if let Some(b) = pb {
        b.finish_and_clear();
    }
    Ok(n)
}

/// `smb get URL [LOCAL]` (`-` for stdout), `smb get -r URL LOCAL-DIR`.
pub fn get(
    url: &SmbUrl,
    local: Option<&str>,
    recursive: bool,
    quiet: bool,
    o: &ClientOpts,
) -> Result<(), Failure> {
    let (mut c, t) = connect_share(url, o)?;
    let start = Instant::now();
    if recursive {
        let dest = PathBuf::from(local.unwrap_or("."));
        let (mut files, mut dirs, mut bytes) = (0u64, 0u64, 0u64);
        let root_name = url
            .path
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or(&url.share)
            .to_string();
        // As `cp -r`: an existing LOCAL-DIR receives the tree inside it; a new one
        // becomes the copy.
        let top = if local.is_some() && !dest.exists() {
            dest.clone()
        } else {
            dest.join(&root_name)
        };
        let mut stack = vec![(url.path.clone(), top)];
        while let Some((remote, localdir)) = stack.pop() {
            fs::create_dir_all(&localdir).map_err(|e| local_err(&localdir, e))?;
            dirs += 1;
            // Small files are fetched many at a time (their round trips overlap); large
            // ones one by one, each with many reads in flight and a progress bar.
            let (mut small, mut small_local) = (Vec::new(), Vec::new());
            for e in c.list(t, &remote).map_err(|e| explain(&e))? {
                let rpath = if remote.is_empty() {
                    e.name.clone()
                } else {
                    format!("{remote}/{}", e.name)
                };
                let lpath = localdir.join(&e.name);
                if e.is_dir {
                    stack.push((rpath, lpath));
                } else if e.size <= SMALL_FILE {
                    small.push(rpath);
                    small_local.push(lpath);
                } else {
                    let mut f = fs::File::create(&lpath).map_err(|err| local_err(&lpath, err))?;
                    bytes += get_one(&mut c, t, &rpath, &mut f, e.size, quiet)?;
                    files += 1;
                }
            }
            let mut open: std::collections::HashMap<usize, fs::File> = Default::default();
            let mut local_failure = None;
            let r = c.download_many(t, &small, 16, &mut |i, chunks, last| {
                let f = match open.entry(i) {
                    std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        match fs::File::create(&small_local[i]) {
                            Ok(f) => v.insert(f),
                            Err(e) => {
                                local_failure = Some(local_err(&small_local[i], e));
                                return Err(io::ErrorKind::Other.into());
                            }
                        }
                    }
                };
                for ch in chunks {
                    if let Err(e) = f.write_all(ch) {
                        local_failure = Some(local_err(&small_local[i], e));
                        return Err(io::ErrorKind::Other.into());
                    }
                }
                if last {
                    open.remove(&i);
                }
                Ok(())
            });
            if let Some(f) = local_failure {
                return Err(f);
            }
            bytes += r.map_err(|e| explain(&e))?;
            files += small.len() as u64;
        }
        if !quiet {
            summary(files, dirs, bytes, start);
        }
        return Ok(());
    }
    if url.path.is_empty() {
        return Err(Failure::usage("the URL names no file"));
    }
    let st = c.stat(t, &url.path).map_err(|e| explain(&e))?;
    if st.is_dir {
        return Err(Failure::usage("is a directory (use get -r)"));
    }
    match local {
        Some("-") => {
            let mut out = io::stdout().lock();
            get_one(&mut c, t, &url.path, &mut out, st.size, true)?;
            out.flush()
                .map_err(|e| Failure::usage(format!("stdout: {e}")))?;
        }
        _ => {
            let name = url.path.rsplit('/').next().unwrap_or("download");
            let mut p = PathBuf::from(local.unwrap_or(name));
            if p.is_dir() {
                p = p.join(name);
            }
            let mut f = fs::File::create(&p).map_err(|e| local_err(&p, e))?;
            get_one(&mut c, t, &url.path, &mut f, st.size, quiet)?;
        }
    }
    Ok(())
}

/// `smb cat URL`.
pub fn cat(url: &SmbUrl, o: &ClientOpts) -> Result<(), Failure> {
    get(url, Some("-"), false, true, o)
}

fn put_one(
    c: &mut Client,
    t: TreeId,
    local: &Path,
    remote: &str,
    quiet: bool,
) -> Result<u64, Failure> {
    let mut f = fs::File::open(local).map_err(|e| local_err(local, e))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pb = bar(size, &name, quiet);
    let n = c
        .upload(t, remote, &mut f, &mut |done| {
            if let Some(b) = &pb {
                b.set_position(done);
            }
        })
        .map_err(|e| explain(&e))?;
    if let Some(b) = pb {
        b.finish_and_clear();
    }
    Ok(n)
}

/// `smb put LOCAL URL`, `smb put -r LOCAL-DIR URL`.
pub fn put(
    local: &str,
    url: &SmbUrl,
    recursive: bool,
    quiet: bool,
    o: &ClientOpts,
) -> Result<(), Failure> {
    let lp = PathBuf::from(local);
    let meta = fs::metadata(&lp).map_err(|e| local_err(&lp, e))?;
    let (mut c, t) = connect_share(url, o)?;
    let start = Instant::now();
    let base_name = lp
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A URL naming an existing directory receives the file (or tree) inside it.
    let target = |c: &mut Client| -> String {
        if url.path.is_empty() {
            return base_name.clone();
        }
        match c.stat(t, &url.path) {
            Ok(s) if s.is_dir => format!("{}/{}", url.path, base_name),
            _ => url.path.clone(),
        }
    };
    if meta.is_dir() {
        if !recursive {
            return Err(Failure::usage(format!(
                "{local} is a directory (use put -r)"
            )));
        }
        let top = target(&mut c);
        let (mut files, mut dirs, mut bytes) = (0u64, 0u64, 0u64);
        let mut stack = vec![(lp.clone(), top)];
        while let Some((ldir, rdir)) = stack.pop() {
            match c.mkdir(t, &rdir) {
                Ok(()) => {}
                Err(e) if e.status() == Some(smb_proto::wire::NtStatus::OBJECT_NAME_COLLISION) => {}
                Err(e) => return Err(explain(&e)),
            }
            dirs += 1;
            let mut entries: Vec<_> = fs::read_dir(&ldir)
                .map_err(|e| local_err(&ldir, e))?
                .flatten()
                .collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name().to_string_lossy().into_owned();
                let p = e.path();
                let r = format!("{rdir}/{name}");
                let ft = e.file_type().map_err(|err| local_err(&p, err))?;
                if ft.is_dir() {
                    stack.push((p, r));
                } else if ft.is_file() {
                    bytes += put_one(&mut c, t, &p, &r, quiet)?;
                    files += 1;
                }
            }
        }
        if !quiet {
            summary(files, dirs, bytes, start);
        }
        return Ok(());
    }
    let remote = target(&mut c);
    put_one(&mut c, t, &lp, &remote, quiet)?;
    Ok(())
}
