//! Lesson 15 katas: the text form, and files reloaded while a server runs.

mod common;
use common::pki;

use std::path::{Path, PathBuf};

use learn_mtls::cert::armour::{self, ArmourError, ArmourProblem, CERTIFICATE_LABEL, blocks};
use learn_mtls::cert::files::{self, CertFileError, Crls, Problem, certificates_text, crl_text};
use learn_mtls::cert::live::LiveFiles;
use learn_mtls::cert::{CERTIFICATE_LEN, Certificate};
use learn_mtls::keyfile::{self, Overwrite};
use pki::*;

/// A refresh's notices as a server prints them: problems with `WARNING: `.
fn printed(live: &LiveFiles) -> Vec<String> {
    live.refresh()
        .iter()
        .map(|notice| {
            if notice.is_problem() {
                format!("WARNING: {notice}")
            } else {
                notice.to_string()
            }
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("learn-mtls-l15f-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn decode_one(text: &str) -> Result<Vec<u8>, ArmourError> {
    let mut buf = [0u8; 512];
    let block = blocks(text).next().expect("a block")?;
    Ok(block.decode(&mut buf)?.to_vec())
}

fn problem(text: &str) -> (usize, ArmourProblem) {
    let e = decode_one(text).unwrap_err();
    (e.line, e.problem)
}

#[test]
fn armour_round_trips_and_wraps_at_64() {
    let cert = alice_cert().to_bytes();
    let mut text = String::new();
    armour::write_block(&mut text, CERTIFICATE_LABEL, &cert).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // 220 bytes: 4 full lines of 48 bytes and one of 28 (40 characters with padding).
    assert_eq!(lines.len(), 7);
    assert!(lines[1..5].iter().all(|l| l.len() == 64));
    assert_eq!(lines[5].len(), 40);
    assert_eq!(decode_one(&text).unwrap(), cert);
    // Windows line ends and comments around blocks are fine.
    let crlf = format!("# alice\r\n\r\n{}", text.replace('\n', "\r\n"));
    assert_eq!(decode_one(&crlf).unwrap(), cert);
}

#[test]
fn armour_errors_name_the_line() {
    let mut good = String::new();
    armour::write_block(&mut good, CERTIFICATE_LABEL, &alice_cert().to_bytes()).unwrap();
    let lines: Vec<String> = good.lines().map(str::to_owned).collect();
    let with = |index: usize, replacement: &str| {
        let mut l = lines.clone();
        l[index] = replacement.to_owned();
        l.join("\n")
    };
    assert_eq!(
        problem(&with(2, &lines[2][..60])),
        (3, ArmourProblem::LineLength { found: 60 })
    );
    assert_eq!(
        problem(&with(3, &"*".repeat(64))),
        (4, ArmourProblem::Base64)
    );
    // Padding in the middle.
    assert_eq!(
        problem(&with(1, &format!("{}==", &lines[1][..62]))),
        (2, ArmourProblem::Base64)
    );
    let no_end = lines[..6].join("\n");
    assert_eq!(
        blocks(&no_end).next().unwrap().unwrap_err(),
        ArmourError {
            line: 1,
            problem: ArmourProblem::MissingEnd
        }
    );
    let wrong_end = with(6, "-----END LEARN-MTLS REVOCATION LIST-----");
    assert_eq!(
        blocks(&wrong_end).next().unwrap().unwrap_err(),
        ArmourError {
            line: 7,
            problem: ArmourProblem::MismatchedEnd
        }
    );
    let outside = format!("hello\n{good}");
    assert_eq!(
        blocks(&outside).next().unwrap().unwrap_err(),
        ArmourError {
            line: 1,
            problem: ArmourProblem::TextOutsideBlock
        }
    );
    let empty = "-----BEGIN X-----\n-----END X-----\n";
    assert_eq!(problem(empty), (1, ArmourProblem::Empty));
    // A block bigger than the buffer it is decoded into.
    let mut small = [0u8; 100];
    let block = blocks(&good).next().unwrap().unwrap();
    assert!(matches!(
        block.decode(&mut small),
        Err(ArmourError {
            problem: ArmourProblem::TooLarge { max: 100 },
            ..
        })
    ));
    assert_eq!(
        ArmourError {
            line: 4,
            problem: ArmourProblem::Base64
        }
        .to_string(),
        "line 4: not valid base64"
    );
}

#[test]
fn a_file_error_names_the_file_the_line_and_the_problem() {
    let path = Path::new("alice.crt");
    let text = certificates_text(&[alice_cert()]);
    let err = files::parse_certificates(
        path,
        &text
            .replace(
                "BEGIN LEARN-MTLS CERTIFICATE",
                "BEGIN LEARN-MTLS REVOCATION LIST",
            )
            .replace(
                "END LEARN-MTLS CERTIFICATE",
                "END LEARN-MTLS REVOCATION LIST",
            ),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "alice.crt:1: expected a LEARN-MTLS CERTIFICATE block here"
    );

    // A block that decodes but is not a certificate: its BEGIN line is named.
    let mut not_a_cert = String::from("# comment\n");
    armour::write_block(&mut not_a_cert, CERTIFICATE_LABEL, &[1u8; CERTIFICATE_LEN]).unwrap();
    let err = files::parse_certificates(path, &not_a_cert).unwrap_err();
    assert_eq!(err.line, Some(2));
    assert_eq!(
        err.to_string(),
        "alice.crt:2: not a certificate: a client or server certificate has path length 1; \
         only a CA may have one"
    );
    let err = files::parse_certificates(path, "").unwrap_err();
    assert_eq!(
        err.to_string(),
        "alice.crt:1: no -----BEGIN ...----- block found"
    );

    let crl_bytes = crl(&root_key(), &[3]);
    let parsed = Crls::parse(Path::new("root.crl"), &crl_text(&crl_bytes)).unwrap();
    assert_eq!(parsed.lists()[0].serials().collect::<Vec<_>>(), [3]);
    let err = Crls::parse(Path::new("root.crl"), &crl_text(&crl_bytes[..60])).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("root.crl:1: not a revocation list:"),
        "{err}"
    );
}

#[test]
fn a_chain_file_holds_at_most_a_leaf_and_an_intermediate() {
    let dir = scratch("chain");
    let path = dir.join("three.crt");
    let three = certificates_text(&[alice_cert(), intermediate_cert(), root_cert()]);
    std::fs::write(&path, three).unwrap();
    let err = files::read_chain(&path).unwrap_err();
    assert!(matches!(err.problem, Problem::ChainTooLong { found: 3 }));
    let two = dir.join("two.crt");
    let chain = server_chain_via_intermediate();
    std::fs::write(
        &two,
        certificates_text(&[chain.leaf, chain.intermediate.unwrap()]),
    )
    .unwrap();
    assert_eq!(files::read_chain(&two).unwrap(), chain);
    let root_file = dir.join("root.crt");
    std::fs::write(&root_file, certificates_text(&[alice_cert()])).unwrap();
    assert!(
        files::read_root(&root_file)
            .unwrap_err()
            .to_string()
            .contains("is not a root")
    );
}

/// The server's files, in `dir`.
fn server_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    keyfile::write_pair(dir, "server", &server_key(), Overwrite::Replace).unwrap();
    let cert = dir.join("server.crt");
    let ca = dir.join("ca.crt");
    let crl_path = dir.join("root.crl");
    files::write_atomically(&cert, &certificates_text(&[server_cert()])).unwrap();
    files::write_atomically(&ca, &certificates_text(&[root_cert()])).unwrap();
    files::write_atomically(&crl_path, &crl_text(&crl(&root_key(), &[]))).unwrap();
    (dir.join("server.key"), cert, ca, crl_path)
}

#[test]
fn write_atomically_never_writes_through_a_link_planted_at_the_old_temporary_name() {
    let dir = scratch("planted-temporary");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    // 15-ca used to write `FILE.tmp<pid>`, creating or truncating whatever
    // was there and following a symbolic link: a link planted at that name
    // overwrote the file it pointed to.
    let out = dir.join("root.crl");
    let planted = dir.join(format!("root.crl.tmp{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();

    files::write_atomically(&out, &crl_text(&crl(&root_key(), &[]))).unwrap();

    // Notice: the list went where it was meant to, and the victim is untouched.
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(std::fs::read_to_string(&out).unwrap().contains("BEGIN"));
    assert!(
        std::fs::symlink_metadata(&out)
            .unwrap()
            .file_type()
            .is_file()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn live_files_swap_in_a_renewed_certificate_and_keep_the_last_good_one() {
    let dir = scratch("live-cert");
    let (key, cert, ca, crl_path) = server_files(&dir);
    let live = LiveFiles::open(&key, &cert, &ca, Some(&crl_path)).unwrap();
    assert!(printed(&live).is_empty(), "nothing changed yet");
    assert_eq!(live.snapshot().credentials.chain.leaf.body.serial, 4);

    let renewed: Certificate = sign(
        body(
            learn_mtls::cert::Usage::Server,
            "api.internal",
            &server_key(),
            &root_key(),
            9,
        ),
        &root_key(),
    );
    files::write_atomically(&cert, &certificates_text(&[renewed])).unwrap();
    let notices = printed(&live);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("now presenting api.internal (server, serial 9"),
        "{notices:?}"
    );
    assert_eq!(live.snapshot().credentials.chain.leaf.body.serial, 9);

    // A broken certificate file: reported once, the renewed one stays.
    std::fs::write(&cert, "garbage\n").unwrap();
    let notices = printed(&live);
    assert_eq!(notices.len(), 1);
    assert!(notices[0].starts_with("WARNING: "), "{notices:?}");
    assert!(
        notices[0].contains("server.crt:1: text outside"),
        "{notices:?}"
    );
    assert!(printed(&live).is_empty(), "reported once");
    assert_eq!(live.snapshot().credentials.chain.leaf.body.serial, 9);

    // A certificate for another key than server.key is not swapped in.
    files::write_atomically(&cert, &certificates_text(&[alice_cert()])).unwrap();
    let notices = printed(&live);
    assert!(
        notices[0].contains("the certificate is for another key"),
        "{notices:?}"
    );
    assert_eq!(live.snapshot().credentials.chain.leaf.body.serial, 9);
}

#[test]
fn a_broken_list_file_fails_closed_and_recovers() {
    let dir = scratch("live-crl");
    let (key, cert, ca, crl_path) = server_files(&dir);
    let live = LiveFiles::open(&key, &cert, &ca, Some(&crl_path)).unwrap();
    std::fs::remove_file(&crl_path).unwrap();
    let notices = printed(&live);
    assert!(notices[0].starts_with("WARNING: "), "{notices:?}");
    assert!(matches!(live.snapshot().crls, Some(Err(_))));
    // Dated a second after the first list: one of the same second with
    // other contents would be taken for a rollback.
    let later = crl_window(&root_key(), (NOW - 3599, NOW + 7 * 86_400), &[3]);
    files::write_atomically(&crl_path, &crl_text(&later)).unwrap();
    let notices = printed(&live);
    assert!(notices[0].contains("1 revoked serial(s)"), "{notices:?}");
    let snapshot = live.snapshot();
    let Some(Ok(crls)) = &snapshot.crls else {
        panic!("the list is back")
    };
    assert!(crls.lists()[0].contains(3));
}

#[test]
fn start_up_refuses_any_bad_file() {
    let dir = scratch("startup");
    let (key, cert, ca, _) = server_files(&dir);
    let missing = dir.join("missing.crl");
    let err: CertFileError = LiveFiles::open(&key, &cert, &ca, Some(&missing)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", missing.display()))
    );
    // The root file given where the chain goes: a CA certificate is not for server.key.
    let err = LiveFiles::open(&key, &ca, &ca, None).unwrap_err();
    assert!(matches!(err.problem, Problem::KeyMismatch));
}

#[test]
fn a_new_root_is_trusted_at_the_next_refresh_and_a_broken_one_ignored() {
    let dir = scratch("live-root");
    let (key, cert, ca, _) = server_files(&dir);
    let live = LiveFiles::open(&key, &cert, &ca, None).unwrap();
    let k = intermediate_key();
    let new_root = sign(
        body(
            learn_mtls::cert::Usage::Ca { path_len: 0 },
            "new-root",
            &k,
            &k,
            1,
        ),
        &k,
    );
    files::write_atomically(&ca, &certificates_text(&[new_root])).unwrap();
    let notices = printed(&live);
    assert!(notices[0].contains("trusting new-root"), "{notices:?}");
    assert_eq!(live.snapshot().root.certificate(), &new_root);

    // Not a root (a client certificate): reported, and new-root stays.
    files::write_atomically(&ca, &certificates_text(&[alice_cert()])).unwrap();
    let notices = printed(&live);
    assert!(notices[0].starts_with("WARNING: "), "{notices:?}");
    assert!(notices[0].contains("alice is not a root"), "{notices:?}");
    assert_eq!(live.snapshot().root.certificate(), &new_root);
}

#[test]
fn a_list_file_going_back_in_time_is_ignored() {
    // An older list, genuine and still inside its window, would un-revoke
    // serial 3: whoever can write the file but not sign must not get that.
    let dir = scratch("live-crl-rollback");
    let (key, cert, ca, crl_path) = server_files(&dir);
    files::write_atomically(&crl_path, &crl_text(&crl(&root_key(), &[3]))).unwrap();
    let live = LiveFiles::open(&key, &cert, &ca, Some(&crl_path)).unwrap();
    let older = crl_window(&root_key(), (NOW - 7200, NOW + 86_400), &[]);
    files::write_atomically(&crl_path, &crl_text(&older)).unwrap();
    let notices = printed(&live);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].starts_with("WARNING: "), "{notices:?}");
    assert!(
        notices[0].contains("older than the one in force"),
        "{notices:?}"
    );
    let snapshot = live.snapshot();
    let Some(Ok(crls)) = &snapshot.crls else {
        panic!("the newer list stays in force")
    };
    assert!(crls.lists()[0].contains(3), "serial 3 still revoked");
    assert!(printed(&live).is_empty(), "reported once");

    // A newer list is taken as usual.
    let newer = crl_window(&root_key(), (NOW, NOW + 86_400), &[3, 5]);
    files::write_atomically(&crl_path, &crl_text(&newer)).unwrap();
    let notices = printed(&live);
    assert!(notices[0].contains("2 revoked serial(s)"), "{notices:?}");
}

#[test]
fn a_list_dated_the_same_second_with_other_contents_is_a_rollback() {
    // Two lists made in one second (15-ca crl run twice): the one without
    // serial 3 may be the older. Before the fix it replaced the list in
    // force, and serial 3 was silently un-revoked.
    let dir = scratch("live-crl-same-second");
    let (key, cert, ca, crl_path) = server_files(&dir);
    files::write_atomically(&crl_path, &crl_text(&crl(&root_key(), &[3]))).unwrap();
    let live = LiveFiles::open(&key, &cert, &ca, Some(&crl_path)).unwrap();
    let same_second = crl(&root_key(), &[]);
    files::write_atomically(&crl_path, &crl_text(&same_second)).unwrap();
    let notices = printed(&live);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].starts_with("WARNING: "), "{notices:?}");
    assert!(
        notices[0].contains("the same second as, but not the same list as, the one in force"),
        "{notices:?}"
    );
    let snapshot = live.snapshot();
    let Some(Ok(crls)) = &snapshot.crls else {
        panic!("the list in force stays")
    };
    assert!(crls.lists()[0].contains(3), "serial 3 still revoked");

    // The very same list again (say, rewritten with a comment) is no rollback.
    let text = format!("# the root's list\n{}", crl_text(&crl(&root_key(), &[3])));
    std::fs::write(&crl_path, text).unwrap();
    let notices = printed(&live);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].starts_with("reloaded "), "{notices:?}");
}

#[test]
fn a_file_with_two_lists_of_one_issuer_dated_the_same_second_is_refused() {
    // Before the fix the file was read, and the verifier took the last of
    // the two: here the one that does not revoke serial 3.
    let dir = scratch("crl-file-same-second");
    let path = dir.join("all.crl");
    let text = format!(
        "{}{}",
        crl_text(&crl(&root_key(), &[3])),
        crl_text(&crl(&root_key(), &[]))
    );
    let e = Crls::parse(&path, &text).unwrap_err();
    assert!(
        matches!(e.problem, Problem::SameDateLists { first_line: 1, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("which is newer cannot be told"),
        "{e}"
    );

    // The same list twice, or lists of two issuers, are fine.
    let twice = crl_text(&crl(&root_key(), &[3])).repeat(2);
    assert_eq!(Crls::parse(&path, &twice).unwrap().lists().len(), 2);
    let two_issuers = format!(
        "{}{}",
        crl_text(&crl(&root_key(), &[3])),
        crl_text(&crl(&intermediate_key(), &[]))
    );
    assert_eq!(Crls::parse(&path, &two_issuers).unwrap().lists().len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 19: a single base64 line that is too long was told "every line
/// but the last must be 64", which sends the reader to the wrong lines.
#[test]
fn one_overlong_base64_line_is_called_too_long() {
    let mut good = String::new();
    armour::write_block(&mut good, CERTIFICATE_LABEL, &alice_cert().to_bytes()).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let joined = lines[1..lines.len() - 1].concat();
    let one_line = format!("{}\n{joined}\n{}\n", lines[0], lines[lines.len() - 1]);
    let e = decode_one(&one_line).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(matches!(e.problem, ArmourProblem::LineLength { found } if found > 64));
    let text = e.to_string();
    assert!(text.contains("longer than the 64"), "{text}");
    assert!(!text.contains("every line but the last"), "{text}");
    // A short line in the middle keeps its message.
    let short = ArmourError {
        line: 3,
        problem: ArmourProblem::LineLength { found: 60 },
    }
    .to_string();
    assert!(short.contains("every line but the last"), "{short}");
}

#[test]
fn the_generation_moves_when_and_only_when_a_file_in_force_changes() {
    let dir = scratch("live-generation");
    let (key, cert, ca, crl_path) = server_files(&dir);
    let live = LiveFiles::open(&key, &cert, &ca, Some(&crl_path)).unwrap();
    let before = live.generation();
    assert!(printed(&live).is_empty());
    assert_eq!(live.generation(), before, "nothing changed");
    let later = crl_window(&root_key(), (NOW + 1, NOW + 7 * 86_400), &[3]);
    files::write_atomically(&crl_path, &crl_text(&later)).unwrap();
    assert_eq!(printed(&live).len(), 1);
    let after_list = live.generation();
    assert_ne!(after_list, before, "the new list is in force");
    // A broken root keeps the last good one: nothing in force changed.
    std::fs::write(&ca, "garbage\n").unwrap();
    assert!(printed(&live)[0].starts_with("WARNING: "));
    assert_eq!(live.generation(), after_list);
}
