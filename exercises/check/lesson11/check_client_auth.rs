//! The check of exercise 11.2: the server's checks of message 3, in order.

use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::os_rng;
use learn_mtls::trust::AuthorizedKey;
use learn_mtls::trust::lists::{AuthorizedKeys, RevokedKeys, WithRevocations};
use learn_mtls::trust::{ClientIdentity, TrustPolicy};
use learn_mtls::wire::{ClientAuth, ClientHello};
use learn_mtls_exercises::lesson11;
use learn_mtls_exercises::support::{public_share, sign};

use crate::harness::{Context, Result, fail, hex, key_shown, random, same};
use crate::lesson10::malleate;

use super::fixtures::{key, name, not_a_point};

/// Runs a real lesson11 handshake up to message 3, returning what the real
/// server decides about `auth` (built from the real message 1).
fn real_server_verdict(
    server: &IdentityKey,
    hello: &ClientHello,
    auth: &ClientAuth,
    policy: &impl TrustPolicy,
) -> Result<std::result::Result<ClientIdentity, HandshakeError>> {
    let (state, _) = mutual::Server::new(server, Binding::InsecureLesson11)
        .read_client_hello(&mut os_rng(), hello)
        .context("the real server")?;
    Ok(match state.read_client_auth(auth, policy) {
        Ok(ClientVerified::Accepted(accepted)) => Ok(accepted.client),
        Ok(ClientVerified::ExpectKeyConfirmation(_)) => {
            return Err(fail(
                "the real server asked for key confirmation under lesson11",
            ));
        }
        Err(e) => Err(e),
    })
}

/// 11.2: the server's checks of message 3.
pub fn check_client_auth() -> Result {
    let server = key();
    let (alice, bob, mallory) = (key(), key(), key());
    let policy = WithRevocations::new(
        AuthorizedKeys::new([
            AuthorizedKey::new(alice.public(), name("alice")),
            AuthorizedKey::new(bob.public(), name("bob")),
        ]),
        RevokedKeys::new([bob.public()]),
    );
    let mut weak = [0u8; 32];
    weak[0] = 1; // the neutral point: small order
    type Make = fn(&ClientHello, &[&IdentityKey; 3], [u8; 32], [u8; 32]) -> ClientAuth;
    let cases: [(&str, Make); 11] = [
        ("alice, genuine", |h, k, _, _| ClientAuth {
            signature: sign(k[0], &h.share),
            identity: *k[0].public().as_bytes(),
        }),
        ("bob, genuine but revoked", |h, k, _, _| ClientAuth {
            signature: sign(k[1], &h.share),
            identity: *k[1].public().as_bytes(),
        }),
        ("mallory, genuine but on no list", |h, k, _, _| ClientAuth {
            signature: sign(k[2], &h.share),
            identity: *k[2].public().as_bytes(),
        }),
        (
            "alice's key, one bit of the signature flipped",
            |h, k, _, _| {
                let mut signature = sign(k[0], &h.share);
                signature[40] ^= 4;
                ClientAuth {
                    signature,
                    identity: *k[0].public().as_bytes(),
                }
            },
        ),
        (
            "alice's key, the signature made non-canonical (S + L)",
            |h, k, _, _| {
                let mut signature = sign(k[0], &h.share);
                malleate(&mut signature);
                ClientAuth {
                    signature,
                    identity: *k[0].public().as_bytes(),
                }
            },
        ),
        ("alice's key, signed by mallory", |h, k, _, _| ClientAuth {
            signature: sign(k[2], &h.share),
            identity: *k[0].public().as_bytes(),
        }),
        (
            "alice's key, alice's signature over other bytes",
            |_, k, _, _| ClientAuth {
                signature: sign(k[0], &[7; 32]),
                identity: *k[0].public().as_bytes(),
            },
        ),
        ("mallory, on no list, with a bad signature", |_, k, _, _| {
            ClientAuth {
                signature: [9; 64],
                identity: *k[2].public().as_bytes(),
            }
        }),
        ("a key that is not a curve point", |h, k, bad, _| {
            ClientAuth {
                signature: sign(k[0], &h.share),
                identity: bad,
            }
        }),
        ("a weak (small-order) key", |h, k, _, weak| ClientAuth {
            signature: sign(k[0], &h.share),
            identity: weak,
        }),
        ("a weak key and a signature of zeros", |_, _, _, weak| {
            ClientAuth {
                signature: [0; 64],
                identity: weak,
            }
        }),
    ];
    let keys = [&alice, &bob, &mallory];
    for (what, make) in cases {
        let hello = ClientHello {
            share: public_share(&random()),
        };
        let auth = make(&hello, &keys, not_a_point(), weak);
        let expected = real_server_verdict(&server, &hello, &auth, &policy)?;
        let got = lesson11::check_client_auth::check_client_auth(&hello, &auth, &policy);
        let input = format!(
            "{what}\n            message 1 = {}\n            message 3 = {} (its key: {})\n            \
             keys: alice {}, bob {} (revoked), mallory {} (on no list)",
            hex(&hello.to_bytes()),
            hex(&auth.to_bytes()),
            key_shown(&auth.identity),
            key_shown(alice.public().as_bytes()),
            key_shown(bob.public().as_bytes()),
            key_shown(mallory.public().as_bytes())
        );
        same("your verdict", &input, &expected, &got)?;
    }
    Ok(())
}
