//! What Lesson 19's two measuring examples, `19-handshake-cost` and
//! `19-identity-cost`, share: the interleaved timing loop, its median, the
//! microseconds they print, and the whole in-memory handshake they time,
//! under any key exchange and identity scheme.

use std::hint::black_box;
use std::time::{Duration, Instant};

use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::identity::IdentityScheme;
use learn_mtls::kex::KeyExchange;
use learn_mtls::net::os_rng;
use learn_mtls::trust::TrustPolicy;

/// How many rounds [`medians_per_call`] times; the median one is reported.
pub const ROUNDS: usize = 11;

/// For each operation, the median over [`ROUNDS`] rounds of its time per
/// call, each round `count` calls. The rounds interleave the operations
/// (round 1 of each, then round 2 of each, ...), so that a machine busy
/// with something else for a while slows all of them alike rather than one.
///
/// # Panics
/// If `count` is 0: there is no time per call without a call.
pub fn medians_per_call<const N: usize>(
    count: u32,
    mut operations: [&mut dyn FnMut(); N],
) -> [Duration; N] {
    assert!(count > 0, "medians_per_call: count must be at least 1");
    let mut rounds: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(ROUNDS));
    for _ in 0..ROUNDS {
        for (operation, times) in operations.iter_mut().zip(&mut rounds) {
            let start = Instant::now();
            for _ in 0..count {
                operation();
            }
            times.push(start.elapsed() / count);
        }
    }
    rounds.map(|mut times| {
        times.sort();
        times[ROUNDS / 2]
    })
}

/// `d` in microseconds, as the examples print it.
pub fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// One whole mutual handshake of `kex` with identities of `scheme`, and
/// the key confirmation, both sides, transcript binding: the CPU work only,
/// between two variables.
///
/// # Errors
/// The step that refused, which for honest keys and a policy that trusts
/// the client is none.
pub fn handshake<K: KeyExchange, I: IdentityScheme>(
    (kex, scheme): (K, I),
    server: &I::Secret,
    client: &I::Secret,
    policy: &impl TrustPolicy<I::Public>,
) -> Result<(), HandshakeError> {
    let mut rng = os_rng();
    let binding = Binding::Transcript;
    let (state, hello) =
        mutual::Client::start_with(&mut rng, kex, scheme, client, I::public(server), binding);
    let (server_state, server_hello) = mutual::Server::with_identity(server, binding, kex, scheme)
        .read_client_hello(&mut rng, &hello)?;
    let (mut session, auth) = state.read_server_hello(&server_hello)?;
    let verified = server_state.read_client_auth(&auth, policy)?;
    let mut record = [0u8; 64];
    let len = session
        .seal(b"", &mut record)
        .map_err(HandshakeError::KeyConfirmationFailed)?;
    if let ClientVerified::ExpectKeyConfirmation(pending) = verified {
        black_box(pending.confirm(&mut record[..len])?);
    }
    Ok(())
}
