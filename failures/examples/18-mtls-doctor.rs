//! Lesson 18: says what is wrong with a mutual TLS setup, and how to fix it.
//!
//! ```console
//! $ 18-mtls-doctor files --cert server.pem --key server.key --ca ca.pem --name localhost
//! ok server.pem: CN=localhost (serial 18...), ECDSA P-256 key
//! ok server.key is the private key of CN=localhost
//! ...
//! problem incomplete-chain: server.pem: CN=localhost was issued by ...; fix: ...
//! $ 18-mtls-doctor connect --connect 127.0.0.1:8443 --ca ca.pem [--cert client.pem --key client.key] [--now TIME]
//! ```
//!
//! `connect` also judges an OCSP response the server staples: revoked,
//! expired (past its nextUpdate), or not vouching for the certificate
//! (`unknown-ca`).
//!
//! One line per finding: `ok WHAT` or `problem CAUSE: WHAT; fix: FIX`, with
//! CAUSE from a fixed list (`incomplete-chain`, `unknown-ca`, `expired`,
//! `not-yet-valid`, `name-mismatch`, `no-san`, `wrong-usage`,
//! `no-client-cert`, `client-cert-not-required`, `key-mismatch`,
//! `unsupported-key-type`, `revoked`); `--json`: one JSON object a line.
//! Exit status 0 when there is no problem, 1 when there is one, 2 when the
//! doctor could not look (a file it cannot read, a server it cannot reach).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use learn_mtls_failures::connect::{self, ConnectCheck};
use learn_mtls_failures::doctor::{self, FilesCheck, Finding, Role};
use rustls::pki_types::UnixTime;

#[derive(Parser)]
#[command(about = "Lesson 18: what is wrong with a mutual TLS setup, and how to fix it")]
struct Args {
    #[command(subcommand)]
    mode: Mode,
    /// One JSON object per finding instead of text lines.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Mode {
    /// Check a certificate, its key and a CA file, offline.
    Files {
        /// The certificate (PEM), maybe followed by its intermediates.
        #[arg(long)]
        cert: PathBuf,
        /// Its private key (PEM).
        #[arg(long)]
        key: PathBuf,
        /// The CA certificate(s) the other side trusts (PEM).
        #[arg(long)]
        ca: PathBuf,
        /// The intermediates, when they are in a file of their own.
        #[arg(long)]
        chain: Option<PathBuf>,
        /// The name clients dial (checked against the SANs).
        #[arg(long)]
        name: Option<String>,
        /// Which side the certificate is for: client or server.
        #[arg(long, default_value = "server")]
        role: Role,
        /// Check validity at this time: Unix seconds, YYYY-MM-DD or
        /// YYYY-MM-DDTHH:MM:SSZ (default: now).
        #[arg(long, value_parser = doctor::parse_time)]
        now: Option<UnixTime>,
        /// A revocation list (PEM) from the certificate's CA.
        #[arg(long)]
        crl: Option<PathBuf>,
    },
    /// Connect to a server as a client and explain what it does.
    Connect {
        /// The server, HOST:PORT.
        #[arg(long)]
        connect: String,
        /// The CA the server's certificate should chain to (PEM).
        #[arg(long)]
        ca: PathBuf,
        /// A client certificate to offer (PEM).
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// Its private key (PEM).
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
        /// The name to dial (default: the host in --connect).
        #[arg(long)]
        server_name: Option<String>,
        /// Seconds to wait at each step.
        #[arg(long, default_value_t = 5)]
        timeout: u64,
        /// Judge the server's certificate and OCSP staple at this time:
        /// Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default: now).
        #[arg(long, value_parser = doctor::parse_time)]
        now: Option<UnixTime>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match &args.mode {
        Mode::Files {
            cert,
            key,
            ca,
            chain,
            name,
            role,
            now,
            crl,
        } => doctor::check_files(&FilesCheck {
            cert,
            key,
            ca,
            chain: chain.as_deref(),
            name: name.as_deref(),
            role: *role,
            now: now.unwrap_or_else(UnixTime::now),
            crl: crl.as_deref(),
        }),
        Mode::Connect {
            connect,
            ca,
            cert,
            key,
            server_name,
            timeout,
            now,
        } => connect::check_connect(&ConnectCheck {
            addr: connect,
            ca,
            identity: cert.as_deref().zip(key.as_deref()),
            server_name: server_name
                .as_deref()
                .unwrap_or_else(|| connect::host_of(connect)),
            timeout: Duration::from_secs(*timeout),
            now: now.unwrap_or_else(UnixTime::now),
        }),
    };
    match result {
        Ok(findings) => {
            for finding in &findings {
                print(finding, args.json);
            }
            if findings.iter().any(|f| f.cause.is_some()) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// One line on standard output; a closed pipe (`| head`) is not an error.
fn print(finding: &Finding, json: bool) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(out, "{}", finding.to_json())
    } else {
        writeln!(out, "{finding}")
    };
}
