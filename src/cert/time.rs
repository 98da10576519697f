//! Time as certificates hold it: whole seconds since the Unix epoch
//! (1970-01-01T00:00:00Z), and the RFC 3339 text that people type.
//!
//! Only what the lesson needs: `YYYY-MM-DDTHH:MM:SS` followed by `Z` or a
//! numeric offset such as `+02:00`, with optional fractional seconds
//! (dropped), for years 1970 to 9999. Leap seconds (`:60`) are refused:
//! Unix time has no slot for them.

use core::fmt;

/// Seconds in a day.
pub const DAY: u64 = 86_400;

/// Why a string is not an RFC 3339 time this module accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// The text does not have the shape `YYYY-MM-DDTHH:MM:SS` then `Z` or `+HH:MM`.
    Shape,
    /// A field is out of range (month 13, day 31 in April, hour 24, ...).
    OutOfRange(&'static str),
    /// The time is before 1970-01-01T00:00:00Z.
    BeforeEpoch,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape => f.write_str(
                "not an RFC 3339 time: expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset \
                 such as +02:00 (for example 2026-11-28T09:00:00Z)",
            ),
            Self::OutOfRange(field) => write!(f, "the {field} is out of range"),
            Self::BeforeEpoch => f.write_str("the time is before 1970-01-01T00:00:00Z"),
        }
    }
}

impl core::error::Error for TimeError {}

/// Days from 1970-01-01 to `year-month-day` in the proleptic Gregorian
/// calendar (Howard Hinnant's `days_from_civil`, shifted so that the
/// year starts in March and the leap day falls at its end).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]: `(year, month, day)`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    // Both fit a u32: a day is 1..=31 and a month 1..=12.
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads `N` ASCII digits starting at `at`.
fn digits<const N: usize>(text: &[u8], at: usize) -> Result<u32, TimeError> {
    let field = text.get(at..at + N).ok_or(TimeError::Shape)?;
    field.iter().try_fold(0u32, |value, &c| {
        if c.is_ascii_digit() {
            Ok(value * 10 + u32::from(c - b'0'))
        } else {
            Err(TimeError::Shape)
        }
    })
}

fn expect(text: &[u8], at: usize, allowed: &[u8]) -> Result<(), TimeError> {
    match text.get(at) {
        Some(c) if allowed.contains(c) => Ok(()),
        _ => Err(TimeError::Shape),
    }
}

fn in_range(value: u32, low: u32, high: u32, field: &'static str) -> Result<u32, TimeError> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(TimeError::OutOfRange(field))
    }
}

/// Parses an RFC 3339 date-time (section 5.6) into Unix seconds.
///
/// # Errors
/// [`TimeError`] naming what is wrong.
///
/// # Examples
/// ```
/// use learn_mtls::cert::time::{parse_rfc3339, Rfc3339};
/// assert_eq!(parse_rfc3339("1970-01-02T00:00:00Z")?, 86_400);
/// assert_eq!(parse_rfc3339("2026-11-28T10:00:00+01:00")?, parse_rfc3339("2026-11-28T09:00:00Z")?);
/// assert_eq!(Rfc3339(1_795_856_400).to_string(), "2026-11-28T09:00:00Z");
/// # Ok::<(), learn_mtls::cert::time::TimeError>(())
/// ```
pub fn parse_rfc3339(text: &str) -> Result<u64, TimeError> {
    let t = text.as_bytes();
    let year = digits::<4>(t, 0)?;
    expect(t, 4, b"-")?;
    let month = in_range(digits::<2>(t, 5)?, 1, 12, "month")?;
    expect(t, 7, b"-")?;
    let day = digits::<2>(t, 8)?;
    expect(t, 10, b"Tt ")?;
    let hour = in_range(digits::<2>(t, 11)?, 0, 23, "hour")?;
    expect(t, 13, b":")?;
    let minute = in_range(digits::<2>(t, 14)?, 0, 59, "minute")?;
    expect(t, 16, b":")?;
    let second = in_range(
        digits::<2>(t, 17)?,
        0,
        59,
        "second (leap seconds are not supported)",
    )?;
    let year = i64::from(year);
    in_range(day, 1, days_in_month(year, month), "day of the month")?;

    // Optional fraction: a dot and at least one digit, dropped.
    let mut at = 19;
    if t.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while t.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return Err(TimeError::Shape);
        }
    }
    let offset: i64 = match t.get(at) {
        Some(b'Z' | b'z') if t.len() == at + 1 => 0,
        Some(&sign @ (b'+' | b'-')) if t.len() == at + 6 => {
            let hours = in_range(digits::<2>(t, at + 1)?, 0, 23, "offset hour")?;
            expect(t, at + 3, b":")?;
            let minutes = in_range(digits::<2>(t, at + 4)?, 0, 59, "offset minute")?;
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if sign == b'+' { seconds } else { -seconds }
        }
        _ => return Err(TimeError::Shape),
    };
    let local = days_from_civil(year, month, day) * DAY as i64
        + i64::from(hour * 3600 + minute * 60 + second);
    // Local time = UTC + offset, so UTC = local - offset.
    u64::try_from(local - offset).map_err(|_| TimeError::BeforeEpoch)
}

/// Formats Unix seconds as RFC 3339 in UTC: `2026-11-28T09:00:00Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rfc3339(pub u64);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // u64 seconds reach far past year 9999; clamp rather than wrap.
        let seconds = i64::try_from(self.0).unwrap_or(i64::MAX / 2);
        let (year, month, day) = civil_from_days(seconds.div_euclid(DAY as i64));
        let in_day = seconds.rem_euclid(DAY as i64);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            in_day / 3600,
            in_day / 60 % 60,
            in_day % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_boundary_for_decades() {
        for day in (0..20_000u64).step_by(7) {
            let t = day * DAY + 3_723;
            let mut text = [0u8; 32];
            let mut w = Buf(&mut text, 0);
            fmt::write(&mut w, format_args!("{}", Rfc3339(t))).unwrap();
            let len = w.1;
            let s = core::str::from_utf8(&text[..len]).unwrap();
            assert_eq!(parse_rfc3339(s), Ok(t), "{s}");
        }
    }

    struct Buf<'a>(&'a mut [u8], usize);
    impl fmt::Write for Buf<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0[self.1..self.1 + s.len()].copy_from_slice(s.as_bytes());
            self.1 += s.len();
            Ok(())
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Ok(951_868_800));
        assert_eq!(parse_rfc3339("2024-02-29T23:59:59.999Z"), Ok(1_709_251_199));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Ok(0));
        assert_eq!(
            parse_rfc3339("1970-01-01T00:00:00+00:01"),
            Err(TimeError::BeforeEpoch)
        );
        assert_eq!(
            parse_rfc3339("2023-02-29T00:00:00Z"),
            Err(TimeError::OutOfRange("day of the month"))
        );
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T09:00:00",
            "2026-11-28T09:00:00ZZ",
            "2026-11-28T09:00:00+0100",
            "2026-11-28T09:00:00.Z",
            "2026-1-28T09:00:00Z",
            "２026-11-28T09:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), Err(TimeError::Shape), "{bad}");
        }
    }
}
