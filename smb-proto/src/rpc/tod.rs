//! NetRemoteTOD's `TIME_OF_DAY_INFO` (MS-SRVS 2.2.4.105): the server's clock in UTC.

use super::ndr::NdrWriter;
use crate::time::Now;
use crate::util::filetime_to_unix;

/// The time of day as NetRemoteTOD reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOfDay {
    /// Seconds since 1970-01-01 00:00 UTC.
    pub elapsed: u32,
    /// Milliseconds since an arbitrary start (Windows: since boot).
    pub msecs: u32,
    /// Hour (0-23).
    pub hours: u32,
    /// Minute.
    pub mins: u32,
    /// Second.
    pub secs: u32,
    /// Hundredths of a second.
    pub hunds: u32,
    /// Minutes west of UTC (0: this server reports UTC).
    pub timezone: i32,
    /// Clock tick in ten-thousandths of a second (Samba reports 10000).
    pub tinterval: u32,
    /// Day of the month (1-31).
    pub day: u32,
    /// Month (1-12).
    pub month: u32,
    /// Year.
    pub year: u32,
    /// Day of the week (0 is Sunday).
    pub weekday: u32,
}

impl TimeOfDay {
    /// The time of day at `now`.
    ///
    /// ```
    /// use smb_proto::rpc::tod::TimeOfDay;
    /// use smb_proto::time::{Instant, Now};
    /// // 2026-12-02 06:56:02.5 UTC, a Wednesday.
    /// let ft = (1_796_194_562 + 11_644_473_600) * 10_000_000 + 5_000_000;
    /// let t = TimeOfDay::at(Now::new(Instant::from_nanos(0), ft));
    /// assert_eq!((t.year, t.month, t.day, t.weekday), (2026, 12, 2, 3));
    /// assert_eq!((t.hours, t.mins, t.secs, t.hunds), (6, 56, 2, 50));
    /// ```
    pub fn at(now: Now) -> Self {
        let (secs, nanos) = filetime_to_unix(now.filetime);
        let secs = secs.max(0);
        let days = secs.div_euclid(86_400);
        let day_secs = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        TimeOfDay {
            elapsed: secs.min(i64::from(u32::MAX)) as u32,
            msecs: (now.instant.as_nanos() / 1_000_000) as u32,
            hours: day_secs / 3600,
            mins: day_secs / 60 % 60,
            secs: day_secs % 60,
            hunds: nanos / 10_000_000,
            timezone: 0,
            tinterval: 10_000,
            day,
            month,
            year: year as u32,
            // 1970-01-01 was a Thursday.
            weekday: ((days + 4).rem_euclid(7)) as u32,
        }
    }

    /// Writes the structure.
    pub fn encode(&self, w: &mut NdrWriter) {
        for v in [
            self.elapsed,
            self.msecs,
            self.hours,
            self.mins,
            self.secs,
            self.hunds,
        ] {
            w.u32(v);
        }
        w.i32(self.timezone);
        for v in [
            self.tinterval,
            self.day,
            self.month,
            self.year,
            self.weekday,
        ] {
            w.u32(v);
        }
    }
}

/// Year, month and day of a day count since 1970-01-01 (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
