//! The handle a request task holds on its connection's state ([`Cx`]), and the futures
//! it awaits: a file-system answer ([`FsWait`]) and a timer ([`Sleep`]).

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::fs::{ErasedLater, FsCall, FsOpId, FsRequest, FsResult, ShareId};
use super::state::Inner;
use crate::time::{Instant, Now};

/// The handle request tasks use to reach the connection state.
#[derive(Clone)]
pub(crate) struct Cx {
    pub inner: Arc<spin::Mutex<Inner>>,
}

impl Cx {
    /// Runs `f` with the state locked (never across an await).
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.lock())
    }

    /// Asks the host for a file-system operation and waits for its answer. The share's
    /// access rules are checked first (a refusal is answered here, without the host).
    pub fn fs(&self, share: ShareId, mut call: FsCall) -> FsWait {
        let id = self.with(|i| {
            let id = i.next_op;
            i.next_op += 1;
            if let Err(s) = super::access::check(i, id, share, &mut call) {
                i.fs_results.insert(id, Err(s));
                return id;
            }
            super::audit::issued(i, id, share, &call);
            if let Some(t) = i.current_task {
                i.op_owner.insert(id, t);
            }
            let closes = match &call {
                FsCall::Close { handle, .. } => {
                    i.close_requested.insert(handle.0);
                    Some(*handle)
                }
                _ => None,
            };
            i.op_info.insert(id, (share, closes));
            super::changes::issued(i, id, share, &call);
            i.fs_queue.push_back(FsRequest {
                id: FsOpId(id),
                share,
                call,
            });
            id
        });
        FsWait {
            cx: self.clone(),
            id,
        }
    }

    /// Waits until the connection's clock passes `t`.
    pub fn sleep_until(&self, t: Instant) -> Sleep {
        Sleep {
            cx: self.clone(),
            until: t,
            registered: false,
        }
    }

    /// The current time.
    pub fn now(&self) -> Now {
        self.with(|i| i.now)
    }
}

/// Future of a file-system answer.
pub(crate) struct FsWait {
    cx: Cx,
    id: u64,
}

impl Future for FsWait {
    type Output = FsResult<ErasedLater>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<FsResult<ErasedLater>> {
        match self.cx.with(|i| i.fs_results.remove(&self.id)) {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }
}

/// Future of a timer.
pub(crate) struct Sleep {
    cx: Cx,
    until: Instant,
    registered: bool,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let until = self.until;
        let registered = self.registered;
        let done = self.cx.with(|i| {
            if i.now.instant >= until {
                if let Some(t) = i.current_task {
                    i.timers.remove(&t);
                }
                true
            } else {
                if !registered && let Some(t) = i.current_task {
                    i.timers.insert(t, until);
                }
                false
            }
        });
        self.registered = true;
        if done { Poll::Ready(()) } else { Poll::Pending }
    }
}
