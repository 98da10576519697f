#!/usr/bin/env bash
# Flash by crate: builds the firmware and sums the sizes of its code and
# constant symbols by the crate that defines them, from the symbol table.
# Approximate by nature: with link-time optimisation, code inlined from one
# crate into another counts for the caller, and unnamed constants (string
# literals, small tables) belong to no crate.
#
#     embedded/flash-by-crate.sh          # needs llvm-nm or arm-none-eabi-nm
#                                          # (Debian: llvm, or binutils-arm-none-eabi)
set -euo pipefail
cd "$(dirname "$0")"

nm=${NM:-$(command -v llvm-nm || command -v arm-none-eabi-nm || true)}
if [ -z "$nm" ]; then
  echo "flash-by-crate: no llvm-nm or arm-none-eabi-nm found (set NM=...)" >&2
  exit 1
fi
cargo build --release --bin firmware --quiet
elf="${CARGO_TARGET_DIR:-target}/thumbv7m-none-eabi/release/firmware"

"$nm" --print-size --size-sort --demangle --radix=d "$elf" | awk '
  # The crates the handshake is made of: the library and its primitives.
  BEGIN {
    split("learn_mtls curve25519_dalek ed25519_dalek x25519_dalek sha2 hkdf hmac " \
          "chacha20poly1305 chacha20 poly1305 cipher signature base16ct subtle zeroize " \
          "ml_kem module_lattice sha3 keccak kem hybrid_array", names)
    for (i in names) library[names[i]] = 1
  }
  NF >= 4 && $3 ~ /^[tTrRdD]$/ {
    size = $2 + 0
    name = $0
    sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
    if (match(name, /[a-z_][a-z0-9_]*(::|\.\.)/)) {
      crate = substr(name, RSTART, RLENGTH)
      sub(/(::|\.\.)$/, "", crate)
    } else if (name ~ /^\.L/) {
      crate = "(unnamed constants)"
    } else {
      crate = "(runtime: start-up, memcpy, division)"
    }
    total[crate] += size
    all += size
  }
  END {
    for (crate in total) {
      printf "%8d B  %s\n", total[crate], crate | "sort -rn"
      if (crate in library) handshake += total[crate]
    }
    close("sort -rn")
    printf "%8d B  all symbols\n", all
    printf "%8d B  the library and its primitives (without unnamed constants)\n", handshake
  }'
