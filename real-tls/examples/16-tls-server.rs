//! Lesson 16: a mutual TLS 1.3 server (rustls) that echoes lines.
//!
//! ```console
//! $ cargo run -p learn-mtls-real-tls --example 16-tls-server -- --listen 127.0.0.1:8443 \
//!       --cert pki/server.pem --key pki/server.key --client-ca pki/ca.pem [--crl pki/crl.pem] [--trace]
//! listening on 127.0.0.1:8443
//! accepted CN=alice (serial ..., issuer CN=learn-mtls lesson 16 CA) from 127.0.0.1:50412
//! rejected 127.0.0.1:50414: no client certificate (the server requires one) (rustls: ...)
//! ```
//!
//! TLS 1.3 only, X25519 only unless `--groups` says otherwise
//! (`x25519mlkem768,x25519`: Lesson 19's hybrid first), a client certificate from the CA in
//! `--client-ca` required (and refused if revoked by `--crl`). The same
//! `listening on` / `accepted` / `rejected` lines as Lesson 11's server.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clap::Parser;
use learn_mtls_real_tls::cli::{self, Failure, Socket, SocketRef};
use learn_mtls_real_tls::keylog::KeyLogRecorder;
use learn_mtls_real_tls::kx::Groups;
use learn_mtls_real_tls::tls;
use learn_mtls_real_tls::trace::Peer;
use rustls::{ServerConfig, ServerConnection};

#[derive(Parser)]
#[command(
    about = "Lesson 16 server: mutual TLS 1.3 with X.509 certificates (rustls); echoes lines"
)]
struct Args {
    /// Address to listen on, HOST:PORT (port 0 picks a free one).
    #[arg(long)]
    listen: String,
    /// The server's certificate (PEM; the leaf first, then any intermediates).
    #[arg(long)]
    cert: PathBuf,
    /// The server's private key (PEM).
    #[arg(long)]
    key: PathBuf,
    /// The CA certificate(s) whose clients are accepted (PEM).
    #[arg(long)]
    client_ca: PathBuf,
    /// A revocation list signed by that CA (PEM): listed clients are
    /// refused. Read again when the file changes, before the next connection.
    #[arg(long)]
    crl: Option<PathBuf>,
    /// Print each handshake message as it passes, beside its course concept.
    #[arg(long)]
    trace: bool,
    /// TEACHING AID: append the session secrets to FILE in the key log format.
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Seconds a client has to finish its handshake, and may stay idle after.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Key exchange groups to accept, most preferred first: `x25519`,
    /// `x25519mlkem768` (Lesson 19's hybrid, TLS code point 0x11EC), or
    /// both, comma-separated. A client that offers none of them is refused.
    /// Without it: x25519, and nothing about groups is printed.
    #[arg(long, value_name = "LIST")]
    groups: Option<Groups>,
    /// At most this many connections at once; more are refused.
    #[arg(long, default_value_t = 64)]
    max_connections: usize,
    /// Staple this DER OCSP response (`openssl ocsp -respout FILE`) to the
    /// certificate; read again whenever the file changes (Lesson 18).
    #[arg(long, value_name = "FILE")]
    ocsp_response: Option<PathBuf>,
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

/// The server's configuration from the files named in `args`, as they are now.
fn configure(
    args: &Args,
    key_log: Option<&Arc<KeyLogRecorder>>,
) -> Result<Arc<ServerConfig>, String> {
    let mut config = tls::server_config_for(
        &args.cert,
        &args.key,
        &args.client_ca,
        args.crl.as_deref(),
        key_log.cloned().map(|k| k as Arc<dyn rustls::KeyLog>),
        tls::provider_with_groups(&args.groups.clone().unwrap_or_default()),
    )
    .map_err(|e| e.to_string())?;
    if let Some(response) = &args.ocsp_response {
        let stapler = learn_mtls_real_tls::stapling::Stapler::new(&args.cert, &args.key, response)
            .map_err(|e| e.to_string())?;
        config.cert_resolver = Arc::new(stapler);
    }
    Ok(Arc::new(config))
}

/// When `path` was last written, if it can be told.
fn modified(path: Option<&std::path::Path>) -> Option<std::time::SystemTime> {
    std::fs::metadata(path?).and_then(|m| m.modified()).ok()
}

fn run(args: &Args) -> Result<(), String> {
    let key_log = cli::key_log(args.trace, args.keylog.as_deref()).map_err(|e| e.to_string())?;
    let mut config = configure(args, key_log.as_ref())?;
    let mut crl_seen = modified(args.crl.as_deref());
    let listener = TcpListener::bind(&args.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on {addr}");
    let _ = io::stdout().flush();
    match &args.crl {
        Some(crl) => eprintln!(
            "TLS 1.3, client certificate required; revocation list {}",
            crl.display()
        ),
        None => eprintln!("TLS 1.3, client certificate required; no revocation list"),
    }
    if let Some(groups) = &args.groups {
        eprintln!("key exchange groups accepted: {groups}");
    }
    if let Some(response) = &args.ocsp_response {
        eprintln!("stapling the OCSP response in {}", response.display());
    }

    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // A CA publishes a new list now and then: the next connection is
        // judged by the list in the file now. A list that does not read
        // (being rewritten, say) leaves the last one in force.
        if let Some(crl) = &args.crl {
            let now = modified(Some(crl));
            if now != crl_seen {
                match configure(args, key_log.as_ref()) {
                    Ok(fresh) => {
                        config = fresh;
                        crl_seen = now;
                        eprintln!("loaded the new revocation list in {}", crl.display());
                    }
                    Err(e) => eprintln!("keeping the last revocation list: {e}"),
                }
            }
        }
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        if open.fetch_add(1, Ordering::SeqCst) >= args.max_connections {
            open.fetch_sub(1, Ordering::SeqCst);
            println!(
                "rejected {peer}: too many connections (at most {})",
                args.max_connections
            );
            continue;
        }
        let (config, key_log, open) = (config.clone(), key_log.clone(), open.clone());
        let (trace, timeout) = (args.trace, Duration::from_secs(args.timeout));
        let show_group = args.groups.is_some();
        std::thread::spawn(move || {
            serve(
                stream,
                peer,
                &config,
                key_log.as_ref(),
                (trace, show_group),
                timeout,
            );
            open.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(())
}

fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    config: &Arc<ServerConfig>,
    key_log: Option<&Arc<KeyLogRecorder>>,
    (trace, show_group): (bool, bool),
    timeout: Duration,
) {
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let prefix = format!("trace {peer}");
    let (mut socket, tracer) = cli::traced(stream, Peer::Server, trace, key_log);
    let mut conn = match ServerConnection::new(config.clone()) {
        Ok(conn) => conn,
        Err(e) => return println!("rejected {peer}: {e}"),
    };
    let result = cli::complete_handshake(&mut conn, socket.as_mut(), &tracer, &prefix);
    match result {
        Ok(()) => {
            println!(
                "accepted {} from {peer}",
                tls::describe_peer(conn.peer_certificates())
            );
            if show_group {
                println!("key exchange with {peer}: {}", cli::negotiated_group(&conn));
            }
            let _ = io::stdout().flush();
            if let Err(e) = echo(&mut conn, socket.as_mut()) {
                eprintln!("closed {peer}: {e}");
            }
        }
        Err(e) => {
            println!("rejected {peer}: {e}");
            let _ = io::stdout().flush();
        }
    }
    cli::print_trace(&tracer, &prefix, true);
    if let (Some(key_log), Some(tracer)) = (key_log, &tracer) {
        let tracer = tracer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(random) = tracer.client_random() {
            key_log.forget(&random);
        }
    }
}

/// Sends back every line the client sends, until it closes.
fn echo(conn: &mut ServerConnection, socket: &mut dyn Socket) -> Result<(), Failure> {
    let mut io = SocketRef(socket);
    let mut pending = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match rustls::Stream::new(conn, &mut io).read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            conn.send_close_notify();
            let _ = conn.write_tls(&mut io);
            return Ok(());
        }
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            rustls::Stream::new(conn, &mut io).write_all(&line)?;
        }
    }
}
