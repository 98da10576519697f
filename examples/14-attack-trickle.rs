//! Lesson 14, attack 4: the trickle. One byte at a time, a record that
//! never ends keeps a connection open for ever.
//!
//! ```console
//! $ cargo run --example 14-attack-trickle
//! ```
//!
//! Alice's key (stolen, or a client with a bug) opens a genuine session,
//! then sends one byte of a record every second. Both runs use
//! `--idle-timeout 2` so that the example is short. With `--record-timeout
//! 0` only the idle timeout applies, and every byte restarts it: after 8 s
//! the connection is still open, and would be after a year. With a record
//! deadline (`--record-timeout 3` here, 10 s by default), the record's
//! clock starts at its first byte and the server closes the connection
//! when it runs out.

use std::io::Write;
use std::time::{Duration, Instant};

use learn_mtls::handshake::Binding;
use learn_mtls::net;

use learn_mtls_kit::siege;
use siege::Outcome;

/// How long the example watches the trickle.
const WATCH: Duration = Duration::from_secs(8);

fn main() -> std::process::ExitCode {
    siege::naive_and_defended(
        "Lesson 14, attack 4: the trickle",
        "Alice's key opens a session, then sends a record one byte a second; we watch it for 8 s.",
        &["--record-timeout", "0", "--idle-timeout", "2"],
        &["--record-timeout", "3", "--idle-timeout", "2"],
        |server, keys| {
            let stream = std::net::TcpStream::connect(server.addr).map_err(|e| e.to_string())?;
            let mut channel = net::connect_tcp(
                stream,
                &keys.alice,
                keys.server.public(),
                Binding::InsecureLesson11,
                Duration::from_secs(5),
            )
            .map_err(|e| e.to_string())?;
            channel.send(b"hello").map_err(|e| e.to_string())?;
            channel.recv().map_err(|e| e.to_string())?;
            let mut raw = channel.get_ref().try_clone().map_err(|e| e.to_string())?;
            raw.set_nonblocking(true).map_err(|e| e.to_string())?;
            let began = Instant::now();
            let mut sent = 0;
            let mut closed_after = None;
            while began.elapsed() < WATCH {
                if raw.write_all(&[siege::trickled_byte(sent)]).is_err() || siege::closed(&mut raw)
                {
                    closed_after = Some(began.elapsed());
                    break;
                }
                sent += 1;
                std::thread::sleep(Duration::from_secs(1));
            }
            let line = match closed_after {
                Some(t) => format!(
                    "alice's session sent {sent} byte(s) of one record; the server closed it after {:.1} s",
                    t.as_secs_f64()
                ),
                None => format!(
                    "alice's session sent {sent} byte(s) of one record; still open after {:.0} s",
                    WATCH.as_secs_f64()
                ),
            };
            Ok(Outcome {
                lines: vec![line],
                attack_won: closed_after.is_none(),
            })
        },
    )
}
