//! The lesson binaries' command-line contract, driven as a learner (or a
//! grading script) would drive them from a shell: real processes, real
//! files, real sockets on loopback.
//!
//! The tests find the examples next to the test binary, in
//! `target/<profile>/examples/`. `cargo test` builds them first, but
//! `cargo test --test cli_contract` alone does not, so the first test to
//! need them runs `cargo build --examples` (a no-op when they are fresh).

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;
use common::binaries::example;
use common::cli::{Scratch, client_with, genkeys, mtls_client, pinned_server, run, text};
use common::processes::Server;

#[test]
fn genkeys_writes_a_private_key_file_and_a_one_line_public_key_file() {
    let dir = Scratch::new();
    let out = genkeys(&dir, &["alice"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let public = std::fs::read_to_string(dir.join("alice.pub")).unwrap();
    // Exactly 64 lowercase hex characters and a newline.
    assert_eq!(public.len(), 65);
    assert!(
        public
            .trim_end()
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    );
    // The public key is printed too, with a fingerprint.
    assert!(text(&out.stdout).contains(public.trim_end()));
    assert!(text(&out.stdout).contains("fingerprint"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("alice.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn genkeys_makes_server_and_client_by_default_and_never_overwrites_without_force() {
    let dir = Scratch::new();
    assert!(genkeys(&dir, &[]).status.success());
    for file in ["server.key", "server.pub", "client.key", "client.pub"] {
        assert!(dir.join(file).exists(), "{file} should exist");
    }
    let before = std::fs::read(dir.join("server.key")).unwrap();

    let again = genkeys(&dir, &["server"]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read(dir.join("server.key")).unwrap(), before);

    let forced = genkeys(&dir, &["--force", "server"]);
    assert!(forced.status.success());
    assert_ne!(std::fs::read(dir.join("server.key")).unwrap(), before);
}

#[test]
fn a_pinned_client_is_accepted_and_its_lines_are_echoed() {
    let dir = Scratch::with_keys(&[]);
    let server = pinned_server(&dir, &[]);

    let out = mtls_client(&dir, &server, &[], b"hello\nworld\n");

    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hello\nworld\n");
    assert!(server.next_line().starts_with("accepted client "));
}

#[test]
fn both_bindings_and_both_schedules_work_when_the_ends_agree() {
    let dir = Scratch::with_keys(&[]);
    for (binding, schedule) in [
        ("lesson11", "hkdf"),
        ("transcript", "hkdf"),
        ("lesson11", "tls12-prf"),
        ("transcript", "tls12-prf"),
    ] {
        let flags = ["--binding", binding, "--schedule", schedule];
        let server = pinned_server(&dir, &flags);
        let out = mtls_client(&dir, &server, &flags, b"ping\n");
        assert!(
            out.status.success(),
            "{binding}/{schedule}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "ping\n");
        assert!(server.next_line().starts_with("accepted"));
    }
}

#[test]
fn a_client_pinning_the_wrong_server_key_aborts_and_says_why() {
    let dir = Scratch::with_keys(&["server", "client", "impostor"]);
    let server = pinned_server(&dir, &[]);

    let out = client_with(
        &dir,
        &server,
        ("client.key", "impostor.pub"),
        &[],
        b"hello\n",
    );

    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains("signature does not match the pinned key in impostor.pub"),
        "{error}"
    );
    assert!(server.next_line().starts_with("rejected"));
    // Lesson 11 quotes this error word for word.
    let path = format!(
        "{}/lessons/11-mutual-authentication.md",
        env!("CARGO_MANIFEST_DIR")
    );
    let lesson = std::fs::read_to_string(&path).unwrap();
    let said = error
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in:\n{error}"));
    assert!(
        lesson.lines().any(|line| line == said),
        "{path} should quote the client's words:\n{said}"
    );
}

#[test]
fn an_unknown_client_is_rejected_and_the_server_keeps_serving_others() {
    let dir = Scratch::with_keys(&["server", "client", "stranger"]);
    let server = pinned_server(&dir, &[]);

    let refused = client_with(
        &dir,
        &server,
        ("stranger.key", "server.pub"),
        &[],
        b"let me in\n",
    );
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("probably did not accept this client"));
    let line = server.next_line();
    assert!(
        line.starts_with("rejected") && line.contains("unknown client key"),
        "{line}"
    );

    let accepted = mtls_client(&dir, &server, &[], b"still there?\n");
    assert_eq!(text(&accepted.stdout), "still there?\n");
    assert!(server.next_line().starts_with("accepted client"));
}

#[test]
fn authorized_clients_are_accepted_by_name_and_a_revocation_applies_without_restart() {
    let dir = Scratch::with_keys(&["server", "alice", "bob"]);
    let key = |name: &str| {
        std::fs::read_to_string(dir.join(format!("{name}.pub")))
            .unwrap()
            .trim()
            .to_owned()
    };
    std::fs::write(
        dir.join("authorized_keys"),
        format!("{} alice\n{} bob\n", key("alice"), key("bob")),
    )
    .unwrap();
    std::fs::write(dir.join("revoked_keys"), "# none yet\n").unwrap();
    let server = Server::start(
        "11-mtls-server",
        &dir,
        &[
            "--key",
            "server.key",
            "--authorized",
            "authorized_keys",
            "--revoked",
            "revoked_keys",
        ],
    );

    for name in ["alice", "bob"] {
        let out = client_with(
            &dir,
            &server,
            (&format!("{name}.key"), "server.pub"),
            &[],
            b"hi\n",
        );
        assert!(out.status.success());
        assert!(server.next_line().starts_with(&format!("accepted {name} ")));
    }

    // Revoke bob by replacing the file atomically: write a copy, rename it over.
    std::fs::write(
        dir.join("revoked_keys.new"),
        format!("{} bob's laptop was stolen\n", key("bob")),
    )
    .unwrap();
    std::fs::rename(dir.join("revoked_keys.new"), dir.join("revoked_keys")).unwrap();

    let bob = client_with(&dir, &server, ("bob.key", "server.pub"), &[], b"hi\n");
    assert!(!bob.status.success());
    let line = server.next_line();
    assert!(
        line.starts_with("rejected") && line.contains("revoked"),
        "{line}"
    );
    let alice = client_with(&dir, &server, ("alice.key", "server.pub"), &[], b"hi\n");
    assert!(alice.status.success());
    assert!(server.next_line().starts_with("accepted alice "));
}

#[test]
fn without_its_revocation_list_the_server_refuses_everyone_until_it_returns() {
    let dir = Scratch::with_keys(&["server", "client"]);
    std::fs::write(dir.join("revoked_keys"), "").unwrap();
    let server = pinned_server(&dir, &["--revoked", "revoked_keys"]);

    std::fs::rename(dir.join("revoked_keys"), dir.join("revoked_keys.away")).unwrap();
    assert!(!mtls_client(&dir, &server, &[], b"hi\n").status.success());
    assert!(server.next_line().contains("revocation list unavailable"));

    std::fs::rename(dir.join("revoked_keys.away"), dir.join("revoked_keys")).unwrap();
    assert!(mtls_client(&dir, &server, &[], b"hi\n").status.success());
    assert!(server.next_line().starts_with("accepted"));
}

#[test]
fn a_malformed_list_stops_the_server_at_start_up_with_file_and_line() {
    let dir = Scratch::with_keys(&["server"]);
    std::fs::write(dir.join("authorized_keys"), "# fine\n\nnot-a-key alice\n").unwrap();

    let out = run(
        "11-mtls-server",
        &dir,
        &[
            "--listen",
            "127.0.0.1:0",
            "--key",
            "server.key",
            "--authorized",
            "authorized_keys",
        ],
        b"",
    );

    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("authorized_keys:3: "),
        "{}",
        text(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn a_secret_key_readable_by_others_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Scratch::with_keys(&[]);
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();

    let out = run(
        "11-mtls-server",
        &dir,
        &[
            "--listen",
            "127.0.0.1:0",
            "--key",
            "server.key",
            "--client-pub",
            "client.pub",
        ],
        b"",
    );

    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains("0644") && error.contains("chmod 600 server.key"),
        "{error}"
    );
}

#[test]
fn lesson_10_authenticates_the_server_to_an_anonymous_client() {
    let dir = Scratch::with_keys(&["server"]);
    let server = Server::start("10-server", &dir, &["--key", "server.key"]);

    let out = run(
        "10-client",
        &dir,
        &["--connect", &server.addr, "--server-pub", "server.pub"],
        b"",
    );

    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(server.next_line().starts_with("accepted anonymous client"));
}

#[test]
fn the_tour_runs_the_whole_story_and_exits_zero() {
    let out = Command::new(example("tour"))
        .output()
        .expect("run the tour");
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("224"));
}

#[test]
fn the_prf_calculator_prints_exactly_one_line_of_lowercase_hex() {
    let out = Command::new(example("12-tls12-prf"))
        .args([
            "--secret",
            "9bbe436ba940f017b17652849a71db35",
            "--label",
            "test label",
        ])
        .args(["--seed", "a0ba9f936cda311827a6f796ffd5198c", "--len", "16"])
        .output()
        .unwrap();

    assert!(out.status.success());
    // The first 16 bytes of the TLS working group's P_SHA256 test vector.
    assert_eq!(text(&out.stdout), "e3f229ba727be17b8d122620557cd453\n");
}

#[test]
fn the_prf_calculator_refuses_bad_hex_without_printing_a_result() {
    let out = Command::new(example("12-tls12-prf"))
        .args([
            "--secret", "xyz", "--label", "l", "--seed", "00", "--len", "4",
        ])
        .output()
        .unwrap();

    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(!out.stderr.is_empty());
}

#[test]
fn the_prf_walkthrough_opens_a_live_record_with_the_keys_it_derived() {
    let out = Command::new(example("12-tls12-prf")).output().unwrap();

    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("LESSON ONLY"));
    assert!(stdout.contains("so these are the live session's keys"));
}

/// A client whose standard input stays open, so a test can type into it.
fn interactive_client(dir: &Path, server: &Server, key: &str) -> Child {
    Command::new(example("11-mtls-client"))
        .current_dir(dir)
        .args([
            "--connect",
            &server.addr,
            "--key",
            key,
            "--server-pub",
            "server.pub",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start client")
}

fn type_line(client: &mut Child, line: &str) -> String {
    let stdin = client.stdin.as_mut().expect("stdin");
    writeln!(stdin, "{line}").expect("type a line");
    let mut reply = String::new();
    let stdout = client.stdout.as_mut().expect("stdout");
    let mut byte = [0u8; 1];
    while std::io::Read::read(stdout, &mut byte).expect("read reply") == 1 && byte[0] != b'\n' {
        reply.push(char::from(byte[0]));
    }
    reply
}

#[test]
fn revoking_a_key_also_ends_the_session_it_has_open() {
    let dir = Scratch::with_keys(&["server", "client"]);
    std::fs::write(dir.join("revoked_keys"), "").unwrap();
    let server = pinned_server(&dir, &["--revoked", "revoked_keys"]);
    let mut client = interactive_client(&dir, &server, "client.key");
    assert_eq!(type_line(&mut client, "one"), "one");
    assert!(server.next_line().starts_with("accepted client"));

    let key = std::fs::read_to_string(dir.join("client.pub")).unwrap();
    std::fs::write(dir.join("revoked_keys.new"), key).unwrap();
    std::fs::rename(dir.join("revoked_keys.new"), dir.join("revoked_keys")).unwrap();

    // Notice: the next message, on the same connection, is not echoed.
    assert_eq!(type_line(&mut client, "two"), "");
    drop(client.stdin.take());
    let out = client.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("in the middle of the session"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_client_that_stays_silent_past_the_idle_timeout_is_dropped() {
    let dir = Scratch::with_keys(&[]);
    let server = pinned_server(&dir, &["--idle-timeout", "1"]);
    let mut client = interactive_client(&dir, &server, "client.key");
    assert_eq!(type_line(&mut client, "hello"), "hello");

    // Waits out the 1 s idle timeout (with room for a busy machine).
    std::thread::sleep(Duration::from_millis(2500));

    assert_eq!(type_line(&mut client, "still there?"), "");
    drop(client.stdin.take());
    assert!(!client.wait().unwrap().success());
}

#[test]
fn connections_over_the_cap_are_rejected_at_once_and_say_why() {
    let dir = Scratch::with_keys(&[]);
    let server = pinned_server(&dir, &["--max-connections", "1"]);
    let mut first = interactive_client(&dir, &server, "client.key");
    assert_eq!(
        type_line(&mut first, "holding the only place"),
        "holding the only place"
    );
    assert!(server.next_line().starts_with("accepted"));

    let second = mtls_client(&dir, &server, &[], b"me too\n");

    assert!(!second.status.success());
    assert_eq!(
        server.next_line().split(": ").last(),
        Some("too many open connections")
    );
    drop(first.stdin.take());
    assert!(first.wait().unwrap().success());
}
