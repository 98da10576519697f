//! The certificate health report of the reference text's `cert_monitor.py`,
//! field for field: common name, CA flag, expiry, whole days remaining,
//! SANs, serial, status and whether action is required.
//!
//! Expired certificates are the outage the texts see most often; a monitor
//! that runs every day and warns a month ahead turns it into a ticket.

use std::fmt;
use std::path::{Path, PathBuf};

use learn_mtls_real_tls::{files, x509};
use time::OffsetDateTime;
use time::macros::format_description;

/// A certificate's health, by days left before its `notAfter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// At least `warn_days` left.
    Healthy,
    /// Fewer than `warn_days` left: renew now.
    ExpiringSoon,
    /// Past its `notAfter`: every peer refuses it.
    Expired,
}

impl Status {
    /// The word `cert_monitor.py` prints.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "HEALTHY",
            Self::ExpiringSoon => "EXPIRING_SOON",
            Self::Expired => "EXPIRED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One certificate's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The subject's common name, `Unknown` without one.
    pub common_name: String,
    /// Basic constraints' `cA` flag.
    pub is_ca: bool,
    /// `notAfter`.
    pub expiry: OffsetDateTime,
    /// Whole days from `now` to `notAfter`, rounded down (so -1 the moment
    /// it expires), as Python's `timedelta.days`.
    pub days_remaining: i64,
    /// The SANs as `DNS:...` and `URI:...` text.
    pub sans: Vec<String>,
    /// The serial as Python's `hex()` writes an integer: `0x` and no
    /// leading zeros.
    pub serial_number: String,
    /// From `days_remaining` and the warning window.
    pub status: Status,
}

/// A file the monitor could not read as a certificate.
#[derive(Debug)]
pub struct Unreadable {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub problem: String,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for Unreadable {}

/// Whole days from `now` to `expiry`, rounded toward the past.
#[must_use]
pub fn days_between(now: OffsetDateTime, expiry: OffsetDateTime) -> i64 {
    const DAY_NS: i128 = 86_400 * 1_000_000_000;
    let days = (expiry - now).whole_nanoseconds().div_euclid(DAY_NS);
    i64::try_from(days).unwrap_or(if days < 0 { i64::MIN } else { i64::MAX })
}

/// The status for `days_remaining` with a warning window of `warn_days`.
#[must_use]
pub fn status(days_remaining: i64, warn_days: i64) -> Status {
    if days_remaining < 0 {
        Status::Expired
    } else if days_remaining < warn_days {
        Status::ExpiringSoon
    } else {
        Status::Healthy
    }
}

impl Report {
    /// The report on the first certificate in the PEM file at `path`.
    ///
    /// # Errors
    ///
    /// [`Unreadable`] naming the file and the problem.
    pub fn of_file(path: &Path, warn_days: i64, now: OffsetDateTime) -> Result<Self, Unreadable> {
        let unreadable = |problem: String| Unreadable {
            path: path.to_owned(),
            problem,
        };
        let certs = files::certificates(path).map_err(|e| unreadable(e.problem))?;
        let summary = x509::summarize(&certs[0]).map_err(|e| unreadable(e.to_string()))?;
        Self::of_summary(&summary, warn_days, now).map_err(unreadable)
    }

    /// The report on a certificate already read.
    ///
    /// # Errors
    ///
    /// Its `notAfter` is not a date this module can read.
    pub fn of_summary(
        summary: &x509::Summary,
        warn_days: i64,
        now: OffsetDateTime,
    ) -> Result<Self, String> {
        let expiry = time::PrimitiveDateTime::parse(
            &summary.not_after,
            format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"),
        )
        .map_err(|e| format!("notAfter `{}` is not a date: {e}", summary.not_after))?
        .assume_utc();
        let days_remaining = days_between(now, expiry);
        let digits = summary.serial_hex();
        let digits = digits.trim_start_matches('0');
        Ok(Self {
            common_name: summary
                .common_name
                .clone()
                .unwrap_or_else(|| "Unknown".to_owned()),
            is_ca: summary.is_ca,
            expiry,
            days_remaining,
            sans: summary.sans.iter().map(ToString::to_string).collect(),
            serial_number: format!("0x{}", if digits.is_empty() { "0" } else { digits }),
            status: status(days_remaining, warn_days),
        })
    }

    /// `notAfter` as Python's `datetime.isoformat()` writes an aware UTC
    /// time: `2027-01-06T11:58:35+00:00`.
    #[must_use]
    pub fn expiry_date(&self) -> String {
        self.expiry
            .format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]+00:00"
            ))
            .unwrap_or_else(|_| "unknown".to_owned())
    }

    /// Anything but healthy wants a person.
    #[must_use]
    pub fn action_required(&self) -> bool {
        self.status != Status::Healthy
    }

    /// The report as the reference text's dictionary, with the same keys.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "common_name": self.common_name,
            "is_ca": self.is_ca,
            "expiry_date": self.expiry_date(),
            "days_remaining": self.days_remaining,
            "sans": self.sans,
            "serial_number": self.serial_number,
            "status": self.status.as_str(),
            "action_required": self.action_required(),
        })
    }
}

/// The exit status for a set of results: 3 if any is expired or unreadable,
/// else 1 if any expires within the window, else 0 (2 is left to usage
/// errors).
#[must_use]
pub fn exit_code(results: &[Result<Report, Unreadable>]) -> u8 {
    let worst = |r: &Result<Report, Unreadable>| match r {
        Err(_) => 3,
        Ok(report) => match report.status {
            Status::Expired => 3,
            Status::ExpiringSoon => 1,
            Status::Healthy => 0,
        },
    };
    results.iter().map(worst).max().unwrap_or(0)
}
