//! Lesson 14, attack 2: a replay flood. One recorded `lesson11` handshake,
//! replayed 200 times without the key, takes every connection.
//!
//! ```console
//! $ cargo run --example 14-attack-replay-flood
//! ```
//!
//! Lesson 13 showed that under `--binding lesson11` alice's messages 1 and
//! 3, replayed, make the server log "accepted alice" although Mallory has
//! no key. With `--lesson11-session-at message-3` the server also counts
//! each replay as one of alice's sessions, so 128 replays (both runs use
//! `--max-connections 128`, to keep the example short) fill every place
//! until the idle timeout, 300 s. By default a lesson11 client stays a
//! handshake in progress until its first record opens, which a replay
//! never achieves: the replays are evicted like silent connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use learn_mtls::handshake::Binding;

use learn_mtls_kit::siege;
use siege::{Attack, Outcome, Probes, Recorded};

fn main() -> std::process::ExitCode {
    siege::naive_and_defended(
        "Lesson 14, attack 2: a replay flood",
        "Mallory replays alice's recorded lesson11 messages 1 and 3 on 200 connections, holding each; bob tries 10 times.",
        &[
            "--lesson11-session-at",
            "message-3",
            "--max-sessions-per-key",
            "0",
            "--max-connections",
            "128",
        ],
        &["--max-connections", "128"],
        |server, keys| {
            let recorded = Recorded::alice(server.addr, keys)?;
            let open = Arc::new(AtomicUsize::new(0));
            let attack = Attack::replay_trickle(
                server.addr,
                recorded,
                200,
                Duration::from_secs(60),
                Arc::clone(&open),
            );
            let end = std::time::Instant::now() + Duration::from_secs(8);
            while attack.opened.load(Ordering::Relaxed) < 200 && std::time::Instant::now() < end {
                std::thread::sleep(Duration::from_millis(20));
            }
            let probes = Probes::run(
                server.addr,
                keys,
                Binding::InsecureLesson11,
                10,
                Duration::from_millis(100),
            );
            let replayed = attack.opened.load(Ordering::Relaxed);
            drop(attack.stop());
            std::thread::sleep(Duration::from_millis(200));
            let log = server.log.lock().unwrap();
            Ok(Outcome {
                lines: vec![
                    format!(
                        "mallory completed {replayed} replayed handshakes; the server logged {} 'accepted' lines",
                        log.accepted
                    ),
                    probes.summary(),
                    format!(
                        "server log: {} rejected ({} evicted)",
                        log.rejected, log.evicted
                    ),
                ],
                attack_won: !probes.good(),
            })
        },
    )
}
