//! The check of exercise 11.3: the authorized-keys parser.

use std::mem::discriminant;

use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::trust::lists::AuthorizedKeys;
use learn_mtls_exercises::lesson11;

use crate::harness::{Context, Result, below, fail, hex, key_shown, same};

use super::fixtures::{key, not_a_point};

fn key_line(key: &IdentityKey) -> String {
    key.public().to_string()
}

/// "1 entry", "2 entries".
fn entries(n: usize) -> String {
    if n == 1 {
        "1 entry".to_owned()
    } else {
        format!("{n} entries")
    }
}

/// The keys of `text`'s lines by fingerprint, as the lists compared show
/// them: `\n  keys: line 2 fingerprint ..., ...` (nothing without keys).
fn keys_in(text: &str) -> String {
    let keys: Vec<String> = (1..)
        .zip(text.lines())
        .filter_map(|(number, line)| {
            let word = line.split_whitespace().next()?;
            let key = learn_mtls::hex::decode_array::<32>(word).ok()?;
            Some(format!("line {number} {}", key_shown(&key)))
        })
        .collect();
    if keys.is_empty() {
        String::new()
    } else {
        format!("\n            keys: {}", keys.join(", "))
    }
}

/// Compares the learner's parser with the library's on one file.
fn compare_parse(text: &str) -> Result {
    let expected = AuthorizedKeys::parse("authorized_keys", text);
    let got = lesson11::authorized_keys::parse_authorized_keys("authorized_keys", text);
    let input = format!("the file {text:?}{}", keys_in(text));
    match (expected, got) {
        (Ok(e), Ok(g)) => same("the list", &input, &e.entries().to_vec(), &g),
        (Err(e), Err(g)) => {
            // The whole problem, fields too: a column, a length or the
            // line of the first duplicate is what the operator reads.
            let fine = g.file == e.file() && g.line == e.line() && g.problem == e.problem();
            if fine {
                Ok(())
            } else {
                let detail = if discriminant(&g.problem) == discriminant(&e.problem()) {
                    format!(
                        "\n  (the right kind of problem, but {:?} where the library says {:?})",
                        g.problem,
                        e.problem()
                    )
                } else {
                    String::new()
                };
                Err(fail(format!(
                    "the error is wrong\n  input:    {input}\n  expected: {e}\n  got:      {g}{detail}"
                )))
            }
        }
        (Ok(e), Err(g)) => Err(fail(format!(
            "a good list was refused\n  input:    {input}\n  expected: a list of {}\n  got:      {g}",
            entries(e.len())
        ))),
        (Err(e), Ok(g)) => Err(fail(format!(
            "a bad list was accepted\n  input:    {input}\n  expected: {e}\n  got:      a list of {}",
            entries(g.len())
        ))),
    }
}

/// 11.3: the authorized-keys parser.
pub fn authorized_keys() -> Result {
    let (a, b, c) = (key_line(&key()), key_line(&key()), key_line(&key()));
    let weak = format!("01{}", "0".repeat(62));
    let not_point = hex(&not_a_point());
    let mut fixed: Vec<String> = vec![
        String::new(),
        "\n".into(),
        format!("{a} alice\n"),
        format!("{a} alice"),
        format!("# clients\n\n{a} alice\n{b} bob\n"),
        format!("\u{feff}{a} alice\r\n{b}\tbob\r\n"),
        format!("   {a}    alice   \n\t# indented comment\n"),
        format!("{} alice\n", a.to_uppercase()),
        format!("{a}\n"),
        format!("{a} alice smith\n"),
        format!("{a} alice # comment\n"),
        format!("{a} alice\n{b} bob\n{a} alice2\n"),
        format!("{} alice\n", &a[..63]),
        format!("{}g alice\n", &a[..63]),
        format!("  {}z{} alice\n", &a[..10], &a[11..]),
        format!("{weak} weakling\n"),
        format!("{not_point} nobody\n"),
        format!("{a} {}\n", "x".repeat(65)),
        format!("{a} al\u{202e}ice\n"),
        format!("abc alice\n"),
        format!("{a}alice\n"),
        format!("\n\n\n{c} carol\n{c} carol\n"),
        // Whitespace is Unicode whitespace, not only spaces and tabs.
        format!("{a}\u{a0}alice\n"),
        format!("\u{3000}{a}\u{2003}alice\n\u{c}\n"),
    ];
    let pool: Vec<String> = vec![
        format!("{a} alice"),
        format!("{b} bob"),
        format!("{c} carol"),
        "# a comment".into(),
        String::new(),
        "   ".into(),
        format!("{} carol-upper", c.to_uppercase()),
        format!("{a}"),
        format!("{b} bob two"),
        format!("{} short", &b[..60]),
        format!("{weak} w"),
        format!("x{} y", &c[1..]),
    ];
    for _ in 0..300 {
        let lines = below(6) + 1;
        let mut text = if below(10) == 0 {
            "\u{feff}".to_owned()
        } else {
            String::new()
        };
        for _ in 0..lines {
            text.push_str(&pool[below(pool.len())]);
            text.push_str(if below(4) == 0 { "\r\n" } else { "\n" });
        }
        fixed.push(text);
    }
    for text in &fixed {
        compare_parse(text)?;
    }
    // Your list as a real server's policy, in a real handshake.
    let (server, alice) = (key(), key());
    let text = format!("# lab\n{} alice\n{b} bob\n", key_line(&alice));
    let entries = lesson11::authorized_keys::parse_authorized_keys("authorized_keys", &text)
        .map_err(|e| fail(format!("your parser refused a good list: {e}")))?;
    let policy = AuthorizedKeys::new(entries);
    let (client, hello) = mutual::Client::start(
        &mut os_rng(),
        &alice,
        server.public(),
        Binding::InsecureLesson11,
    );
    let (state, server_hello) = mutual::Server::new(&server, Binding::InsecureLesson11)
        .read_client_hello(&mut os_rng(), &hello)
        .context("the real server")?;
    let (_, auth) = client
        .read_server_hello(&server_hello)
        .context("the real client")?;
    match state.read_client_auth(&auth, &policy) {
        Ok(ClientVerified::Accepted(accepted)) if accepted.client.name.as_str() == "alice" => {
            Ok(())
        }
        Ok(_) => Err(fail(
            "with your list, the real server did not call alice \"alice\"",
        )),
        Err(e) => Err(fail(format!(
            "with your list, the real server refused alice: {e}"
        ))),
    }
}
