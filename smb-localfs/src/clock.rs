//! The host clock the adapters hand to the sans-IO cores.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smb_proto::time::{Instant, Now};
use smb_proto::util::unix_to_filetime;

/// A monotonic clock with a fixed origin, plus the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: std::time::Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }

    /// The current time for the core.
    pub fn now(&self) -> Now {
        let mono = Instant::from_nanos(self.origin.elapsed().as_nanos() as u64);
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Now::new(
            mono,
            unix_to_filetime(wall.as_secs() as i64, wall.subsec_nanos()),
        )
    }

    /// Time left until a core deadline (zero if passed).
    pub fn until(&self, t: Instant) -> Duration {
        let now = self.origin.elapsed().as_nanos() as u64;
        Duration::from_nanos(t.as_nanos().saturating_sub(now))
    }

    /// The std instant of a core deadline.
    pub fn to_std(&self, t: Instant) -> std::time::Instant {
        self.origin + Duration::from_nanos(t.as_nanos())
    }
}

/// 32 bytes from the OS's secure random source.
pub fn seed() -> [u8; 32] {
    let mut s = [0u8; 32];
    // The OS random source does not fail on supported platforms; fall back to time.
    if getrandom::fill(&mut s).is_err() {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        s[..16].copy_from_slice(&t.to_le_bytes());
    }
    s
}
