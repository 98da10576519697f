//! The server reading message 1 (ClientHello) under the lesson11 binding.
#![no_main]
use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::wire::ClientHello;
use learn_mtls_fuzz::{FixedRng, server_key};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(hello) = ClientHello::try_from(data) {
        let _ = mutual::Server::new(server_key(), Binding::InsecureLesson11)
            .read_client_hello(&mut FixedRng(2), &hello);
    }
});
