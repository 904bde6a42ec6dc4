//! One timer that follows a core's `poll_timeout`, re-armed only when the deadline moves.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::runtime::Runtime;

type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The timer of one connection.
#[derive(Default)]
pub(crate) struct Deadline {
    at: Option<Instant>,
    sleep: Option<Sleep>,
}

impl Deadline {
    /// Arms the timer for `at` (or disarms it); keeps the running one when unchanged.
    pub fn set<R: Runtime>(&mut self, rt: &R, at: Option<Instant>) {
        if at != self.at || (at.is_some() && self.sleep.is_none()) {
            self.at = at;
            self.sleep = at.map(|t| Box::pin(rt.sleep_until(t)) as Sleep);
        }
    }

    /// Ready once when the deadline passes.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(s) = self.sleep.as_mut() else {
            return Poll::Pending;
        };
        match s.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.sleep = None;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
