//! The certified client reading a changed message 2.
#![no_main]
use learn_mtls::handshake::certified::CertifiedServerHello;
use learn_mtls_fuzz::certified::{client_after_m1, honest_m2, mutate_vec};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let bytes = mutate_vec(honest_m2(), data);
    if let Ok(m2) = CertifiedServerHello::decode(&bytes) {
        let (client, _) = client_after_m1();
        let _ = client.read_server_hello(&m2);
    }
});
