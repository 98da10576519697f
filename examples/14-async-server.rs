//! Lesson 14: the Lesson 11 server on an event loop (tokio).
//!
//! ```console
//! $ cargo run --features tokio --example 14-async-server -- --listen 127.0.0.1:7011 --key server.key --client-pub client.pub
//! listening on 127.0.0.1:7011
//! accepted client (fingerprint 3f1c0e2a9b4d5e6f) from 127.0.0.1:52144
//! ```
//!
//! The same command line, the same log lines and the same defences as
//! `11-mtls-server`, on the same sans-IO core: only the driver differs.
//! There a thread per connection blocks in `read`; here a task per
//! connection awaits, and a few threads (one per core) run every task. A
//! handshake in progress costs a task (a few hundred bytes of future plus
//! its buffers) instead of a thread (a stack and a kernel task), which is
//! what Lesson 14 measures. The admission is the library's own, the very
//! `net::Admission` the thread server uses: the connection cap, the
//! handshake table that evicts its oldest (through a duplicate of the
//! socket), `Limits` fitted to the descriptors and the reserve descriptor;
//! `KeySessions` caps each key, and `net::log::Log` never blocks the loop.
//!
//! Built only with `--features tokio`, so a learner's first `cargo build`
//! never compiles tokio.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use learn_mtls::net::tokio::{self as async_net, AsyncChannel};
use learn_mtls::net::{Admission, Admitted, Busy, Limits, Slot};
use tokio::net::TcpStream;

use learn_mtls_kit::server::{self, Args, Core, KeyTrust, Session};

/// The core over Lesson 11's trust, as `11-mtls-server` has it.
type Server = Core<KeyTrust>;

fn main() -> ExitCode {
    let args: Args = server::parse_for(
        "Lesson 14: the Lesson 11 server on an event loop (tokio), with the same command line",
    );
    let trust = match KeyTrust::open(&args) {
        Ok(trust) => trust,
        Err(code) => return code,
    };
    if trust.kex != learn_mtls::kex::Kex::X25519 {
        // The async driver (net::tokio) runs the classical messages only.
        return server::fail(&format!(
            "14-async-server runs --kex x25519 only; for --kex {} (Lesson 19) use 11-mtls-server",
            trust.kex
        ));
    }
    let (server, listener, limits) = match server::start(&args.serve, trust) {
        Ok(started) => started,
        Err(code) => return code,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return server::fail(&format!("cannot start the event loop: {e}")),
    };
    match runtime.block_on(serve(listener, Arc::new(server), limits)) {
        Ok(never) => match never {},
        Err(e) => server::fail(&e),
    }
}

/// Never returns `Ok`.
enum Never {}

/// The accepting loop: the admission of `net::serve` (the library's
/// `Admission`), on the event loop.
async fn serve(
    listener: std::net::TcpListener,
    server: Arc<Server>,
    limits: Limits,
) -> Result<Never, String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
    let admission = Admission::new(limits);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if learn_mtls::smallfile::out_of_descriptors(&e) => {
                // Out of descriptors: give up the reserve for one accept,
                // refuse that connection, take the reserve back.
                match admission.release_reserve() {
                    Some(released) => {
                        let next =
                            tokio::time::timeout(Duration::from_millis(10), listener.accept());
                        if let Ok(Ok((_, peer))) = next.await {
                            server
                                .log
                                .refusal(format!("rejected {peer}: {}", Busy::Descriptors));
                        }
                        drop(released);
                    }
                    None => tokio::time::sleep(Duration::from_millis(10)).await,
                }
                continue;
            }
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(1)).await;
                continue;
            }
        };
        let Ok(stream) = stream.into_std() else {
            continue;
        };
        let Admitted { open, slot } = admission.admit(&stream);
        let slot = match slot {
            Ok(slot) => slot,
            Err(busy) => {
                server.log.refusal(format!("rejected {peer}: {busy}"));
                continue;
            }
        };
        let Ok(stream) = TcpStream::from_std(stream) else {
            continue;
        };
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            handle_async(&server, stream, peer, slot).await;
            drop(open);
        });
    }
}

/// The task-per-connection driver: the core's `handle`, awaiting instead
/// of blocking; every decision (refusals, the per-key cap, eviction, the
/// re-check before each message) is the core's own.
async fn handle_async(server: &Server, stream: TcpStream, peer: SocketAddr, slot: Slot) {
    let _ = stream.set_nodelay(true);
    let generation = server.before_handshake();
    // The async twin of `KeyTrust::accept` (the trait's is blocking): the
    // same key, policy and config, so both servers authenticate alike. A
    // change to one must be made to the other.
    let trust = &server.trust;
    let accepted = async_net::accept(
        stream,
        &trust.key,
        &trust.policy,
        trust.config,
        Some(server.handshake_timeout),
    )
    .await;
    let (mut channel, accepted) = match accepted {
        Ok((channel, client)) => (Some(channel), Ok(client)),
        Err(e) => (None, Err(e)),
    };
    let Some(mut session) = server.open(peer, slot, generation, accepted) else {
        return;
    };
    let Some(channel) = channel.as_mut() else {
        return;
    };
    if let Err(why) = echo_async(server, channel, &mut session).await {
        server.close(&session, &why);
    }
}

/// Echoes each message back while the client stays trusted.
async fn echo_async(
    server: &Server,
    channel: &mut AsyncChannel<TcpStream>,
    session: &mut Session<learn_mtls::trust::ClientIdentity>,
) -> Result<(), String> {
    channel.set_write_timeout(Some(server.record.unwrap_or(server.idle)));
    loop {
        let message = match server.record {
            Some(record) => channel.recv_within(Some(server.idle), record).await,
            None => channel.recv_idle(server.idle).await,
        };
        let Some(message) = server.on_record(session, message)? else {
            return Ok(());
        };
        channel.send(&message).await.map_err(|e| e.to_string())?;
    }
}
