//! Decoding hex (key files and key lists go through it).
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = learn_mtls::hex::decode_array::<32>(text);
    let _ = learn_mtls::hex::decode_array::<1>(text);
});
