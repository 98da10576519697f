//! Opening a record in an established session.
#![no_main]
use learn_mtls_fuzz::server_session;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut session = server_session().lock().unwrap_or_else(|e| e.into_inner());
    let _ = session.open_in_place(&mut data.to_vec());
});
