//! The check of exercise 12.3: the master secret.

use learn_mtls::handshake::Binding;
use learn_mtls::tls12::{self, MasterSecret};
use learn_mtls_exercises::lesson12;
use sha2::Sha256;

use crate::harness::{Result, hex, random, same_bytes};

use super::fixtures::{
    LAYOUT, chacha_keys, lesson_example, random_vec, real_handshake, talk, unhex,
};

/// 12.3: the master secret.
pub fn master_secret() -> Result {
    let (pms, client, server) = lesson_example();
    let input = "Lesson 12's example: RFC 7748's shared secret, Alice's share, Bob's share";
    let got = lesson12::master_secret::master_secret(&pms, &client, &server);
    same_bytes(
        "the master secret",
        &input,
        &unhex(
            "996fe3434f63e3e0ae995caca6188d804ef287ede32ab6e768a54062f774ec04d8d843a8cc54a447339ee357711b3f1e",
        ),
        &got[..],
    )?;
    for _ in 0..50 {
        let (pms, client, server) = (random_vec(64), random::<32>(), random::<32>());
        let expected = tls12::master_secret::<Sha256>(&pms, &client, &server);
        let got = lesson12::master_secret::master_secret(&pms, &client, &server);
        let input = format!(
            "pre_master_secret = {}, client_random = {}, server_random = {}",
            hex(&pms),
            hex(&client),
            hex(&server)
        );
        same_bytes("the master secret", &input, expected.as_bytes(), &got[..])?;
    }
    let mut real = real_handshake(Binding::InsecureLesson11)?;
    let master = lesson12::master_secret::master_secret(
        &real.shared,
        &real.client_share,
        &real.server_share,
    );
    let block = tls12::key_block::<Sha256>(
        &MasterSecret::from_bytes(*master),
        &real.client_share,
        &real.server_share,
        LAYOUT,
    );
    talk(
        &chacha_keys(&block)?,
        &mut real.server,
        "a real tls12-prf handshake with your master secret",
    )
}
