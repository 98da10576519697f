//! Reading a secret key file (through a temporary file, mode 0600).
#![no_main]
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("learn-mtls-fuzz-{}.key", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .expect("temporary file");
    file.write_all(data).expect("write");
    drop(file);
    let _ = learn_mtls::keyfile::read_secret(&path);
});
