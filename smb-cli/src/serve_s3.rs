//! `smb serve` with shares in S3-compatible object storage (`--share NAME=s3://BUCKET/PREFIX`
//! or `path = "s3://..."` in the config file): the `[s3]` settings, and the file system
//! that serves local and S3 shares side by side (`smb_localfs::Mounts`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use smb_localfs::{Durability, LocalFs, Mounts, SharedFs};
use smb_proto::server::fs::ShareId;
use smb_s3::{S3Config, S3Fs, S3Location, S3Settings, S3Share};

/// The `[s3]` table: the store, the credentials and the backend's limits. Every key is
/// optional; the endpoint, region and credentials default to `AWS_ENDPOINT_URL`,
/// `AWS_REGION` (or `AWS_DEFAULT_REGION`, else us-east-1), `AWS_ACCESS_KEY_ID` and
/// `AWS_SECRET_ACCESS_KEY`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileS3 {
    /// Endpoint URL of the store (e.g. `http://127.0.0.1:8333`).
    pub endpoint: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Folder for the staging files of files written out of order.
    pub staging_dir: Option<PathBuf>,
    /// Most MiB all staging files hold together.
    pub staging_max_mib: Option<u64>,
    /// Largest file renamed by copying in the store, MiB.
    pub rename_max_mib: Option<u64>,
    /// Most objects in a folder that is renamed.
    pub folder_rename_max_objects: Option<usize>,
    /// Time limit of every request to the store, seconds.
    pub request_timeout_secs: Option<u64>,
    /// Largest file, MiB (writes past it are refused).
    pub max_file_mib: Option<u64>,
    /// Size of the parts of multipart uploads, MiB (at least 5).
    pub part_size_mib: Option<usize>,
    /// Parts uploaded at once per file.
    pub upload_concurrency: Option<usize>,
    /// Size of each read-ahead request, MiB.
    pub read_chunk_mib: Option<usize>,
    /// Read-ahead requests in flight for a sequential reader (0: no read-ahead).
    pub read_ahead: Option<usize>,
}

/// Whether a share path names an S3 location.
pub fn is_s3(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.starts_with("s3://"))
}

/// The store settings: the config file's, else the environment's.
fn store_config(f: &FileS3) -> S3Config {
    let env = S3Config::from_env();
    S3Config {
        endpoint: f.endpoint.clone().or(env.endpoint),
        region: f.region.clone().unwrap_or(env.region),
        access_key_id: f.access_key_id.clone().or(env.access_key_id),
        secret_access_key: f.secret_access_key.clone().or(env.secret_access_key),
    }
}

/// The backend's limits from the config file.
fn settings(f: &FileS3) -> S3Settings {
    let mut s = S3Settings::default();
    if let Some(d) = &f.staging_dir {
        s.staging_dir = d.clone();
    }
    if let Some(v) = f.staging_max_mib {
        s.staging_max_bytes = v << 20;
    }
    if let Some(v) = f.rename_max_mib {
        s.rename_max_bytes = v << 20;
    }
    if let Some(v) = f.folder_rename_max_objects {
        s.folder_rename_max_objects = v;
    }
    if let Some(v) = f.request_timeout_secs {
        s.request_timeout = Duration::from_secs(v.max(1));
    }
    if let Some(v) = f.max_file_mib {
        s.max_file_size = v << 20;
    }
    if let Some(v) = f.part_size_mib {
        s.part_size = v.max(5) << 20;
    }
    if let Some(v) = f.upload_concurrency {
        s.upload_concurrency = v.max(1);
    }
    if let Some(v) = f.read_chunk_mib {
        s.read_chunk = v.max(1) << 20;
    }
    if let Some(v) = f.read_ahead {
        s.read_ahead = v;
    }
    s
}

/// Opens the local folders, `durability[k]` the promise of `roots[k]` (close mode where
/// missing), watching them for changes made outside the server when `watch_disk` says so.
fn local(
    roots: &[(PathBuf, bool)],
    durability: &[Durability],
    watch_disk: bool,
) -> Result<LocalFs, String> {
    let mut fs = LocalFs::new(roots).map_err(|e| format!("cannot open a share folder: {e}"))?;
    fs.set_watch_disk(watch_disk);
    for (i, d) in durability.iter().enumerate().take(roots.len()) {
        fs.set_durability(ShareId(i as u32), *d);
    }
    Ok(fs)
}

/// The file system serving `roots` (path or `s3://` URL, read-only flag; `durability[k]`
/// is what local share `k` promises about written data), in order: one
/// LocalFs when every share is a folder, else local folders and S3 locations mounted
/// side by side. Local folders should come first (see [`local_first`]): then they keep
/// their share numbers and their folders are watched for outside changes.
pub fn file_system(
    roots: &[(PathBuf, bool)],
    durability: &[Durability],
    s3: Option<&FileS3>,
    watch_disk: bool,
) -> Result<SharedFs, String> {
    if !roots.iter().any(|(p, _)| is_s3(p)) {
        return Ok(Arc::new(local(roots, durability, watch_disk)?));
    }
    let mut locals = Vec::new();
    let mut local_durability = Vec::new();
    let mut remote = Vec::new();
    // (is S3, index among its kind) for each server share.
    let mut order = Vec::new();
    for (k, (p, ro)) in roots.iter().enumerate() {
        if is_s3(p) {
            let url = p.to_string_lossy();
            let location = S3Location::parse(&url)
                .ok_or_else(|| format!("{url}: expected s3://BUCKET or s3://BUCKET/PREFIX"))?;
            order.push((true, remote.len()));
            remote.push(S3Share {
                location,
                read_only: *ro,
            });
        } else {
            order.push((false, locals.len()));
            locals.push((p.clone(), *ro));
            local_durability.push(durability.get(k).copied().unwrap_or_default());
        }
    }
    let f = s3.cloned().unwrap_or_default();
    let s3fs = S3Fs::new(&store_config(&f), &remote, settings(&f))
        .map_err(|e| format!("object store: {e}"))?;
    let mut m = Mounts::new();
    let s3_backend = m.add_plain(Arc::new(s3fs)).map_err(|e| format!("{e}"))?;
    let local_backend = if locals.is_empty() {
        None
    } else {
        let fs = local(&locals, &local_durability, watch_disk)?;
        Some(m.add(Arc::new(fs)).map_err(|e| format!("{e}"))?)
    };
    for (is_s3, i) in order {
        let backend = match (is_s3, local_backend) {
            (true, _) => s3_backend,
            (false, Some(b)) => b,
            (false, None) => return Err("internal: no local backend".into()),
        };
        m.mount(backend, ShareId(i as u32));
    }
    Ok(Arc::new(m))
}

/// Puts the shares on local folders before those in object storage, keeping the order
/// within each kind (`shares[k]` is served from `roots[k]`).
pub fn local_first<S>(shares: &mut Vec<S>, roots: &mut Vec<(PathBuf, bool)>) {
    let mut both: Vec<(S, (PathBuf, bool))> = shares.drain(..).zip(roots.drain(..)).collect();
    both.sort_by_key(|(_, (p, _))| is_s3(p));
    for (s, r) in both {
        shares.push(s);
        roots.push(r);
    }
}
