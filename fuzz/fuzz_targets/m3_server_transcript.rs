//! The server reading message 3 (ClientAuth) under the transcript binding: the
//! fuzzer's bytes are XORed onto the honest message 3.
#![no_main]
use std::sync::OnceLock;

use learn_mtls::handshake::Binding;
use learn_mtls::wire::ClientAuth;
use learn_mtls_fuzz::{cached, honest_m3, mutate, policy, server_after_m1};

static M3: OnceLock<[ClientAuth; 2]> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let honest = cached(&M3, honest_m3, Binding::Transcript);
    let message = ClientAuth::from_bytes(&mutate(honest.to_bytes(), data));
    let _ = server_after_m1(Binding::Transcript)
        .0
        .read_client_auth(&message, &policy());
});
