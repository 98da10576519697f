//! Lesson 12 katas: the TLS 1.2 PRF and everything TLS 1.2 derives with it.
//!
//! Where the expected values come from, so none of them is our own output
//! copied back:
//!
//! - The P_SHA256 and P_SHA384 vectors were published on the IETF TLS
//!   working group's mailing list while TLS 1.2 was being drafted
//!   (mail-archive/web/tls/current/msg03416) and are checked by GnuTLS,
//!   Botan, OpenSSL-based and Java providers' test suites alike.
//! - Every other expected value was produced by OpenSSL 3.0.19, an
//!   independent implementation, with
//!
//!   ```text
//!   openssl kdf -keylen LEN -kdfopt digest:HASH -kdfopt hexsecret:SECRET \
//!       -kdfopt hexseed:LABEL_HEX$SEED TLS1-PRF
//!   ```
//!
//!   where `LABEL_HEX` is the label as hex (`printf 'master secret' | xxd -p`)
//!   and `SEED` the seed parts written one after another. Each constant
//!   says which LEN, HASH, SECRET, label and seed it used.
//!
//! The handshake inputs are RFC 7748 §6.1's X25519 example: Alice's and
//! Bob's public keys stand in for the client and server randoms, as in our
//! handshake, and their shared secret is the pre-master secret.

use learn_mtls::tls12::{
    CLIENT_FINISHED_LABEL, KEY_EXPANSION_LABEL, KeyBlockLayout, MASTER_SECRET_LABEL, MasterSecret,
    SERVER_FINISHED_LABEL, Sender, extended_master_secret, key_block, master_secret, p_hash, prf,
    prf_sha256, verify_data,
};
use sha2::{Sha256, Sha384};

/// Decodes a lowercase hex test vector of exactly `N` bytes.
fn hex<const N: usize>(text: &str) -> [u8; N] {
    learn_mtls::hex::decode_array(text).expect("a vector of the right length, in hex")
}

/// RFC 7748 §6.1: the X25519 shared secret of Alice and Bob.
const PRE_MASTER_SECRET: &str = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
/// RFC 7748 §6.1: Alice's public key, used as the client random.
const CLIENT_RANDOM: &str = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
/// RFC 7748 §6.1: Bob's public key, used as the server random.
const SERVER_RANDOM: &str = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";

/// `printf 'lesson 12: ClientHello..ClientKeyExchange' | openssl dgst -sha256`
const SESSION_HASH_SHA256: &str =
    "13da397b09b23f657c38d2124c54681c4a03cc36c75be823fd3631422a37da68";
/// `printf 'lesson 12: ClientHello..Finished' | openssl dgst -sha256`
const HANDSHAKE_HASH_SHA256: &str =
    "2648c5281a91b6024b6c94ee28f8ba935ed0c4a647195c7149db878c1250fd24";
/// `printf 'lesson 12: ClientHello..ClientKeyExchange' | openssl dgst -sha384`
const SESSION_HASH_SHA384: &str = concat!(
    "7e8cc6ce6e6eb2db70e9cd7703a2d2b6b2ef1ab30e461bf7",
    "e35b38b9a367cef29c5a5e6ecc227cc9458f8db3b5a10c3e",
);
/// `printf 'lesson 12: ClientHello..Finished' | openssl dgst -sha384`
const HANDSHAKE_HASH_SHA384: &str = concat!(
    "240d61b4deb935c6a87e17ffd177c28f476edce353b1f3c8",
    "b7f03e174fafa94a892475e2b25ebd6abacf51eaaf200e8b",
);

/// OpenSSL: LEN 48, SHA256, SECRET = PRE_MASTER_SECRET,
/// label "master secret", seed CLIENT_RANDOM + SERVER_RANDOM.
const MASTER_SECRET_SHA256: &str = concat!(
    "996fe3434f63e3e0ae995caca6188d804ef287ede32ab6e7",
    "68a54062f774ec04d8d843a8cc54a447339ee357711b3f1e",
);
/// OpenSSL: LEN 48, SHA256, SECRET = PRE_MASTER_SECRET,
/// label "extended master secret", seed SESSION_HASH_SHA256.
const EXTENDED_MASTER_SECRET_SHA256: &str = concat!(
    "0d2cddb8844c1151a932815d7fbde2bc2c40db1686894163",
    "d7a4b05c3aaf0b28fc9dc85677d40c1ca541e8a3a578286b",
);
/// OpenSSL: LEN 128, SHA256, SECRET = MASTER_SECRET_SHA256,
/// label "key expansion", seed SERVER_RANDOM + CLIENT_RANDOM.
/// 128 bytes covers every SHA-256 layout below, and also the 2 × 16 bytes
/// of CBC IV that OpenSSL itself still cuts (see the CBC kata).
const KEY_EXPANSION_SHA256: &str = concat!(
    "cd38fb842caf276be7596b7153f3880ff4d8bc0e5a6d456291167d5002ff37aa",
    "07c8b62c33d4e878bc7d7df225f7691ff59c79c6d218357a879e6e4c28b0ca03",
    "9f5f8153f817ec770b2d090876f382d9131dd886272819d1d2c1122af5fc2beb",
    "0eae05df2784d4b909726f0c77834a31f90488ff32a9c8576758094d8e1b4edd",
);
/// OpenSSL: LEN 12, SHA256, SECRET = MASTER_SECRET_SHA256,
/// label "client finished", seed HANDSHAKE_HASH_SHA256.
const CLIENT_VERIFY_DATA_SHA256: &str = "d3e5689a917bdc79de66edda";
/// OpenSSL: LEN 12, SHA256, SECRET = MASTER_SECRET_SHA256,
/// label "server finished", seed HANDSHAKE_HASH_SHA256.
const SERVER_VERIFY_DATA_SHA256: &str = "14074414d36397ca8ae7e413";

/// OpenSSL: LEN 48, SHA384, SECRET = PRE_MASTER_SECRET,
/// label "master secret", seed CLIENT_RANDOM + SERVER_RANDOM.
const MASTER_SECRET_SHA384: &str = concat!(
    "86a280eb5776843cef6f118972b6a993523b8f074e1e6cf2",
    "6e3c1fa47f0cf19065d466a0dbcbcc23a67b1f8355b0c214",
);
/// OpenSSL: LEN 48, SHA384, SECRET = PRE_MASTER_SECRET,
/// label "extended master secret", seed SESSION_HASH_SHA384.
const EXTENDED_MASTER_SECRET_SHA384: &str = concat!(
    "fda2304185826f37d61d7c948855687353e726563bfcdfca",
    "9f84f7c7a34784db598a298eb2495a4650a681f613f757cb",
);
/// OpenSSL: LEN 12, SHA384, SECRET = MASTER_SECRET_SHA384,
/// label "client finished", seed HANDSHAKE_HASH_SHA384.
const CLIENT_VERIFY_DATA_SHA384: &str = "cf458ba436e04fafe603cca5";
/// OpenSSL: LEN 12, SHA384, SECRET = MASTER_SECRET_SHA384,
/// label "server finished", seed HANDSHAKE_HASH_SHA384.
const SERVER_VERIFY_DATA_SHA384: &str = "3ff19438ee4fb079224de658";

fn pre_master_secret() -> [u8; 32] {
    hex(PRE_MASTER_SECRET)
}

fn client_random() -> [u8; 32] {
    hex(CLIENT_RANDOM)
}

fn server_random() -> [u8; 32] {
    hex(SERVER_RANDOM)
}

fn master_secret_sha256() -> MasterSecret {
    MasterSecret::from_bytes(hex(MASTER_SECRET_SHA256))
}

// --- The PRF itself ---------------------------------------------------------

#[test]
fn p_sha256_matches_the_tls_working_group_vector() {
    let secret: [u8; 16] = hex("9bbe436ba940f017b17652849a71db35");
    let seed: [u8; 16] = hex("a0ba9f936cda311827a6f796ffd5198c");
    let expected: [u8; 100] = hex(concat!(
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a",
        "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab",
        "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701",
        "87347b66",
    ));

    let mut out = [0u8; 100];
    prf::<Sha256>(&secret, b"test label", &[&seed], &mut out);

    assert_eq!(out, expected);
}

#[test]
fn p_sha384_matches_the_tls_working_group_vector() {
    let secret: [u8; 16] = hex("b80b733d6ceefcdc71566ea48e5567df");
    let seed: [u8; 16] = hex("cd665cf6a8447dd6ff8b27555edb7465");
    let expected: [u8; 148] = hex(concat!(
        "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd",
        "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd",
        "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425",
        "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6",
        "91c8f3a26854308d5eaa3be85e0990703d73e56f",
    ));

    let mut out = [0u8; 148];
    prf::<Sha384>(&secret, b"test label", &[&seed], &mut out);

    assert_eq!(out, expected);
}

#[test]
fn prf_is_p_hash_over_the_label_followed_by_the_seed() {
    let mut from_prf = [0u8; 70];
    prf::<Sha256>(b"secret", b"a label", &[b"a seed"], &mut from_prf);

    let mut from_p_hash = [0u8; 70];
    p_hash::<Sha256>(b"secret", &[b"a label", b"a seed"], &mut from_p_hash);

    assert_eq!(from_prf, from_p_hash);
}

#[test]
fn a_seed_given_in_several_parts_gives_the_same_output_as_the_seed_in_one_part() {
    let seed = b"server random then client random";
    let mut whole = [0u8; 64];
    p_hash::<Sha384>(b"secret", &[seed], &mut whole);

    let (left, right) = seed.split_at(13);
    let (middle, right) = right.split_at(7);
    let mut in_parts = [0u8; 64];
    p_hash::<Sha384>(b"secret", &[left, b"", middle, right], &mut in_parts);

    assert_eq!(whole, in_parts);
}

#[test]
fn a_shorter_output_is_a_prefix_of_a_longer_one() {
    let mut long = [0u8; 100];
    prf_sha256(b"secret", b"label", &[b"seed"], &mut long);

    // Either side of the 32-byte SHA-256 block boundary, and several blocks in.
    for len in [1, 31, 32, 33, 64, 65, 99] {
        let mut short = [0u8; 100];
        prf_sha256(b"secret", b"label", &[b"seed"], &mut short[..len]);
        assert_eq!(short[..len], long[..len], "first {len} bytes");
    }
}

#[test]
fn the_same_inputs_give_different_output_under_sha256_and_sha384() {
    let mut with_sha256 = [0u8; 32];
    prf::<Sha256>(b"secret", b"label", &[b"seed"], &mut with_sha256);
    let mut with_sha384 = [0u8; 32];
    prf::<Sha384>(b"secret", b"label", &[b"seed"], &mut with_sha384);

    assert_ne!(with_sha256, with_sha384);
}

// --- Master secret ------------------------------------------------------------

#[test]
fn the_master_secret_matches_openssl() {
    let ms = master_secret::<Sha256>(&pre_master_secret(), &client_random(), &server_random());

    assert_eq!(*ms.as_bytes(), hex::<48>(MASTER_SECRET_SHA256));
}

#[test]
fn the_master_secret_is_the_prf_of_client_random_then_server_random() {
    let ms = master_secret::<Sha256>(&pre_master_secret(), &client_random(), &server_random());

    let mut by_hand = [0u8; 48];
    prf::<Sha256>(
        &pre_master_secret(),
        MASTER_SECRET_LABEL,
        &[&client_random(), &server_random()],
        &mut by_hand,
    );
    assert_eq!(*ms.as_bytes(), by_hand);

    let swapped = master_secret::<Sha256>(&pre_master_secret(), &server_random(), &client_random());
    assert_ne!(swapped.as_bytes(), ms.as_bytes());
}

#[test]
fn the_sha384_master_secret_matches_openssl() {
    let ms = master_secret::<Sha384>(&pre_master_secret(), &client_random(), &server_random());

    assert_eq!(*ms.as_bytes(), hex::<48>(MASTER_SECRET_SHA384));
}

#[test]
fn the_extended_master_secret_matches_openssl() {
    let session_hash = hex::<32>(SESSION_HASH_SHA256).into();

    let ems = extended_master_secret::<Sha256>(&pre_master_secret(), &session_hash);

    assert_eq!(*ems.as_bytes(), hex::<48>(EXTENDED_MASTER_SECRET_SHA256));
}

#[test]
fn the_sha384_extended_master_secret_matches_openssl() {
    let session_hash = hex::<48>(SESSION_HASH_SHA384).into();

    let ems = extended_master_secret::<Sha384>(&pre_master_secret(), &session_hash);

    assert_eq!(*ems.as_bytes(), hex::<48>(EXTENDED_MASTER_SECRET_SHA384));
}

#[test]
fn the_extended_master_secret_changes_with_the_transcript() {
    let mut other_transcript = hex::<32>(SESSION_HASH_SHA256);
    other_transcript[31] ^= 1;

    let ems = extended_master_secret::<Sha256>(
        &pre_master_secret(),
        &hex::<32>(SESSION_HASH_SHA256).into(),
    );
    let other = extended_master_secret::<Sha256>(&pre_master_secret(), &other_transcript.into());

    assert_ne!(ems.as_bytes(), other.as_bytes());
}

// --- Key block ----------------------------------------------------------------

#[test]
fn the_chacha20_poly1305_key_block_matches_openssl_field_by_field() {
    let layout = KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;

    let keys = key_block::<Sha256>(
        &master_secret_sha256(),
        &client_random(),
        &server_random(),
        layout,
    );

    // Bytes 0..88 of KEY_EXPANSION_SHA256, cut 0 + 0 + 32 + 32 + 12 + 12.
    assert_eq!(keys.client_write_mac_key(), b"");
    assert_eq!(keys.server_write_mac_key(), b"");
    assert_eq!(
        keys.client_write_key(),
        hex::<32>("cd38fb842caf276be7596b7153f3880ff4d8bc0e5a6d456291167d5002ff37aa")
    );
    assert_eq!(
        keys.server_write_key(),
        hex::<32>("07c8b62c33d4e878bc7d7df225f7691ff59c79c6d218357a879e6e4c28b0ca03")
    );
    assert_eq!(
        keys.client_write_iv(),
        hex::<12>("9f5f8153f817ec770b2d0908")
    );
    assert_eq!(
        keys.server_write_iv(),
        hex::<12>("76f382d9131dd886272819d1")
    );
}

#[test]
fn the_aes_128_gcm_key_block_matches_openssl_field_by_field() {
    let layout = KeyBlockLayout::ECDHE_RSA_WITH_AES_128_GCM_SHA256;

    let keys = key_block::<Sha256>(
        &master_secret_sha256(),
        &client_random(),
        &server_random(),
        layout,
    );

    // Bytes 0..40 of KEY_EXPANSION_SHA256, cut 0 + 0 + 16 + 16 + 4 + 4.
    assert_eq!(keys.client_write_mac_key(), b"");
    assert_eq!(keys.server_write_mac_key(), b"");
    assert_eq!(
        keys.client_write_key(),
        hex::<16>("cd38fb842caf276be7596b7153f3880f")
    );
    assert_eq!(
        keys.server_write_key(),
        hex::<16>("f4d8bc0e5a6d456291167d5002ff37aa")
    );
    assert_eq!(keys.client_write_iv(), hex::<4>("07c8b62c"));
    assert_eq!(keys.server_write_iv(), hex::<4>("33d4e878"));
}

#[test]
fn the_aes_128_cbc_key_block_has_mac_keys_and_no_iv_and_matches_openssl() {
    let layout = KeyBlockLayout::ECDHE_RSA_WITH_AES_128_CBC_SHA256;

    let keys = key_block::<Sha256>(
        &master_secret_sha256(),
        &client_random(),
        &server_random(),
        layout,
    );

    // Bytes 0..96 of KEY_EXPANSION_SHA256, cut 32 + 32 + 16 + 16 + 0 + 0.
    // OpenSSL goes on to cut bytes 96..128 as two CBC IVs that TLS 1.2
    // never uses; because they come last, the keys are the same.
    assert_eq!(
        keys.client_write_mac_key(),
        hex::<32>("cd38fb842caf276be7596b7153f3880ff4d8bc0e5a6d456291167d5002ff37aa")
    );
    assert_eq!(
        keys.server_write_mac_key(),
        hex::<32>("07c8b62c33d4e878bc7d7df225f7691ff59c79c6d218357a879e6e4c28b0ca03")
    );
    assert_eq!(
        keys.client_write_key(),
        hex::<16>("9f5f8153f817ec770b2d090876f382d9")
    );
    assert_eq!(
        keys.server_write_key(),
        hex::<16>("131dd886272819d1d2c1122af5fc2beb")
    );
    assert_eq!(keys.client_write_iv(), b"");
    assert_eq!(keys.server_write_iv(), b"");
}

#[test]
fn the_sha384_aes_256_gcm_key_block_matches_openssl_field_by_field() {
    // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289): no MAC key,
    // AES-256 keys, 4-byte salts.
    let layout = KeyBlockLayout::new(0, 32, 4).expect("fits");
    let ms = MasterSecret::from_bytes(hex(MASTER_SECRET_SHA384));

    let keys = key_block::<Sha384>(&ms, &client_random(), &server_random(), layout);

    // OpenSSL: LEN 72, SHA384, SECRET = MASTER_SECRET_SHA384,
    // label "key expansion", seed SERVER_RANDOM + CLIENT_RANDOM.
    assert_eq!(keys.client_write_mac_key(), b"");
    assert_eq!(
        keys.client_write_key(),
        hex::<32>("a27c65b3ac79951ccedb98d3ae91788b45cd10cfa1531e081cfcee601014d6b8")
    );
    assert_eq!(
        keys.server_write_key(),
        hex::<32>("434457dc51d1436e1f03e6f90b31e80b4d17d6255982463a7a309f2ee2483ab1")
    );
    assert_eq!(keys.client_write_iv(), hex::<4>("2572086d"));
    assert_eq!(keys.server_write_iv(), hex::<4>("171e3848"));
}

#[test]
fn the_key_block_split_equals_the_prf_output_sliced_by_hand() {
    let layouts = [
        KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        KeyBlockLayout::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        KeyBlockLayout::ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        KeyBlockLayout::new(48, 32, 0).expect("AES-256-CBC with HMAC-SHA384 fits"),
    ];
    for layout in layouts {
        let ms = master_secret_sha256();
        let keys = key_block::<Sha256>(&ms, &client_random(), &server_random(), layout);

        let mut block = [0u8; 256];
        let block = &mut block[..layout.key_block_len()];
        prf::<Sha256>(
            ms.as_bytes(),
            KEY_EXPANSION_LABEL,
            &[&server_random(), &client_random()],
            block,
        );
        let (mac, enc, iv) = (
            layout.mac_key_len(),
            layout.enc_key_len(),
            layout.fixed_iv_len(),
        );
        let pieces = [
            keys.client_write_mac_key(),
            keys.server_write_mac_key(),
            keys.client_write_key(),
            keys.server_write_key(),
            keys.client_write_iv(),
            keys.server_write_iv(),
        ];
        let mut start = 0;
        for (piece, len) in pieces.into_iter().zip([mac, mac, enc, enc, iv, iv]) {
            assert_eq!(
                piece,
                &block[start..start + len],
                "{layout:?} at byte {start}"
            );
            start += len;
        }
        assert_eq!(start, block.len(), "{layout:?} uses the whole block");
    }
}

#[test]
fn the_openssl_key_expansion_is_the_sha256_prf_of_server_random_then_client_random() {
    let mut block = [0u8; 128];
    prf::<Sha256>(
        master_secret_sha256().as_bytes(),
        KEY_EXPANSION_LABEL,
        &[&server_random(), &client_random()],
        &mut block,
    );
    assert_eq!(block, hex::<128>(KEY_EXPANSION_SHA256));

    let mut client_first = [0u8; 128];
    prf::<Sha256>(
        master_secret_sha256().as_bytes(),
        KEY_EXPANSION_LABEL,
        &[&client_random(), &server_random()],
        &mut client_first,
    );
    assert_ne!(client_first, block);
}

#[test]
fn each_direction_gets_its_own_keys() {
    let keys = key_block::<Sha256>(
        &master_secret_sha256(),
        &client_random(),
        &server_random(),
        KeyBlockLayout::ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    );

    assert_ne!(keys.client_write_mac_key(), keys.server_write_mac_key());
    assert_ne!(keys.client_write_key(), keys.server_write_key());
}

// --- Layouts ------------------------------------------------------------------

#[test]
fn the_named_layouts_have_the_lengths_their_rfcs_give() {
    let chacha = KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
    assert_eq!(
        (
            chacha.mac_key_len(),
            chacha.enc_key_len(),
            chacha.fixed_iv_len()
        ),
        (0, 32, 12)
    );
    assert_eq!(chacha.key_block_len(), 88);

    let gcm = KeyBlockLayout::ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    assert_eq!(
        (gcm.mac_key_len(), gcm.enc_key_len(), gcm.fixed_iv_len()),
        (0, 16, 4)
    );
    assert_eq!(gcm.key_block_len(), 40);

    let cbc = KeyBlockLayout::ECDHE_RSA_WITH_AES_128_CBC_SHA256;
    assert_eq!(
        (cbc.mac_key_len(), cbc.enc_key_len(), cbc.fixed_iv_len()),
        (32, 16, 0)
    );
    assert_eq!(cbc.key_block_len(), 96);
}

#[test]
fn a_layout_too_large_for_the_key_block_is_refused_with_a_message_naming_the_piece() {
    let mac = KeyBlockLayout::new(49, 16, 0).expect_err("a 49-byte MAC key");
    assert_eq!(
        mac.to_string(),
        "key block layout asks for a 49-byte MAC key, but no TLS 1.2 suite needs more than 48 \
         and KeyBlock holds no more"
    );

    let enc = KeyBlockLayout::new(0, 33, 12).expect_err("a 33-byte key");
    assert!(enc.to_string().contains("33-byte encryption key"), "{enc}");

    let iv = KeyBlockLayout::new(32, 16, 16).expect_err("a 16-byte fixed IV");
    assert!(iv.to_string().contains("16-byte fixed IV"), "{iv}");
}

#[test]
fn the_largest_layout_that_fits_is_accepted() {
    let largest = KeyBlockLayout::new(48, 32, 12).expect("every maximum at once fits");

    let keys = key_block::<Sha384>(
        &master_secret_sha256(),
        &client_random(),
        &server_random(),
        largest,
    );

    assert_eq!(keys.server_write_iv().len(), 12);
    assert_eq!(keys.layout(), largest);
}

// --- Finished -----------------------------------------------------------------

#[test]
fn client_and_server_verify_data_match_openssl() {
    let ms = master_secret_sha256();
    let handshake_hash = hex::<32>(HANDSHAKE_HASH_SHA256).into();

    let client = verify_data::<Sha256>(&ms, Sender::Client, &handshake_hash);
    let server = verify_data::<Sha256>(&ms, Sender::Server, &handshake_hash);

    assert_eq!(client, hex::<12>(CLIENT_VERIFY_DATA_SHA256));
    assert_eq!(server, hex::<12>(SERVER_VERIFY_DATA_SHA256));
}

#[test]
fn sha384_client_and_server_verify_data_match_openssl() {
    let ms = MasterSecret::from_bytes(hex(MASTER_SECRET_SHA384));
    let handshake_hash = hex::<48>(HANDSHAKE_HASH_SHA384).into();

    let client = verify_data::<Sha384>(&ms, Sender::Client, &handshake_hash);
    let server = verify_data::<Sha384>(&ms, Sender::Server, &handshake_hash);

    assert_eq!(client, hex::<12>(CLIENT_VERIFY_DATA_SHA384));
    assert_eq!(server, hex::<12>(SERVER_VERIFY_DATA_SHA384));
}

#[test]
fn each_sender_uses_its_own_finished_label() {
    assert_eq!(Sender::Client.finished_label(), CLIENT_FINISHED_LABEL);
    assert_eq!(Sender::Server.finished_label(), SERVER_FINISHED_LABEL);
    assert_eq!(CLIENT_FINISHED_LABEL, b"client finished");
    assert_eq!(SERVER_FINISHED_LABEL, b"server finished");
}

// --- Secrets stay secret ------------------------------------------------------

#[test]
fn debug_output_of_secrets_shows_no_key_bytes() {
    let ms = MasterSecret::from_bytes([0xab; 48]);
    let keys = key_block::<Sha256>(
        &ms,
        &client_random(),
        &server_random(),
        KeyBlockLayout::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    );
    let client_key_hex = learn_mtls::hex::Hex(keys.client_write_key()).to_string();

    let ms_debug = format!("{ms:?}");
    let keys_debug = format!("{keys:?}");

    assert!(ms_debug.contains("<redacted>"), "{ms_debug}");
    assert!(
        !ms_debug.contains("ab") && !ms_debug.contains("171"),
        "{ms_debug}"
    );
    assert!(keys_debug.contains("<redacted>"), "{keys_debug}");
    assert!(!keys_debug.contains(&client_key_hex[..8]), "{keys_debug}");
}

#[test]
fn deriving_every_secret_allocates_nothing() {
    let (pre_master_secret, client_random, server_random) =
        (pre_master_secret(), client_random(), server_random());
    let handshake_hash = hex::<32>(HANDSHAKE_HASH_SHA256).into();
    let mut stream = [0u8; 300];

    let allocations = allocation_counter::measure(|| {
        prf::<Sha384>(b"secret", b"label", &[b"seed"], &mut stream);
        let ms = master_secret::<Sha256>(&pre_master_secret, &client_random, &server_random);
        let keys = key_block::<Sha256>(
            &ms,
            &client_random,
            &server_random,
            KeyBlockLayout::ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        );
        let finished = verify_data::<Sha256>(&ms, Sender::Client, &handshake_hash);
        assert_ne!(keys.client_write_key(), finished.as_slice());
    });

    assert_eq!(allocations.count_total, 0);
}
