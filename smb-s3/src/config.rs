//! Where the store is, how to log on to it, and the limits of the backend.

use std::path::PathBuf;
use std::time::Duration;

/// The store and the credentials (shared by every S3 share of a server).
#[derive(Clone, Default)]
pub struct S3Config {
    /// Endpoint URL (`http://127.0.0.1:8333`); `None`: AWS's endpoint for the region.
    pub endpoint: Option<String>,
    /// Region (`us-east-1` unless the store wants another).
    pub region: String,
    /// Access key id; `None` with no secret: anonymous requests.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

impl S3Config {
    /// The settings of the standard environment variables: `AWS_ENDPOINT_URL`,
    /// `AWS_REGION` (else `AWS_DEFAULT_REGION`, else `us-east-1`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub fn from_env() -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        Self {
            endpoint: var("AWS_ENDPOINT_URL"),
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".into()),
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
        }
    }
}

/// Limits and tuning of the backend (the defaults suit most stores).
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// Folder for the staging files of files written out of order.
    pub staging_dir: PathBuf,
    /// Most bytes all staging files may hold on disk together (default 4 GiB).
    pub staging_max_bytes: u64,
    /// Files up to this size are renamed by server-side copy and delete; above it the
    /// rename is refused with `STATUS_NOT_SAME_DEVICE`, so that clients copy the file
    /// themselves (default 64 MiB).
    pub rename_max_bytes: u64,
    /// A folder holding more objects than this is not renamed (default 1000).
    pub folder_rename_max_objects: usize,
    /// Every request to the store gets an answer (or `STATUS_IO_TIMEOUT`) within this
    /// (default 30 s).
    pub request_timeout: Duration,
    /// Retries of a request that failed with a temporary error (default 3).
    pub retries: usize,
    /// Size of the parts of multipart uploads, and the most a file written in order
    /// keeps in memory before its upload starts (default 8 MiB; at least 5 MiB).
    pub part_size: usize,
    /// Parts uploaded at once per file (default 4).
    pub upload_concurrency: usize,
    /// Size of each read-ahead request (default 8 MiB).
    pub read_chunk: usize,
    /// Read-ahead requests kept in flight for a sequential reader (default 4).
    pub read_ahead: usize,
    /// Largest file; writes past it answer `STATUS_INVALID_PARAMETER`, as for offsets a
    /// file system cannot hold (default 5 TiB, the S3 limit).
    pub max_file_size: u64,
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            staging_dir: std::env::temp_dir().join("smb-s3-staging"),
            staging_max_bytes: 4 << 30,
            rename_max_bytes: 64 << 20,
            folder_rename_max_objects: 1000,
            request_timeout: Duration::from_secs(30),
            retries: 3,
            part_size: 8 << 20,
            upload_concurrency: 4,
            read_chunk: 8 << 20,
            read_ahead: 4,
            max_file_size: 5 << 40,
        }
    }
}

/// One S3-backed share: a bucket and a key prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// The key prefix, without leading slash, ending with `/` unless empty.
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://BUCKET` or `s3://BUCKET/PREFIX`.
    ///
    /// ```
    /// use smb_s3::S3Location;
    /// let l = S3Location::parse("s3://scans/site-a/inbox").unwrap();
    /// assert_eq!((l.bucket.as_str(), l.prefix.as_str()), ("scans", "site-a/inbox/"));
    /// assert_eq!(S3Location::parse("s3://scans").unwrap().prefix, "");
    /// assert!(S3Location::parse("/srv/scans").is_none());
    /// assert!(S3Location::parse("s3://").is_none());
    /// ```
    pub fn parse(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._".contains(c);
        if bucket.is_empty() || !bucket.chars().all(valid) {
            return None;
        }
        let parts: Vec<&str> = prefix.split('/').filter(|p| !p.is_empty()).collect();
        if parts.iter().any(|p| *p == "." || *p == "..") {
            return None;
        }
        let mut prefix = parts.join("/");
        if !prefix.is_empty() {
            prefix.push('/');
        }
        Some(Self {
            bucket: bucket.into(),
            prefix,
        })
    }
}
