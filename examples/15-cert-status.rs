//! Lesson 15: a certificate monitor for scripts and cron jobs.
//!
//! ```console
//! $ cargo run --example 15-cert-status -- server.crt client.crt --warn-days 14
//! server.crt: api.internal serial 2 (server): 29 days left, until 2026-12-28T09:00:00Z
//! server.crt: issuing-ca serial 2 (ca (path length 0)): 364 days left, until 2027-11-28T09:00:00Z
//! client.crt: alice serial 3 (client): WARNING 5 days left, until 2026-12-03T09:00:00Z
//! ```
//!
//! One line per certificate (a chain file has two). The exit code is the
//! worst state found, so a script can act on it:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | every certificate valid for more than `--warn-days` (default 30) |
//! | 1 | at least one expires within `--warn-days`: renew it |
//! | 2 | at least one has expired or is not valid yet |
//! | 3 | a file could not be read or parsed |
//!
//! Only the dates are checked here, not signatures: the monitor answers
//! "when must I renew?", not "is this certificate genuine?".

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use learn_mtls::cert::files::{self, Clock};
use learn_mtls::cert::time::{DAY, Rfc3339};

#[derive(Parser)]
#[command(about = "Lesson 15: days left on certificates; the exit code says if any needs action")]
struct Args {
    /// Certificate files (chain files: every certificate in them).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Warn about certificates that expire within this many days.
    #[arg(long, default_value_t = 30)]
    warn_days: u64,
    /// Pretend it is this time (RFC 3339).
    #[arg(long)]
    now: Option<String>,
}

/// The states, in the order of their exit codes.
const OK: u8 = 0;
const WARN: u8 = 1;
const INVALID: u8 = 2;
const UNREADABLE: u8 = 3;

fn main() -> ExitCode {
    let args = Args::parse();
    let now = match Clock::from_option(args.now.as_deref()) {
        Ok(clock) => clock.now(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(UNREADABLE);
        }
    };
    let mut worst = OK;
    for path in &args.files {
        let certs = match files::read_certificates(path) {
            Ok(certs) => certs,
            Err(e) => {
                println!("{}: UNREADABLE: {e}", path.display());
                worst = worst.max(UNREADABLE);
                continue;
            }
        };
        for cert in certs {
            let b = &cert.body;
            let who = format!(
                "{}: {} serial {} ({})",
                path.display(),
                b.name,
                b.serial,
                b.usage
            );
            let (state, text) = if now < b.not_before {
                (
                    INVALID,
                    format!("NOT YET VALID, from {}", Rfc3339(b.not_before)),
                )
            } else if now > b.not_after {
                (
                    INVALID,
                    format!(
                        "EXPIRED {} days ago, at {}",
                        (now - b.not_after) / DAY,
                        Rfc3339(b.not_after)
                    ),
                )
            } else {
                let left = (b.not_after - now) / DAY;
                let until = Rfc3339(b.not_after);
                if left < args.warn_days {
                    (WARN, format!("WARNING {left} days left, until {until}"))
                } else {
                    (OK, format!("{left} days left, until {until}"))
                }
            };
            println!("{who}: {text}");
            worst = worst.max(state);
        }
    }
    ExitCode::from(worst)
}
