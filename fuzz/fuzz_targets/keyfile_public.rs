//! Reading a public key file (through a temporary file: the reader takes a path).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("learn-mtls-fuzz-{}.pub", std::process::id()));
    std::fs::write(&path, data).expect("temporary file");
    let _ = learn_mtls::keyfile::read_public(&path);
});
