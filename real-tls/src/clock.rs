//! Times as the lessons write them, and as `--now` reads them: one
//! calendar conversion for the certificate summaries ([`crate::x509`]),
//! the OCSP checks ([`crate::ocsp`]), `16-tls-client --now` and
//! `18-mtls-doctor --now` (Lesson 18).

use std::sync::Arc;

use rustls::pki_types::UnixTime;
use rustls::time_provider::TimeProvider;

/// Unix seconds of a UTC date and time (the proleptic Gregorian calendar).
#[must_use]
pub fn civil_seconds(y: i64, m: i64, d: i64, hh: i64, mm: i64, ss: i64) -> i64 {
    // Days from 1970-01-01 to y-m-d, counting years from March.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hh * 3600 + mm * 60 + ss
}

/// `YYYY-MM-DD HH:MM:SS UTC` (as [`crate::x509`] writes times) as Unix seconds.
#[must_use]
pub fn unix_seconds(text: &str) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hh, mm, ss) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    Some(civil_seconds(y, m, d, hh, mm, ss))
}

/// `--now`: Unix seconds, or `YYYY-MM-DD` / `YYYY-MM-DDTHH:MM:SSZ` (UTC).
///
/// # Errors
///
/// The text is neither.
pub fn parse_time(text: &str) -> Result<UnixTime, String> {
    let seconds = if let Ok(n) = text.parse::<u64>() {
        Some(i64::try_from(n).unwrap_or(i64::MAX))
    } else if text.len() == 10 {
        unix_seconds(&format!("{text} 00:00:00 UTC"))
    } else if text.len() == 20 && text.ends_with('Z') && text.as_bytes()[10] == b'T' {
        unix_seconds(&format!("{} {} UTC", &text[..10], &text[11..19]))
    } else {
        None
    };
    match seconds.and_then(|s| u64::try_from(s).ok()) {
        Some(s) => Ok(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            s,
        ))),
        None => Err(format!(
            "--now {text:?}: expected Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"
        )),
    }
}

/// A clock stopped at one time, for checking certificates and staples as
/// they will look then (`16-tls-client --now`).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub UnixTime);

impl TimeProvider for FixedClock {
    fn current_time(&self) -> Option<UnixTime> {
        Some(self.0)
    }
}

impl FixedClock {
    /// As the `time_provider` of a rustls configuration.
    #[must_use]
    pub fn shared(at: UnixTime) -> Arc<dyn TimeProvider> {
        Arc::new(Self(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_back() {
        assert_eq!(unix_seconds("1970-01-01 00:00:00 UTC"), Some(0));
        assert_eq!(unix_seconds("2000-03-01 00:00:01 UTC"), Some(951_868_801));
        assert_eq!(unix_seconds("2026-12-07 12:00:00 UTC"), Some(1_796_644_800));
        assert_eq!(unix_seconds("garbage"), None);
        assert!(parse_time("2026-12-07").is_ok());
        assert!(parse_time("2026-12-07T12:00:00Z").is_ok());
        assert_eq!(parse_time("86400").map(|t| t.as_secs()), Ok(86_400));
        assert!(parse_time("yesterday").is_err());
    }
}
