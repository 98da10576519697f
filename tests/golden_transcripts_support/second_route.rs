//! Route 2: the documented formulas, with the primitives directly and
//! every label and context string as a literal.

use super::cases::{
    CLIENT_ML_DSA_SEED, CLIENT_RECORD_1, CLIENT_RECORD_2, CLIENT_RNG_SEED, CLIENT_SECRET, Case,
    Handshake, SERVER_ML_DSA_SEED, SERVER_RECORD_1, SERVER_RNG_SEED, SERVER_SECRET, Vectors,
};
use super::library::Wire;
use super::signatures::{check_signature, public_key, public_key_len, signature_len};
use chacha20::ChaCha20Rng;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Tag};
use hkdf::Hkdf;
use learn_mtls::handshake::Binding;
use learn_mtls::identity::Identity;
use learn_mtls::kex::Kex;
use learn_mtls::rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

pub struct Inputs {
    /// The server's long-term secret, of the case's identity scheme: an
    /// Ed25519 seed (RFC 8032 section 5.1.5), or an ML-DSA-65 seed xi
    /// (FIPS 204 Algorithm 1).
    pub server_secret: [u8; 32],
    /// The client's, likewise.
    pub client_secret: [u8; 32],
    pub client_rng_seed: [u8; 32],
    pub server_rng_seed: [u8; 32],
}

impl Inputs {
    /// The fixed inputs the generator writes for `case`.
    pub fn fixed(case: &Case) -> Self {
        let (server_secret, client_secret) = match case.identity {
            Identity::Ed25519 => (SERVER_SECRET, CLIENT_SECRET),
            Identity::MlDsa65 => (SERVER_ML_DSA_SEED, CLIENT_ML_DSA_SEED),
        };
        Self {
            server_secret,
            client_secret,
            client_rng_seed: CLIENT_RNG_SEED,
            server_rng_seed: SERVER_RNG_SEED,
        }
    }

    /// The names of the server's and the client's secrets in a vector
    /// file: `server_secret` and `client_secret` (Ed25519), or
    /// `server_ml_dsa_seed` and `client_ml_dsa_seed`.
    pub fn secret_names(identity: Identity) -> [&'static str; 2] {
        match identity {
            Identity::Ed25519 => ["server_secret", "client_secret"],
            Identity::MlDsa65 => ["server_ml_dsa_seed", "client_ml_dsa_seed"],
        }
    }

    pub fn from_file(case: &Case, vectors: &Vectors) -> Self {
        let [server, client] = Self::secret_names(case.identity);
        Self {
            server_secret: vectors.array(server),
            client_secret: vectors.array(client),
            client_rng_seed: vectors.array("client_rng_seed"),
            server_rng_seed: vectors.array("server_rng_seed"),
        }
    }
}

/// Everything route 2 computes on the way, in file order.
pub struct Intermediates {
    /// ML-DSA-65 identities only: the public keys and what is signed.
    pub ml_dsa: Option<MlDsaIdentities>,
    pub client_ephemeral_secret: [u8; 32],
    pub server_ephemeral_secret: [u8; 32],
    pub shared_secret: [u8; 32],
    /// The hybrid key exchange only: ML-KEM-768's randomness and key, and
    /// the 64-byte secret the schedule takes.
    pub hybrid: Option<Hybrid>,
    pub server_signed: Vec<u8>,
    /// Lesson 11 only.
    pub client_signed: Option<Vec<u8>>,
    /// Transcript binding only.
    pub transcript_hash: Option<[u8; 32]>,
    pub client_write_key: [u8; 32],
    pub client_write_iv: [u8; 12],
    pub server_write_key: [u8; 32],
    pub server_write_iv: [u8; 12],
}

/// What the hybrid key exchange adds on the way.
pub struct Hybrid {
    /// FIPS 203 key generation's seeds, the client's randomness after its
    /// X25519 secret.
    pub ml_kem_d: [u8; 32],
    pub ml_kem_z: [u8; 32],
    /// Encapsulation's message, the server's randomness after its X25519 secret.
    pub ml_kem_m: [u8; 32],
    pub ml_kem_shared_key: [u8; 32],
    /// `ml_kem_shared_key || shared_secret` (X25519's).
    pub hybrid_shared_secret: [u8; 64],
}

/// What ML-DSA-65 identities add on the way.
pub struct MlDsaIdentities {
    /// pkEncode of each seed's key (FIPS 204 Algorithms 6 and 22); the
    /// client's is also the end of message 3.
    pub server_public_key: Vec<u8>,
    pub client_public_key: Vec<u8>,
    /// mu = H(tr || 0x00 || 0x00 || server_signed, 64) with tr = H(pk, 64):
    /// the message representative ML-DSA.Sign signs (Algorithm 7, line 6).
    pub server_mu: [u8; 64],
    /// The same for client_signed, under the client's key.
    pub client_mu: [u8; 64],
}

impl Intermediates {
    pub fn named(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut named = Vec::new();
        if let Some(ml_dsa) = &self.ml_dsa {
            named.extend([
                ("server_public_key", ml_dsa.server_public_key.clone()),
                ("client_public_key", ml_dsa.client_public_key.clone()),
            ]);
        }
        named.extend([
            (
                "client_ephemeral_secret",
                self.client_ephemeral_secret.to_vec(),
            ),
            (
                "server_ephemeral_secret",
                self.server_ephemeral_secret.to_vec(),
            ),
            ("shared_secret", self.shared_secret.to_vec()),
        ]);
        if let Some(hybrid) = &self.hybrid {
            named.extend([
                ("ml_kem_d", hybrid.ml_kem_d.to_vec()),
                ("ml_kem_z", hybrid.ml_kem_z.to_vec()),
                ("ml_kem_m", hybrid.ml_kem_m.to_vec()),
                ("ml_kem_shared_key", hybrid.ml_kem_shared_key.to_vec()),
                ("hybrid_shared_secret", hybrid.hybrid_shared_secret.to_vec()),
            ]);
        }
        named.push(("server_signed", self.server_signed.clone()));
        if let Some(ml_dsa) = &self.ml_dsa {
            named.push(("server_mu", ml_dsa.server_mu.to_vec()));
        }
        if let Some(client_signed) = &self.client_signed {
            named.push(("client_signed", client_signed.clone()));
        }
        if let Some(ml_dsa) = &self.ml_dsa {
            named.push(("client_mu", ml_dsa.client_mu.to_vec()));
        }
        if let Some(hash) = self.transcript_hash {
            named.push(("transcript_hash", hash.to_vec()));
        }
        named.extend([
            ("client_write_key", self.client_write_key.to_vec()),
            ("client_write_iv", self.client_write_iv.to_vec()),
            ("server_write_key", self.server_write_key.to_vec()),
            ("server_write_iv", self.server_write_iv.to_vec()),
        ]);
        named
    }
}

/// `0x20 x 64 || context || 0x00 || SHA-256(parts...)`, as
/// `handshake/mod.rs` documents it (RFC 8446 section 4.4.3).
pub fn transcript_signed(context: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    let mut signed = vec![0x20; 64];
    signed.extend_from_slice(context);
    signed.push(0x00);
    signed.extend_from_slice(&hash.finalize());
    signed
}

/// `nonce = write_iv XOR (0^4 || counter as 8 bytes big-endian)`, from `record.rs`.
pub fn nonce(iv: &[u8; 12], counter: u64) -> [u8; 12] {
    let mut nonce = *iv;
    for (n, c) in nonce[4..].iter_mut().zip(counter.to_be_bytes()) {
        *n ^= c;
    }
    nonce
}

/// Opens `record = length (2, big-endian) || ciphertext || tag (16)`, with
/// the length as associated data, and checks that sealing the plaintext
/// again gives the same record.
pub fn check_record(key: &[u8; 32], iv: &[u8; 12], counter: u64, record: &[u8], plaintext: &[u8]) {
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    let nonce = nonce(iv, counter).into();
    let (header, body) = record.split_at(2);
    assert_eq!(
        usize::from(u16::from_be_bytes([header[0], header[1]])),
        body.len()
    );
    let (ciphertext, tag) = body.split_at(body.len() - 16);

    let mut opened = ciphertext.to_vec();
    cipher
        .decrypt_inout_detached(
            &nonce,
            header,
            opened.as_mut_slice().into(),
            &Tag::try_from(tag).unwrap(),
        )
        .expect("the record opens under the documented key and nonce");
    assert_eq!(opened, plaintext);

    let mut sealed = plaintext.to_vec();
    let tag = cipher
        .encrypt_inout_detached(&nonce, header, sealed.as_mut_slice().into())
        .unwrap();
    sealed.extend_from_slice(&tag);
    assert_eq!(sealed, body);
}

/// Recomputes and checks every byte of a run from the inputs, by the
/// documented formulas alone. Returns the values computed on the way.
pub fn second_route(case: &Case, inputs: &Inputs, wire: &Wire) -> Intermediates {
    let mutual = case.handshake == Handshake::Mutual;
    let transcript = case.binding == Binding::Transcript;
    let hybrid = case.kex == Kex::X25519MlKem768;
    let identity = case.identity;
    let (m1, m2) = (&wire.message1[..], &wire.message2[..]);
    // M2 = reply || server_sig (64, or ML-DSA-65's 3,309); the reply is
    // server_share (X25519), or ciphertext (1088) || server_share (hybrid).
    // M1 is client_share, or encapsulation_key (1184) || client_share.
    let signature_len = signature_len(identity);
    let (server_reply, server_signature) = m2.split_at(m2.len() - signature_len);
    let (ciphertext, server_share) = server_reply.split_at(server_reply.len() - 32);
    let (encapsulation_key, client_share) = m1.split_at(m1.len() - 32);
    assert_eq!(m1.len(), if hybrid { 1216 } else { 32 });
    assert_eq!(server_reply.len(), if hybrid { 1120 } else { 32 });
    assert_eq!(m2.len(), server_reply.len() + signature_len);

    // Long-term keys from the 32-byte seeds: RFC 8032 section 5.1.5, or
    // ML-DSA.KeyGen_internal and pkEncode (FIPS 204).
    let server_public = public_key(identity, &inputs.server_secret);
    let client_public = public_key(identity, &inputs.client_secret);

    // Ephemeral secrets: the first 32 bytes each side's RNG produces
    // (x25519-dalek's EphemeralSecret::random_from_rng), clamped by X25519.
    let mut client_rng = ChaCha20Rng::from_seed(inputs.client_rng_seed);
    let mut server_rng = ChaCha20Rng::from_seed(inputs.server_rng_seed);
    let mut client_ephemeral_secret = [0u8; 32];
    client_rng.fill_bytes(&mut client_ephemeral_secret);
    let mut server_ephemeral_secret = [0u8; 32];
    server_rng.fill_bytes(&mut server_ephemeral_secret);

    // client_share = X25519(client secret, 9).
    let base = x25519_dalek::X25519_BASEPOINT_BYTES;
    assert_eq!(
        client_share,
        x25519_dalek::x25519(client_ephemeral_secret, base)
    );
    assert_eq!(
        server_share,
        x25519_dalek::x25519(server_ephemeral_secret, base)
    );

    // The shared secret, the same from both ends, and not all zeros.
    let shared_secret =
        x25519_dalek::x25519(client_ephemeral_secret, server_share.try_into().unwrap());
    assert_eq!(
        shared_secret,
        x25519_dalek::x25519(server_ephemeral_secret, client_share.try_into().unwrap())
    );
    assert_ne!(shared_secret, [0u8; 32]);

    // The hybrid key exchange: ML-KEM-768 (FIPS 203) from the next bytes of
    // each side's randomness: the client's d then z, the server's m.
    let hybrid = hybrid.then(|| {
        use ml_kem::kem::{Decapsulate, KeyExport};
        let (mut ml_kem_d, mut ml_kem_z, mut ml_kem_m) = ([0u8; 32], [0u8; 32], [0u8; 32]);
        client_rng.fill_bytes(&mut ml_kem_d);
        client_rng.fill_bytes(&mut ml_kem_z);
        server_rng.fill_bytes(&mut ml_kem_m);
        let seed = [ml_kem_d, ml_kem_z].concat();
        let dk = ml_kem::DecapsulationKey::<ml_kem::MlKem768>::from_seed(
            seed.as_slice().try_into().unwrap(),
        );
        let ek = dk.encapsulation_key();
        assert_eq!(ek.to_bytes().as_slice(), encapsulation_key);
        let (c, k) = ek.encapsulate_deterministic(&ml_kem_m.into());
        assert_eq!(c.as_slice(), ciphertext);
        assert_eq!(dk.decapsulate(&c), k);
        let ml_kem_shared_key: [u8; 32] = k.as_slice().try_into().unwrap();
        let mut hybrid_shared_secret = [0u8; 64];
        hybrid_shared_secret[..32].copy_from_slice(&ml_kem_shared_key);
        hybrid_shared_secret[32..].copy_from_slice(&shared_secret);
        Hybrid {
            ml_kem_d,
            ml_kem_z,
            ml_kem_m,
            ml_kem_shared_key,
            hybrid_shared_secret,
        }
    });

    // Message 2 = reply || server_sig.
    let server_context: &[u8] = if mutual {
        b"learn-mtls v1 mutual, server signature"
    } else {
        b"learn-mtls v1 server-only, server signature"
    };
    let server_signed = if transcript {
        transcript_signed(server_context, &[m1, server_reply])
    } else {
        server_reply.to_vec()
    };
    let server_mu = check_signature(
        identity,
        &inputs.server_secret,
        &server_public,
        &server_signed,
        server_signature,
    );

    // Message 3 = client_sig || client_key (Lesson 11 only): 64 + 32
    // bytes, or ML-DSA-65's 3,309 + 1,952.
    let mut client_mu = None;
    let client_signed = wire.message3.as_ref().map(|m3| {
        assert_eq!(m3.len(), signature_len + public_key_len(identity));
        let (client_signature, client_key) = m3.split_at(signature_len);
        assert_eq!(client_key, client_public);
        let client_signed = if transcript {
            transcript_signed(
                b"learn-mtls v1 mutual, client signature",
                &[m1, m2, client_key],
            )
        } else {
            m1.to_vec()
        };
        client_mu = check_signature(
            identity,
            &inputs.client_secret,
            &client_public,
            &client_signed,
            client_signature,
        );
        client_signed
    });
    assert_eq!(client_signed.is_some(), mutual);
    assert_eq!(server_mu.is_some(), identity == Identity::MlDsa65);
    let ml_dsa = server_mu.map(|server_mu| MlDsaIdentities {
        server_public_key: server_public,
        client_public_key: client_public,
        server_mu,
        client_mu: client_mu.expect("the client's ML-DSA-65 signature"),
    });

    // The key schedule: salt = SHA-256(all handshake bytes), or 32 zero bytes.
    let transcript_hash = transcript.then(|| {
        let mut hash = Sha256::new();
        hash.update(m1);
        hash.update(m2);
        if let Some(m3) = &wire.message3 {
            hash.update(m3);
        }
        <[u8; 32]>::from(hash.finalize())
    });
    let salt = transcript_hash.unwrap_or([0u8; 32]);
    let ikm = hybrid
        .as_ref()
        .map_or(&shared_secret[..], |h| &h.hybrid_shared_secret[..]);
    let prk = Hkdf::<Sha256>::new(Some(&salt), ikm);
    let mut client_write_key = [0u8; 32];
    let mut client_write_iv = [0u8; 12];
    let mut server_write_key = [0u8; 32];
    let mut server_write_iv = [0u8; 12];
    prk.expand(b"learn-mtls v1 client write key", &mut client_write_key)
        .unwrap();
    prk.expand(b"learn-mtls v1 client write iv", &mut client_write_iv)
        .unwrap();
    prk.expand(b"learn-mtls v1 server write key", &mut server_write_key)
        .unwrap();
    prk.expand(b"learn-mtls v1 server write iv", &mut server_write_iv)
        .unwrap();

    // Records: each direction counts from zero.
    check_record(
        &client_write_key,
        &client_write_iv,
        0,
        &wire.client_record_1,
        CLIENT_RECORD_1,
    );
    check_record(
        &client_write_key,
        &client_write_iv,
        1,
        &wire.client_record_2,
        CLIENT_RECORD_2,
    );
    check_record(
        &server_write_key,
        &server_write_iv,
        0,
        &wire.server_record_1,
        SERVER_RECORD_1,
    );

    Intermediates {
        ml_dsa,
        client_ephemeral_secret,
        server_ephemeral_secret,
        shared_secret,
        hybrid,
        server_signed,
        client_signed,
        transcript_hash,
        client_write_key,
        client_write_iv,
        server_write_key,
        server_write_iv,
    }
}

pub fn check_second_route_against_file(case: &Case) {
    let vectors = Vectors::load(case.file);
    let inputs = Inputs::from_file(case, &vectors);
    let wire = Wire::from_file(&vectors);

    let intermediates = second_route(case, &inputs, &wire);

    for (name, value) in intermediates.named() {
        vectors.check(name, &value);
    }
}
