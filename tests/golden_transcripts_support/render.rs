//! Regenerating the files: a case's inputs, bytes and intermediates as text.

use super::cases::{Case, Handshake};
use super::library::Wire;
use super::second_route::{Inputs, Intermediates};
use learn_mtls::hex::Hex;
use learn_mtls::identity::Identity;
use std::fmt::Write as _;

pub fn render(case: &Case, inputs: &Inputs, wire: &Wire, intermediates: &Intermediates) -> String {
    let hybrid = case.kex == learn_mtls::kex::Kex::X25519MlKem768;
    let ml_dsa = case.identity == Identity::MlDsa65;
    let (title, messages) = match (case.handshake, hybrid, ml_dsa) {
        (Handshake::Mutual, false, false) => ("the mutual handshake (Lesson 11)", "M1 || M2 || M3"),
        (Handshake::Mutual, true, false) => (
            "the hybrid mutual handshake (Lesson 19, X25519 + ML-KEM-768)",
            "M1 || M2 || M3",
        ),
        (Handshake::Mutual, false, true) => (
            "the mutual handshake with ML-DSA-65 identities\n# (Lesson 19)",
            "M1 || M2 || M3",
        ),
        (Handshake::Mutual, true, true) => (
            "the hybrid mutual handshake with ML-DSA-65 identities\n# (Lesson 19, X25519 + ML-KEM-768)",
            "M1 || M2 || M3",
        ),
        (Handshake::ServerOnly, _, _) => ("the server-only handshake (Lesson 10)", "M1 || M2"),
    };
    let binding = case.binding;
    let kem = if hybrid { ", ml-kem" } else { "" };
    let (signer, secrets) = if ml_dsa {
        (
            "ml-dsa, shake",
            "Secrets are ML-DSA-65 seeds xi (FIPS 204\n\
             # Algorithm 1); signing is ML-DSA.Sign, pure, ctx = \"\", deterministic\n\
             # (rnd = 32 zero bytes), so it takes no randomness.",
        )
    } else {
        (
            "ed25519-dalek",
            "Secrets are Ed25519 seeds (RFC 8032 section 5.1.5).",
        )
    };
    let mut out = format!(
        "\
# learn-mtls golden transcript: {title}, binding `{binding}`.
#
# Produced by tests/golden_transcripts.rs, which checks it two ways: the
# library must produce these exact bytes from the inputs, and a second
# implementation of the documented formulas (x25519-dalek, {signer},
# sha2, hkdf, chacha20poly1305{kem} used directly) must recompute all of them.
# Regenerate only after a deliberate change to the wire format, then review:
#   LEARN_MTLS_BLESS=1 cargo test --test golden_transcripts
#
# Format: `name = lowercase hex`, one value per line.

# Inputs. {secrets} Each side's
# randomness is ChaCha20Rng::from_seed(seed) (chacha20 0.10); its first 32
# bytes are that side's X25519 ephemeral secret.
"
    );
    if hybrid {
        out.push_str(
            "# Then the client's next 64 bytes are ML-KEM-768's key generation seeds\n\
             # d and z (FIPS 203 Algorithm 19), the server's next 32 the message m of\n\
             # its encapsulation (Algorithm 20). The keys come from the 64-byte\n\
             # hybrid_shared_secret = ml_kem_shared_key || shared_secret (X25519's).\n",
        );
    }
    let value = |out: &mut String, name: &str, bytes: &[u8]| {
        writeln!(out, "{name} = {}", Hex(bytes)).expect("writing to a String cannot fail");
    };
    let [server_secret, client_secret] = Inputs::secret_names(case.identity);
    value(&mut out, server_secret, &inputs.server_secret);
    value(&mut out, client_secret, &inputs.client_secret);
    value(&mut out, "client_rng_seed", &inputs.client_rng_seed);
    value(&mut out, "server_rng_seed", &inputs.server_rng_seed);
    out.push_str(
        "\n# On the wire. client_record_1 and server_record_1 carry \"hello\",\n\
         # client_record_2 carries \"again\" (so its nonce uses counter 1).\n",
    );
    value(&mut out, "message1", &wire.message1);
    value(&mut out, "message2", &wire.message2);
    if let Some(message3) = &wire.message3 {
        value(&mut out, "message3", message3);
    }
    value(&mut out, "client_record_1", &wire.client_record_1);
    value(&mut out, "client_record_2", &wire.client_record_2);
    value(&mut out, "server_record_1", &wire.server_record_1);
    let _ = write!(
        out,
        "\n# On the way, by the second route: the ephemeral secrets, X25519's shared\n\
         # secret{}, the exact bytes each side signs, the transcript hash\n\
         # SHA-256({messages}) when the binding uses one (otherwise the HKDF salt\n\
         # is 32 zero bytes), and the traffic secrets from HKDF-SHA256.\n",
        if hybrid { " and ML-KEM's" } else { "" }
    );
    if ml_dsa {
        out.push_str(
            "# First the ML-DSA-65 public keys (pkEncode), and after each signed value\n\
             # the mu that ML-DSA.Sign signs: SHAKE256(tr || 0x00 || 0x00 || signed, 64)\n\
             # with tr = SHAKE256(public key, 64) (FIPS 204 Algorithms 2, 6 and 7).\n",
        );
    }
    for (name, bytes) in intermediates.named() {
        value(&mut out, name, &bytes);
    }
    out
}
