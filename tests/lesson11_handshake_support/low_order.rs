//! Small-order X25519 shares and Ed25519 identities, and the messages that
//! carry them to the other side.

use crate::common::{SERVER_SECRET, alice_key, seeded_rng, server_key, trusts_alice};
use ed25519_dalek::{Signer, SigningKey};
use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{Binding, HandshakeError, MUTUAL_SERVER_CONTEXT};
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};
use sha2::{Digest, Sha256};

/// The X25519 u-coordinates of small order, canonical and not, each also
/// with bit 255 set (which X25519 ignores): libsodium's blocklist, also in
/// Wycheproof's x25519 vectors.
pub const LOW_ORDER_SHARES: [&str; 14] = [
    // 0 and 1.
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    // The two points of order 8.
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    // p - 1 (order 2), p (= 0) and p + 1 (= 1).
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    // The same seven with the high bit set.
    "0000000000000000000000000000000000000000000000000000000000000080",
    "0100000000000000000000000000000000000000000000000000000000000080",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];

/// Signs like the real server would, with `ed25519-dalek` directly: the
/// library keeps `IdentityKey::sign` to itself.
pub fn signed_by_the_server(message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(&SERVER_SECRET)
        .sign(message)
        .to_bytes()
}

/// A message 2 that carries `share` with a valid server signature under `binding`.
pub fn server_hello_carrying(
    binding: Binding,
    hello: &ClientHello,
    share: [u8; 32],
) -> ServerHello {
    let signature = match binding {
        Binding::InsecureLesson11 => signed_by_the_server(&share),
        Binding::Transcript => {
            let mut signed = vec![0x20; 64];
            signed.extend_from_slice(MUTUAL_SERVER_CONTEXT);
            signed.push(0x00);
            signed.extend_from_slice(
                &Sha256::new()
                    .chain_update(hello.share)
                    .chain_update(share)
                    .finalize(),
            );
            signed_by_the_server(&signed)
        }
    };
    ServerHello { share, signature }
}

/// Ed25519 points of small order (orders 1, 2, 4 and 8).
pub const WEAK_IDENTITIES: [&str; 6] = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
];

/// y = 2: no x satisfies the curve equation.
pub const NOT_A_POINT: &str = "0200000000000000000000000000000000000000000000000000000000000000";

/// Runs an honest handshake up to message 3, then swaps in `identity`.
pub fn server_reads_auth_with_identity(
    binding: Binding,
    identity: [u8; 32],
) -> Result<ClientVerified, HandshakeError> {
    let server_key = server_key();
    let alice_key = alice_key();
    let mut rng = seeded_rng(13);
    let (client, hello) = mutual::Client::start(&mut rng, &alice_key, server_key.public(), binding);
    let (server, server_hello) = mutual::Server::new(&server_key, binding)
        .read_client_hello(&mut rng, &hello)
        .unwrap();
    let (_, auth) = client.read_server_hello(&server_hello).unwrap();
    let forged = ClientAuth {
        signature: auth.signature,
        identity,
    };
    server.read_client_auth(&forged, &trusts_alice())
}
