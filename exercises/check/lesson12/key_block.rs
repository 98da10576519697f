//! The check of exercise 12.5: cutting the key block.

use learn_mtls::raw::TrafficKeys;
use learn_mtls::tls12::{self, KeyBlockLayout, MasterSecret};
use learn_mtls_exercises::lesson12;
use sha2::Sha256;

use crate::harness::{Context, Result, hex, random, same_bytes};
use crate::lesson10::BINDINGS;

use super::fixtures::{LAYOUT, real_handshake, talk};

/// 12.5: cutting the key block.
pub fn key_block() -> Result {
    let layouts = [
        ("ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", LAYOUT),
        (
            "ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            KeyBlockLayout::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            KeyBlockLayout::ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        ),
    ];
    for round in 0..30 {
        let (name, layout) = layouts[round % layouts.len()];
        let (master, client, server) = (random::<48>(), random::<32>(), random::<32>());
        let expected =
            tls12::key_block::<Sha256>(&MasterSecret::from_bytes(master), &client, &server, layout);
        let got = lesson12::key_block::key_block(&master, &client, &server, layout);
        let input = format!(
            "{name}, master_secret = {}, client_random = {}, server_random = {}",
            hex(&master),
            hex(&client),
            hex(&server)
        );
        same_bytes(
            "client_write_mac_key",
            &input,
            expected.client_write_mac_key(),
            &got.client_write_mac_key,
        )?;
        same_bytes(
            "server_write_mac_key",
            &input,
            expected.server_write_mac_key(),
            &got.server_write_mac_key,
        )?;
        same_bytes(
            "client_write_key",
            &input,
            expected.client_write_key(),
            &got.client_write_key,
        )?;
        same_bytes(
            "server_write_key",
            &input,
            expected.server_write_key(),
            &got.server_write_key,
        )?;
        same_bytes(
            "client_write_iv",
            &input,
            expected.client_write_iv(),
            &got.client_write_iv,
        )?;
        same_bytes(
            "server_write_iv",
            &input,
            expected.server_write_iv(),
            &got.server_write_iv,
        )?;
    }
    for binding in BINDINGS {
        let mut real = real_handshake(binding)?;
        let master = match real.session_hash {
            None => {
                tls12::master_secret::<Sha256>(&real.shared, &real.client_share, &real.server_share)
            }
            Some(hash) => tls12::extended_master_secret::<Sha256>(&real.shared, &hash.into()),
        };
        let got = lesson12::key_block::key_block(
            master.as_bytes(),
            &real.client_share,
            &real.server_share,
            LAYOUT,
        );
        let array =
            |piece: &[u8]| -> Result<[u8; 32]> { piece.try_into().context("your 32-byte key") };
        let iv = |piece: &[u8]| -> Result<[u8; 12]> { piece.try_into().context("your 12-byte IV") };
        let keys = TrafficKeys {
            client_write_key: array(&got.client_write_key)?,
            client_write_iv: iv(&got.client_write_iv)?,
            server_write_key: array(&got.server_write_key)?,
            server_write_iv: iv(&got.server_write_iv)?,
        };
        let what = format!("a real tls12-prf handshake ({binding} binding) with your key block");
        talk(&keys, &mut real.server, &what)?;
    }
    Ok(())
}
