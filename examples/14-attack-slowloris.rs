//! Lesson 14, attack 1: slowloris. Silent connections fill the table of
//! handshakes in progress.
//!
//! ```console
//! $ cargo run --example 14-attack-slowloris
//! ```
//!
//! Mallory opens 150 connections that never send a byte and keeps opening
//! 50 more a second, while bob, an honest client, tries 10 times. Against
//! `--when-full refuse` the first 64 silent connections take every place
//! for the handshake timeout (10 s) and bob is refused; against the
//! default (`evict-oldest`) each new connection closes the oldest silent
//! one, and bob's handshake, a few milliseconds long, is never the oldest.

use std::time::Duration;

use learn_mtls_kit::siege;
use siege::{Attack, Outcome, Probes};

fn main() -> std::process::ExitCode {
    siege::naive_and_defended(
        "Lesson 14, attack 1: slowloris",
        "Mallory holds 150 silent connections and opens 50 more a second; bob tries 10 times.",
        &["--when-full", "refuse"],
        &[],
        |server, keys| {
            let attack = Attack::silent(server.addr, 150, 50);
            let end = std::time::Instant::now() + Duration::from_secs(5);
            while attack.opened.load(std::sync::atomic::Ordering::Relaxed) < 150
                && std::time::Instant::now() < end
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            let probes = Probes::run(
                server.addr,
                keys,
                learn_mtls::handshake::Binding::InsecureLesson11,
                10,
                Duration::from_millis(100),
            );
            let opened = attack.opened.load(std::sync::atomic::Ordering::Relaxed);
            drop(attack.stop());
            std::thread::sleep(Duration::from_millis(200));
            let log = server.log.lock().unwrap();
            Ok(Outcome {
                lines: vec![
                    format!("mallory opened {opened} silent connections"),
                    probes.summary(),
                    format!(
                        "server log: {} rejected ({} of them evicted), {} rate-limit summaries",
                        log.rejected, log.evicted, log.summaries
                    ),
                ],
                attack_won: !probes.good(),
            })
        },
    )
}
