//! The check of exercise 10.3: the record nonce.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Tag};
use learn_mtls::raw;
use learn_mtls::record::{HEADER_LEN, TAG_LEN};
use learn_mtls_exercises::lesson10;

use crate::harness::{Context, Result, fail, hex, random, same_bytes};

use super::fixtures::random_keys;

/// 10.3: the record nonce.
pub fn nonce() -> Result {
    crate::harness::not_the_library_itself(
        "10.3",
        "exercises/src/lesson10/nonce.rs",
        include_str!("../../src/lesson10/nonce.rs"),
        "record_nonce",
    )?;
    let edges = [
        0,
        1,
        2,
        255,
        256,
        0xffff,
        0xffff_ffff,
        1 << 32,
        1 << 56,
        0x0102_0304_0506_0708,
        u64::MAX - 1,
        u64::MAX,
    ];
    let randoms: Vec<u64> = (0..100).map(|_| u64::from_le_bytes(random())).collect();
    for (i, counter) in edges.into_iter().chain(randoms).enumerate() {
        let iv = if i == 0 { [0u8; 12] } else { random() };
        let input = format!("iv = {}, counter = {counter} ({counter:#x})", hex(&iv));
        let got = lesson10::nonce::record_nonce(&iv, counter);
        same_bytes("the nonce", &input, &raw::record_nonce(&iv, counter), &got)?;
    }
    // Records sealed by the library open under your nonces.
    let keys = random_keys();
    let mut server = raw::server_session(&keys);
    let cipher = ChaCha20Poly1305::new(&keys.server_write_key.into());
    for counter in 0..5u64 {
        let mut record = [0u8; 64];
        let len = server.seal(b"hello", &mut record).context("sealing")?;
        let (header, body) = record[..len].split_at_mut(HEADER_LEN);
        let (ciphertext, tag) = body.split_at_mut(len - HEADER_LEN - TAG_LEN);
        let tag = Tag::try_from(&*tag).context("the tag")?;
        let nonce = lesson10::nonce::record_nonce(&keys.server_write_iv, counter);
        cipher
            .decrypt_inout_detached(&nonce.into(), header, ciphertext.into(), &tag)
            .map_err(|_| {
                fail(format!(
                    "record {counter} sealed by the real library did not open with your nonce for counter {counter}"
                ))
            })?;
    }
    Ok(())
}
