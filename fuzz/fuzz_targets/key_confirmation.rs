//! The server opening the client's key-confirmation record (transcript binding).
#![no_main]
use learn_mtls_fuzz::server_expecting_confirmation;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = server_expecting_confirmation().confirm(&mut data.to_vec());
});
