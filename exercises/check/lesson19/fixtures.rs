//! Fixtures the Lesson 19 checks share: the library's golden hybrid
//! transcripts as vectors, and a real hybrid handshake with the library's
//! server on the other side.

use std::collections::BTreeMap;

use learn_mtls::handshake::mutual::{self, ClientVerified};
use learn_mtls::handshake::{
    Binding, Config, MUTUAL_CLIENT_CONTEXT, MUTUAL_CLIENT_TLS12_PRF_CONTEXT,
};
use learn_mtls::kex::X25519MlKem768;
use learn_mtls::net::os_rng;
use learn_mtls::raw::{self, TrafficKeys};
use learn_mtls::schedule::KeySchedule;
use learn_mtls::trust::PinnedClient;
use learn_mtls::wire::{ClientAuth, HybridClientHello, HybridServerHello};
use learn_mtls_exercises::support::{sha256, sign};
use zeroize::Zeroizing;

use crate::harness::{Context, Result, fail, key, name, same_bytes};

/// One of the library's golden hybrid transcripts (`tests/vectors/`), the
/// whole handshake from fixed seeds with every intermediate value, which
/// `tests/golden_transcripts.rs` checks against the library two ways.
pub(super) struct Golden {
    pub(super) file: &'static str,
    values: BTreeMap<String, Vec<u8>>,
}

impl Golden {
    /// The value `name`, which must be `N` bytes long.
    pub(super) fn get<const N: usize>(&self, name: &str) -> Result<[u8; N]> {
        let value = self
            .values
            .get(name)
            .ok_or_else(|| fail(format!("{}: no `{name}` (a bug in the check)", self.file)))?;
        value.as_slice().try_into().map_err(|_| {
            fail(format!(
                "{}: `{name}` is {} bytes, not {N} (a bug in the check)",
                self.file,
                value.len()
            ))
        })
    }
}

/// Both golden hybrid transcripts (one per binding).
pub(super) fn goldens() -> Vec<Golden> {
    [
        (
            "tests/vectors/hybrid-lesson11.txt",
            include_str!("../../../tests/vectors/hybrid-lesson11.txt"),
        ),
        (
            "tests/vectors/hybrid-transcript.txt",
            include_str!("../../../tests/vectors/hybrid-transcript.txt"),
        ),
    ]
    .into_iter()
    .map(|(file, text)| Golden {
        file,
        values: text
            .lines()
            .filter_map(|line| line.split_once(" = "))
            .filter(|(name, _)| !name.starts_with('#'))
            .filter_map(|(name, hex)| {
                let bytes = learn_mtls::hex::decode_vec(hex.trim()).ok()?;
                Some((name.trim().to_owned(), bytes))
            })
            .collect(),
    })
    .collect()
}

/// The client's side of the key exchange, as a finale plugs it in: message
/// 1, then the shared secret from message 2.
pub(super) type Finish<'a> =
    Box<dyn FnOnce(&HybridServerHello) -> Result<Zeroizing<[u8; 64]>> + 'a>;

/// A whole hybrid handshake under `config` against the library's server
/// (`mutual::Server::with_kex(.., X25519MlKem768)`): the client's message
/// 1 and shared secret come from `client` (the learner's code); the check
/// signs message 3, derives the keys with the library's schedule from that
/// shared secret, and exchanges records both ways. The server opening the
/// client's records, and the client the server's, is the proof that both
/// ends hold the same 64 bytes.
pub(super) fn real_handshake<'a>(
    config: Config,
    client: impl FnOnce() -> Result<(HybridClientHello, Finish<'a>)>,
    what: &str,
) -> Result {
    let server_identity = key();
    let client_identity = key();
    let policy = PinnedClient::new(client_identity.public(), name("noor"));
    let server = mutual::Server::with_kex(&server_identity, config, X25519MlKem768);

    // -> M1 (yours)
    let (hello, finish) = client()?;
    let m1 = hello.to_bytes();
    let (server, server_hello) = server
        .read_client_hello(&mut os_rng(), &hello)
        .map_err(|e| {
            fail(format!(
                "{what}: the real server refused your message 1: {e}"
            ))
        })?;
    // <- M2; the shared secret (yours)
    let m2 = server_hello.to_bytes();
    let shared = finish(&server_hello)?;

    // -> M3, signed as the binding says (Lesson 11's rules, whole messages).
    let client_public = *client_identity.public().as_bytes();
    let signature = match config.binding {
        Binding::InsecureLesson11 => sign(&client_identity, &m1),
        Binding::Transcript => {
            let context = match config.schedule {
                KeySchedule::Hkdf => MUTUAL_CLIENT_CONTEXT,
                KeySchedule::Tls12Prf => MUTUAL_CLIENT_TLS12_PRF_CONTEXT,
            };
            let hash = sha256(&[&m1, &m2, &client_public]);
            let signed = raw::transcript_signed_content(context, &hash)
                .ok_or_else(|| fail("a context string over 64 bytes (a bug in the check)"))?;
            sign(&client_identity, signed.as_bytes())
        }
    };
    let auth = ClientAuth {
        signature,
        identity: client_public,
    };
    let m3 = auth.to_bytes();
    let transcript_hash = (config.binding == Binding::Transcript).then(|| sha256(&[&m1, &m2, &m3]));
    let keys: TrafficKeys = raw::hybrid_traffic_keys(
        config.schedule,
        &shared[..],
        &hello.share,
        &server_hello.share,
        transcript_hash,
    );
    let mut mine = raw::client_session(&keys);
    let verified = server
        .read_client_auth(&auth, &policy)
        .context("the real server refused message 3 (a bug in the check)")?;

    let mut buf = [0u8; 128];
    let mut theirs = match verified {
        ClientVerified::Accepted(accepted) => accepted.session,
        ClientVerified::ExpectKeyConfirmation(pending) => {
            let len = mine.seal(b"first", &mut buf).context("sealing")?;
            let (accepted, first) = pending.confirm(&mut buf[..len]).map_err(|e| {
                fail(format!(
                    "{what}: the real server could not open the first record sealed with keys \
                     from your shared secret ({e}): the two ends do not hold the same 64 bytes"
                ))
            })?;
            same_bytes("the first message", &what, b"first", first)?;
            accepted.session
        }
    };
    for text in [&b"post-quantum"[..], b"second record"] {
        let len = mine.seal(text, &mut buf).context("sealing")?;
        theirs.open_in_place(&mut buf[..len]).map_err(|e| {
            fail(format!(
                "{what}: the real server could not open a record sealed with keys from your \
                 shared secret ({e}): the two ends do not hold the same 64 bytes"
            ))
        })?;
        let len = theirs.seal(text, &mut buf).context("sealing")?;
        let opened = mine.open_in_place(&mut buf[..len]).map_err(|e| {
            fail(format!(
                "{what}: a record the real server sealed did not open under keys from your \
                 shared secret ({e})"
            ))
        })?;
        same_bytes("the opened record", &what, text, opened)?;
    }
    Ok(())
}

/// `binding/schedule`, for messages.
pub(super) fn config_name(config: Config) -> String {
    format!(
        "--binding {} --schedule {} --kex x25519-mlkem768",
        config.binding, config.schedule
    )
}
