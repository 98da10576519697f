//! The check of exercise 10.2: the HKDF key schedule.

use std::fmt::Display;

use learn_mtls::raw::{self, TrafficKeys};
use learn_mtls::schedule::KeySchedule;
use learn_mtls_exercises::lesson10;
use learn_mtls_exercises::support::sha256;

use crate::harness::{Context, Result, hex, random, same_bytes};

use super::fixtures::{BINDINGS, exchange, h32, real_handshake};

fn compare_schedule(shared: &[u8; 32], salt: Option<&[u8; 32]>) -> Result {
    let input = format!(
        "shared_secret = {}, transcript_hash = {}",
        hex(shared),
        salt.map_or("None (lesson11 binding)".to_owned(), |s| hex(s))
    );
    let expected = raw::traffic_keys(KeySchedule::Hkdf, shared, &[0; 32], &[0; 32], salt.copied());
    let got = lesson10::key_schedule::key_schedule(shared, salt);
    same_keys(&expected, &got, &input)
}

/// Compares the four secrets one by one.
pub fn same_keys(expected: &TrafficKeys, got: &TrafficKeys, input: &dyn Display) -> Result {
    same_bytes(
        "client_write_key",
        input,
        &expected.client_write_key,
        &got.client_write_key,
    )?;
    same_bytes(
        "client_write_iv",
        input,
        &expected.client_write_iv,
        &got.client_write_iv,
    )?;
    same_bytes(
        "server_write_key",
        input,
        &expected.server_write_key,
        &got.server_write_key,
    )?;
    same_bytes(
        "server_write_iv",
        input,
        &expected.server_write_iv,
        &got.server_write_iv,
    )
}

/// 10.2: the HKDF key schedule.
pub fn key_schedule() -> Result {
    crate::harness::not_the_library_itself(
        "10.2",
        "exercises/src/lesson10/key_schedule.rs",
        include_str!("../../src/lesson10/key_schedule.rs"),
        "traffic_keys",
    )?;
    let k = h32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    compare_schedule(&k, None)?;
    compare_schedule(&k, Some(&sha256(&[b""])))?;
    compare_schedule(&[0; 32], Some(&[0xff; 32]))?;
    for _ in 0..50 {
        compare_schedule(&random(), None)?;
        compare_schedule(&random(), Some(&random()))?;
    }
    for binding in BINDINGS {
        let mut real = real_handshake(binding)?;
        let shared = raw::shared_secret(&real.secret, &real.server_hello.share)
            .context("the shared secret")?;
        let keys = lesson10::key_schedule::key_schedule(&shared, real.transcript_hash.as_ref());
        let what = format!("a real handshake ({binding} binding) with your keys");
        exchange(&mut raw::client_session(&keys), &mut real.server, &what)?;
    }
    Ok(())
}
