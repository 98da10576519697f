//! The certified server reading a changed message 3.
#![no_main]
use learn_mtls::handshake::certified::CertifiedClientAuth;
use learn_mtls_fuzz::certified::{honest_m3, mutate_vec, server_after_m1, verifier};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let bytes = mutate_vec(honest_m3(), data);
    if let Ok(m3) = CertifiedClientAuth::decode(&bytes) {
        let (server, _) = server_after_m1();
        let _ = server.read_client_auth(&m3, &verifier());
    }
});
