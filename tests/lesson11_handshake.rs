//! Lesson 11 katas: the mutual handshake, one behaviour per test.
//!
//! Each test is an exercise: read it top to bottom, predict the outcome,
//! then check. The comment above each assertion says what to notice.

mod common;
mod lesson11_handshake_support;
use lesson11_handshake_support::confirmation::pending_confirmation;
use lesson11_handshake_support::low_order::{
    LOW_ORDER_SHARES, NOT_A_POINT, WEAK_IDENTITIES, server_hello_carrying,
    server_reads_auth_with_identity,
};
use lesson11_handshake_support::mallory::every_single_byte_change_fails;

use common::{
    BINDINGS, Failure, Message, Step, alice_key, alice_name, mallory_key, open, run_mutual, seal,
    seeded_rng, server_key, trusts_alice, unhex,
};
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError, server_only};
use learn_mtls::keys::{KeyError, PublicIdentity};
use learn_mtls::record::RecordError;
use learn_mtls::trust::Refusal;
use learn_mtls::wire::{
    CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, ClientAuth, ClientHello, MUTUAL_HANDSHAKE_LEN,
    SERVER_HELLO_LEN, SERVER_ONLY_HANDSHAKE_LEN, ServerHello, WrongLength,
};

// ---- The wire -------------------------------------------------------------

#[test]
fn the_mutual_handshake_puts_exactly_32_96_and_96_bytes_on_the_wire() {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(1);

    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::Transcript,
    );
    let (server, server_hello) = mutual::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();
    let (_, auth) = client.read_server_hello(&server_hello).unwrap();
    server.read_client_auth(&auth, &trusts_alice()).unwrap();

    // Notice: a share; a share and a signature; a signature and a key. Nothing else.
    assert_eq!(hello.to_bytes().len(), 32);
    assert_eq!(server_hello.to_bytes().len(), 96);
    assert_eq!(auth.to_bytes().len(), 96);
    assert_eq!(
        (CLIENT_HELLO_LEN, SERVER_HELLO_LEN, CLIENT_AUTH_LEN),
        (32, 96, 96)
    );
    assert_eq!(MUTUAL_HANDSHAKE_LEN, 224);
}

#[test]
fn the_lesson10_handshake_puts_exactly_32_and_96_bytes_on_the_wire() {
    let server_key = server_key();
    let mut rng = seeded_rng(2);

    let (client, hello) =
        server_only::Client::start(&mut rng, server_key.public(), Binding::Transcript);
    let (_, server_hello) = server_only::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();
    client.read_server_hello(&server_hello).unwrap();

    // Notice: Lesson 11 adds exactly one 96-byte message to Lesson 10.
    assert_eq!(hello.to_bytes().len() + server_hello.to_bytes().len(), 128);
    assert_eq!(SERVER_ONLY_HANDSHAKE_LEN, 128);
    assert_eq!(
        MUTUAL_HANDSHAKE_LEN - SERVER_ONLY_HANDSHAKE_LEN,
        CLIENT_AUTH_LEN
    );
}

#[test]
fn message_2_is_the_server_share_then_its_signature() {
    let server_hello = ServerHello {
        share: [0x11; 32],
        signature: [0x22; 64],
    };

    let bytes = server_hello.to_bytes();

    // Notice: the share comes first, the signature after it, with no framing.
    assert_eq!(bytes[..32], [0x11; 32]);
    assert_eq!(bytes[32..], [0x22; 64]);
    assert_eq!(ServerHello::from_bytes(&bytes), server_hello);
}

#[test]
fn message_3_is_the_client_signature_then_the_client_public_key() {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(3);
    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::Transcript,
    );
    let (_, server_hello) = mutual::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();

    let (_, auth) = client.read_server_hello(&server_hello).unwrap();
    let bytes = auth.to_bytes();

    // Notice: the last 32 bytes are Alice's public key, in the clear.
    assert_eq!(&bytes[64..], alice_key.public().as_bytes());
    assert_eq!(bytes[..64], auth.signature);
    assert_eq!(ClientAuth::from_bytes(&bytes), auth);
}

#[test]
fn a_message_of_the_wrong_length_is_refused_at_the_boundary() {
    let short = [0u8; 31];
    let long = [0u8; 97];

    let hello = ClientHello::try_from(&short[..]);
    let server_hello = ServerHello::try_from(&long[..]);
    let auth = ClientAuth::try_from(&long[..95]);

    // Notice: the length is checked once, here; after this every field access is infallible.
    assert!(matches!(
        hello,
        Err(WrongLength {
            expected: 32,
            found: 31,
            ..
        })
    ));
    assert!(matches!(
        server_hello,
        Err(WrongLength {
            expected: 96,
            found: 97,
            ..
        })
    ));
    assert!(matches!(
        auth,
        Err(WrongLength {
            expected: 96,
            found: 95,
            ..
        })
    ));
}

// ---- The happy path -------------------------------------------------------

#[test]
fn both_bindings_complete_and_then_carry_records_both_ways() {
    for binding in BINDINGS {
        let mut session = run_mutual(binding, 4);

        // Notice: the server knows who it is talking to, by name and by key.
        assert_eq!(session.peer.name, alice_name(), "{binding}");
        assert_eq!(session.peer.key, alice_key().public(), "{binding}");
        for round in 0..3u8 {
            let ping = seal(&mut session.client, &[b'?', round]);
            let pong = seal(&mut session.server, &[b'!', round]);
            // Notice: each direction has its own key, and both keep counting.
            assert_eq!(
                open(&mut session.server, &ping),
                Ok(vec![b'?', round]),
                "{binding}"
            );
            assert_eq!(
                open(&mut session.client, &pong),
                Ok(vec![b'!', round]),
                "{binding}"
            );
        }
    }
}

// ---- Who is refused, and how ----------------------------------------------

#[test]
fn a_client_that_pins_the_wrong_server_key_aborts() {
    for binding in BINDINGS {
        let server_key = server_key();
        let alice_key = alice_key();
        let mut rng = seeded_rng(5);
        // Alice pinned Mallory's key by mistake; the real server answers.
        let (client, hello) =
            mutual::Client::start(&mut rng, &alice_key, mallory_key().public(), binding);
        let (_, server_hello) = mutual::Server::new(&server_key, binding)
            .read_client_hello(&mut rng, &hello)
            .unwrap();

        let result = client.read_server_hello(&server_hello);

        // Notice: the client stops at message 2 and never signs anything.
        assert!(
            matches!(result, Err(HandshakeError::ServerSignatureInvalid)),
            "{binding}"
        );
    }
}

#[test]
fn the_server_refuses_an_unknown_client_key_and_names_its_fingerprint() {
    for binding in BINDINGS {
        let server_key = server_key();
        let mallory_key = mallory_key();
        let mut rng = seeded_rng(6);
        let (client, hello) =
            mutual::Client::start(&mut rng, &mallory_key, server_key.public(), binding);
        let (server, server_hello) = mutual::Server::new(&server_key, binding)
            .read_client_hello(&mut rng, &hello)
            .unwrap();
        let (_, auth) = client.read_server_hello(&server_hello).unwrap();

        let result = server.read_client_auth(&auth, &trusts_alice());

        // Notice: Mallory's signature is valid; it is the policy that says no,
        // and the refusal carries her fingerprint for the operator's log.
        let expected = mallory_key.public().fingerprint();
        assert!(
            matches!(
                result,
                Err(HandshakeError::Refused(Refusal::UnknownKey { fingerprint })) if fingerprint == expected
            ),
            "{binding}"
        );
    }
}

#[test]
fn a_lesson11_client_cannot_complete_with_a_transcript_server() {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(7);
    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::InsecureLesson11,
    );
    let (_, server_hello) = mutual::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();

    let result = client.read_server_hello(&server_hello);

    // Notice: the server signed a transcript, the client expected a bare
    // share; the first signature to be checked is the first to fail.
    assert!(matches!(
        result,
        Err(HandshakeError::ServerSignatureInvalid)
    ));
}

#[test]
fn a_transcript_client_cannot_complete_with_a_lesson11_server() {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(8);
    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::Transcript,
    );
    let (_, server_hello) = mutual::Server::new(&server_key, Binding::InsecureLesson11)
        .read_client_hello(&mut rng, &hello)
        .unwrap();

    let result = client.read_server_hello(&server_hello);

    // Notice: a mismatch looks exactly like a wrong server key, from the client's side.
    assert!(matches!(
        result,
        Err(HandshakeError::ServerSignatureInvalid)
    ));
}

// ---- Mallory changes one bit ----------------------------------------------

#[test]
fn changing_any_byte_of_message_1_makes_the_handshake_fail_in_both_bindings() {
    every_single_byte_change_fails(
        Message::ClientHello,
        CLIENT_HELLO_LEN,
        |binding, _, failure| {
            match binding {
                // Notice: under lesson11 the server signs only its own share, so
                // the client cannot see the change. The server can: Alice signed
                // the share she sent, not the one that arrived. (Even flipping
                // bit 255, which X25519 ignores so both sides get the same
                // shared secret, is caught here.)
                Binding::InsecureLesson11 => matches!(
                    failure,
                    Failure::At(
                        Step::ServerReadsClientAuth,
                        HandshakeError::ClientSignatureInvalid
                    )
                ),
                // Notice: under the transcript binding the server signs message 1
                // too, so the client catches the change one message earlier.
                Binding::Transcript => matches!(
                    failure,
                    Failure::At(
                        Step::ClientReadsServerHello,
                        HandshakeError::ServerSignatureInvalid
                    )
                ),
            }
        },
    );
}

#[test]
fn changing_any_byte_of_message_2_makes_the_handshake_fail_in_both_bindings() {
    every_single_byte_change_fails(Message::ServerHello, SERVER_HELLO_LEN, |_, _, failure| {
        // Notice: both bindings sign the server share, and a changed
        // signature never verifies (strict Ed25519 has no second valid form).
        matches!(
            failure,
            Failure::At(
                Step::ClientReadsServerHello,
                HandshakeError::ServerSignatureInvalid
            )
        )
    });
}

#[test]
fn changing_any_byte_of_message_3_makes_the_handshake_fail_in_both_bindings() {
    every_single_byte_change_fails(
        Message::ClientAuth,
        CLIENT_AUTH_LEN,
        |_, position, failure| {
            if position < 64 {
                // Notice: a changed signature is simply a wrong signature.
                matches!(
                    failure,
                    Failure::At(
                        Step::ServerReadsClientAuth,
                        HandshakeError::ClientSignatureInvalid
                    )
                )
            } else {
                // Notice: a changed key is either no key at all, or a key that
                // did not make this signature. Either way the server stops.
                matches!(
                    failure,
                    Failure::At(
                        Step::ServerReadsClientAuth,
                        HandshakeError::ClientKeyInvalid(_)
                            | HandshakeError::ClientSignatureInvalid
                    )
                )
            }
        },
    );
}

// ---- Low-order X25519 shares ----------------------------------------------

#[test]
fn every_share_on_the_low_order_list_gives_an_all_zero_x25519_result() {
    // A random scalar, as either side would use.
    let scalar = [0x42; 32];

    for share in LOW_ORDER_SHARES {
        let shared = x25519_dalek::x25519(scalar, unhex(share));

        // Notice: whatever your secret, the "shared secret" is public knowledge.
        assert_eq!(shared, [0u8; 32], "{share}");
    }
}

#[test]
fn a_server_refuses_a_low_order_client_share() {
    for binding in BINDINGS {
        for share in LOW_ORDER_SHARES {
            let server_key = server_key();
            let hello = ClientHello {
                share: unhex(share),
            };

            let result = mutual::Server::new(&server_key, binding)
                .read_client_hello(&mut seeded_rng(10), &hello);

            // Notice: refused before the server signs anything.
            assert!(
                matches!(result, Err(HandshakeError::NonContributoryShare)),
                "{binding}, {share}"
            );
        }
    }
}

#[test]
fn a_hand_signed_message_2_is_accepted_by_the_client() {
    // The control for the next test: the forging route itself works.
    for binding in BINDINGS {
        let alice_key = alice_key();
        let (client, hello) = mutual::Client::start(
            &mut seeded_rng(11),
            &alice_key,
            server_key().public(),
            binding,
        );
        // An honest share: X25519 of some scalar with the base point.
        let share = x25519_dalek::x25519([0x24; 32], x25519_dalek::X25519_BASEPOINT_BYTES);

        let result = client.read_server_hello(&server_hello_carrying(binding, &hello, share));

        // Notice: a correctly signed, honest share goes through.
        assert!(result.is_ok(), "{binding}");
    }
}

#[test]
fn a_client_refuses_a_low_order_server_share_even_when_it_is_signed() {
    for binding in BINDINGS {
        for share in LOW_ORDER_SHARES {
            let alice_key = alice_key();
            let (client, hello) = mutual::Client::start(
                &mut seeded_rng(11),
                &alice_key,
                server_key().public(),
                binding,
            );

            let result =
                client.read_server_hello(&server_hello_carrying(binding, &hello, unhex(share)));

            // Notice: the signature checks, so it is the share check that refuses.
            assert!(
                matches!(result, Err(HandshakeError::NonContributoryShare)),
                "{binding}, {share}"
            );
        }
    }
}

#[test]
fn a_client_checks_the_signature_before_the_share() {
    for binding in BINDINGS {
        let alice_key = alice_key();
        let (client, _) = mutual::Client::start(
            &mut seeded_rng(12),
            &alice_key,
            server_key().public(),
            binding,
        );
        let unsigned = ServerHello {
            share: [0u8; 32],
            signature: [0u8; 64],
        };

        let result = client.read_server_hello(&unsigned);

        // Notice: an unauthenticated share is never even used.
        assert!(
            matches!(result, Err(HandshakeError::ServerSignatureInvalid)),
            "{binding}"
        );
    }
}

// ---- Unusable client identity keys ----------------------------------------

#[test]
fn the_weak_identity_list_really_is_weak() {
    for key in WEAK_IDENTITIES {
        // Notice: each is a valid point, but of small order.
        assert!(
            matches!(PublicIdentity::from_bytes(&unhex(key)), Err(KeyError::Weak)),
            "{key}"
        );
    }
    assert!(matches!(
        PublicIdentity::from_bytes(&unhex(NOT_A_POINT)),
        Err(KeyError::NotAPoint)
    ));
}

#[test]
fn a_small_order_client_identity_is_refused_as_weak() {
    for binding in BINDINGS {
        for key in WEAK_IDENTITIES {
            let result = server_reads_auth_with_identity(binding, unhex(key));

            // Notice: refused as a key, before any signature is checked
            // (many signatures verify under a small-order key).
            assert!(
                matches!(
                    result,
                    Err(HandshakeError::ClientKeyInvalid(KeyError::Weak))
                ),
                "{binding}, {key}"
            );
        }
    }
}

#[test]
fn a_client_identity_that_is_not_a_curve_point_is_refused() {
    for binding in BINDINGS {
        let result = server_reads_auth_with_identity(binding, unhex(NOT_A_POINT));

        // Notice: 32 bytes are not a key until they decode to a point.
        assert!(
            matches!(
                result,
                Err(HandshakeError::ClientKeyInvalid(KeyError::NotAPoint))
            ),
            "{binding}"
        );
    }
}

// ---- Key confirmation -----------------------------------------------------

#[test]
fn under_transcript_the_server_waits_for_key_confirmation_after_message_3() {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(14);
    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::Transcript,
    );
    let (server, server_hello) = mutual::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();
    let (_, auth) = client.read_server_hello(&server_hello).unwrap();

    let verified = server.read_client_auth(&auth, &trusts_alice()).unwrap();

    // Notice: a valid signature is not yet enough; the server has no session to use.
    let ClientVerified::ExpectKeyConfirmation(pending) = verified else {
        panic!("expected ExpectKeyConfirmation, got {verified:?}");
    };
    // Notice: the server already knows whom to expect, but only as a claim.
    assert_eq!(pending.claimed_client().name, alice_name());
    assert_eq!(pending.claimed_client().key, alice_key.public());
}

#[test]
fn under_lesson11_the_server_accepts_right_after_message_3() {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(15);
    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::InsecureLesson11,
    );
    let (server, server_hello) = mutual::Server::new(&server_key, Binding::InsecureLesson11)
        .read_client_hello(&mut rng, &hello)
        .unwrap();
    let (_, auth) = client.read_server_hello(&server_hello).unwrap();

    let verified = server.read_client_auth(&auth, &trusts_alice()).unwrap();

    // Notice: as taught, the signature alone lets Alice in.
    let ClientVerified::Accepted(accepted) = verified else {
        panic!("expected Accepted, got {verified:?}");
    };
    assert_eq!(accepted.client.name, alice_name());
}

#[test]
fn a_garbage_first_record_fails_key_confirmation() {
    let pending = pending_confirmation(16);
    // A well-framed record (header 0x0015 = 5 + 16) with random-looking contents.
    let mut garbage = [0x5a; 23];
    garbage[..2].copy_from_slice(&[0x00, 0x15]);

    let result = pending.confirm(&mut garbage);

    // Notice: the framing is fine; it is the tag that gives it away.
    assert!(matches!(
        result,
        Err(HandshakeError::KeyConfirmationFailed(RecordError::Forged))
    ));
}

#[test]
fn a_first_record_from_another_session_fails_key_confirmation() {
    let pending = pending_confirmation(17);
    // Alice's genuine first record, but from a different handshake.
    let mut other = run_mutual(Binding::Transcript, 18);
    let mut record = seal(&mut other.client, b"hello");

    let result = pending.confirm(&mut record);

    // Notice: a record proves its sender saw *this* handshake, not just any.
    assert!(matches!(
        result,
        Err(HandshakeError::KeyConfirmationFailed(RecordError::Forged))
    ));
}

#[test]
fn a_badly_framed_first_record_fails_key_confirmation() {
    let pending = pending_confirmation(19);
    let mut truncated = [0x00, 0x15, 0x01];

    let result = pending.confirm(&mut truncated);

    // Notice: framing errors come through too, with their detail.
    assert!(matches!(
        result,
        Err(HandshakeError::KeyConfirmationFailed(
            RecordError::LengthMismatch {
                announced: 23,
                found: 3
            }
        ))
    ));
}

// ---- Lesson 10 and Lesson 11 signatures are not interchangeable -----------

#[test]
fn under_transcript_a_lesson10_server_signature_does_not_verify_in_lesson11() {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(20);
    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::Transcript,
    );
    // The same server key answers, but as a Lesson 10 server.
    let (_, lesson10_hello) = server_only::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();

    let result = client.read_server_hello(&lesson10_hello);

    // Notice: same key, same transcript, different context string: refused.
    assert!(matches!(
        result,
        Err(HandshakeError::ServerSignatureInvalid)
    ));
}

#[test]
fn under_transcript_a_lesson11_server_signature_does_not_verify_in_lesson10() {
    let server_key = server_key();
    let mut rng = seeded_rng(21);
    let (client, hello) =
        server_only::Client::start(&mut rng, server_key.public(), Binding::Transcript);
    let (_, lesson11_hello) = mutual::Server::new(&server_key, Binding::Transcript)
        .read_client_hello(&mut rng, &hello)
        .unwrap();

    let result = client.read_server_hello(&lesson11_hello);

    // Notice: the separation works in both directions.
    assert!(matches!(
        result,
        Err(HandshakeError::ServerSignatureInvalid)
    ));
}

#[test]
fn under_lesson11_a_lesson10_server_signature_is_accepted_in_lesson11() {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(22);
    let (client, hello) = mutual::Client::start(
        &mut rng,
        &alice_key,
        server_key.public(),
        Binding::InsecureLesson11,
    );
    let (_, lesson10_hello) = server_only::Server::new(&server_key, Binding::InsecureLesson11)
        .read_client_hello(&mut rng, &hello)
        .unwrap();

    let result = client.read_server_hello(&lesson10_hello);

    // Notice: with no context string, a signed share is a signed share,
    // whichever protocol it was made for. This is what the transcript binding fixes.
    assert!(result.is_ok());
}
