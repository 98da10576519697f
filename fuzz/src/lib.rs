//! Fixtures for the fuzz targets: fixed keys, a fixed "RNG", and the honest
//! messages each target starts from, so the fuzzer reaches the states
//! behind them (a signature that verifies, keys that agree) instead of
//! stopping at the first check.
//!
//! Message targets XOR the fuzzer's bytes onto the honest message: the
//! empty input *is* the honest handshake, and every mutation is a change
//! an attacker on the wire could make.

pub mod certified;

use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};

use learn_mtls::handshake::Binding;
use learn_mtls::handshake::mutual::{self, ClientVerified, ExpectClientAuth, ExpectServerHello};
use learn_mtls::keys::IdentityKey;
use learn_mtls::rand_core::{TryCryptoRng, TryRng};
use learn_mtls::record::Session;
use learn_mtls::trust::{ClientName, PinnedClient};
use learn_mtls::wire::{ClientAuth, ClientHello, ServerHello};

/// Randomness that is the same every run: fills with one repeated byte.
/// For fuzzing only; it would make every key guessable.
pub struct FixedRng(pub u8);

impl TryRng for FixedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(u32::from_ne_bytes([self.0; 4]))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(u64::from_ne_bytes([self.0; 8]))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        dst.fill(self.0);
        Ok(())
    }
}

impl TryCryptoRng for FixedRng {}

/// The server's identity (seed: 32 bytes of `S`).
pub fn server_key() -> &'static IdentityKey {
    static KEY: OnceLock<IdentityKey> = OnceLock::new();
    KEY.get_or_init(|| IdentityKey::from_secret_bytes(&[b'S'; 32]))
}

/// The client's identity (seed: 32 bytes of `A`), the one the server trusts.
pub fn client_key() -> &'static IdentityKey {
    static KEY: OnceLock<IdentityKey> = OnceLock::new();
    KEY.get_or_init(|| IdentityKey::from_secret_bytes(&[b'A'; 32]))
}

/// The server's policy: trusts exactly the client.
pub fn policy() -> PinnedClient {
    PinnedClient::new(client_key().public(), ClientName::new("alice").unwrap())
}

/// `honest` with `data` XORed onto it (extra bytes ignored).
pub fn mutate<const N: usize>(honest: [u8; N], data: &[u8]) -> [u8; N] {
    let mut out = honest;
    for (byte, change) in out.iter_mut().zip(data) {
        *byte ^= change;
    }
    out
}

/// The client after sending message 1, always with the same ephemeral key.
pub fn client_after_m1(binding: Binding) -> (ExpectServerHello<'static>, ClientHello) {
    mutual::Client::start(
        &mut FixedRng(1),
        client_key(),
        server_key().public(),
        binding,
    )
}

/// The server after reading the honest message 1 and sending message 2.
pub fn server_after_m1(binding: Binding) -> (ExpectClientAuth, ServerHello) {
    let (_, hello) = client_after_m1(binding);
    mutual::Server::new(server_key(), binding)
        .read_client_hello(&mut FixedRng(2), &hello)
        .expect("the honest message 1 is accepted")
}

/// The honest message 2 for [`client_after_m1`].
pub fn honest_m2(binding: Binding) -> ServerHello {
    server_after_m1(binding).1
}

/// The honest message 3 for [`server_after_m1`].
pub fn honest_m3(binding: Binding) -> ClientAuth {
    let (client, _) = client_after_m1(binding);
    client
        .read_server_hello(&honest_m2(binding))
        .expect("the honest message 2 is accepted")
        .1
}

/// Cached per binding: computing the honest messages costs a handshake.
pub fn cached<T: Copy + Send + 'static>(
    cell: &'static OnceLock<[T; 2]>,
    make: fn(Binding) -> T,
    binding: Binding,
) -> T {
    let both = cell.get_or_init(|| [make(Binding::InsecureLesson11), make(Binding::Transcript)]);
    both[usize::from(binding == Binding::Transcript)]
}

/// The server waiting for the client's key-confirmation record (transcript binding).
pub fn server_expecting_confirmation() -> mutual::ExpectKeyConfirmation {
    static M3: OnceLock<[ClientAuth; 2]> = OnceLock::new();
    let auth = cached(&M3, honest_m3, Binding::Transcript);
    match server_after_m1(Binding::Transcript)
        .0
        .read_client_auth(&auth, &policy())
    {
        Ok(ClientVerified::ExpectKeyConfirmation(pending)) => pending,
        _ => unreachable!("the honest message 3 is accepted under the transcript binding"),
    }
}

/// An established server session, shared by every run of a target (a
/// record that fails to open leaves it untouched).
pub fn server_session() -> &'static Mutex<Session> {
    static SESSION: OnceLock<Mutex<Session>> = OnceLock::new();
    SESSION.get_or_init(|| {
        let (accepted, _) = server_expecting_confirmation()
            .confirm(&mut honest_first_record())
            .expect("the honest first record opens");
        Mutex::new(accepted.session)
    })
}

/// The client's honest key-confirmation record (empty plaintext).
pub fn honest_first_record() -> Vec<u8> {
    let (client, _) = client_after_m1(Binding::Transcript);
    let (mut session, _) = client
        .read_server_hello(&honest_m2(Binding::Transcript))
        .expect("honest");
    let mut record = vec![0u8; learn_mtls::record::HEADER_LEN + learn_mtls::record::TAG_LEN];
    session.seal(&[], &mut record).expect("fits");
    record
}

/// The binding a server-only target runs under: the first input byte's
/// low bit picks it, so one target covers both.
pub fn binding_from(data: &[u8]) -> (Binding, &[u8]) {
    match data.split_first() {
        Some((first, rest)) if first & 1 == 1 => (Binding::Transcript, rest),
        Some((_, rest)) => (Binding::InsecureLesson11, rest),
        None => (Binding::InsecureLesson11, data),
    }
}
