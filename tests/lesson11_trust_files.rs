//! Lesson 11 katas: key lists in files, reloaded while the server runs.
//!
//! The server calls `refresh()` as each connection arrives and prints what
//! it returns. These exercises play the operator: they edit the files
//! between two "connections" and check what the next one sees.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::trust::files::{Clients, FilePolicy, ListFileError, MAX_LIST_FILE_LEN, Notice};
use learn_mtls::trust::{ClientName, PinnedClient, Refusal, TrustPolicy};

fn key(seed: u8) -> PublicIdentity {
    IdentityKey::from_secret_bytes(&[seed; 32]).public()
}

fn name(text: &str) -> ClientName {
    ClientName::new(text).expect("a valid name")
}

fn hex(seed: u8) -> String {
    key(seed).to_string()
}

const ALICE: u8 = 1;
const BOB: u8 = 2;
const CAROL: u8 = 3;

/// A fresh directory under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "learn-mtls-trust-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        fs::create_dir_all(&path).expect("create a temp dir");
        Self(path)
    }

    /// Writes `contents` to `file` in this directory and returns its path.
    fn write(&self, file: &str, contents: &str) -> PathBuf {
        let path = self.0.join(file);
        fs::write(&path, contents).expect("write a list file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Appends a line, as `echo ... >> file` would.
fn append(path: &Path, line: &str) {
    use std::io::Write;
    let mut file = fs::OpenOptions::new().append(true).open(path).unwrap();
    writeln!(file, "{line}").unwrap();
}

/// Starts a policy on `authorized_keys` (alice) and `revoked_keys` (empty).
fn alice_only(dir: &TempDir) -> (FilePolicy, PathBuf, PathBuf) {
    let authorized = dir.write("authorized_keys", &format!("{} alice\n", hex(ALICE)));
    let revoked = dir.write("revoked_keys", "# nothing revoked\n");
    let policy = FilePolicy::open(Clients::AuthorizedFile(authorized.clone()), Some(&revoked))
        .expect("good files load");
    (policy, authorized, revoked)
}

fn texts(notices: &[Notice]) -> Vec<String> {
    notices.iter().map(ToString::to_string).collect()
}

// ---- Start-up -------------------------------------------------------------

#[test]
fn good_files_give_a_policy_that_accepts_the_listed_clients() {
    let dir = TempDir::new();
    let (policy, _, _) = alice_only(&dir);

    assert_eq!(policy.check(&key(ALICE)), Ok(name("alice")));
    assert!(matches!(
        policy.check(&key(BOB)),
        Err(Refusal::UnknownKey { .. })
    ));
    assert_eq!(
        (policy.client_count(), policy.revoked_count()),
        (1, Some(0))
    );
}

#[test]
fn a_malformed_file_at_start_up_is_an_error_naming_the_file_and_line() {
    let dir = TempDir::new();
    let authorized = dir.write(
        "authorized_keys",
        &format!("{} alice\n{}\n", hex(ALICE), hex(BOB)),
    );

    let error = FilePolicy::open(Clients::AuthorizedFile(authorized.clone()), None).unwrap_err();

    assert!(matches!(error, ListFileError::Malformed(_)));
    assert_eq!(error.path(), authorized);
    assert_eq!(
        error.to_string(),
        format!(
            "{}:2: missing name: write the client's name after the key: <key> <name>",
            authorized.display()
        )
    );
}

#[test]
fn a_missing_revocation_file_at_start_up_is_an_error() {
    let dir = TempDir::new();
    let authorized = dir.write("authorized_keys", &format!("{} alice\n", hex(ALICE)));
    let missing = dir.0.join("revoked_keys");

    let error = FilePolicy::open(Clients::AuthorizedFile(authorized), Some(&missing)).unwrap_err();

    assert!(matches!(error, ListFileError::Unreadable { .. }));
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: cannot read: ", missing.display()))
    );
}

#[test]
fn a_file_larger_than_the_limit_is_refused() {
    let dir = TempDir::new();
    let huge = dir.0.join("authorized_keys");
    File::create(&huge)
        .unwrap()
        .set_len(MAX_LIST_FILE_LEN + 1)
        .unwrap();

    let error = FilePolicy::open(Clients::AuthorizedFile(huge), None).unwrap_err();

    assert!(matches!(error, ListFileError::TooLarge { .. }));
}

// ---- Changes take effect at the next connection ---------------------------

#[test]
fn nothing_is_reported_while_the_files_do_not_change() {
    let dir = TempDir::new();
    let (policy, _, _) = alice_only(&dir);

    assert!(policy.refresh().is_empty());
    assert!(policy.refresh().is_empty());
}

#[test]
fn a_new_client_is_accepted_after_a_refresh_without_a_restart() {
    let dir = TempDir::new();
    let (policy, authorized, _) = alice_only(&dir);
    assert!(policy.check(&key(BOB)).is_err());

    append(&authorized, &format!("{} bob", hex(BOB)));
    let notices = policy.refresh();

    assert_eq!(policy.check(&key(BOB)), Ok(name("bob")));
    assert_eq!(
        texts(&notices),
        [format!(
            "{}: reloaded, 2 authorized clients",
            authorized.display()
        )]
    );
}

#[test]
fn appending_a_revocation_takes_effect_at_the_next_check() {
    let dir = TempDir::new();
    let (policy, _, revoked) = alice_only(&dir);
    assert!(policy.check(&key(ALICE)).is_ok());

    append(&revoked, &format!("{} lost her laptop", hex(ALICE)));
    policy.refresh();

    assert_eq!(
        policy.check(&key(ALICE)),
        Err(Refusal::Revoked {
            name: Some(name("alice")),
            fingerprint: key(ALICE).fingerprint(),
        })
    );
}

#[test]
fn a_revocation_file_that_loses_keys_is_reported_as_a_problem() {
    // A truncated (here: emptied) revocation file parses and un-revokes
    // everyone. Before the fix that was an ordinary "reloaded" line; the
    // server prints a problem with WARNING in front.
    let dir = TempDir::new();
    let (policy, _, revoked) = alice_only(&dir);
    append(&revoked, &format!("{} lost her laptop", hex(ALICE)));
    append(&revoked, &format!("{} left", hex(CAROL)));
    let notices = policy.refresh();
    assert!(!notices[0].is_problem(), "{:?}", texts(&notices));

    fs::write(&revoked, "").unwrap();
    let notices = policy.refresh();

    assert_eq!(notices.len(), 1, "{:?}", texts(&notices));
    assert!(notices[0].is_problem(), "{:?}", texts(&notices));
    let text = notices[0].to_string();
    assert!(
        text.contains("reloaded, 0 revoked keys; 2 keys revoked until now no longer are"),
        "{text}"
    );
    // The new list is in force all the same: un-revoking is the operator's call.
    assert!(policy.check(&key(ALICE)).is_ok());

    // Adding a key back is an ordinary reload again.
    append(&revoked, &format!("{} lost her laptop", hex(ALICE)));
    assert!(!policy.refresh()[0].is_problem());
}

#[test]
fn two_writes_within_one_timestamp_tick_are_both_seen() {
    // Same length, same modification time: only the contents differ. A
    // reloader comparing time and length would miss this revocation.
    let dir = TempDir::new();
    let (policy, _, revoked) = alice_only(&dir);
    let bob_line = format!("{} gone\n", hex(BOB));
    fs::write(&revoked, &bob_line).unwrap();
    policy.refresh();
    let stamp = fs::metadata(&revoked).unwrap().modified().unwrap();

    fs::write(&revoked, format!("{} gone\n", hex(ALICE))).unwrap();
    File::options()
        .write(true)
        .open(&revoked)
        .unwrap()
        .set_modified(stamp)
        .unwrap();
    policy.refresh();

    assert!(matches!(
        policy.check(&key(ALICE)),
        Err(Refusal::Revoked { .. })
    ));
}

// ---- A broken authorized-keys file: keep the last good list -----------------

#[test]
fn a_malformed_authorized_file_after_start_keeps_the_last_good_list() {
    let dir = TempDir::new();
    let (policy, authorized, _) = alice_only(&dir);

    append(&authorized, &format!("{} bob", &hex(BOB)[..60]));
    let notices = policy.refresh();

    assert_eq!(policy.check(&key(ALICE)), Ok(name("alice")));
    assert!(notices[0].is_problem());
    assert_eq!(
        texts(&notices),
        [format!(
            "{}:2: wrong length: a key is 64 hex characters, this one has 60; \
             still using the last good authorized list (1 client) until the file is fixed",
            authorized.display()
        )]
    );
}

#[test]
fn a_problem_is_reported_once_not_at_every_connection() {
    let dir = TempDir::new();
    let (policy, authorized, _) = alice_only(&dir);
    fs::remove_file(&authorized).unwrap();

    assert_eq!(policy.refresh().len(), 1);
    assert!(policy.refresh().is_empty());
    assert!(policy.refresh().is_empty());
}

#[test]
fn a_different_problem_is_reported_again_and_the_fix_is_reported_too() {
    let dir = TempDir::new();
    let (policy, authorized, _) = alice_only(&dir);

    dir.write("authorized_keys", "nonsense\n");
    assert_eq!(policy.refresh().len(), 1);
    dir.write(
        "authorized_keys",
        &format!("{} alice\nnonsense\n", hex(ALICE)),
    );
    assert_eq!(policy.refresh().len(), 1, "line 2 is a new problem");

    dir.write("authorized_keys", &format!("{} carol\n", hex(CAROL)));
    let notices = policy.refresh();

    assert_eq!(policy.check(&key(CAROL)), Ok(name("carol")));
    assert!(policy.check(&key(ALICE)).is_err());
    assert_eq!(
        texts(&notices),
        [format!(
            "{}: fixed; reloaded, 1 authorized client",
            authorized.display()
        )]
    );
}

// ---- A broken revocation file: fail closed ----------------------------------

#[test]
fn the_policy_fails_closed_when_the_revocation_file_disappears_and_resumes_when_it_returns() {
    let dir = TempDir::new();
    let (policy, _, revoked) = alice_only(&dir);

    fs::remove_file(&revoked).unwrap();
    let notices = policy.refresh();

    assert_eq!(
        policy.check(&key(ALICE)),
        Err(Refusal::RevocationListUnavailable)
    );
    assert_eq!(policy.revoked_count(), None);
    assert!(notices[0].is_problem());
    let text = notices[0].to_string();
    assert!(text.starts_with(&format!("{}: cannot read: ", revoked.display())));
    assert!(text.ends_with("; refusing every client until the revocation list can be read"));

    dir.write("revoked_keys", "# back\n");
    let notices = policy.refresh();

    assert_eq!(policy.check(&key(ALICE)), Ok(name("alice")));
    assert_eq!(
        texts(&notices),
        [format!(
            "{}: fixed, accepting clients again; reloaded, 0 revoked keys",
            revoked.display()
        )]
    );
}

#[test]
fn a_malformed_revocation_file_after_start_refuses_everyone() {
    let dir = TempDir::new();
    let (policy, _, revoked) = alice_only(&dir);

    // A typo while revoking bob: the policy cannot know which key was meant.
    append(&revoked, &format!("{}q", &hex(BOB)[1..]));
    policy.refresh();

    assert_eq!(
        policy.check(&key(ALICE)),
        Err(Refusal::RevocationListUnavailable)
    );
    assert!(policy.refresh().is_empty(), "reported once");
}

// ---- Other shapes -----------------------------------------------------------

#[test]
fn a_pinned_client_can_be_combined_with_a_revocation_file() {
    let dir = TempDir::new();
    let revoked = dir.write("revoked_keys", "");
    let pinned = PinnedClient::new(key(ALICE), name("alice"));
    let policy = FilePolicy::open(Clients::Pinned(pinned), Some(&revoked)).unwrap();
    assert_eq!(policy.check(&key(ALICE)), Ok(name("alice")));

    append(&revoked, &hex(ALICE));
    policy.refresh();

    assert!(matches!(
        policy.check(&key(ALICE)),
        Err(Refusal::Revoked { name: Some(n), .. }) if n == name("alice")
    ));
}

#[test]
fn one_policy_serves_many_threads_at_once() {
    let dir = TempDir::new();
    let (policy, authorized, _) = alice_only(&dir);
    let policy = Arc::new(policy);

    let threads: Vec<_> = (0..4)
        .map(|_| {
            let policy = Arc::clone(&policy);
            std::thread::spawn(move || {
                for _ in 0..50 {
                    policy.refresh();
                    assert_eq!(policy.check(&key(ALICE)), Ok(name("alice")));
                }
            })
        })
        .collect();
    append(&authorized, &format!("{} bob", hex(BOB)));
    for thread in threads {
        thread.join().unwrap();
    }
    policy.refresh();

    assert_eq!(policy.check(&key(BOB)), Ok(name("bob")));
}

#[test]
fn the_generation_moves_when_and_only_when_the_lists_in_force_change() {
    let dir = TempDir::new();
    let (policy, authorized, _) = alice_only(&dir);
    let before = policy.generation();
    policy.refresh();
    assert_eq!(policy.generation(), before, "nothing changed");
    append(&authorized, &format!("{} bob", hex(BOB)));
    policy.refresh();
    let after_bob = policy.generation();
    assert_ne!(after_bob, before, "bob's line is in force");
    // A broken file keeps the last good list: nothing in force changed.
    append(&authorized, "not a key line");
    policy.refresh();
    assert_eq!(policy.generation(), after_bob);
}
