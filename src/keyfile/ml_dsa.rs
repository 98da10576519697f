//! ML-DSA-65 key files (feature `pq`, Lesson 19): the same reading, checks
//! and atomic writing as the Ed25519 ones, with their own header lines.

use std::prelude::rust_2024::*;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{
    KeyFileError, ML_DSA_PUBLIC_HEX_LEN, ML_DSA_PUBLIC_KEY_HEADER, ML_DSA_SECRET_KEY_HEADER,
    Overwrite, Problem, SECRET_KEY_HEADER, error, read_public_with, read_secret_with,
};
use crate::hex;
use crate::identity::Identity;
use crate::keys::ML_DSA_PUBLIC_KEY_LEN;
use crate::ml_dsa::{ML_DSA_SEED_LEN, MlDsaIdentityKey, MlDsaPublicIdentity};

/// An ML-DSA-65 file's refusal when it holds an Ed25519 key.
fn ed25519_not_ml_dsa() -> Problem {
    Problem::WrongScheme {
        found: Identity::Ed25519,
        wanted: Identity::MlDsa65,
    }
}

/// Reads an ML-DSA-65 public key file (`NAME.pub` as `11-mtls-genkeys
/// --identity ml-dsa-65` writes it: 3,904 hex characters on one line).
///
/// # Errors
/// A [`KeyFileError`] naming the file, the line and the problem; an
/// Ed25519 key (64 hex characters, or an `ssh-ed25519` line) is
/// [`Problem::WrongScheme`].
pub fn read_public(path: impl AsRef<Path>) -> Result<MlDsaPublicIdentity, KeyFileError> {
    read_public_with(path.as_ref(), |_, key_text| {
        if crate::openssh::parse_line(key_text).is_some()
            || key_text.len() == 2 * crate::keys::PUBLIC_KEY_LEN
        {
            return Err(ed25519_not_ml_dsa());
        }
        let bytes: [u8; ML_DSA_PUBLIC_KEY_LEN] =
            hex::decode_array(key_text).map_err(Problem::Hex)?;
        Ok(MlDsaPublicIdentity::from_bytes(&bytes))
    })
}

/// Reads an ML-DSA-65 secret key file (`NAME.key`: its header line, then
/// the 32-byte seed in hex), refusing one that others can read.
///
/// # Errors
/// A [`KeyFileError`]; an Ed25519 secret key file is [`Problem::WrongScheme`].
pub fn read_secret(path: impl AsRef<Path>) -> Result<MlDsaIdentityKey, KeyFileError> {
    let path = path.as_ref();
    let seed = read_secret_with::<ML_DSA_SEED_LEN>(path, |text| {
        if text.starts_with(SECRET_KEY_HEADER) {
            return Err(error(path, Some(1), ed25519_not_ml_dsa()));
        }
        if text.starts_with(ML_DSA_PUBLIC_KEY_HEADER) {
            return Err(error(
                path,
                Some(1),
                Problem::WrongKind {
                    wanted_secret: true,
                },
            ));
        }
        if !text.starts_with(ML_DSA_SECRET_KEY_HEADER) {
            return Err(error(path, None, Problem::NoMlDsaSecretKeyHeader));
        }
        Ok(())
    })?;
    Ok(MlDsaIdentityKey::from_seed(&seed))
}

/// Writes an ML-DSA-65 `NAME.key` (mode 0600) and `NAME.pub` into `dir`,
/// each atomically, returning their paths.
///
/// # Errors
/// A [`KeyFileError`], for instance [`Problem::AlreadyExists`].
pub fn write_pair(
    dir: impl AsRef<Path>,
    name: &str,
    key: &MlDsaIdentityKey,
    overwrite: Overwrite,
) -> Result<(PathBuf, PathBuf), KeyFileError> {
    let mut public_text = String::with_capacity(ML_DSA_PUBLIC_HEX_LEN + 64 + name.len());
    // Writing to a String cannot fail.
    let _ = write!(
        public_text,
        "{ML_DSA_PUBLIC_KEY_HEADER} for {name}\n{}\n",
        key.public()
    );
    super::write_pair_with(
        dir.as_ref(),
        name,
        ML_DSA_SECRET_KEY_HEADER,
        &key.to_seed()[..],
        &public_text,
        overwrite,
    )
}
