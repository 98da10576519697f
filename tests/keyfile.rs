//! Key files: how identities live on disk between lessons.
//!
//! `NAME.key` begins with the line `# learn-mtls Ed25519 secret key`, holds
//! the secret seed as hex and must be private (mode 0600); `NAME.pub` is one
//! line of 64 lowercase hex characters, or an OpenSSH `ssh-ed25519` line.
//! Every error names the file, and the line when there is one.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;

use learn_mtls::hex::HexError;
use learn_mtls::keyfile::{self, Overwrite, Problem};
use learn_mtls::keys::{IdentityKey, KeyError};

mod keyfile_support;
use keyfile_support::dir::{TempDir, mode_of, read_bad_public};
use keyfile_support::keys::{SSH_HEX, SSH_LINE, alice, alice_pub_line, alice_secret_line};

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

#[test]
fn write_pair_creates_the_secret_key_file_with_mode_0600() {
    let dir = TempDir::new("mode-0600");

    let (secret, public) =
        keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();

    // Notice: owner read and write, nobody else anything.
    assert_eq!(mode_of(&secret), 0o600);
    assert_eq!(secret, dir.path().join("alice.key"));
    assert_eq!(public, dir.path().join("alice.pub"));
}

#[test]
fn write_pair_leaves_exactly_two_files_and_no_temporaries() {
    let dir = TempDir::new("two-files");

    keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();

    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // Notice: the temporary files were renamed into place, not left behind.
    assert_eq!(names, ["alice.key", "alice.pub"]);
}

#[test]
fn a_link_planted_at_the_old_predictable_temporary_name_neither_blocks_nor_is_followed() {
    let dir = TempDir::new("planted-temporary");
    let victim = dir.file("victim", b"precious\n", 0o644);
    // Before the fix the temporary name was `NAME.key.tmp<pid>`: anyone could
    // plant a file there in advance and make every key generation fail.
    let planted = dir
        .path()
        .join(format!("alice.key.tmp{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();

    let (secret, _) = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();

    // Notice: the name is random now, so the planted link is just ignored.
    assert_eq!(
        keyfile::read_secret(&secret).unwrap().public(),
        alice().public()
    );
    assert_eq!(fs::read(&victim).unwrap(), b"precious\n");
    assert!(
        fs::symlink_metadata(&planted)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn write_atomically_replaces_a_link_at_the_destination_instead_of_writing_through_it() {
    let dir = TempDir::new("link-at-destination");
    let victim = dir.file("victim", b"precious\n", 0o644);
    let target = dir.path().join("list");
    std::os::unix::fs::symlink(&victim, &target).unwrap();

    // With Overwrite::Never the link counts as an existing file.
    let refused = keyfile::write_atomically(&target, b"new\n", 0o600, Overwrite::Never);
    assert_eq!(
        refused.unwrap_err().kind(),
        std::io::ErrorKind::AlreadyExists
    );
    assert_eq!(fs::read(&victim).unwrap(), b"precious\n");

    keyfile::write_atomically(&target, b"new\n", 0o600, Overwrite::Replace).unwrap();

    // Notice: the link itself was replaced by a private file; what it pointed to is untouched.
    assert!(fs::symlink_metadata(&target).unwrap().file_type().is_file());
    assert_eq!(mode_of(&target), 0o600);
    assert_eq!(fs::read(&target).unwrap(), b"new\n");
    assert_eq!(fs::read(&victim).unwrap(), b"precious\n");
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["list", "victim"],
        "no temporary file is left behind"
    );
}

#[test]
fn a_pub_file_is_one_line_of_64_lowercase_hex_characters() {
    let dir = TempDir::new("pub-format");

    let (_, public) = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();
    let text = fs::read_to_string(public).unwrap();

    // Notice: nothing but the key, so it can be pasted anywhere.
    assert_eq!(text, format!("{}\n", alice_pub_line()));
    assert_eq!(text.lines().count(), 1);
    assert_eq!(text.trim_end().len(), 64);
    assert!(
        text.trim_end()
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    );
}

#[test]
fn keys_round_trip_through_their_files() {
    let dir = TempDir::new("round-trip");
    let alice = alice();

    let (secret, public) =
        keyfile::write_pair(dir.path(), "alice", &alice, Overwrite::Never).unwrap();
    let read_secret = keyfile::read_secret(&secret).unwrap();
    let read_public = keyfile::read_public(&public).unwrap();

    // Notice: the same 32 secret bytes come back, and the same public key.
    assert_eq!(*read_secret.to_secret_bytes(), *alice.to_secret_bytes());
    assert_eq!(read_secret.public(), alice.public());
    assert_eq!(read_public, alice.public());
}

#[test]
fn write_pair_with_overwrite_never_refuses_an_existing_key() {
    let dir = TempDir::new("overwrite-never");
    let (secret, _) = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();
    let before = fs::read(&secret).unwrap();
    let other = IdentityKey::from_secret_bytes(&[b'B'; 32]);

    let error = keyfile::write_pair(dir.path(), "alice", &other, Overwrite::Never).unwrap_err();

    // Notice: a key is an identity; losing it by accident is not undoable.
    assert!(matches!(error.problem, Problem::AlreadyExists));
    assert_eq!(error.path, secret);
    assert!(error.to_string().contains("--force"), "{error}");
    assert_eq!(fs::read(&secret).unwrap(), before);
}

#[test]
fn write_pair_with_overwrite_never_refuses_when_only_the_pub_file_exists() {
    let dir = TempDir::new("overwrite-never-pub");
    let public = dir.file("alice.pub", b"anything\n", 0o644);

    let error = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap_err();

    // Notice: neither file is touched, and the error names the one in the way.
    assert!(matches!(error.problem, Problem::AlreadyExists));
    assert_eq!(error.path, public);
    assert!(!dir.path().join("alice.key").exists());
}

#[test]
fn write_pair_with_overwrite_replace_replaces_the_key() {
    let dir = TempDir::new("overwrite-replace");
    keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();
    let other = IdentityKey::from_secret_bytes(&[b'B'; 32]);

    let (secret, public) =
        keyfile::write_pair(dir.path(), "alice", &other, Overwrite::Replace).unwrap();

    // Notice: replaced on purpose, and still private.
    assert_eq!(keyfile::read_public(&public).unwrap(), other.public());
    assert_eq!(
        keyfile::read_secret(&secret).unwrap().public(),
        other.public()
    );
    assert_eq!(mode_of(&secret), 0o600);
}

// ---------------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------------

#[test]
fn a_secret_key_file_readable_by_others_is_refused_with_the_fix() {
    let dir = TempDir::new("mode-0644");
    let (secret, _) = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o644)).unwrap();

    let error = keyfile::read_secret(&secret).unwrap_err();

    // Notice: the message names the file, the mode, and the command that fixes it.
    assert!(matches!(
        error.problem,
        Problem::PermissionsTooOpen { mode: 0o644 }
    ));
    let message = error.to_string();
    assert!(message.contains("0644"), "{message}");
    assert!(
        message.contains(&format!("chmod 600 {}", secret.display())),
        "{message}"
    );
}

#[test]
fn a_secret_key_file_readable_by_its_group_is_refused() {
    let dir = TempDir::new("mode-0640");
    let (secret, _) = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o640)).unwrap();

    let error = keyfile::read_secret(&secret).unwrap_err();

    // Notice: "others" includes the group.
    assert!(matches!(
        error.problem,
        Problem::PermissionsTooOpen { mode: 0o640 }
    ));
}

#[test]
fn a_read_only_secret_key_file_is_accepted() {
    let dir = TempDir::new("mode-0400");
    let (secret, _) = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o400)).unwrap();

    let key = keyfile::read_secret(&secret);

    // Notice: the rule is "nobody but the owner", not "exactly 0600".
    assert_eq!(key.unwrap().public(), alice().public());
}

// ---------------------------------------------------------------------------
// Garbled files: an error naming the file and line, never a panic
// ---------------------------------------------------------------------------

#[test]
fn a_pub_file_with_a_non_hex_character_names_the_line() {
    let dir = TempDir::new("not-hex");
    let mut text = String::from("# alice's key\n");
    text.push_str("zz");
    text.push_str(&alice_pub_line()[2..]);

    let error = read_bad_public(&dir, text.as_bytes());

    // Notice: line 2, because comment lines count when humans count.
    assert!(matches!(error.problem, Problem::Hex(HexError::NotHex)));
    assert_eq!(error.line, Some(2));
}

#[test]
fn a_pub_file_one_character_short_says_how_long_it_is() {
    let dir = TempDir::new("63-chars");

    let error = read_bad_public(&dir, &alice_pub_line().as_bytes()[..63]);

    // Notice: the usual copy-and-paste accident, reported precisely.
    assert!(matches!(
        error.problem,
        Problem::Hex(HexError::WrongLength {
            expected: 64,
            found: 63
        })
    ));
    assert_eq!(error.line, Some(1));
}

#[test]
fn a_pub_file_with_a_multibyte_character_is_refused_without_panicking() {
    let dir = TempDir::new("multibyte");
    // 63 hex characters and an `é`: 64 characters, 65 bytes.
    let text = format!("{}é", &alice_pub_line()[..63]);

    let error = read_bad_public(&dir, text.as_bytes());

    // Notice: counting characters and counting bytes must not disagree into a panic.
    assert!(matches!(error.problem, Problem::Hex(_)));
    assert_eq!(error.line, Some(1));
}

#[test]
fn a_pub_file_with_two_keys_names_the_second() {
    let dir = TempDir::new("two-keys");
    let line = alice_pub_line();
    let text = format!("{line}\n\n{line}\n");

    let error = read_bad_public(&dir, text.as_bytes());

    // Notice: the blank line counts too; the second key is on line 3.
    assert!(matches!(error.problem, Problem::MoreThanOneKey));
    assert_eq!(error.line, Some(3));
}

#[test]
fn an_empty_pub_file_has_no_key() {
    let dir = TempDir::new("empty");

    let error = read_bad_public(&dir, b"");

    // Notice: no line to point at, but still the file.
    assert!(matches!(error.problem, Problem::NoKey));
    assert_eq!(error.line, None);
}

#[test]
fn a_pub_file_of_only_comments_has_no_key() {
    let dir = TempDir::new("only-comments");

    let error = read_bad_public(&dir, b"# alice\n\n# (key goes here)\n");

    // Notice: comments and blank lines are skipped, leaving nothing.
    assert!(matches!(error.problem, Problem::NoKey));
}

#[test]
fn a_pub_file_holding_a_weak_key_is_refused() {
    let dir = TempDir::new("weak");
    // The Ed25519 identity point: order 1.
    let weak = "0100000000000000000000000000000000000000000000000000000000000000\n";

    let error = read_bad_public(&dir, weak.as_bytes());

    // Notice: well-formed hex is not enough; the key itself is checked.
    assert!(matches!(error.problem, Problem::Key(KeyError::Weak)));
    assert_eq!(error.line, Some(1));
}

#[test]
fn a_pub_file_holding_a_non_point_is_refused() {
    let dir = TempDir::new("not-a-point");
    // y = 2 has no x on the curve.
    let bad = "0200000000000000000000000000000000000000000000000000000000000000\n";

    let error = read_bad_public(&dir, bad.as_bytes());

    // Notice: 32 bytes are only a key if they decode to a point.
    assert!(matches!(error.problem, Problem::Key(KeyError::NotAPoint)));
    assert_eq!(error.line, Some(1));
}

#[test]
fn a_pub_file_of_binary_junk_is_refused() {
    let dir = TempDir::new("binary");
    let junk: Vec<u8> = (0..=255u8).rev().collect();

    let error = read_bad_public(&dir, &junk);

    // Notice: not text, so not a key file; the read itself fails.
    assert!(
        matches!(&error.problem, Problem::Io(e) if e.kind() == std::io::ErrorKind::InvalidData)
    );
}

#[test]
fn a_huge_pub_file_is_refused_without_reading_it_all() {
    let dir = TempDir::new("huge");
    let mut huge = "# padding\n".repeat(1000);
    huge.push_str(&alice_pub_line());

    let error = read_bad_public(&dir, huge.as_bytes());

    // Notice: a key file is tiny; anything over 4 KiB is refused as such.
    assert!(matches!(error.problem, Problem::TooLarge));
    assert!(error.to_string().contains("4096"), "{error}");
}

#[test]
fn a_garbled_secret_key_file_names_the_line() {
    let dir = TempDir::new("garbled-secret");
    let path = dir.file(
        "bad.key",
        b"# learn-mtls Ed25519 secret key for bad\n# secret\nnot a key at all\n",
        0o600,
    );

    let error = keyfile::read_secret(&path).unwrap_err();

    // Notice: the same care for secret files, without echoing their contents.
    assert!(matches!(
        error.problem,
        Problem::Hex(HexError::WrongLength {
            expected: 64,
            found: 16
        })
    ));
    assert_eq!(error.line, Some(3));
    assert!(!error.to_string().contains("not a key at all"), "{error}");
}

#[test]
fn a_missing_key_file_is_an_io_error_naming_it() {
    let dir = TempDir::new("missing");
    let path = dir.path().join("nobody.key");

    let error = keyfile::read_secret(&path).unwrap_err();

    // Notice: which file was missing, not just "No such file or directory".
    assert!(matches!(&error.problem, Problem::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
    assert!(error.to_string().contains("nobody.key"), "{error}");
}

#[test]
fn a_directory_given_as_a_key_file_is_refused_as_not_a_file() {
    let dir = TempDir::new("directory-as-key");
    let not_a_file = dir.path().join("server.pub");
    fs::create_dir(&not_a_file).unwrap();

    let error = keyfile::read_public(&not_a_file).unwrap_err();

    // Notice: refused before anything is opened, so a named pipe in the
    // same place could not make the program wait forever either.
    assert!(matches!(error.problem, Problem::NotAFile), "{error}");
    assert!(error.to_string().contains("not a regular file"));
}

#[test]
fn a_key_pair_name_that_is_a_path_is_refused_and_nothing_is_written() {
    let dir = TempDir::new("name-is-a-path");

    for name in ["../escape", "sub/dir", ".hidden", "two words", ""] {
        let error = keyfile::write_pair(dir.path(), name, &alice(), Overwrite::Never).unwrap_err();
        assert!(
            matches!(error.problem, Problem::BadName(_)),
            "{name:?}: {error}"
        );
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(!dir.path().parent().unwrap().join("escape.key").exists());
}

#[test]
fn never_overwriting_leaves_no_temporary_file_behind() {
    let dir = TempDir::new("no-leftovers");
    keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();

    let again = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never);

    assert!(matches!(again.unwrap_err().problem, Problem::AlreadyExists));
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["alice.key", "alice.pub"]);
}

#[test]
fn a_public_key_file_given_where_a_secret_key_is_needed_says_so() {
    let dir = TempDir::new("pub-as-key");
    keyfile::write_pair(dir.path(), "client", &alice(), Overwrite::Never).unwrap();

    let error = keyfile::read_secret(dir.path().join("client.pub")).unwrap_err();

    // Notice: not "permissions 0644 are too open", whose chmod advice
    // would turn a public key into a useless "secret" one.
    assert!(
        matches!(
            error.problem,
            Problem::WrongKind {
                wanted_secret: true
            }
        ),
        "{error}"
    );
}

#[test]
fn a_secret_key_file_given_where_a_public_key_is_needed_says_so_without_printing_it() {
    let dir = TempDir::new("key-as-pub");
    keyfile::write_pair(dir.path(), "server", &alice(), Overwrite::Never).unwrap();
    let renamed = dir.path().join("server-copy");
    fs::copy(dir.path().join("server.key"), &renamed).unwrap();

    for path in [dir.path().join("server.key"), renamed] {
        let error = keyfile::read_public(&path).unwrap_err();
        assert!(
            matches!(
                error.problem,
                Problem::WrongKind {
                    wanted_secret: false
                }
            ),
            "{error}"
        );
        let secret_hex = learn_mtls::hex::Hex(&alice().to_secret_bytes()[..]).to_string();
        assert!(!error.to_string().contains(&secret_hex));
    }
}

// ---------------------------------------------------------------------------
// Telling the kinds of key file apart
// ---------------------------------------------------------------------------

#[test]
fn a_secret_key_file_begins_with_its_header_line() {
    let dir = TempDir::new("header");

    let (secret, _) = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();
    let text = fs::read_to_string(secret).unwrap();

    // Notice: the header is what tells a secret key file from a public one.
    assert!(
        text.starts_with("# learn-mtls Ed25519 secret key for alice."),
        "{text}"
    );
}

#[test]
fn a_pub_file_copied_to_a_key_name_is_refused_as_a_public_key() {
    let dir = TempDir::new("pub-copied-to-key");
    let (_, public) = keyfile::write_pair(dir.path(), "alice", &alice(), Overwrite::Never).unwrap();
    let copy = dir.path().join("x.key");
    fs::copy(&public, &copy).unwrap();

    for mode in [0o600, 0o644] {
        fs::set_permissions(&copy, fs::Permissions::from_mode(mode)).unwrap();
        let error = keyfile::read_secret(&copy).unwrap_err();

        // Notice: one line of 64 hex characters is what a public key looks
        // like; taking it for a secret seed would give a different identity.
        // Refused as a public key whatever its mode, never with chmod advice.
        assert!(
            matches!(
                error.problem,
                Problem::WrongKind {
                    wanted_secret: true
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("public key"), "{error}");
        assert!(!error.to_string().contains("chmod"), "{error}");
    }
}

#[test]
fn a_secret_key_file_without_the_header_is_refused_with_the_fix() {
    let dir = TempDir::new("no-header");
    let text = format!("# my key\n{}\n", alice_secret_line());
    let path = dir.file("alice.key", text.as_bytes(), 0o600);

    let error = keyfile::read_secret(&path).unwrap_err();

    // Notice: a hand-written seed cannot be told from a public key, so it
    // needs the header; the message says which line to add.
    assert!(
        matches!(
            error.problem,
            Problem::WrongKind {
                wanted_secret: true
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("# learn-mtls Ed25519 secret key"),
        "{error}"
    );
    assert!(!error.to_string().contains(&alice_secret_line()));

    // With the header added, the same file is read.
    let fixed = format!("# learn-mtls Ed25519 secret key\n{text}");
    let path = dir.file("fixed.key", fixed.as_bytes(), 0o600);
    assert_eq!(
        keyfile::read_secret(&path).unwrap().public(),
        alice().public()
    );
}

#[test]
fn a_file_that_is_no_key_at_all_is_refused_for_its_missing_header() {
    let dir = TempDir::new("no-key-at-all");
    let path = dir.file("notes.key", b"remember the milk\n", 0o600);

    let error = keyfile::read_secret(&path).unwrap_err();

    assert!(
        matches!(error.problem, Problem::NoSecretKeyHeader),
        "{error}"
    );
}

#[test]
fn an_openssh_ed25519_public_key_file_is_read_as_a_public_key() {
    let dir = TempDir::new("openssh-pub");
    let path = dir.file("id_ed25519.pub", format!("{SSH_LINE}\n").as_bytes(), 0o644);

    let key = keyfile::read_public(&path).unwrap();

    // Notice: the same 32 bytes as the hex form; the comment is ignored.
    assert_eq!(key.to_string(), SSH_HEX);
}

#[test]
fn an_openssh_rsa_public_key_is_refused_as_the_wrong_type() {
    let dir = TempDir::new("openssh-rsa");
    let path = dir.file(
        "id_rsa.pub",
        b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCx me@host\n",
        0o644,
    );

    let error = keyfile::read_public(&path).unwrap_err();

    assert!(
        matches!(
            error.problem,
            Problem::OpenSsh(learn_mtls::openssh::OpenSshError::NotEd25519)
        ),
        "{error}"
    );
    assert!(error.to_string().contains("ssh-ed25519"), "{error}");
    assert_eq!(error.line, Some(1));
}

#[test]
fn an_openssh_public_key_given_as_a_secret_key_is_refused_as_a_public_key() {
    let dir = TempDir::new("openssh-pub-as-key");
    let path = dir.file("id_ed25519", format!("{SSH_LINE}\n").as_bytes(), 0o600);

    let error = keyfile::read_secret(&path).unwrap_err();

    assert!(
        matches!(
            error.problem,
            Problem::WrongKind {
                wanted_secret: true
            }
        ),
        "{error}"
    );
}

#[test]
fn an_openssh_private_key_is_recognised_wherever_a_key_is_read() {
    let dir = TempDir::new("openssh-private");
    let text = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
    let path = dir.file("id_ed25519", text.as_bytes(), 0o600);

    let as_secret = keyfile::read_secret(&path).unwrap_err();
    let as_public = keyfile::read_public(&path).unwrap_err();

    // Notice: not "expected 64 hex characters, found 36" but what it is,
    // and what to do instead.
    assert!(
        matches!(
            as_secret.problem,
            Problem::OpenSshPrivateKey {
                wanted_secret: true
            }
        ),
        "{as_secret}"
    );
    assert!(as_secret.to_string().contains("11-mtls-genkeys"));
    assert!(
        matches!(
            as_public.problem,
            Problem::OpenSshPrivateKey {
                wanted_secret: false
            }
        ),
        "{as_public}"
    );
    assert!(as_public.to_string().contains(".pub"));
}
