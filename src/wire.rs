//! The handshake messages, byte for byte.
//!
//! Every message has a fixed size, so each is a fixed-size array type: once
//! a message exists, every field access is infallible and no length can be
//! wrong. Lengths are checked exactly once, at the boundary, by `TryFrom<&[u8]>`.
//!
//! ```text
//! Lesson 11 (mutual, 224 bytes)          Lesson 10 (server only, 128 bytes)
//! 1  C -> S  ClientHello  32             1  C -> S  ClientHello  32
//! 2  S -> C  ServerHello  96             2  S -> C  ServerHello  96
//! 3  C -> S  ClientAuth   96
//! ```

use core::fmt;

use crate::keys::{PUBLIC_KEY_LEN, SIGNATURE_LEN};

/// An X25519 public share (RFC 7748 section 5: a 32-byte u-coordinate).
pub const SHARE_LEN: usize = 32;
/// Message 1: the client's ephemeral X25519 share.
pub const CLIENT_HELLO_LEN: usize = SHARE_LEN;
/// Message 2: the server's ephemeral share, then the server's signature.
pub const SERVER_HELLO_LEN: usize = SHARE_LEN + SIGNATURE_LEN;
/// Message 3: the client's signature, then the client's identity public key.
pub const CLIENT_AUTH_LEN: usize = SIGNATURE_LEN + PUBLIC_KEY_LEN;
/// Everything the mutual handshake (Lesson 11) puts on the wire: 224 bytes.
pub const MUTUAL_HANDSHAKE_LEN: usize = CLIENT_HELLO_LEN + SERVER_HELLO_LEN + CLIENT_AUTH_LEN;
/// Everything the server-only handshake (Lesson 10) puts on the wire: 128 bytes.
pub const SERVER_ONLY_HANDSHAKE_LEN: usize = CLIENT_HELLO_LEN + SERVER_HELLO_LEN;

/// A byte string of the wrong length offered as a handshake message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrongLength {
    /// Which message was being read.
    pub message: &'static str,
    /// Its fixed length.
    pub expected: usize,
    /// The length offered.
    pub found: usize,
}

impl fmt::Display for WrongLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be exactly {} bytes, got {}",
            self.message, self.expected, self.found
        )
    }
}

impl core::error::Error for WrongLength {}

/// Where each field of a message lies: the table the encoders below cut
/// by, and the one figures and the live lab colour bytes from.
pub mod layout {
    use super::{CLIENT_AUTH_LEN, CLIENT_HELLO_LEN, SERVER_HELLO_LEN, SHARE_LEN};
    use crate::keys::{PUBLIC_KEY_LEN, SIGNATURE_LEN};

    /// One named field of a fixed-layout message: `len` bytes at `offset`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Field {
        /// The field's name, as the specification writes it.
        pub name: &'static str,
        /// Its first byte, counted from the start of its message.
        pub offset: usize,
        /// Its length in bytes.
        pub len: usize,
    }

    impl Field {
        /// The bytes it covers, as a range for slicing.
        pub const fn range(&self) -> core::ops::Range<usize> {
            self.offset..self.offset + self.len
        }

        /// The offset just past it.
        pub const fn end(&self) -> usize {
            self.offset + self.len
        }
    }

    /// Message 1: `client_share`.
    pub const CLIENT_SHARE: Field = Field {
        name: "client_share",
        offset: 0,
        len: SHARE_LEN,
    };
    /// Message 2, first field: `server_share`.
    pub const SERVER_SHARE: Field = Field {
        name: "server_share",
        offset: 0,
        len: SHARE_LEN,
    };
    /// Message 2, second field: `server_signature`.
    pub const SERVER_SIGNATURE: Field = Field {
        name: "server_signature",
        offset: SERVER_SHARE.end(),
        len: SIGNATURE_LEN,
    };
    /// Message 3, first field: `client_signature`.
    pub const CLIENT_SIGNATURE: Field = Field {
        name: "client_signature",
        offset: 0,
        len: SIGNATURE_LEN,
    };
    /// Message 3, second field: `client_public_key`.
    pub const CLIENT_PUBLIC_KEY: Field = Field {
        name: "client_public_key",
        offset: CLIENT_SIGNATURE.end(),
        len: PUBLIC_KEY_LEN,
    };

    /// Message 1 (ClientHello), field by field.
    pub const CLIENT_HELLO: &[Field] = &[CLIENT_SHARE];
    /// Message 2 (ServerHello), field by field.
    pub const SERVER_HELLO: &[Field] = &[SERVER_SHARE, SERVER_SIGNATURE];
    /// Message 3 (ClientAuth), field by field.
    pub const CLIENT_AUTH: &[Field] = &[CLIENT_SIGNATURE, CLIENT_PUBLIC_KEY];

    /// The Lesson 11 handshake's messages, in order: a name and its fields.
    pub const MUTUAL: [(&str, &[Field]); 3] = [
        ("ClientHello", CLIENT_HELLO),
        ("ServerHello", SERVER_HELLO),
        ("ClientAuth", CLIENT_AUTH),
    ];

    /// Whether `fields`, in order, tile `len` bytes exactly: each starts
    /// where the one before it ends, the first at 0, the last at `len`.
    pub const fn tiles(fields: &[Field], len: usize) -> bool {
        let mut at = 0;
        let mut i = 0;
        while i < fields.len() {
            if fields[i].offset != at {
                return false;
            }
            at = fields[i].end();
            i += 1;
        }
        at == len
    }

    // Each table tiles its message exactly: no gap, no overlap, no spill.
    const _: () = assert!(tiles(CLIENT_HELLO, CLIENT_HELLO_LEN));
    const _: () = assert!(tiles(SERVER_HELLO, SERVER_HELLO_LEN));
    const _: () = assert!(tiles(CLIENT_AUTH, CLIENT_AUTH_LEN));
}

use layout::{CLIENT_PUBLIC_KEY, CLIENT_SIGNATURE, SERVER_SHARE, SERVER_SIGNATURE};

fn exact<const N: usize>(message: &'static str, bytes: &[u8]) -> Result<[u8; N], WrongLength> {
    bytes.try_into().map_err(|_| WrongLength {
        message,
        expected: N,
        found: bytes.len(),
    })
}

/// Copies `bytes[from..from + N]`; the ranges used below are constants that
/// lie inside the arrays they cut, so this never fails.
fn field<const N: usize>(bytes: &[u8], from: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[from..from + N]);
    out
}

/// Message 1, client to server: `client_share` (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ClientHello {
    /// The client's ephemeral X25519 public key.
    pub share: [u8; SHARE_LEN],
}

impl ClientHello {
    /// The message as sent.
    pub fn to_bytes(&self) -> [u8; CLIENT_HELLO_LEN] {
        self.share
    }

    /// The message as received.
    pub fn from_bytes(bytes: &[u8; CLIENT_HELLO_LEN]) -> Self {
        Self { share: *bytes }
    }
}

/// Message 2, server to client: `server_share (32) || server_signature (64)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ServerHello {
    /// The server's ephemeral X25519 public key.
    pub share: [u8; SHARE_LEN],
    /// The server's Ed25519 signature (what it covers depends on the binding).
    pub signature: [u8; SIGNATURE_LEN],
}

impl ServerHello {
    /// The message as sent.
    pub fn to_bytes(&self) -> [u8; SERVER_HELLO_LEN] {
        let mut out = [0u8; SERVER_HELLO_LEN];
        out[SERVER_SHARE.range()].copy_from_slice(&self.share);
        out[SERVER_SIGNATURE.range()].copy_from_slice(&self.signature);
        out
    }

    /// The message as received.
    pub fn from_bytes(bytes: &[u8; SERVER_HELLO_LEN]) -> Self {
        Self {
            share: field(bytes, SERVER_SHARE.offset),
            signature: field(bytes, SERVER_SIGNATURE.offset),
        }
    }
}

/// Message 3, client to server: `client_signature (64) || client_identity (32)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ClientAuth {
    /// The client's Ed25519 signature (what it covers depends on the binding).
    pub signature: [u8; SIGNATURE_LEN],
    /// The client's long-term Ed25519 public key, unchecked as received.
    pub identity: [u8; PUBLIC_KEY_LEN],
}

impl ClientAuth {
    /// The message as sent.
    pub fn to_bytes(&self) -> [u8; CLIENT_AUTH_LEN] {
        let mut out = [0u8; CLIENT_AUTH_LEN];
        out[CLIENT_SIGNATURE.range()].copy_from_slice(&self.signature);
        out[CLIENT_PUBLIC_KEY.range()].copy_from_slice(&self.identity);
        out
    }

    /// The message as received.
    pub fn from_bytes(bytes: &[u8; CLIENT_AUTH_LEN]) -> Self {
        Self {
            signature: field(bytes, CLIENT_SIGNATURE.offset),
            identity: field(bytes, CLIENT_PUBLIC_KEY.offset),
        }
    }
}

impl TryFrom<&[u8]> for ClientHello {
    type Error = WrongLength;
    fn try_from(bytes: &[u8]) -> Result<Self, WrongLength> {
        Ok(Self::from_bytes(&exact("message 1 (ClientHello)", bytes)?))
    }
}

impl TryFrom<&[u8]> for ServerHello {
    type Error = WrongLength;
    fn try_from(bytes: &[u8]) -> Result<Self, WrongLength> {
        Ok(Self::from_bytes(&exact("message 2 (ServerHello)", bytes)?))
    }
}

impl TryFrom<&[u8]> for ClientAuth {
    type Error = WrongLength;
    fn try_from(bytes: &[u8]) -> Result<Self, WrongLength> {
        Ok(Self::from_bytes(&exact("message 3 (ClientAuth)", bytes)?))
    }
}

// ---------------------------------------------------------------------------
// The hybrid key exchange (Lesson 19): X25519 and ML-KEM-768 side by side.
//
// Message 3 does not change. Messages 1 and 2 carry an ML-KEM-768 part in
// front of the X25519 share, in the order TLS 1.3's `X25519MLKEM768` key
// shares use, so the first 1,216 bytes of message 1 are byte for byte what
// a browser puts in that key share:
//
// ```text
// Lesson 19 (hybrid, 2,496 bytes)
// 1  C -> S  ClientHello  1,216 = encapsulation_key (1,184) || client_share (32)
// 2  S -> C  ServerHello  1,184 = ciphertext (1,088) || server_share (32) || signature (64)
// 3  C -> S  ClientAuth      96   (unchanged)
// ```

/// An ML-KEM-768 encapsulation key (FIPS 203, section 8: `384 k + 32` bytes, k = 3).
pub const ENCAPSULATION_KEY_LEN: usize = 1184;
/// An ML-KEM-768 ciphertext (FIPS 203, section 8: `32 (d_u k + d_v)` bytes).
pub const KEM_CIPHERTEXT_LEN: usize = 1088;
/// Hybrid message 1: the encapsulation key, then the client's X25519 share.
pub const HYBRID_CLIENT_HELLO_LEN: usize = ENCAPSULATION_KEY_LEN + SHARE_LEN;
/// Hybrid message 2: the ciphertext, the server's X25519 share, its signature.
pub const HYBRID_SERVER_HELLO_LEN: usize = KEM_CIPHERTEXT_LEN + SHARE_LEN + SIGNATURE_LEN;
/// Everything the hybrid mutual handshake puts on the wire: 2,496 bytes.
pub const HYBRID_MUTUAL_HANDSHAKE_LEN: usize =
    HYBRID_CLIENT_HELLO_LEN + HYBRID_SERVER_HELLO_LEN + CLIENT_AUTH_LEN;

/// Hybrid message 1, client to server:
/// `encapsulation_key (1,184) || client_share (32)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HybridClientHello {
    /// The client's ephemeral ML-KEM-768 encapsulation key, unchecked as received.
    pub encapsulation_key: [u8; ENCAPSULATION_KEY_LEN],
    /// The client's ephemeral X25519 public key.
    pub share: [u8; SHARE_LEN],
}

impl HybridClientHello {
    /// The message as sent.
    pub fn to_bytes(&self) -> [u8; HYBRID_CLIENT_HELLO_LEN] {
        let mut out = [0u8; HYBRID_CLIENT_HELLO_LEN];
        out[..ENCAPSULATION_KEY_LEN].copy_from_slice(&self.encapsulation_key);
        out[ENCAPSULATION_KEY_LEN..].copy_from_slice(&self.share);
        out
    }

    /// The message as received.
    pub fn from_bytes(bytes: &[u8; HYBRID_CLIENT_HELLO_LEN]) -> Self {
        Self {
            encapsulation_key: field(bytes, 0),
            share: field(bytes, ENCAPSULATION_KEY_LEN),
        }
    }
}

/// Hybrid message 2, server to client:
/// `ciphertext (1,088) || server_share (32) || server_signature (64)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HybridServerHello {
    /// The ML-KEM-768 ciphertext encapsulated to the client's key.
    pub ciphertext: [u8; KEM_CIPHERTEXT_LEN],
    /// The server's ephemeral X25519 public key.
    pub share: [u8; SHARE_LEN],
    /// The server's Ed25519 signature (what it covers depends on the binding).
    pub signature: [u8; SIGNATURE_LEN],
}

impl HybridServerHello {
    /// The message as sent.
    pub fn to_bytes(&self) -> [u8; HYBRID_SERVER_HELLO_LEN] {
        let mut out = [0u8; HYBRID_SERVER_HELLO_LEN];
        out[..KEM_CIPHERTEXT_LEN].copy_from_slice(&self.ciphertext);
        out[KEM_CIPHERTEXT_LEN..KEM_CIPHERTEXT_LEN + SHARE_LEN].copy_from_slice(&self.share);
        out[KEM_CIPHERTEXT_LEN + SHARE_LEN..].copy_from_slice(&self.signature);
        out
    }

    /// The message as received.
    pub fn from_bytes(bytes: &[u8; HYBRID_SERVER_HELLO_LEN]) -> Self {
        Self {
            ciphertext: field(bytes, 0),
            share: field(bytes, KEM_CIPHERTEXT_LEN),
            signature: field(bytes, KEM_CIPHERTEXT_LEN + SHARE_LEN),
        }
    }
}

impl TryFrom<&[u8]> for HybridClientHello {
    type Error = WrongLength;
    fn try_from(bytes: &[u8]) -> Result<Self, WrongLength> {
        Ok(Self::from_bytes(&exact(
            "hybrid message 1 (ClientHello)",
            bytes,
        )?))
    }
}

impl TryFrom<&[u8]> for HybridServerHello {
    type Error = WrongLength;
    fn try_from(bytes: &[u8]) -> Result<Self, WrongLength> {
        Ok(Self::from_bytes(&exact(
            "hybrid message 2 (ServerHello)",
            bytes,
        )?))
    }
}

/// A handshake message of fixed size, whatever the key exchange: what the
/// generic handshake steps and the I/O layer need to hash, send and read
/// one. Messages 2 all end with the server's 64-byte signature.
pub trait Message: Copy + fmt::Debug {
    /// The message's one length.
    const LEN: usize;
    /// Its name in errors, such as `message 1 (ClientHello)`.
    const NAME: &'static str;
    /// The bytes on the wire, a `[u8; LEN]`.
    type Bytes: AsRef<[u8]> + AsMut<[u8]> + Copy;
    /// `LEN` zero bytes, to read into.
    fn zeroed() -> Self::Bytes;
    /// The message as sent.
    fn encode(&self) -> Self::Bytes;
    /// The message as received.
    fn decode(bytes: &Self::Bytes) -> Self;
}

macro_rules! message {
    ($type:ty, $len:expr, $name:expr) => {
        impl Message for $type {
            const LEN: usize = $len;
            const NAME: &'static str = $name;
            type Bytes = [u8; $len];
            fn zeroed() -> Self::Bytes {
                [0u8; $len]
            }
            fn encode(&self) -> Self::Bytes {
                self.to_bytes()
            }
            fn decode(bytes: &Self::Bytes) -> Self {
                Self::from_bytes(bytes)
            }
        }
    };
}

message!(ClientHello, CLIENT_HELLO_LEN, "message 1 (ClientHello)");
message!(ServerHello, SERVER_HELLO_LEN, "message 2 (ServerHello)");
message!(ClientAuth, CLIENT_AUTH_LEN, "message 3 (ClientAuth)");
message!(
    HybridClientHello,
    HYBRID_CLIENT_HELLO_LEN,
    "hybrid message 1 (ClientHello)"
);
message!(
    HybridServerHello,
    HYBRID_SERVER_HELLO_LEN,
    "hybrid message 2 (ServerHello)"
);
