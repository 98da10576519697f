//! Lesson 16: a CA, a server certificate for `localhost` and a client
//! certificate for `alice`, as PEM files OpenSSL and Python load as they are.
//!
//! ```console
//! $ cargo run -p learn-mtls-real-tls --example 16-tls-certs -- --out pki
//! wrote pki/ca.pem
//! ...
//! $ cargo run -p learn-mtls-real-tls --example 16-tls-certs -- --out pki \
//!       --client-spiffe-id spiffe://course.test/ns/shop/sa/payments
//! wrote pki/client.pem: CN=alice (serial ...), SAN DNS:alice URI:spiffe://course.test/ns/shop/sa/payments, ...
//! $ cargo run -p learn-mtls-real-tls --example 16-tls-certs -- revoke --out pki client
//! wrote pki/crl.pem: serial 4f... revoked
//! $ cargo run -p learn-mtls-real-tls --example 16-tls-certs -- crl --out pki
//! wrote pki/crl.pem: 1 serial(s) revoked, next update in 7 day(s)
//! $ cargo run -p learn-mtls-real-tls --example 16-tls-certs -- ocsp-index --out pki
//! wrote pki/index.txt: server V, client R (openssl ocsp -index pki/index.txt answers from it)
//! ```
//!
//! `DIR/ca.key` is the CA's private key, kept so that `revoke` can sign the
//! revocation list. In real life it would live offline (Lesson 15).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use learn_mtls_real_tls::certs::{self, Algorithm};
use learn_mtls_real_tls::{files, x509};

#[derive(Parser)]
#[command(about = "Lesson 16: X.509 certificates for the mutual TLS server and client")]
#[command(args_conflicts_with_subcommands = true)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Directory to write ca.pem, ca.key, server.pem, server.key, client.pem, client.key.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Signature algorithm of every key: ed25519 (the course's) or ecdsa-p256.
    #[arg(long, default_value = "ed25519")]
    algorithm: Algorithm,
    /// The CA's name (its subject CN). Certificates are matched to their
    /// issuer by name, so two CAs should not share one.
    #[arg(long, default_value = certs::CA_NAME)]
    ca_name: String,
    /// Days the certificates stay valid.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    days: i64,
    /// A SPIFFE ID (URI SAN) for the client certificate, beside its DNS
    /// name, e.g. spiffe://course.test/ns/shop/sa/payments (Lesson 17).
    #[arg(long, value_name = "URI")]
    client_spiffe_id: Option<String>,
    /// A SPIFFE ID (URI SAN) for the server certificate, beside `localhost`.
    #[arg(long, value_name = "URI")]
    server_spiffe_id: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Revoke a certificate: writes DIR/crl.pem, signed by DIR/ca.key.
    Revoke {
        /// The directory `16-tls-certs --out` wrote.
        #[arg(long)]
        out: PathBuf,
        /// Which certificate: `client` or `server`.
        which: String,
        /// Days until the revocation list should be replaced.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(i64).range(1..=3650))]
        days: i64,
    },
    /// Publish the revocation list again (DIR/crl.pem, an empty one if
    /// nothing is revoked), with a new update window (Lesson 18).
    Crl {
        /// The directory `16-tls-certs --out` wrote.
        #[arg(long)]
        out: PathBuf,
        /// Days until the revocation list should be replaced.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(i64).range(1..=3650))]
        days: i64,
    },
    /// Write DIR/index.txt, the database `openssl ocsp -index` answers
    /// from: the server and client certificates, valid or revoked (Lesson 18).
    OcspIndex {
        /// The directory `16-tls-certs --out` wrote.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    match args.command {
        Some(Command::Revoke { out, which, days }) => {
            let (crl, serial) = certs::revoke(&out, &which, days).map_err(|e| e.to_string())?;
            println!("wrote {}: serial {serial} ({which}) revoked", crl.display());
            Ok(())
        }
        Some(Command::Crl { out, days }) => {
            let (crl, entries) = certs::publish_crl(&out, days).map_err(|e| e.to_string())?;
            println!(
                "wrote {}: {entries} serial(s) revoked, next update in {days} day(s)",
                crl.display()
            );
            Ok(())
        }
        Some(Command::OcspIndex { out }) => {
            let index = certs::ocsp_index(&out).map_err(|e| e.to_string())?;
            let text = std::fs::read_to_string(&index).map_err(|e| e.to_string())?;
            let statuses: Vec<String> = ["server", "client"]
                .iter()
                .zip(text.lines())
                .map(|(which, line)| format!("{which} {}", &line[..1]))
                .collect();
            println!(
                "wrote {}: {} (openssl ocsp -index {} answers from it)",
                index.display(),
                statuses.join(", "),
                index.display()
            );
            Ok(())
        }
        None => {
            let out = args
                .out
                .ok_or("--out DIR is required (or `revoke --out DIR client`)")?;
            let ids = certs::Identities {
                client_spiffe_id: args.client_spiffe_id,
                server_spiffe_id: args.server_spiffe_id,
            };
            let written =
                certs::write_all_with(&out, args.algorithm, &args.ca_name, args.days, &ids)
                    .map_err(|e| e.to_string())?;
            for path in written {
                let detail = if path.extension().is_some_and(|e| e == "pem") {
                    let cert = files::certificates(&path).map_err(|e| e.to_string())?;
                    let s = x509::summarize(&cert[0])
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    let sans: Vec<String> = s.sans.iter().map(ToString::to_string).collect();
                    let sans = if sans.is_empty() {
                        String::new()
                    } else {
                        format!(", SAN {}", sans.join(" "))
                    };
                    format!(
                        ": {} (serial {}){sans}, valid to {}, {}",
                        s.subject,
                        s.serial_hex(),
                        s.not_after,
                        s.key_algorithm
                    )
                } else {
                    " (private key: keep it secret)".to_owned()
                };
                println!("wrote {}{detail}", path.display());
            }
            Ok(())
        }
    }
}
