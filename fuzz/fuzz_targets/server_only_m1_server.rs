//! Lesson 10: the server reading message 1, under either binding.
#![no_main]
use learn_mtls::handshake::server_only;
use learn_mtls::wire::ClientHello;
use learn_mtls_fuzz::{FixedRng, binding_from, server_key};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (binding, data) = binding_from(data);
    if let Ok(hello) = ClientHello::try_from(data) {
        let _ = server_only::Server::new(server_key(), binding)
            .read_client_hello(&mut FixedRng(2), &hello);
    }
});
