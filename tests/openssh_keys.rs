//! OpenSSH Ed25519 public keys (`ssh-ed25519 AAAA... comment`), accepted
//! wherever a public key is read: key files (see `tests/keyfile.rs`), the
//! authorized-keys list and the revocation list. Everything else OpenSSH
//! writes is refused with an error that says what it is.

use learn_mtls::keys::KeyError;
use learn_mtls::openssh::{self, OpenSshError};
use learn_mtls::trust::format::LineProblem;
use learn_mtls::trust::lists::{AuthorizedKeys, RevokedKeys};

/// Made by `ssh-keygen -t ed25519 -C alice@laptop`.
const SSH_BASE64: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIL+oN2zdAph7ewqWHMmumlD/orLSfLQUj/033qLnjmij";
/// The same key as hex, as 11-mtls-genkeys would write it.
const SSH_HEX: &str = "bfa8376cdd02987b7b0a961cc9ae9a50ffa2b2d27cb4148ffd37dea2e78e68a3";

fn line_problem(text: &str) -> LineProblem {
    AuthorizedKeys::parse("authorized_keys", text)
        .unwrap_err()
        .problem()
}

#[test]
fn an_openssh_line_and_its_hex_form_are_the_same_key() {
    let line = format!("ssh-ed25519 {SSH_BASE64} alice@laptop");
    let (key, comment) = openssh::parse_line(&line).expect("recognised").unwrap();

    // Notice: the base64 holds string "ssh-ed25519", then the 32 key bytes.
    assert_eq!(key.to_string(), SSH_HEX);
    assert_eq!(comment, "alice@laptop");
}

#[test]
fn a_line_that_is_not_openssh_is_left_to_the_hex_parser() {
    assert!(openssh::parse_line(SSH_HEX).is_none());
    assert!(openssh::parse_line("# ssh-ed25519 in a comment").is_none());
}

#[test]
fn an_authorized_keys_line_of_openssh_form_takes_its_comment_as_the_name() {
    let text = format!("# from id_ed25519.pub\nssh-ed25519 {SSH_BASE64} alice@laptop\n");

    let list = AuthorizedKeys::parse("authorized_keys", text).unwrap();

    // Notice: an OpenSSH authorized_keys line works as it is.
    let entry = &list.entries()[0];
    assert_eq!(entry.name.as_str(), "alice@laptop");
    assert_eq!(entry.key.to_string(), SSH_HEX);
}

#[test]
fn the_same_key_in_both_forms_is_a_duplicate() {
    let text = format!("{SSH_HEX} alice\nssh-ed25519 {SSH_BASE64} alice2\n");

    // Notice: duplicates are found by key bytes, not by spelling.
    assert_eq!(
        line_problem(&text),
        LineProblem::Duplicate { first_line: 1 }
    );
}

#[test]
fn an_openssh_key_without_a_comment_has_no_name() {
    assert_eq!(
        line_problem(&format!("ssh-ed25519 {SSH_BASE64}\n")),
        LineProblem::MissingName
    );
}

#[test]
fn a_revocation_list_takes_openssh_keys_with_a_comment() {
    let text = format!("ssh-ed25519 {SSH_BASE64} laptop stolen 2026-11-01\n");

    let revoked = RevokedKeys::parse("revoked_keys", text).unwrap();

    assert_eq!(revoked.len(), 1);
}

#[test]
fn other_openssh_key_types_are_refused_by_name() {
    for key_type in [
        "ssh-rsa",
        "ssh-dss",
        "ecdsa-sha2-nistp256",
        "sk-ssh-ed25519@openssh.com",
    ] {
        let problem = line_problem(&format!("{key_type} AAAAB3NzaC1yc2E alice\n"));
        assert_eq!(
            problem,
            LineProblem::OpenSsh(OpenSshError::NotEd25519),
            "{key_type}"
        );
        assert!(problem.to_string().contains("only `ssh-ed25519`"));
    }
}

#[test]
fn openssh_options_before_the_key_are_refused_as_such() {
    let problem = line_problem(&format!(
        "restrict,command=\"/bin/true\" ssh-ed25519 {SSH_BASE64} alice\n"
    ));

    // Notice: not "'r' is not a hex digit".
    assert_eq!(problem, LineProblem::OpenSsh(OpenSshError::Options));
}

#[test]
fn a_truncated_openssh_key_says_how_long_it_should_be() {
    let problem = line_problem(&format!("ssh-ed25519 {} alice\n", &SSH_BASE64[..67]));

    assert_eq!(
        problem,
        LineProblem::OpenSsh(OpenSshError::WrongLength { found: 67 })
    );
    assert!(problem.to_string().contains("68 base64 characters"));
}

#[test]
fn openssh_key_text_that_is_not_base64_is_refused() {
    let garbled = format!("{}!{}", &SSH_BASE64[..30], &SSH_BASE64[31..]);

    assert_eq!(
        line_problem(&format!("ssh-ed25519 {garbled} alice\n")),
        LineProblem::OpenSsh(OpenSshError::NotBase64)
    );
}

#[test]
fn ssh_ed25519_with_no_key_after_it_is_refused() {
    assert_eq!(
        line_problem("ssh-ed25519\n"),
        LineProblem::OpenSsh(OpenSshError::MissingKeyData)
    );
}

#[test]
fn base64_holding_another_key_type_or_length_is_refused() {
    // The inner type string says "ssh-ed25518"; then a key length of 31.
    for blob in [
        "AAAAC3NzaC1lZDI1NTE4AAAAIL+oN2zdAph7ewqWHMmumlD/orLSfLQUj/033qLnjmij",
        "AAAAC3NzaC1lZDI1NTE5AAAAH7+oN2zdAph7ewqWHMmumlD/orLSfLQUj/033qLnjmij",
    ] {
        assert_eq!(
            openssh::parse_key("ssh-ed25519", blob).unwrap_err(),
            OpenSshError::NotAnEd25519Blob,
            "{blob}"
        );
    }
}

#[test]
fn a_weak_key_in_openssh_form_is_refused_like_any_weak_key() {
    // 32 key bytes 01 00 .. 00: the identity point.
    let weak = "AAAAC3NzaC1lZDI1NTE5AAAAIAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    assert_eq!(
        line_problem(&format!("ssh-ed25519 {weak} alice\n")),
        LineProblem::Key(KeyError::Weak)
    );
}
