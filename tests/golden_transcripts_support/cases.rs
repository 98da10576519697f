//! The cases, their fixed inputs, and the vector files that hold them.

use learn_mtls::handshake::Binding;
use learn_mtls::hex::Hex;
use learn_mtls::identity::Identity;
use learn_mtls::kex::Kex;
use std::collections::BTreeMap;

/// Which handshake a vector file describes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Handshake {
    /// Lesson 11: three messages.
    Mutual,
    /// Lesson 10: two messages, the client anonymous.
    ServerOnly,
}

pub struct Case {
    pub file: &'static str,
    pub handshake: Handshake,
    pub binding: Binding,
    /// X25519 alone, or hybrid with ML-KEM-768 (Lesson 19; mutual only).
    pub kex: Kex,
    /// Ed25519 identities, or ML-DSA-65 ones (Lesson 19; mutual only).
    pub identity: Identity,
}

pub const MUTUAL_LESSON11: Case = Case {
    file: "mutual-lesson11.txt",
    handshake: Handshake::Mutual,
    binding: Binding::InsecureLesson11,
    kex: Kex::X25519,
    identity: Identity::Ed25519,
};

pub const MUTUAL_TRANSCRIPT: Case = Case {
    file: "mutual-transcript.txt",
    handshake: Handshake::Mutual,
    binding: Binding::Transcript,
    kex: Kex::X25519,
    identity: Identity::Ed25519,
};

pub const LESSON10_LESSON11: Case = Case {
    file: "lesson10-lesson11.txt",
    handshake: Handshake::ServerOnly,
    binding: Binding::InsecureLesson11,
    kex: Kex::X25519,
    identity: Identity::Ed25519,
};

pub const LESSON10_TRANSCRIPT: Case = Case {
    file: "lesson10-transcript.txt",
    handshake: Handshake::ServerOnly,
    binding: Binding::Transcript,
    kex: Kex::X25519,
    identity: Identity::Ed25519,
};

pub const HYBRID_LESSON11: Case = Case {
    file: "hybrid-lesson11.txt",
    handshake: Handshake::Mutual,
    binding: Binding::InsecureLesson11,
    kex: Kex::X25519MlKem768,
    identity: Identity::Ed25519,
};

pub const HYBRID_TRANSCRIPT: Case = Case {
    file: "hybrid-transcript.txt",
    handshake: Handshake::Mutual,
    binding: Binding::Transcript,
    kex: Kex::X25519MlKem768,
    identity: Identity::Ed25519,
};

pub const ML_DSA_LESSON11: Case = Case {
    file: "ml-dsa-lesson11.txt",
    handshake: Handshake::Mutual,
    binding: Binding::InsecureLesson11,
    kex: Kex::X25519,
    identity: Identity::MlDsa65,
};

pub const ML_DSA_TRANSCRIPT: Case = Case {
    file: "ml-dsa-transcript.txt",
    handshake: Handshake::Mutual,
    binding: Binding::Transcript,
    kex: Kex::X25519,
    identity: Identity::MlDsa65,
};

pub const ML_DSA_HYBRID_LESSON11: Case = Case {
    file: "ml-dsa-hybrid-lesson11.txt",
    handshake: Handshake::Mutual,
    binding: Binding::InsecureLesson11,
    kex: Kex::X25519MlKem768,
    identity: Identity::MlDsa65,
};

pub const ML_DSA_HYBRID_TRANSCRIPT: Case = Case {
    file: "ml-dsa-hybrid-transcript.txt",
    handshake: Handshake::Mutual,
    binding: Binding::Transcript,
    kex: Kex::X25519MlKem768,
    identity: Identity::MlDsa65,
};

/// Every case, in the order the files are checked.
pub const ALL: [Case; 10] = [
    MUTUAL_LESSON11,
    MUTUAL_TRANSCRIPT,
    LESSON10_LESSON11,
    LESSON10_TRANSCRIPT,
    HYBRID_LESSON11,
    HYBRID_TRANSCRIPT,
    ML_DSA_LESSON11,
    ML_DSA_TRANSCRIPT,
    ML_DSA_HYBRID_LESSON11,
    ML_DSA_HYBRID_TRANSCRIPT,
];

/// The inputs written into every vector file by the generator. The tests
/// read them back from the file, so the file alone describes the case.
pub const SERVER_SECRET: [u8; 32] = *b"learn-mtls golden server secret!";

pub const CLIENT_SECRET: [u8; 32] = *b"learn-mtls golden client secret!";

pub const CLIENT_RNG_SEED: [u8; 32] = *b"learn-mtls golden client rng....";

pub const SERVER_RNG_SEED: [u8; 32] = *b"learn-mtls golden server rng....";

/// The ML-DSA-65 cases' identities: each the 32-byte seed xi of
/// ML-DSA.KeyGen (FIPS 204 Algorithm 1), in place of the Ed25519 secrets.
pub const SERVER_ML_DSA_SEED: [u8; 32] = *b"learn-mtls golden server ml-dsa!";

pub const CLIENT_ML_DSA_SEED: [u8; 32] = *b"learn-mtls golden client ml-dsa!";

/// The plaintexts of the records in every vector file.
pub const CLIENT_RECORD_1: &[u8] = b"hello";

pub const CLIENT_RECORD_2: &[u8] = b"again";

pub const SERVER_RECORD_1: &[u8] = b"hello";

pub fn vector_path(file: &str) -> String {
    format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// Decodes hex of any even length. (The files are written in lowercase;
/// `the_vector_files_are_what_the_code_writes` holds them to it.)
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    learn_mtls::hex::decode_vec(text).ok()
}

/// `name = hex` lines (`learn_mtls_kit::vectors`' format).
pub struct Vectors {
    pub file: &'static str,
    pub values: BTreeMap<String, Vec<u8>>,
}

impl Vectors {
    pub fn load(file: &'static str) -> Self {
        let path = vector_path(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut values = BTreeMap::new();
        let lines = learn_mtls_kit::vectors::lines(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in lines {
            let bytes = unhex(line.value)
                .unwrap_or_else(|| panic!("{path}:{}: not lowercase hex", line.number));
            values.insert(line.name.to_owned(), bytes);
        }
        Self { file, values }
    }

    pub fn get(&self, name: &str) -> &[u8] {
        self.values
            .get(name)
            .unwrap_or_else(|| panic!("{}: no `{name}`", self.file))
    }

    pub fn array<const N: usize>(&self, name: &str) -> [u8; N] {
        self.get(name)
            .try_into()
            .unwrap_or_else(|_| panic!("{}: `{name}` is not {N} bytes", self.file))
    }

    /// Checks `actual` against the file, printing both as hex on failure.
    pub fn check(&self, name: &str, actual: &[u8]) {
        assert_eq!(
            Hex(actual).to_string(),
            Hex(self.get(name)).to_string(),
            "{}: `{name}` differs",
            self.file
        );
    }
}
