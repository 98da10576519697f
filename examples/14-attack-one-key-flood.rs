//! Lesson 14, attack 3: one key takes every session.
//!
//! ```console
//! $ cargo run --example 14-attack-one-key-flood
//! ```
//!
//! Mallory has stolen alice's key (or alice's script has a bug): she opens
//! 150 genuine sessions, confirms each with one message, and holds them
//! idle. Both runs use `--max-connections 128` to keep the example short.
//! With `--max-sessions-per-key 0` (no cap) her sessions fill every place
//! and bob is refused; by default alice's key gets 32 sessions and no more.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use learn_mtls::handshake::Binding;

use learn_mtls_kit::siege;
use siege::{Attack, Outcome, Probes};

fn main() -> std::process::ExitCode {
    siege::naive_and_defended(
        "Lesson 14, attack 3: one key floods the server with sessions",
        "Mallory, holding alice's key, opens 150 sessions and keeps them idle; bob tries 10 times.",
        &["--max-sessions-per-key", "0", "--max-connections", "128"],
        &["--max-connections", "128"],
        |server, keys| {
            let sessions = Arc::new(AtomicUsize::new(0));
            let attack = Attack::one_key(
                server.addr,
                keys,
                Binding::InsecureLesson11,
                150,
                Arc::clone(&sessions),
            );
            let end = std::time::Instant::now() + Duration::from_secs(10);
            while attack.opened.load(Ordering::Relaxed) < 150 && std::time::Instant::now() < end {
                std::thread::sleep(Duration::from_millis(20));
            }
            let probes = Probes::run(
                server.addr,
                keys,
                Binding::InsecureLesson11,
                10,
                Duration::from_millis(100),
            );
            let held = sessions.load(Ordering::Relaxed);
            drop(attack.stop());
            Ok(Outcome {
                lines: vec![
                    format!("mallory, as alice, holds {held} idle sessions of the 150 she tried"),
                    probes.summary(),
                ],
                attack_won: !probes.good(),
            })
        },
    )
}
