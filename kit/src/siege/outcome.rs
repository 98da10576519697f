//! A whole siege from the command line: the naive server and the defended
//! one under the same attack, side by side.

use super::{Keys, Server, Stdout};
use learn_mtls::handshake::Binding;

/// What one run of an attack example saw.
pub struct Outcome {
    /// What happened, line by line.
    pub lines: Vec<String>,
    /// True if the attack succeeded: honest clients locked out, or the
    /// attacker's connection outlived what the lesson says it should.
    pub attack_won: bool,
}

/// The server an attack example besieges: `--server NAME` on its command
/// line, `11-mtls-server` by default.
pub fn server_from_args(title: &str, story: &str) -> String {
    // One option: `--help` explains, anything unknown is refused (exit 2).
    // (A library, where CARGO_BIN_NAME is not set.)
    let name = std::env::args()
        .next()
        .and_then(|arg0| {
            let stem = std::path::Path::new(&arg0)
                .file_stem()?
                .to_str()?
                .to_owned();
            Some(stem)
        })
        .unwrap_or_else(|| "14-attack".into());
    let matches = clap::Command::new("14-attack")
        .bin_name(name)
        .about(title.to_owned())
        .long_about(format!(
            "{title}\n\n{story}\n\nRuns the attack on loopback against the server with its \
             defence turned off by a named flag (naive), then with its defaults (defended), \
             prints both outcomes, and exits 0 if they are the ones Lesson 14 teaches, 1 \
             otherwise."
        ))
        .arg(
            clap::Arg::new("server")
                .long("server")
                .value_name("BINARY")
                .default_value("11-mtls-server")
                .help("The server to attack: 11-mtls-server or 14-async-server"),
        )
        .get_matches();
    matches
        .get_one::<String>("server")
        .cloned()
        .unwrap_or_else(|| "11-mtls-server".into())
}

/// Runs `attack` against a fresh server started with `naive` flags, then
/// against one with `defended` flags, prints both, and exits 0 when the
/// attack wins against the first and loses against the second, as Lesson
/// 14 teaches.
pub fn naive_and_defended(
    title: &str,
    story: &str,
    naive: &[&str],
    defended: &[&str],
    attack: impl Fn(&Server, &Keys) -> Result<Outcome, String>,
) -> std::process::ExitCode {
    let binary = server_from_args(title, story);
    println!("{title}");
    println!("{story}");
    let mut results = Vec::new();
    for (label, flags) in [("naive", naive), ("defended", defended)] {
        println!();
        println!(
            "{} ({label})",
            [binary.as_str()]
                .into_iter()
                .chain(flags.iter().copied())
                .collect::<Vec<_>>()
                .join(" ")
        );
        let outcome = Keys::new(label).and_then(|keys| {
            let mut server = Server::start(
                &binary,
                &keys,
                Binding::InsecureLesson11,
                Stdout::Read,
                None,
                flags,
            )?;
            let outcome = attack(&server, &keys)?;
            if !server.healthy() {
                return Err("the server went down or panicked".into());
            }
            Ok(outcome)
        });
        match outcome {
            Ok(outcome) => {
                for line in &outcome.lines {
                    println!("   {line}");
                }
                println!(
                    "   => {}",
                    if outcome.attack_won {
                        "the attack wins"
                    } else {
                        "the attack fails"
                    }
                );
                results.push(Some(outcome.attack_won));
            }
            Err(e) => {
                println!("   could not run: {e}");
                results.push(None);
            }
        }
    }
    println!();
    if results == [Some(true), Some(false)] {
        println!(
            "verdict: the attack wins against the naive server and fails against the defended one. As Lesson 14 teaches."
        );
        std::process::ExitCode::SUCCESS
    } else {
        println!(
            "verdict: NOT what Lesson 14 teaches (naive: {:?}, defended: {:?})",
            results[0], results[1]
        );
        std::process::ExitCode::FAILURE
    }
}
