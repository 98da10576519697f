//! The client reading message 2 (ServerHello) under the lesson11 binding: the
//! fuzzer's bytes are XORed onto the honest message 2.
#![no_main]
use std::sync::OnceLock;

use learn_mtls::handshake::Binding;
use learn_mtls::wire::ServerHello;
use learn_mtls_fuzz::{cached, client_after_m1, honest_m2, mutate};

static M2: OnceLock<[ServerHello; 2]> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let honest = cached(&M2, honest_m2, Binding::InsecureLesson11);
    let message = ServerHello::from_bytes(&mutate(honest.to_bytes(), data));
    let _ = client_after_m1(Binding::InsecureLesson11)
        .0
        .read_server_hello(&message);
});
