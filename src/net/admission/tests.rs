//! The caps of [`super::Admission`], one at a time.

use super::*;
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn caps_fit_the_descriptors_with_room_to_spare() {
    let fitted = Limits::DEFAULT.fit_to_descriptors(256);
    assert_eq!(fitted.max_pending, 64);
    assert_eq!(fitted.max_connections, 256 - DESCRIPTORS_KEPT_FREE - 64);
    let small = Limits::DEFAULT.fit_to_descriptors(128);
    assert_eq!(small.max_pending, 32);
    assert_eq!(small.max_connections, 128 - 32 - 32);
    assert_eq!(Limits::DEFAULT.fit_to_descriptors(1 << 20), Limits::DEFAULT);
    assert_eq!(Limits::DEFAULT.fit_to_descriptors(8).max_connections, 0);
}

/// A connected pair over loopback: (the server's end, the client's end).
fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    (server, client)
}

/// True if the peer closed: a read returns end of stream at once.
fn sees_end_of_stream(mut client: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(std::io::Read::read(&mut client, &mut byte), Ok(0))
}

#[test]
fn a_full_table_evicts_its_oldest_handshake_and_only_that_one() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let table = PendingHandshakes::new(2, WhenFull::EvictOldest);
    let (a, a_client) = pair(&listener);
    let (b, _b_client) = pair(&listener);
    let (c, _c_client) = pair(&listener);
    let slot_a = table.admit(&a).unwrap();
    let slot_b = table.admit(&b).unwrap();
    assert_eq!(table.in_use(), 2);
    let slot_c = table.admit(&c).unwrap();
    assert_eq!(table.in_use(), 2);
    assert!(slot_a.was_evicted());
    assert!(!slot_b.was_evicted() && !slot_c.was_evicted());
    assert!(
        sees_end_of_stream(&a_client),
        "the evicted socket is shut down"
    );

    // A handshake that finishes leaves the table: the next one finds room.
    drop(slot_b);
    drop(slot_a);
    assert_eq!(table.in_use(), 1);
    let (d, _d_client) = pair(&listener);
    let slot_d = table.admit(&d).unwrap();
    assert!(!slot_c.was_evicted() && !slot_d.was_evicted());
}

#[test]
fn eviction_gives_back_the_connection_place_at_once_and_only_once() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let connections = HandshakeSlots::new(1);
    let table = PendingHandshakes::new(4, WhenFull::EvictOldest);
    let (a, _a_client) = pair(&listener);
    let open = connections.try_acquire().unwrap();
    let slot = table.admit_holding(&a, &open).unwrap();
    assert!(connections.try_acquire().is_none(), "full");

    assert!(table.make_room());
    assert!(slot.was_evicted());
    assert_eq!(
        connections.in_use(),
        0,
        "given back before the thread drops it"
    );
    drop(open);
    drop(slot);
    assert_eq!(connections.in_use(), 0, "and not given back twice");
    assert!(!table.make_room(), "nothing left to evict");
}

#[test]
fn a_refusing_table_refuses_and_keeps_its_handshakes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let table = PendingHandshakes::new(1, WhenFull::Refuse);
    let (a, _a_client) = pair(&listener);
    let (b, _b_client) = pair(&listener);
    let slot_a = table.admit(&a).unwrap();
    assert_eq!(table.admit(&b).unwrap_err(), Busy::Handshakes);
    assert!(!slot_a.was_evicted());
    assert_eq!(table.in_use(), 1);
}

#[test]
fn each_key_has_its_own_cap_and_places_come_back() {
    let mut rng = crate::net::os_rng();
    let alice = crate::keys::IdentityKey::generate(&mut rng).public();
    let bob = crate::keys::IdentityKey::generate(&mut rng).public();
    let sessions = KeySessions::new(2);
    let first = sessions.try_open(&alice).unwrap();
    let _second = sessions.try_open(&alice).unwrap();
    assert!(sessions.try_open(&alice).is_none());
    assert!(sessions.try_open(&bob).is_some(), "bob is not alice");
    drop(first);
    assert_eq!(sessions.open_for(&alice), 1);
    assert!(sessions.try_open(&alice).is_some());

    let uncapped = KeySessions::new(0);
    let many: Vec<_> = (0..100).map(|_| uncapped.try_open(&alice)).collect();
    assert!(many.iter().all(Option::is_some));
}

#[test]
fn the_descriptor_limit_is_read_from_proc() {
    if std::path::Path::new("/proc/self/limits").exists() {
        assert!(descriptor_limit().is_some_and(|n| n > 0));
    }
}

/// The review found it: while one acceptor had the reserve out for its
/// `accept`, another that also got `EMFILE` reopened the reserve at once,
/// taking the very descriptor the first had freed, so neither accept
/// could succeed and clients waited in the kernel's queue.
#[test]
fn a_reserve_out_on_loan_is_not_reopened_by_another_thread() {
    let admission = Admission::new(Limits::DEFAULT);
    let lent = admission.release_reserve().expect("the reserve was held");
    assert!(admission.release_reserve().is_none(), "lent once at a time");
    assert!(
        matches!(*admission.reserve.lock().unwrap(), Reserve::Lent),
        "the second caller took a descriptor"
    );
    drop(lent);
    assert!(matches!(
        *admission.reserve.lock().unwrap(),
        Reserve::Held(_)
    ));
    assert!(
        admission.release_reserve().is_some(),
        "and can be lent again"
    );
}
