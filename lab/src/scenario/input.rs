//! What a run is: its seed, the messages it shows, the reader's changed
//! bytes and Lesson 13's attacks.

use learn_mtls::handshake::Binding;

/// The seed of a run: 32 bytes for the ChaCha20 generator that makes
/// every ephemeral key of it. The page draws one from
/// `crypto.getRandomValues`; the same seed gives the same bytes.
pub type Seed = [u8; 32];

/// One of the bytes strings the map shows: the three handshake messages,
/// and the client's record the run is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    /// Message 1, ClientHello.
    M1,
    /// Message 2, ServerHello.
    M2,
    /// Message 3, ClientAuth.
    M3,
    /// The client's record: its first (key confirmation under transcript),
    /// or under `attack=record-flip` the one after it.
    Record,
}

impl Message {
    /// The four, in the order they cross the wire.
    pub const ALL: [Self; 4] = [Self::M1, Self::M2, Self::M3, Self::Record];

    /// The name in a query string: `m1`, `m2`, `m3`, `rec`.
    pub fn key(self) -> &'static str {
        match self {
            Self::M1 => "m1",
            Self::M2 => "m2",
            Self::M3 => "m3",
            Self::Record => "rec",
        }
    }

    pub(super) fn index(self) -> usize {
        match self {
            Self::M1 => 0,
            Self::M2 => 1,
            Self::M3 => 2,
            Self::Record => 3,
        }
    }
}

/// A byte changed on the wire: `message[offset] ^= xor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Which message.
    pub message: Message,
    /// Which byte of it, counted from 0.
    pub offset: usize,
    /// What is XORed into it (`0x01` flips its low bit).
    pub xor: u8,
}

/// Lesson 13's attacks, as the lab runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attack {
    /// Mallory recorded alice's handshake and replays its messages 1 and 3,
    /// and her first record, to the server on a new connection.
    Replay,
    /// Eve (on the server's list) relays alice's messages 1 and 2 and
    /// answers the server with her own message 3.
    Misbinding,
    /// Mallory replaces the share in message 1 with 32 zero bytes, a point
    /// of low order.
    LowOrder,
    /// The handshake completes; alice's next record has one bit flipped
    /// on its way.
    RecordFlip,
    /// Mallory, on no list, runs the genuine client with her own key.
    Outsider,
}

impl Attack {
    /// Every attack, in the page's menu order.
    pub const ALL: [Self; 5] = [
        Self::Replay,
        Self::Misbinding,
        Self::LowOrder,
        Self::RecordFlip,
        Self::Outsider,
    ];

    /// The name in a query string.
    pub fn key(self) -> &'static str {
        match self {
            Self::Replay => "replay",
            Self::Misbinding => "misbinding",
            Self::LowOrder => "low-order",
            Self::RecordFlip => "record-flip",
            Self::Outsider => "outsider",
        }
    }

    /// One line for the page's menu.
    pub fn title(self) -> &'static str {
        match self {
            Self::Replay => "replay: mallory replays alice's recorded messages 1 and 3",
            Self::Misbinding => "misbinding: eve swaps alice's message 3 for her own",
            Self::LowOrder => "low-order share: message 1's share becomes 32 zero bytes",
            Self::RecordFlip => "a flipped record bit: one bit of alice's next record",
            Self::Outsider => "outsider: mallory, on no list, signs honestly with her own key",
        }
    }

    /// What Lesson 13 teaches for this attack under `binding`.
    pub fn lesson(self, binding: Binding) -> &'static str {
        match (self, binding) {
            (Self::Replay, Binding::InsecureLesson11) => {
                "accepted as alice, though mallory has no keys: alice signed only her own share"
            }
            (Self::Replay, Binding::Transcript) => {
                "refused at message 3: alice's signature covers a message 2 this connection never had"
            }
            (Self::Misbinding, Binding::InsecureLesson11) => {
                "accepted as eve: alice's session is filed under eve's name"
            }
            (Self::Misbinding, Binding::Transcript) => {
                "refused at key confirmation: eve's message 3 is not alice's, so the keys differ"
            }
            (Self::LowOrder, _) => {
                "refused under both bindings: the X25519 result would be all zeros"
            }
            (Self::RecordFlip, _) => "refused under both bindings by the record layer",
            (Self::Outsider, _) => "refused under both bindings by the trust policy",
        }
    }
}

/// Everything that decides a run but its seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// What both ends sign and derive their keys from.
    pub binding: Binding,
    /// The attack, if any.
    pub attack: Option<Attack>,
    /// The reader's changes, applied after the attack's.
    pub edits: Vec<Edit>,
}

impl Run {
    /// An honest run: no attack, no change.
    pub fn honest(binding: Binding) -> Self {
        Self {
            binding,
            attack: None,
            edits: Vec::new(),
        }
    }

    /// `attack` under `binding`, with no change of the reader's.
    pub fn attack(binding: Binding, attack: Attack) -> Self {
        Self {
            binding,
            attack: Some(attack),
            edits: Vec::new(),
        }
    }
}
