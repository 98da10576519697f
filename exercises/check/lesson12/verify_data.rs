//! The check of exercise 12.6: verify_data.

use learn_mtls::tls12::{self, MasterSecret, Sender};
use learn_mtls_exercises::lesson12;
use sha2::Sha256;

use crate::harness::{Result, hex, random, same_bytes};

/// 12.6: verify_data.
pub fn verify_data() -> Result {
    for round in 0..40 {
        let sender = if round % 2 == 0 {
            Sender::Client
        } else {
            Sender::Server
        };
        let (master, hash) = (random::<48>(), random::<32>());
        let expected =
            tls12::verify_data::<Sha256>(&MasterSecret::from_bytes(master), sender, &hash.into());
        let got = lesson12::verify_data::verify_data(&master, sender, &hash);
        let input = format!(
            "{sender:?}'s Finished, master_secret = {}, handshake_hash = {}",
            hex(&master),
            hex(&hash)
        );
        same_bytes("verify_data", &input, &expected, &got)?;
    }
    Ok(())
}
