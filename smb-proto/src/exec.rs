//! A minimal executor for the cores' internal tasks.
//!
//! Request handlers in the client and server cores are written as `async` code that awaits
//! file-system completions, replies or timers. Nothing here performs I/O or has a clock:
//! a task is polled (with a no-op waker) only when the core has something for it — a
//! completion the host handed in, a reply that arrived, the time passing a deadline — so
//! every run is deterministic for the same inputs.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// A task's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct TaskId(pub u64);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The set of running tasks.
pub(crate) struct Tasks<T> {
    tasks: BTreeMap<TaskId, BoxFuture<T>>,
    next: u64,
}

impl<T> Default for Tasks<T> {
    fn default() -> Self {
        Self {
            tasks: BTreeMap::new(),
            next: 0,
        }
    }
}

impl<T> Tasks<T> {
    /// Reserves the id the next spawned task gets.
    pub fn next_id(&self) -> TaskId {
        TaskId(self.next)
    }

    /// Adds a task (not polled yet).
    pub fn spawn(&mut self, fut: impl Future<Output = T> + Send + 'static) -> TaskId {
        let id = TaskId(self.next);
        self.next += 1;
        self.tasks.insert(id, Box::pin(fut));
        id
    }

    /// Polls a task once; returns its output when it finished (and removes it).
    pub fn poll(&mut self, id: TaskId) -> Option<T> {
        let fut = self.tasks.get_mut(&id)?;
        let mut cx = Context::from_waker(Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => {
                self.tasks.remove(&id);
                Some(v)
            }
            Poll::Pending => None,
        }
    }

    /// Number of running tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task runs.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Ids of all running tasks.
    pub fn ids(&self) -> alloc::vec::Vec<TaskId> {
        self.tasks.keys().copied().collect()
    }

    /// Drops every task.
    pub fn clear(&mut self) {
        self.tasks.clear();
    }
}
