//! Time as the core sees it: passed in by the host with every input.
//!
//! Two clocks travel together in [`Now`]: a monotonic [`Instant`] for timers and the wall
//! clock as a FILETIME (100 ns units since 1601-01-01 UTC) for the NEGOTIATE response's
//! SystemTime and NTLMv2 timestamps. The core never reads a clock itself, so tests can run
//! on virtual time and replay an exchange byte for byte.

use core::ops::{Add, Sub};
use core::time::Duration;

/// A point on the host's monotonic clock, in nanoseconds from an arbitrary origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The clock's origin.
    pub const ZERO: Instant = Instant(0);

    /// An instant `nanos` nanoseconds after the origin.
    pub const fn from_nanos(nanos: u64) -> Self {
        Instant(nanos)
    }

    /// Nanoseconds since the origin.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Time elapsed since `earlier` (zero if `earlier` is later).
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(
            self.0
                .saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        )
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, other: Instant) -> Duration {
        self.saturating_duration_since(other)
    }
}

/// The current time, as handed to the core with each input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time, for timers.
    pub instant: Instant,
    /// Wall-clock time as a FILETIME (100 ns since 1601-01-01 UTC).
    pub filetime: u64,
}

impl Now {
    /// Builds a `Now` from both clocks.
    pub const fn new(instant: Instant, filetime: u64) -> Self {
        Self { instant, filetime }
    }

    /// This time advanced by `d` on both clocks (useful for virtual time in tests).
    pub fn advance(self, d: Duration) -> Self {
        Self {
            instant: self.instant + d,
            filetime: self
                .filetime
                .saturating_add(u64::try_from(d.as_nanos() / 100).unwrap_or(u64::MAX)),
        }
    }
}
