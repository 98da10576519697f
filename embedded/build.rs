//! Puts `memory.x` where the linker looks for it, links with
//! `cortex-m-rt`'s `link.x` (here rather than in `.cargo/config.toml`, so
//! a `RUSTFLAGS` set in the environment cannot drop it), and rebuilds when
//! the golden vectors the firmware embeds change.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("copying memory.x into OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=../tests/vectors");
}
