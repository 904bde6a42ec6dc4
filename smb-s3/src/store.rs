//! The object store as the backend sees it: one OpenDAL [`Operator`] per share, the
//! tokio runtime its futures run on, a time limit on every request, and the NT status a
//! client sees for each kind of store error.
//!
//! The [`FileSystem`](smb_proto::server::fs::FileSystem) trait is synchronous and always
//! called from blocking threads (the hosts' blocking pools, or a thread per connection),
//! so every call here is `runtime.block_on(timeout(limit, future))`. The backend keeps a
//! runtime of its own rather than OpenDAL's blocking operator because work must go on
//! between two SMB requests: read-ahead fetches and the parts of a multipart upload run
//! as tasks on its worker threads while the client is busy sending the next request.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use opendal::layers::RetryLayer;
use opendal::services::S3;
use opendal::{ErrorKind, Operator};
use smb_proto::wire::NtStatus;

use crate::config::{S3Config, S3Settings};

/// The status for a store that cannot be reached, answers with a server error, or does
/// not answer within the request timeout: `STATUS_IO_TIMEOUT`, which Windows reports as
/// a transient error ("the semaphore timeout period has expired": try again) and which
/// Samba itself returns when its storage times out. Nothing is half-done when it is
/// returned: the client may simply repeat the request.
pub const RETRYABLE: NtStatus = NtStatus::IO_TIMEOUT;

/// The status for an object changed through another gateway since it was opened here
/// (a conditional write refused by the store): the file was in use elsewhere.
pub const CHANGED_ELSEWHERE: NtStatus = NtStatus::SHARING_VIOLATION;

/// Maps an error of the store to the NT status a client sees.
pub fn map_error(e: &opendal::Error) -> NtStatus {
    match e.kind() {
        ErrorKind::NotFound => NtStatus::OBJECT_NAME_NOT_FOUND,
        ErrorKind::PermissionDenied => NtStatus::ACCESS_DENIED,
        ErrorKind::AlreadyExists => NtStatus::OBJECT_NAME_COLLISION,
        ErrorKind::IsADirectory => NtStatus::FILE_IS_A_DIRECTORY,
        ErrorKind::NotADirectory => NtStatus::OBJECT_PATH_NOT_FOUND,
        ErrorKind::ConditionNotMatch => CHANGED_ELSEWHERE,
        ErrorKind::RateLimited => RETRYABLE,
        ErrorKind::RangeNotSatisfied => NtStatus::END_OF_FILE,
        ErrorKind::Unsupported => NtStatus::NOT_SUPPORTED,
        _ => {
            let text = e.to_string();
            // Stores report a full bucket or quota in the error body, not the kind.
            if [
                "QuotaExceeded",
                "InsufficientStorage",
                "EntityTooLarge",
                "507",
            ]
            .iter()
            .any(|w| text.contains(w))
            {
                NtStatus::DISK_FULL
            } else if e.is_temporary() || is_network(&text) {
                RETRYABLE
            } else {
                NtStatus::UNEXPECTED_IO_ERROR
            }
        }
    }
}

/// Whether an error's text says the store could not be reached.
fn is_network(text: &str) -> bool {
    [
        "connect",
        "Connection",
        "timed out",
        "broken pipe",
        "reset",
        "error sending request",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// The runtime, the operators and the limits every request obeys.
pub(crate) struct Store {
    /// Owned here; only taken out when the backend is dropped.
    runtime: Option<tokio::runtime::Runtime>,
    pub(crate) rt: tokio::runtime::Handle,
    pub(crate) settings: S3Settings,
}

impl Drop for Store {
    /// The backend may be dropped by an async host (inside its runtime), where a runtime
    /// must not block to shut down: its tasks are left to stop in the background.
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Store {
    /// A runtime with two worker threads: enough to keep uploads and read-aheads moving
    /// while the blocking threads wait in [`Store::run`].
    pub(crate) fn new(settings: S3Settings) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("smb-s3")
            .enable_all()
            .build()?;
        Ok(Self {
            rt: runtime.handle().clone(),
            runtime: Some(runtime),
            settings,
        })
    }

    /// Runs `f` on the runtime, from a blocking thread, within the request timeout;
    /// store errors become NT statuses.
    pub(crate) fn run<T>(
        &self,
        f: impl IntoFuture<Output = opendal::Result<T>>,
    ) -> Result<T, NtStatus> {
        self.run_status(async { f.await.map_err(|e| log_error(&e)) })
    }

    /// [`Store::run`] for a future whose errors are statuses already.
    pub(crate) fn run_status<T>(
        &self,
        f: impl Future<Output = Result<T, NtStatus>>,
    ) -> Result<T, NtStatus> {
        let limit = self.settings.request_timeout;
        self.rt
            .block_on(async { tokio::time::timeout(limit, f).await })
            .unwrap_or_else(|_| {
                tracing::warn!(?limit, "object store: no answer within the request timeout");
                Err(RETRYABLE)
            })
    }
}

/// Logs a store error and maps it.
pub(crate) fn log_error(e: &opendal::Error) -> NtStatus {
    let st = map_error(e);
    if e.kind() != ErrorKind::NotFound {
        tracing::warn!(error = %e, status = ?st, "object store request failed");
    }
    st
}

/// An operator for `bucket`, keys under `prefix`, with retries (backoff from 100 ms,
/// at most `settings.retries` times) on temporary errors.
pub(crate) fn operator(
    cfg: &S3Config,
    bucket: &str,
    prefix: &str,
    settings: &S3Settings,
) -> Result<Operator, String> {
    // HTTPS uses the process's default rustls provider: ring, unless the program
    // installed another one first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = S3::default()
        .bucket(bucket)
        .root(&format!("/{prefix}"))
        .region(&cfg.region)
        .disable_config_load()
        .disable_ec2_metadata();
    if let Some(e) = &cfg.endpoint {
        b = b.endpoint(e);
    }
    match (&cfg.access_key_id, &cfg.secret_access_key) {
        (Some(k), Some(s)) => b = b.access_key_id(k).secret_access_key(s),
        (None, None) => b = b.skip_signature(),
        _ => return Err("give both the access key id and the secret access key".into()),
    }
    let op = Operator::new(b)
        .map_err(|e| format!("S3 bucket {bucket}: {e}"))?
        .finish()
        .layer(
            RetryLayer::new()
                .with_min_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_secs(2))
                .with_max_times(settings.retries)
                .with_jitter(),
        );
    Ok(op)
}

/// What the start-up probe found out about the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The store refuses a write with `If-None-Match: *` over an existing object.
    pub if_none_match: bool,
    /// The store refuses a write with an `If-Match` ETag that is not the object's.
    pub if_match: bool,
}

impl Probe {
    /// Both kinds of conditional writes are honoured.
    pub fn conditional_writes(&self) -> bool {
        self.if_none_match && self.if_match
    }
}

/// Writes a probe object twice under conditions that must fail, to learn whether the
/// store honours conditional writes; removes it again. Errors other than the expected
/// refusal (the store unreachable, no permission) are returned.
pub(crate) async fn probe(op: &Operator) -> opendal::Result<Probe> {
    let key = format!(".smb-s3-probe-{}", std::process::id());
    let first = op.write(&key, b"probe".to_vec()).await?;
    let refused = |r: opendal::Result<opendal::Metadata>| match r {
        Err(e) if e.kind() == ErrorKind::ConditionNotMatch => Ok(true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(true),
        Err(e) => Err(e),
        Ok(_) => Ok(false),
    };
    let if_none_match = refused(
        op.write_with(&key, b"again".to_vec())
            .if_not_exists(true)
            .await,
    )?;
    let wrong = match first.etag() {
        Some(e) if e.contains("0000") => "\"ffffffffffffffffffffffffffffffff\"".to_string(),
        _ => "\"00000000000000000000000000000000\"".to_string(),
    };
    let if_match = refused(
        op.write_with(&key, b"again".to_vec())
            .if_match(&wrong)
            .await,
    )?;
    op.delete(&key).await?;
    Ok(Probe {
        if_none_match,
        if_match,
    })
}
