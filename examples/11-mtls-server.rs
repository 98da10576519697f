//! Lesson 11: the server of the mutual handshake.
//!
//! ```console
//! $ cargo run --example 11-mtls-server -- --listen 127.0.0.1:7011 --key server.key --client-pub client.pub
//! listening on 127.0.0.1:7011
//! accepted client (fingerprint 3f1c0e2a9b4d5e6f) from 127.0.0.1:52144
//! ```
//!
//! Every connection gets one line on standard output: `accepted` with
//! who, or `rejected` with why (refusals are rate-limited: beyond 50 a
//! second they are summed up in one `rejected N more` line). Accepted
//! clients get each message echoed back, encrypted. Each connection runs on
//! its own thread with a deadline on its handshake.
//!
//! Lesson 14 hardens it against clients that want it unavailable rather
//! than fooled: when the table of handshakes in progress is full the oldest
//! is evicted; a lesson11 client stays a handshake in progress until its
//! first record opens; each record has a deadline from its first byte to
//! its last; one key holds at most 32 sessions; the caps shrink to fit the
//! file descriptors; and the log never blocks or panics, whatever standard
//! output is. Each defence has a flag that turns it off, for the attack
//! examples (`--when-full refuse`, `--lesson11-session-at message-3`,
//! `--record-timeout 0`, `--max-sessions-per-key 0`).
//!
//! Exercises 2 to 4 swap the one pinned key for lists:
//!
//! ```console
//! $ cargo run --example 11-mtls-server -- --listen 127.0.0.1:7011 --key server.key \
//!       --authorized authorized_keys --revoked revoked_keys
//! ```
//!
//! Both files are checked again as each connection arrives and before each
//! message is echoed, so adding a client needs no restart and revoking one
//! also ends the sessions it has open. Reload notices go to standard error;
//! problems start with `WARNING`.

use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;

use learn_mtls::net::{self, Channel, Connection, Slot};
use learn_mtls::trust::ClientIdentity;

use learn_mtls_kit::server;
use server::{Args, Server};

fn main() -> ExitCode {
    let args = Args::parse_for(
        "Lesson 11 server: mutual authentication with a pinned client key or a list",
    );
    let (server, listener, limits) = match server::start(&args) {
        Ok(started) => started,
        Err(code) => return code,
    };
    let server = Arc::new(server);
    net::serve(&listener, limits, move |conn: Connection| {
        server.handle(conn)
    })
}

/// The thread-per-connection driver (a trait because `Server` is the kit's
/// type, which this example cannot add methods to directly).
trait Driver {
    fn handle(&self, conn: Connection);
    fn session(
        &self,
        channel: &mut Channel<TcpStream>,
        client: ClientIdentity,
        peer: SocketAddr,
        slot: Slot,
    ) -> Result<(), String>;
}

impl Driver for Server {
    /// One connection, from accept to close. Never blocks on the log.
    fn handle(&self, conn: Connection) {
        let Connection {
            stream, peer, slot, ..
        } = conn;
        let slot = match slot {
            Ok(slot) => slot,
            Err(busy) => return self.log.refusal(format!("rejected {peer}: {busy}")),
        };
        // Pick up edits to the key lists before deciding about this client.
        self.refresh();
        match net::accept_tcp(
            stream,
            &self.key,
            &self.policy,
            self.config,
            self.handshake_timeout,
        ) {
            Ok((mut channel, client)) => {
                if let Err(why) = self.session(&mut channel, client, peer, slot) {
                    self.log
                        .err(format!("closed {peer} ({}): {why}", client.name));
                }
            }
            Err(e) if slot.was_evicted() => self.log.refusal(format!(
                "rejected {peer}: evicted: the oldest of --max-pending handshakes in progress \
                 when a new connection came ({e})"
            )),
            Err(e) => self.log.refusal(format!("rejected {peer}: {e}")),
        }
    }

    /// An authenticated client's session: echoes each message back, asking
    /// the policy again before each one, so a key revoked while its
    /// session is open loses the session at its next message.
    fn session(
        &self,
        channel: &mut Channel<TcpStream>,
        client: ClientIdentity,
        peer: SocketAddr,
        slot: Slot,
    ) -> Result<(), String> {
        let mut pending = Some(slot);
        // Held for the whole session: dropped on return.
        let mut place = None;
        if self.session_at_accept {
            // Refused before it is logged as accepted.
            match self.sessions.try_open(&client.key) {
                Some(taken) => place = Some(taken),
                None => {
                    self.log
                        .refusal(format!("rejected {peer}: {}", self.too_many(&client)));
                    return Ok(());
                }
            }
            drop(pending.take());
        }
        self.log.out(format!("accepted {client} from {peer}"));
        let write_timeout = self.record.unwrap_or(self.idle);
        channel
            .get_ref()
            .set_write_timeout(Some(write_timeout))
            .map_err(|e| e.to_string())?;
        loop {
            let message = match self.record {
                Some(record) => channel.recv_within(Some(self.idle), record),
                None => channel
                    .set_idle_timeout(Some(self.idle))
                    .map_err(|e| net::Error::Io(net::Stage::Records, e))
                    .and_then(|()| channel.recv()),
            };
            let Some(message) =
                self.on_record((peer, &client), &mut pending, &mut place, message)?
            else {
                return Ok(());
            };
            channel.send(&message).map_err(|e| e.to_string())?;
        }
    }
}
