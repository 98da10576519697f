//! The check of exercise 12.4: the extended master secret.

use learn_mtls::handshake::Binding;
use learn_mtls::tls12::{self, MasterSecret};
use learn_mtls_exercises::lesson12;
use sha2::Sha256;

use crate::harness::{Result, fail, hex, random, same_bytes};

use super::fixtures::{LAYOUT, chacha_keys, random_vec, real_handshake, talk};

/// 12.4: the extended master secret.
pub fn extended_master_secret() -> Result {
    for _ in 0..50 {
        let (pms, hash) = (random_vec(64), random::<32>());
        let expected = tls12::extended_master_secret::<Sha256>(&pms, &hash.into());
        let got = lesson12::extended_master_secret::extended_master_secret(&pms, &hash);
        let input = format!(
            "pre_master_secret = {}, session_hash = {}",
            hex(&pms),
            hex(&hash)
        );
        same_bytes(
            "the extended master secret",
            &input,
            expected.as_bytes(),
            &got[..],
        )?;
    }
    let mut real = real_handshake(Binding::Transcript)?;
    let hash = real.session_hash.ok_or_else(|| fail("no session hash"))?;
    let master = lesson12::extended_master_secret::extended_master_secret(&real.shared, &hash);
    let block = tls12::key_block::<Sha256>(
        &MasterSecret::from_bytes(*master),
        &real.client_share,
        &real.server_share,
        LAYOUT,
    );
    talk(
        &chacha_keys(&block)?,
        &mut real.server,
        "a real tls12-prf handshake (transcript binding) with your extended master secret",
    )
}
