//! Sharing violations retried before they are reported, as Samba does for SMB1
//! (`defer_smb1_sharing_violation`, after [MS-CIFS] behaviour note 247): the client holding
//! the file may be about to close it, or may just have disconnected while its handles are
//! still being closed.

use core::future::Future;
use core::time::Duration;

use crate::server::cx::Cx;
use crate::wire::NtStatus;

/// How long a sharing violation is retried before it is answered (Samba: 950 ms).
pub(crate) const SHARING_WAIT: Duration = Duration::from_millis(950);
/// How often it is retried meanwhile.
const RETRY_EVERY: Duration = Duration::from_millis(20);

/// Runs `attempt` until it ends in anything but `SHARING_VIOLATION`, or until
/// [`SHARING_WAIT`] has passed since the first attempt (then the violation is the answer).
/// Each attempt must leave nothing behind when it fails with a sharing violation.
pub(crate) async fn retry_sharing<T, F, Fut>(cx: &Cx, mut attempt: F) -> Result<T, NtStatus>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, NtStatus>>,
{
    let deadline = cx.now().instant + SHARING_WAIT;
    loop {
        match attempt().await {
            Err(NtStatus::SHARING_VIOLATION) if cx.now().instant < deadline => {
                let now = cx.now().instant;
                cx.sleep_until(deadline.min(now + RETRY_EVERY)).await;
            }
            other => return other,
        }
    }
}
