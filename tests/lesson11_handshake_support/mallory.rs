//! Mallory changes one bit: every flip of every byte of one message.

use crate::common::{BINDINGS, Failure, Message, run_mutual_through};
use learn_mtls::handshake::Binding;

/// Runs the handshake once for every bit flip `mask` at every byte of
/// `message`, in both bindings, and checks two things: that the handshake
/// fails (some step returns an error, or the client's first record does
/// not open at the server), and that it fails the way `expected` says.
pub fn every_single_byte_change_fails(
    message: Message,
    len: usize,
    expected: impl Fn(Binding, usize, Failure) -> bool,
) {
    for binding in BINDINGS {
        for position in 0..len {
            for mask in [0x01, 0x80] {
                let outcome = run_mutual_through(binding, 9, |which, bytes| {
                    if which == message {
                        bytes[position] ^= mask;
                    }
                });

                let context = format!("{binding}, {message:?} byte {position} ^ {mask:#04x}");
                let failure = match outcome {
                    Ok(_) => panic!("the handshake succeeded: {context}"),
                    Err(failure) => failure,
                };
                assert!(
                    expected(binding, position, failure),
                    "{context}: unexpected {failure:?}"
                );
            }
        }
    }
}
