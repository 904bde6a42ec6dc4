//! Time as the core sees it: passed in by the host with every input.
//!
//! Two clocks travel together in [`Now`]: a monotonic [`Instant`] for timers and the wall
//! clock as a FILETIME (100 ns units since 1601-01-01 UTC) for the NEGOTIATE response's
//! SystemTime and NTLMv2 timestamps. The core never reads a clock itself, so tests can run
//! on virtual time and replay an exchange byte for byte.
//!
//! This module is also the one home of the conversions between the wire's time formats,
//! used by both roles: FILETIME, Unix time (seconds and nanoseconds since 1970), UTIME
//! (32-bit seconds since 1970) and the DOS `SMB_DATE`/`SMB_TIME` pair.

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

/// Seconds between 1601-01-01 and 1970-01-01.
pub const FILETIME_UNIX_OFFSET_SECS: u64 = 11_644_473_600;

/// Converts Unix time (seconds and nanoseconds since 1970) to a FILETIME (100 ns since 1601).
pub fn unix_to_filetime(secs: i64, nanos: u32) -> u64 {
    let t = (secs as i128 + FILETIME_UNIX_OFFSET_SECS as i128) * 10_000_000 + (nanos / 100) as i128;
    t.clamp(0, u64::MAX as i128) as u64
}

/// Converts a FILETIME to Unix seconds and nanoseconds.
pub fn filetime_to_unix(ft: u64) -> (i64, u32) {
    let secs = (ft / 10_000_000) as i64 - FILETIME_UNIX_OFFSET_SECS as i64;
    let nanos = ((ft % 10_000_000) * 100) as u32;
    (secs, nanos)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// FILETIME to the DOS (SMB_DATE, SMB_TIME) pair (UTC); 0 for times outside 1980..2107.
pub fn filetime_to_dos(ft: u64) -> (u16, u16) {
    if ft == 0 {
        return (0, 0);
    }
    let (secs, _) = filetime_to_unix(ft);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if !(1980..=2107).contains(&y) {
        return (0, 0);
    }
    let date = (((y - 1980) as u16) << 9) | ((m as u16) << 5) | d as u16;
    let time = (((rem / 3600) as u16) << 11)
        | ((((rem % 3600) / 60) as u16) << 5)
        | ((rem % 60) / 2) as u16;
    (date, time)
}

/// The DOS (date, time) pair to a FILETIME (UTC); 0 for a zero date.
pub fn dos_to_filetime(date: u16, time: u16) -> u64 {
    if date == 0 {
        return 0;
    }
    let y = 1980 + (date >> 9) as i64;
    let m = ((date >> 5) & 0x0F).clamp(1, 12) as u32;
    let d = (date & 0x1F).max(1) as u32;
    let secs = days_from_civil(y, m, d) * 86_400
        + ((time >> 11) as i64) * 3600
        + (((time >> 5) & 0x3F) as i64) * 60
        + ((time & 0x1F) as i64) * 2;
    unix_to_filetime(secs, 0)
}

/// A UTIME (seconds since 1970, 32 bits) from a FILETIME.
pub fn filetime_to_utime(ft: u64) -> u32 {
    if ft == 0 {
        return 0;
    }
    filetime_to_unix(ft).0.clamp(0, u32::MAX as i64) as u32
}

/// A FILETIME from a UTIME (0 and 0xFFFFFFFF mean "not specified" and give 0).
pub fn utime_to_filetime(t: u32) -> u64 {
    if t == 0 || t == u32::MAX {
        0
    } else {
        unix_to_filetime(t as i64, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_filetime() {
        assert_eq!(unix_to_filetime(1_704_067_200, 0), 133_485_408_000_000_000);
        assert_eq!(
            filetime_to_unix(133_485_408_000_000_000),
            (1_704_067_200, 0)
        );
    }

    #[test]
    fn dos_time_round_trip() {
        // 2024-01-01 00:00:00
        let ft = 133_485_408_000_000_000;
        let (d, t) = filetime_to_dos(ft);
        assert_eq!(d, ((2024 - 1980) << 9) | (1 << 5) | 1);
        assert_eq!(t, 0);
        assert_eq!(dos_to_filetime(d, t), ft);
        assert_eq!(filetime_to_utime(ft), 1_704_067_200);
        assert_eq!(utime_to_filetime(1_704_067_200), ft);
    }
}
