//! Lesson 15 katas: every check on a certificate, one refusal each.
//!
//! Each kata builds a chain that breaks exactly one rule and asserts the
//! error that names that rule, so a check that is missing or asks the
//! wrong question fails here.

mod common;
use common::pki;

use learn_mtls::cert::crl::{CrlFormatError, RevocationList};
use learn_mtls::cert::verify::{
    CLOCK_SKEW_SECS, CertError, Chain, Role, Root, StaleCrl, check_crl, check_issuer_signature,
    check_may_issue, check_not_revoked, check_validity,
};
use learn_mtls::cert::{CERTIFICATE_LEN, Certificate, CertificateBody, FormatError, Usage};
use pki::*;

fn verify(chain: &Chain, role: Role, server_name: Option<&str>) -> Result<(), CertError> {
    let root = root();
    let expected = server_name.map(name);
    verifier(&root, NOW, &[])
        .verify_chain(chain, role, expected.as_ref())
        .map(|_| ())
}

#[test]
fn a_good_client_and_a_good_server_pass() {
    let root = root();
    let peer = verifier(&root, NOW, &[])
        .verify_chain(&Chain::leaf(alice_cert()), Role::Client, None)
        .unwrap();
    assert_eq!((peer.name.as_str(), peer.serial), ("alice", 3));
    assert_eq!(peer.key, alice_key().public());
    verify(
        &Chain::leaf(server_cert()),
        Role::Server,
        Some("api.internal"),
    )
    .unwrap();
}

#[test]
fn a_chain_through_an_intermediate_passes() {
    let chain = server_chain_via_intermediate();
    verify(&chain, Role::Server, Some("api.internal")).unwrap();
    // Without the intermediate the leaf's issuer is unknown.
    let alone = Chain::leaf(chain.leaf);
    assert!(matches!(
        verify(&alone, Role::Server, None),
        Err(CertError::UnknownIssuer { serial: 1, .. })
    ));
}

#[test]
fn expired() {
    let root = root();
    let late = NOT_AFTER + CLOCK_SKEW_SECS + 1;
    let err = verifier(&root, late, &[])
        .verify_chain(&Chain::leaf(alice_cert()), Role::Client, None)
        .unwrap_err();
    assert_eq!(
        err,
        CertError::Expired {
            name: name("alice"),
            serial: 3,
            not_after: NOT_AFTER,
            now: late
        }
    );
    assert!(err.to_string().starts_with("expired: alice (serial 3)"));
}

#[test]
fn not_yet_valid() {
    let root = root();
    let early = NOT_BEFORE - CLOCK_SKEW_SECS - 1;
    let err = check_validity(&alice_cert(), early).unwrap_err();
    assert!(matches!(err, CertError::NotYetValid { serial: 3, .. }));
    assert!(err.to_string().starts_with("not yet valid"));
    // The root itself is checked too: it is not valid that early either.
    assert!(matches!(
        verifier(&root, early, &[]).verify_chain(&Chain::leaf(alice_cert()), Role::Client, None),
        Err(CertError::NotYetValid { serial: 1, .. })
    ));
}

#[test]
fn the_skew_allowance_is_five_minutes_either_side() {
    let cert = alice_cert();
    assert_eq!(CLOCK_SKEW_SECS, 300);
    check_validity(&cert, NOT_BEFORE - CLOCK_SKEW_SECS).unwrap();
    check_validity(&cert, NOT_AFTER + CLOCK_SKEW_SECS).unwrap();
    assert!(check_validity(&cert, NOT_BEFORE - CLOCK_SKEW_SECS - 1).is_err());
    assert!(check_validity(&cert, NOT_AFTER + CLOCK_SKEW_SECS + 1).is_err());
}

#[test]
fn unknown_issuer() {
    // Mallory runs her own CA and issues "alice" a certificate.
    let forged = sign(
        body(Usage::Client, "alice", &mallory_key(), &mallory_key(), 3),
        &mallory_key(),
    );
    let err = verify(&Chain::leaf(forged), Role::Client, None).unwrap_err();
    assert_eq!(
        err,
        CertError::UnknownIssuer {
            name: name("alice"),
            serial: 3,
            issuer: mallory_key().public().fingerprint()
        }
    );
    assert!(err.to_string().starts_with("unknown issuer"));
}

#[test]
fn a_signature_by_another_key_than_the_named_issuer() {
    // Mallory writes the root's key as issuer but can only sign with her own.
    let mut forged = alice_cert();
    forged.body.key = mallory_key().public();
    forged.signature = sign(
        body(Usage::Client, "alice", &mallory_key(), &mallory_key(), 3),
        &mallory_key(),
    )
    .signature;
    assert_eq!(
        check_issuer_signature(&forged, &root_key().public()),
        Err(CertError::BadSignature {
            name: name("alice"),
            serial: 3
        })
    );
}

#[test]
fn any_change_to_a_signed_field_breaks_the_signature() {
    let good = alice_cert();
    let bytes = good.to_bytes();
    let mut parsed_and_refused = 0;
    for at in 0..CERTIFICATE_LEN {
        for bit in [0x01u8, 0x80] {
            let mut changed = bytes;
            changed[at] ^= bit;
            // Either the bytes no longer parse, or the signature fails.
            if let Ok(cert) = Certificate::from_bytes(&changed) {
                parsed_and_refused += 1;
                assert!(
                    check_issuer_signature(&cert, &root_key().public()).is_err(),
                    "byte {at} bit {bit:#x} changed and the certificate still verifies"
                );
            }
        }
    }
    // Notice: most changes parse, so the signature (not the parser) is what caught them.
    assert!(parsed_and_refused > CERTIFICATE_LEN);
}

#[test]
fn wrong_usage() {
    // A client certificate cannot serve, a server one cannot log in.
    let as_server = verify(&Chain::leaf(alice_cert()), Role::Server, Some("alice")).unwrap_err();
    assert!(matches!(
        as_server,
        CertError::WrongUsage {
            expected: Role::Server,
            found: Usage::Client,
            ..
        }
    ));
    assert!(as_server.to_string().starts_with("wrong usage"));
    assert!(matches!(
        verify(&Chain::leaf(server_cert()), Role::Client, None),
        Err(CertError::WrongUsage {
            expected: Role::Client,
            found: Usage::Server,
            ..
        })
    ));
    // Nor is a CA's certificate a leaf.
    let intermediate = intermediate_cert();
    assert!(matches!(
        verify(&Chain::leaf(intermediate), Role::Client, None),
        Err(CertError::WrongUsage {
            found: Usage::Ca { .. },
            ..
        })
    ));
}

#[test]
fn name_mismatch() {
    let err = verify(
        &Chain::leaf(server_cert()),
        Role::Server,
        Some("billing.internal"),
    )
    .unwrap_err();
    assert_eq!(
        err,
        CertError::NameMismatch {
            found: name("api.internal")
        }
    );
    assert!(err.to_string().starts_with("name mismatch"));
}

#[test]
fn a_leaf_cannot_issue() {
    // Alice signs a server certificate with her client key.
    let leaf = sign(
        body(
            Usage::Server,
            "api.internal",
            &mallory_key(),
            &alice_key(),
            9,
        ),
        &alice_key(),
    );
    let chain = Chain {
        leaf,
        intermediate: Some(alice_cert()),
    };
    assert_eq!(
        verify(&chain, Role::Server, None),
        Err(CertError::NotACa {
            issuer: name("alice"),
            serial: 3
        })
    );
    assert!(check_may_issue(&alice_cert(), 0).is_err());
}

#[test]
fn path_length_limits_the_cas_below() {
    // A root with path length 0 may sign leaves only.
    let k = root_key();
    let strict_root = Root::new(sign(
        body(Usage::Ca { path_len: 0 }, "root-ca", &k, &k, 1),
        &k,
    ))
    .unwrap();
    let chain = server_chain_via_intermediate();
    assert_eq!(
        verifier(&strict_root, NOW, &[]).verify_chain(&chain, Role::Server, None),
        Err(CertError::PathTooLong {
            issuer: name("root-ca"),
            path_len: 0,
            below: 1
        })
    );
    verifier(&strict_root, NOW, &[])
        .verify_chain(&Chain::leaf(server_cert()), Role::Server, None)
        .unwrap();
}

#[test]
fn revoked_serial() {
    let root = root();
    let encoded = crl(&root_key(), &[2, 3, 7]);
    let lists = [RevocationList::from_bytes(&encoded).unwrap()];
    let err = verifier(&root, NOW, &lists)
        .verify_chain(&Chain::leaf(alice_cert()), Role::Client, None)
        .unwrap_err();
    assert_eq!(
        err,
        CertError::Revoked {
            name: name("alice"),
            serial: 3
        }
    );
    assert_eq!(err.to_string(), "revoked serial 3 (alice)");
    // The server's serial 4 is not on it.
    verifier(&root, NOW, &lists)
        .verify_chain(&Chain::leaf(server_cert()), Role::Server, None)
        .unwrap();
}

#[test]
fn an_intermediate_revoked_by_the_root_takes_its_leaves_with_it() {
    let root = root();
    let by_root = crl(&root_key(), &[2]);
    let by_intermediate = crl(&intermediate_key(), &[]);
    let lists = [
        RevocationList::from_bytes(&by_root).unwrap(),
        RevocationList::from_bytes(&by_intermediate).unwrap(),
    ];
    assert!(matches!(
        verifier(&root, NOW, &lists).verify_chain(
            &server_chain_via_intermediate(),
            Role::Server,
            None
        ),
        Err(CertError::Revoked { serial: 2, .. })
    ));
}

#[test]
fn serials_are_per_issuer() {
    // The intermediate's list revokes its serial 3; the root's serial 3 (alice) is untouched.
    let root = root();
    let by_root = crl(&root_key(), &[]);
    let by_intermediate = crl(&intermediate_key(), &[3]);
    let lists = [
        RevocationList::from_bytes(&by_root).unwrap(),
        RevocationList::from_bytes(&by_intermediate).unwrap(),
    ];
    verifier(&root, NOW, &lists)
        .verify_chain(&Chain::leaf(alice_cert()), Role::Client, None)
        .unwrap();
}

#[test]
fn a_missing_list_for_the_leafs_issuer_fails_closed() {
    let root = root();
    let by_root = crl(&root_key(), &[]);
    let lists = [RevocationList::from_bytes(&by_root).unwrap()];
    assert_eq!(
        verifier(&root, NOW, &lists).verify_chain(
            &server_chain_via_intermediate(),
            Role::Server,
            None
        ),
        Err(CertError::NoCrl {
            issuer: intermediate_key().public().fingerprint()
        })
    );
}

#[test]
fn a_missing_list_for_the_intermediates_issuer_fails_closed_too() {
    // Only the intermediate's list: whether the root has revoked the
    // intermediate itself is unknown, so the chain is refused, as for a
    // leaf. (If the intermediate's key leaked, its own list proves nothing.)
    let root = root();
    let by_intermediate = crl(&intermediate_key(), &[]);
    let lists = [RevocationList::from_bytes(&by_intermediate).unwrap()];
    assert_eq!(
        verifier(&root, NOW, &lists).verify_chain(
            &server_chain_via_intermediate(),
            Role::Server,
            None
        ),
        Err(CertError::NoCrl {
            issuer: root_key().public().fingerprint()
        })
    );
    // Both lists: accepted.
    let by_root = crl(&root_key(), &[]);
    let lists = [
        RevocationList::from_bytes(&by_root).unwrap(),
        RevocationList::from_bytes(&by_intermediate).unwrap(),
    ];
    verifier(&root, NOW, &lists)
        .verify_chain(&server_chain_via_intermediate(), Role::Server, None)
        .unwrap();
}

#[test]
fn a_stale_list_fails_closed_unless_told_otherwise() {
    let root = root();
    let old = crl_window(
        &root_key(),
        (NOW - 10 * 24 * 3600, NOW - 3 * 24 * 3600),
        &[],
    );
    let lists = [RevocationList::from_bytes(&old).unwrap()];
    let chain = Chain::leaf(alice_cert());
    let err = verifier(&root, NOW, &lists)
        .verify_chain(&chain, Role::Client, None)
        .unwrap_err();
    assert!(matches!(err, CertError::CrlStale { .. }));
    assert!(err.to_string().starts_with("stale revocation list"));
    let mut lenient = verifier(&root, NOW, &lists);
    lenient.stale = StaleCrl::AcceptInsecure;
    lenient
        .verify_chain(&chain, Role::Client, None)
        .expect("a stale list accepted when the operator says so");
}

#[test]
fn a_list_from_the_future_is_refused() {
    let future = crl_window(&root_key(), (NOW + 3600, NOW + 7200), &[]);
    let list = RevocationList::from_bytes(&future).unwrap();
    assert!(matches!(
        check_crl(&list, &root_key().public(), NOW, StaleCrl::Refuse),
        Err(CertError::CrlNotYetValid { .. })
    ));
}

#[test]
fn a_list_is_believed_only_if_its_issuer_signed_it() {
    // Mallory's list "from" the root, signed with her own key.
    let forged = crl(&mallory_key(), &[]);
    let list = RevocationList::from_bytes(&forged).unwrap();
    assert_eq!(
        check_crl(&list, &root_key().public(), NOW, StaleCrl::Refuse),
        Err(CertError::CrlWrongIssuer {
            found: mallory_key().public().fingerprint()
        })
    );
    // Removing a serial from a genuine list breaks its signature.
    let genuine = crl(&root_key(), &[3, 5]);
    let mut shortened = genuine[..51].to_vec();
    shortened[50] = 1; // count 1
    shortened.extend_from_slice(&genuine[59..]); // serial 5 and the signature
    let list = RevocationList::from_bytes(&shortened).unwrap();
    assert_eq!(list.serials().collect::<Vec<_>>(), [5]);
    assert_eq!(
        check_crl(&list, &root_key().public(), NOW, StaleCrl::Refuse),
        Err(CertError::CrlBadSignature)
    );
    check_not_revoked(&alice_cert(), &list).expect("alice is no longer on the altered list");
}

#[test]
fn a_list_whose_fields_were_changed_after_parsing_no_longer_verifies() {
    // The fields are public, as a certificate's are: changing one must
    // break the signature, not quietly move the list's window.
    let encoded = crl_window(&root_key(), (NOW - 10 * 86_400, NOW - 3 * 86_400), &[3]);
    let stale = RevocationList::from_bytes(&encoded).unwrap();
    assert!(matches!(
        check_crl(&stale, &root_key().public(), NOW, StaleCrl::Refuse),
        Err(CertError::CrlStale { .. })
    ));
    let mut refreshed = stale;
    refreshed.next_update = u64::MAX;
    assert_eq!(
        check_crl(&refreshed, &root_key().public(), NOW, StaleCrl::Refuse),
        Err(CertError::CrlBadSignature)
    );
    let mut backdated = stale;
    backdated.this_update -= 1;
    assert!(!backdated.signature_verifies());
    assert!(stale.signature_verifies());
}

#[test]
fn list_format_errors_name_the_problem() {
    let genuine = crl(&root_key(), &[3, 5]);
    assert_eq!(
        RevocationList::from_bytes(&genuine[..10]),
        Err(CrlFormatError::TooShort { found: 10 })
    );
    assert!(matches!(
        RevocationList::from_bytes(&genuine[..genuine.len() - 1]),
        Err(CrlFormatError::WrongLength { .. })
    ));
    let mut unsorted = genuine.clone();
    unsorted[51..59].copy_from_slice(&9u64.to_be_bytes());
    assert_eq!(
        RevocationList::from_bytes(&unsorted),
        Err(CrlFormatError::NotAscending { index: 1 })
    );
    let mut out = [0u8; 200];
    assert_eq!(
        RevocationList::sign_into(&root_key(), (NOW, NOW + 1), &[5, 5], &mut out),
        Err(CrlFormatError::NotAscending { index: 1 })
    );
    assert!(matches!(
        RevocationList::sign_into(
            &root_key(),
            (NOW, NOW + 1),
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
            &mut out
        ),
        Err(CrlFormatError::BufferTooSmall { needed: 251 })
    ));
}

#[test]
fn a_list_finds_every_serial_on_it_and_no_other() {
    let serials: Vec<u64> = (1..200).map(|n| n * 3).collect();
    let encoded = crl(&root_key(), &serials);
    let list = RevocationList::from_bytes(&encoded).unwrap();
    for n in 0..700 {
        assert_eq!(list.contains(n), n % 3 == 0 && n > 0 && n < 600, "{n}");
    }
}

#[test]
fn a_root_must_be_a_self_signed_ca() {
    assert_eq!(
        Root::new(alice_cert()),
        Err(CertError::NotARoot {
            name: name("alice")
        })
    );
    assert!(matches!(
        Root::new(intermediate_cert()),
        Err(CertError::NotARoot { .. })
    ));
    let mut altered = root_cert();
    altered.body.serial = 99;
    assert!(matches!(
        Root::new(altered),
        Err(CertError::BadSignature { .. })
    ));
}

#[test]
fn format_errors_name_the_field() {
    let bytes = alice_cert().to_bytes();
    let with = |at: usize, value: u8| {
        let mut b = bytes;
        b[at] = value;
        Certificate::from_bytes(&b)
    };
    assert_eq!(
        Certificate::from_bytes(&bytes[..219]),
        Err(FormatError::WrongLength { found: 219 })
    );
    assert_eq!(with(0, 2), Err(FormatError::UnknownVersion(2)));
    assert_eq!(with(1, 9), Err(FormatError::UnknownUsage(9)));
    assert_eq!(with(2, 1), Err(FormatError::PathLenOnLeaf(1)));
    assert_eq!(with(3, 0), Err(FormatError::NameLength(0)));
    assert_eq!(with(3, 65), Err(FormatError::NameLength(65)));
    assert_eq!(with(60, b'x'), Err(FormatError::NamePadding));
    assert_eq!(
        with(4, b' '),
        Err(FormatError::Name(
            learn_mtls::trust::NameError::BadCharacter
        ))
    );
    assert_eq!(with(4, 0xff), Err(FormatError::NameNotUtf8));
    // not_after (offset 116, big-endian: byte 120 is its top non-zero one) before not_before.
    assert!(matches!(
        with(120, 0),
        Err(FormatError::WindowInverted { .. })
    ));
}

#[test]
fn issuing_with_a_key_other_than_the_named_issuer_is_refused() {
    let body: CertificateBody = body(Usage::Client, "alice", &alice_key(), &root_key(), 3);
    assert_eq!(
        body.sign(&mallory_key()),
        Err(learn_mtls::cert::IssueError::NotTheNamedIssuer)
    );
}

#[test]
fn an_open_session_is_rechecked_against_the_clock_and_the_current_list() {
    let root = root();
    let peer = verifier(&root, NOW, &[])
        .verify_chain(&Chain::leaf(alice_cert()), Role::Client, None)
        .unwrap();
    verifier(&root, NOW + 3600, &[]).recheck(&peer).unwrap();
    assert!(matches!(
        verifier(&root, NOT_AFTER + CLOCK_SKEW_SECS + 1, &[]).recheck(&peer),
        Err(CertError::Expired { serial: 3, .. })
    ));
    // Revoked while the session is open: the next message is refused.
    let encoded = crl(&root_key(), &[3]);
    let lists = [RevocationList::from_bytes(&encoded).unwrap()];
    assert_eq!(
        verifier(&root, NOW, &lists).recheck(&peer),
        Err(CertError::Revoked {
            name: name("alice"),
            serial: 3
        })
    );
    // A list from another issuer says nothing about alice: with lists in
    // use and none from her issuer, the session ends, as a new handshake
    // would be refused (fail closed).
    let other = crl(&intermediate_key(), &[3]);
    let lists = [RevocationList::from_bytes(&other).unwrap()];
    assert_eq!(
        verifier(&root, NOW, &lists).recheck(&peer),
        Err(CertError::NoCrl {
            issuer: root_key().public().fingerprint()
        })
    );
    assert_eq!(
        verifier(&root, NOW, &lists)
            .verify_chain(&Chain::leaf(alice_cert()), Role::Client, None)
            .map(|_| ()),
        verifier(&root, NOW, &lists).recheck(&peer)
    );
}

#[test]
fn an_open_session_through_an_intermediate_ends_when_the_root_revokes_it() {
    let root = root();
    let (by_root, by_intermediate) = (crl(&root_key(), &[]), crl(&intermediate_key(), &[]));
    let lists = [
        RevocationList::from_bytes(&by_root).unwrap(),
        RevocationList::from_bytes(&by_intermediate).unwrap(),
    ];
    let peer = verifier(&root, NOW, &lists)
        .verify_chain(&server_chain_via_intermediate(), Role::Server, None)
        .unwrap();
    verifier(&root, NOW, &lists).recheck(&peer).unwrap();
    // The root revokes the intermediate (its serial 2) while the session is open.
    let revoking = crl(&root_key(), &[2]);
    let lists = [
        RevocationList::from_bytes(&revoking).unwrap(),
        RevocationList::from_bytes(&by_intermediate).unwrap(),
    ];
    assert!(matches!(
        verifier(&root, NOW, &lists).recheck(&peer),
        Err(CertError::Revoked { serial: 2, .. })
    ));
    // The root's list gone from the file: fail closed, as a new handshake.
    let lists = [RevocationList::from_bytes(&by_intermediate).unwrap()];
    assert_eq!(
        verifier(&root, NOW, &lists).recheck(&peer),
        Err(CertError::NoCrl {
            issuer: root_key().public().fingerprint()
        })
    );
}

/// Issue 19, weakness 1: replacing the trusted root must end the sessions
/// opened under the old one, as it refuses their new connections. Before
/// the fix `recheck` looked at expiry and lists only, and this passed.
#[test]
fn an_open_session_ends_when_the_trusted_root_is_replaced() {
    let old_root = root();
    let direct = verifier(&old_root, NOW, &[])
        .verify_chain(&Chain::leaf(alice_cert()), Role::Client, None)
        .unwrap();
    let via = verifier(&old_root, NOW, &[])
        .verify_chain(&server_chain_via_intermediate(), Role::Server, None)
        .unwrap();
    verifier(&old_root, NOW, &[]).recheck(&direct).unwrap();
    verifier(&old_root, NOW, &[]).recheck(&via).unwrap();

    // The operator installs another CA's root in place of the old one.
    let new_key = key(77);
    let new_root = Root::new(sign(
        body(Usage::Ca { path_len: 1 }, "new-root", &new_key, &new_key, 1),
        &new_key,
    ))
    .unwrap();
    let old_fingerprint = root_key().public().fingerprint();
    assert_eq!(
        verifier(&new_root, NOW, &[]).recheck(&direct),
        Err(CertError::UnknownIssuer {
            name: name("alice"),
            serial: 3,
            issuer: old_fingerprint,
        })
    );
    // Through an intermediate, the intermediate is the one the new root
    // does not vouch for.
    assert!(matches!(
        verifier(&new_root, NOW, &[]).recheck(&via),
        Err(CertError::UnknownIssuer { serial: 2, .. })
    ));
    // The same answer a new handshake gets.
    assert!(matches!(
        verifier(&new_root, NOW, &[]).verify_chain(&Chain::leaf(alice_cert()), Role::Client, None),
        Err(CertError::UnknownIssuer { .. })
    ));
    // A root that has itself expired ends the session too.
    assert!(matches!(
        verifier(&old_root, NOT_AFTER * 4, &[]).recheck(&direct),
        Err(CertError::Expired { .. })
    ));
}

/// A root re-issued under the same key with `path_len 0` ends the sessions
/// that came through an intermediate (as it refuses their new handshakes), not others.
#[test]
fn an_open_session_ends_when_the_root_no_longer_allows_its_intermediate() {
    let via = verifier(&root(), NOW, &[])
        .verify_chain(&server_chain_via_intermediate(), Role::Server, None)
        .unwrap();
    let direct = verifier(&root(), NOW, &[])
        .verify_chain(&Chain::leaf(alice_cert()), Role::Client, None)
        .unwrap();
    let k = root_key();
    let shorter = Root::new(sign(
        CertificateBody {
            not_after: root_cert().body.not_after,
            ..body(Usage::Ca { path_len: 0 }, "root-ca", &k, &k, 9)
        },
        &k,
    ))
    .unwrap();
    assert!(matches!(
        verifier(&shorter, NOW, &[]).recheck(&via),
        Err(CertError::PathTooLong {
            path_len: 0,
            below: 1,
            ..
        })
    ));
    assert!(matches!(
        verifier(&shorter, NOW, &[]).verify_chain(
            &server_chain_via_intermediate(),
            Role::Server,
            None
        ),
        Err(CertError::PathTooLong { .. })
    ));
    verifier(&shorter, NOW, &[]).recheck(&direct).unwrap();
}
