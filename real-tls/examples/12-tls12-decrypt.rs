//! Lesson 12 made real: a relay that forwards a TLS 1.2 connection
//! unchanged and decrypts both directions with the course's own PRF.
//!
//! ```console
//! $ openssl s_server -accept 127.0.0.1:4433 -tls1_2 -cert pki/server.pem -key pki/server.key
//! $ cargo run -p learn-mtls-real-tls --example 12-tls12-decrypt -- \
//!       --listen 127.0.0.1:4434 --forward 127.0.0.1:4433 --keylog keys.log
//! $ openssl s_client -connect 127.0.0.1:4434 -tls1_2 -keylogfile keys.log -CAfile pki/ca.pem
//! ```
//!
//! The relay reads `client_random` and `server_random` from the hellos and
//! the cipher suite from the ServerHello, waits for the session's
//! `CLIENT_RANDOM` line in the key log (the master secret, which only the
//! two ends know: OpenSSL writes it there because `-keylogfile` asked it
//! to), derives the key block with `learn_mtls::tls12::key_block`, checks
//! both Finished messages with `learn_mtls::tls12::verify_data`, and prints
//! the application data of both directions.
//!
//! A teaching aid: it shows what anyone holding a key log can do.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use learn_mtls::tls12::{MASTER_SECRET_LEN, RANDOM_LEN};
use learn_mtls_real_tls::tls12::{Session, find_master_secret};
use learn_mtls_real_tls::trace::Peer;

#[derive(Parser)]
#[command(about = "Lesson 12: decrypt a live TLS 1.2 session with the course's PRF, as a relay")]
struct Args {
    /// Address the TLS client connects to, HOST:PORT (port 0 picks a free one).
    #[arg(long)]
    listen: String,
    /// The real TLS server, HOST:PORT.
    #[arg(long)]
    forward: String,
    /// The key log the client (or server) writes, e.g. `openssl s_client -keylogfile FILE`.
    #[arg(long, value_name = "FILE")]
    keylog: PathBuf,
    /// Seconds to wait for the session's line to appear in the key log.
    #[arg(long, default_value_t = 10)]
    keylog_wait: u64,
    /// Exit after relaying this many connections (default: run until stopped).
    #[arg(long)]
    connections: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let listener = TcpListener::bind(&args.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on {addr}, forwarding to {}", args.forward);
    eprintln!(
        "WARNING: teaching aid: decrypts TLS 1.2 sessions whose secrets are in {}",
        args.keylog.display()
    );
    let _ = io::stdout().flush();
    for (index, client) in listener.incoming().enumerate() {
        let client = client.map_err(|e| e.to_string())?;
        if let Err(e) = relay(client, args) {
            println!("relay error: {e}");
        }
        if args.connections.is_some_and(|n| index + 1 >= n) {
            break;
        }
    }
    Ok(())
}

fn relay(client: TcpStream, args: &Args) -> Result<(), String> {
    let peer = client.peer_addr().map_err(|e| e.to_string())?;
    let server = TcpStream::connect(&args.forward)
        .map_err(|e| format!("cannot connect to {}: {e}", args.forward))?;
    println!("connection from {peer}, relayed to {}", args.forward);
    let session = Arc::new(Mutex::new(Decoder {
        session: Session::new(),
        failed: false,
    }));
    let wait = Duration::from_secs(args.keylog_wait);
    let upstream = {
        let (from, to) = (clone(&client)?, clone(&server)?);
        let (session, keylog) = (session.clone(), args.keylog.clone());
        std::thread::spawn(move || pump(from, to, Peer::Client, &session, &keylog, wait))
    };
    pump(server, client, Peer::Server, &session, &args.keylog, wait);
    let _ = upstream.join();
    println!("connection from {peer} closed");
    let _ = io::stdout().flush();
    Ok(())
}

fn clone(stream: &TcpStream) -> Result<TcpStream, String> {
    stream.try_clone().map_err(|e| e.to_string())
}

struct Decoder {
    session: Session,
    failed: bool,
}

/// Copies `from` to `to`, decoding each chunk before passing it on (so the
/// two directions are decoded in the order the peers saw them).
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    sender: Peer,
    decoder: &Mutex<Decoder>,
    keylog: &Path,
    wait: Duration,
) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        decode(decoder, sender, &buf[..n], keylog, wait);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn decode(decoder: &Mutex<Decoder>, sender: Peer, bytes: &[u8], keylog: &Path, wait: Duration) {
    let mut decoder = decoder
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if decoder.failed {
        return;
    }
    let mut lookup = |random: &[u8; RANDOM_LEN]| wait_for_master_secret(keylog, random, wait);
    let result = decoder.session.feed(sender, bytes, &mut lookup);
    let mut out = io::stdout().lock();
    match result {
        Ok(events) => {
            for event in events {
                let _ = writeln!(out, "{event}");
            }
        }
        Err(e) => {
            decoder.failed = true;
            let _ = writeln!(out, "cannot decrypt: {e}; still forwarding, unchanged");
        }
    }
    let _ = out.flush();
}

/// Rereads the key log until the session's `CLIENT_RANDOM` line appears.
fn wait_for_master_secret(
    keylog: &Path,
    random: &[u8; RANDOM_LEN],
    wait: Duration,
) -> Option<[u8; MASTER_SECRET_LEN]> {
    let deadline = Instant::now() + wait;
    loop {
        // The key log is all secrets: wipe each copy read.
        if let Some(secret) = std::fs::read_to_string(keylog)
            .ok()
            .map(zeroize::Zeroizing::new)
            .and_then(|text| find_master_secret(&text, random))
        {
            return Some(secret);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
