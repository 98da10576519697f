//! Lesson 10: the anonymous client reading message 2, under either binding;
//! the fuzzer's bytes are XORed onto the honest message 2.
#![no_main]
use learn_mtls::handshake::server_only;
use learn_mtls::wire::ServerHello;
use learn_mtls_fuzz::{FixedRng, binding_from, mutate, server_key};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (binding, data) = binding_from(data);
    let (client, hello) =
        server_only::Client::start(&mut FixedRng(1), server_key().public(), binding);
    let (_, honest) = server_only::Server::new(server_key(), binding)
        .read_client_hello(&mut FixedRng(2), &hello)
        .expect("the honest message 1 is accepted");
    let message = ServerHello::from_bytes(&mutate(honest.to_bytes(), data));
    let _ = client.read_server_hello(&message);
});
