//! `FilePolicy` shared between threads, and a refresh stuck on the disk.

use super::*;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn the_policy_can_be_shared_between_threads() {
    assert_send_sync::<FilePolicy>();
}

/// Issue 19, weakness 3: a refresh stuck in file I/O (a slow disk)
/// held the watch lock, and every connection's refresh queued behind
/// it. Holding the watch here stands in for that stuck read.
#[test]
fn a_refresh_stuck_on_the_disk_holds_up_no_connection() {
    let dir = std::env::temp_dir().join(format!("learn-mtls-stuck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("authorized_keys");
    let alice = crate::keys::IdentityKey::from_secret_bytes(&[1; 32]).public();
    let mut hex = [0u8; 64];
    let hex = crate::hex::encode(alice.as_bytes(), &mut hex).unwrap();
    std::fs::write(&path, format!("{hex} alice\n")).unwrap();
    let policy =
        std::sync::Arc::new(FilePolicy::open(Clients::AuthorizedFile(path), None).unwrap());
    let stuck = policy.watch.wait();
    let (done, answered) = std::sync::mpsc::channel();
    let other = std::sync::Arc::clone(&policy);
    std::thread::spawn(move || {
        let notices = other.refresh();
        done.send((notices.len(), other.check(&alice).map(|n| n.to_string())))
            .unwrap();
    });
    let (notices, answer) = answered
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("a connection's refresh waited for the stuck one");
    assert_eq!(notices, 0);
    assert_eq!(answer.unwrap(), "alice", "the lists in force still answer");
    drop(stuck);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 19, weakness 4: the index must answer exactly as the scan of
/// both lists did, duplicates (first line wins) and revoked keys that
/// are not authorized included.
#[test]
fn the_index_answers_as_the_scan_of_both_lists() {
    use super::super::lists::WithRevocations;
    use crate::keys::IdentityKey;
    let key = |seed: u8| IdentityKey::from_secret_bytes(&[seed; 32]).public();
    let name = |text: &str| ClientName::new(text).unwrap();
    let clients = AuthorizedKeys::new(vec![
        AuthorizedKey::new(key(1), name("alice")),
        AuthorizedKey::new(key(2), name("bob")),
        AuthorizedKey::new(key(1), name("alice-again")),
        AuthorizedKey::new(key(3), name("carol")),
    ]);
    let revoked = RevokedKeys::new(vec![key(2), key(4)]);
    let scan = WithRevocations::new(
        AuthorizedKeys::new(clients.entries().to_vec()),
        RevokedKeys::new(revoked.keys().to_vec()),
    );
    let lists = Lists::new(clients, RevokedList::Good(revoked));
    for seed in 1..=6 {
        let k = key(seed);
        assert_eq!(lists.check(&k), scan.check(&k), "key {seed}");
    }
    assert_eq!(lists.check(&key(1)), Ok(name("alice")));
    let unavailable = Lists::new(AuthorizedKeys::new(Vec::new()), RevokedList::Unavailable);
    assert_eq!(
        unavailable.check(&key(1)),
        Err(Refusal::RevocationListUnavailable)
    );
}
