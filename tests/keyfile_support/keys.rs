//! Alice's key, and the lines a key file holds for it; an OpenSSH key.

use learn_mtls::keys::IdentityKey;

pub fn alice() -> IdentityKey {
    IdentityKey::from_secret_bytes(&[b'A'; 32])
}

/// Alice's public key as a `.pub` file line (without the newline).
pub fn alice_pub_line() -> String {
    alice().public().to_string()
}

/// The secret seed of `alice()` as a hex line.
pub fn alice_secret_line() -> String {
    learn_mtls::hex::Hex(&alice().to_secret_bytes()[..]).to_string()
}

/// The key of `/tmp/sshk.pub` made by `ssh-keygen -t ed25519 -C alice@laptop`,
/// in OpenSSH form and as hex.
pub const SSH_LINE: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL+oN2zdAph7ewqWHMmumlD/orLSfLQUj/033qLnjmij alice@laptop";

pub const SSH_HEX: &str = "bfa8376cdd02987b7b0a961cc9ae9a50ffa2b2d27cb4148ffd37dea2e78e68a3";
