//! Lesson 17: the certificate health check of the reference text's
//! `cert_monitor.py`, for any X.509 PEM files.
//!
//! ```console
//! $ cargo run -p learn-mtls-services --example 17-cert-monitor -- pki/ca.pem pki/server.pem pki/client.pem
//! Certificate                  Status          Days Left  Expiry      CA   Serial / SANs
//! ...
//! 3 certificates: 3 healthy, 0 expiring soon, 0 expired, 0 unreadable
//! ```
//!
//! `--json`: one object per line with the reference report's keys.
//! Exit 0 all healthy; 1 one expires within --warn-days; 3 one is expired
//! or unreadable; 2 a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use learn_mtls_services::monitor::{self, Report, Status};

#[derive(Parser)]
#[command(about = "Lesson 17: days left, SANs, CA flag and serial of X.509 certificates")]
struct Args {
    /// PEM files; the first certificate in each is checked.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Warn about certificates with fewer days than this left.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(0..=36500))]
    warn_days: i64,
    /// One JSON object per file instead of the table.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let now = time::OffsetDateTime::now_utc();
    let results: Vec<_> = args
        .files
        .iter()
        .map(|path| Report::of_file(path, args.warn_days, now))
        .collect();
    if args.json {
        for (path, result) in args.files.iter().zip(&results) {
            let mut object = match result {
                Ok(report) => report.to_json(),
                Err(e) => serde_json::json!({ "error": e.problem }),
            };
            object["file"] = serde_json::Value::from(path.display().to_string());
            println!("{object}");
        }
    } else {
        table(&args.files, &results);
    }
    ExitCode::from(monitor::exit_code(&results))
}

fn table(files: &[PathBuf], results: &[Result<Report, monitor::Unreadable>]) {
    println!(
        "{:<28} {:<15} {:>9}  {:<10}  {:<4} Serial / SANs",
        "Certificate", "Status", "Days Left", "Expiry", "CA"
    );
    println!("{}", "-".repeat(96));
    let mut counts = [0usize; 4];
    for (path, result) in files.iter().zip(results) {
        match result {
            Ok(r) => {
                counts[match r.status {
                    Status::Healthy => 0,
                    Status::ExpiringSoon => 1,
                    Status::Expired => 2,
                }] += 1;
                let mark = if r.action_required() { "!" } else { " " };
                println!(
                    "{mark}{:<27} {:<15} {:>9}  {:<10}  {:<4} {}",
                    r.common_name,
                    r.status.as_str(),
                    r.days_remaining,
                    r.expiry_date().get(..10).unwrap_or(""),
                    if r.is_ca { "yes" } else { "no" },
                    r.serial_number
                );
                if !r.sans.is_empty() {
                    println!("{:<74}{}", "", r.sans.join(", "));
                }
            }
            Err(e) => {
                counts[3] += 1;
                println!("!{:<27} {:<15} {e}", path.display(), "UNREADABLE");
            }
        }
    }
    println!(
        "{} certificates: {} healthy, {} expiring soon, {} expired, {} unreadable",
        results.len(),
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    );
}
