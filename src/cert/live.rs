//! A party's key, chain, root and revocation lists, reloaded while a server
//! runs: [`LiveFiles`], and the [`Notice`]s its refresh reports.
//!
//! The files are watched as the key lists of Lesson 11 are (the crate's
//! private `watch` module): a `stat` per file and refresh while nothing
//! changes (the secret key is not read again on every connection), a
//! bounded, non-blocking read and a SHA-256 when something may have, and a
//! refresh already running on another thread is never waited for. What a
//! bad file does is this module's:
//!
//! - a broken certificate, key or root file is reported once and the last
//!   good one stays in force;
//! - a broken, missing or unreadable revocation file refuses every peer
//!   until it is fixed (fail closed), except while the process is out of
//!   file descriptors (nothing is known about the file then);
//! - a revocation file that goes back in time (a list older than one
//!   already in force from the same issuer, or dated the same second with
//!   other contents, either of which could un-revoke a certificate) is
//!   reported and ignored.

use std::prelude::rust_2024::*;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use sha2::{Digest, Sha256};

use super::crl::RevocationList;
use super::files::{
    CertFileError, Credentials, Crls, MAX_CERT_FILE_LEN, Problem, parse_certificates,
    read_credentials, read_error, read_root, root_of, text_of,
};
use super::time::Rfc3339;
use super::verify::Root;
use crate::keyfile;
use crate::keys::PublicIdentity;
use crate::watch::{Look, Refreshing, WatchedFile};

/// What the trust files say right now: take one per connection.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// This party's key and chain.
    pub credentials: Arc<Credentials>,
    /// The trust anchor.
    pub root: Root,
    /// `None` without `--crl`; `Some(Err(why))` while the list file is
    /// broken, in which case every peer must be refused.
    pub crls: Option<Result<Arc<Crls>, String>>,
}

/// Something a [`LiveFiles::refresh`] noticed, for the server to print.
///
/// Each is reported once per change of state, not once per connection;
/// [`Notice::is_problem`] says which need the operator (the servers print
/// those with `WARNING: ` in front).
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// The key or certificate file changed; the new pair is in force.
    CredentialsReloaded {
        /// The certificate file.
        path: PathBuf,
        /// The leaf now presented, as the certificate prints itself.
        presenting: String,
    },
    /// The key or certificate file changed but cannot be used; the last
    /// good pair stays in force.
    CredentialsKeptLastGood {
        /// What is wrong.
        error: CertFileError,
    },
    /// The root file changed; the new root is trusted.
    RootReloaded {
        /// The root file.
        path: PathBuf,
        /// The root now trusted, as the certificate prints itself.
        trusting: String,
    },
    /// The root file changed but cannot be used; the last good root stays.
    RootKeptLastGood {
        /// What is wrong.
        error: CertFileError,
    },
    /// The revocation file changed; its lists are in force.
    ListsReloaded {
        /// The file.
        path: PathBuf,
        /// Each list, as it prints itself.
        lists: Vec<String>,
    },
    /// The revocation file holds a list older than the one in force from
    /// the same issuer, or of the same second with other contents: the
    /// file is ignored, the lists in force stay.
    ListsWentBack {
        /// The file.
        path: PathBuf,
        /// Which list, and how it goes back.
        why: String,
    },
    /// The revocation file cannot be used: every peer is refused.
    ListsUnavailable {
        /// What is wrong.
        error: CertFileError,
    },
}

impl Notice {
    /// Whether this notice reports a problem that needs the operator.
    pub fn is_problem(&self) -> bool {
        !matches!(
            self,
            Self::CredentialsReloaded { .. }
                | Self::RootReloaded { .. }
                | Self::ListsReloaded { .. }
        )
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CredentialsReloaded { path, presenting } => {
                write!(
                    f,
                    "reloaded {}: now presenting {presenting}",
                    path.display()
                )
            }
            Self::CredentialsKeptLastGood { error } => {
                write!(f, "{error} (keeping the last good certificate)")
            }
            Self::RootReloaded { path, trusting } => {
                write!(f, "reloaded {}: trusting {trusting}", path.display())
            }
            Self::RootKeptLastGood { error } => write!(f, "{error} (keeping the last good CA)"),
            Self::ListsReloaded { path, lists } => {
                write!(f, "reloaded {}: {}", path.display(), lists.join("; "))
            }
            Self::ListsWentBack { path, why } => write!(f, "{}: {why}", path.display()),
            Self::ListsUnavailable { error } => unavailable(f, error),
        }
    }
}

/// The one wording of a revocation file that refuses everyone, in the
/// notice and in the refusal each peer gets meanwhile.
fn unavailable(f: &mut impl fmt::Write, error: &CertFileError) -> fmt::Result {
    write!(f, "{error} (refusing every peer until it is fixed)")
}

/// The watched files, and the newest list of each issuer taken so far.
#[derive(Debug)]
struct Watch {
    key: WatchedFile,
    cert: WatchedFile,
    ca: WatchedFile,
    crl: Option<WatchedFile>,
    history: History,
}

/// Per list issuer, the newest `this_update` taken so far, and the SHA-256
/// of that list's signed bytes.
#[derive(Debug, Default)]
struct History {
    newest_lists: Vec<(PublicIdentity, u64, [u8; 32])>,
}

/// SHA-256 of a list's signed bytes: which serials, dated when, by whom.
fn list_digest(list: &RevocationList<'_>) -> [u8; 32] {
    Sha256::digest(list.signed_bytes()).into()
}

impl History {
    /// Why `crls` would go back in time, if one of its lists (with a valid
    /// signature: a forged list is refused at verification anyway) is older
    /// than a list from the same issuer already taken, or dated the same
    /// second with other contents (it may be the older of two lists made
    /// in one second: a list that replaces another must be dated later).
    fn rollback(&self, crls: &Crls) -> Option<String> {
        crls.lists()
            .iter()
            .filter(|list| list.signature_verifies())
            .find_map(|list| {
                let (_, newest, digest) = self
                    .newest_lists
                    .iter()
                    .find(|(issuer, _, _)| *issuer == list.issuer)?;
                let how = if list.this_update < *newest {
                    "older than"
                } else if list.this_update == *newest && list_digest(list) != *digest {
                    "the same second as, but not the same list as,"
                } else {
                    return None;
                };
                Some(format!(
                    "the list from issuer {} is dated {}, {how} the one in force ({}): \
                     ignoring this file (going back could un-revoke a certificate)",
                    list.issuer.fingerprint(),
                    Rfc3339(list.this_update),
                    Rfc3339(*newest)
                ))
            })
    }

    /// Remembers the newest signed list of each issuer in `crls`.
    fn take(&mut self, crls: &Crls) {
        for list in crls.lists().iter().filter(|list| list.signature_verifies()) {
            match self
                .newest_lists
                .iter_mut()
                .find(|(issuer, _, _)| *issuer == list.issuer)
            {
                Some((_, newest, digest)) => {
                    if list.this_update > *newest {
                        *newest = list.this_update;
                        *digest = list_digest(list);
                    }
                }
                None => self
                    .newest_lists
                    .push((list.issuer, list.this_update, list_digest(list))),
            }
        }
    }
}

/// A party's key, chain, root and revocation lists, read from files and
/// re-read when they change. See the module documentation for the rules.
#[derive(Debug)]
pub struct LiveFiles {
    current: RwLock<Snapshot>,
    watch: Refreshing<Watch>,
    /// How many times the files in force have changed.
    generation: AtomicU64,
}

impl LiveFiles {
    /// Reads every file once. At start-up every file must be good.
    ///
    /// # Errors
    /// The first [`CertFileError`].
    pub fn open(
        key: &Path,
        cert: &Path,
        ca: &Path,
        crl: Option<&Path>,
    ) -> Result<Self, CertFileError> {
        // Look first, parse second: should a file change in between, the
        // next refresh sees new contents and parses again. (The other order
        // could pair the new file's digest with the old file's contents and
        // miss the change for good.) A failed look is no error here: the
        // readers below report it in their own words, and a file that
        // failed its look is read again at the first refresh.
        let watch_file = |path: &Path, max_len| {
            let mut file = WatchedFile::unread(path, max_len);
            let _ = file.look();
            file
        };
        let mut watch = Watch {
            key: watch_file(key, keyfile::MAX_KEY_FILE_LEN),
            cert: watch_file(cert, MAX_CERT_FILE_LEN),
            ca: watch_file(ca, MAX_CERT_FILE_LEN),
            crl: crl.map(|path| watch_file(path, MAX_CERT_FILE_LEN)),
            history: History::default(),
        };
        let credentials = Arc::new(read_credentials(key, cert)?);
        let root = read_root(ca)?;
        let crls = match crl {
            Some(path) => {
                let crls = Crls::read(path)?;
                watch.history.take(&crls);
                Some(Ok(Arc::new(crls)))
            }
            None => None,
        };
        Ok(Self {
            current: RwLock::new(Snapshot {
                credentials,
                root,
                crls,
            }),
            watch: Refreshing::new(watch),
            generation: AtomicU64::new(0),
        })
    }

    /// A number that changes whenever a file in force changes (key,
    /// chain, root or lists). What a certificate's re-check depends on
    /// besides the clock: while it stays the same, only the validity
    /// windows need checking again. Read it before the
    /// [`snapshot`](Self::snapshot) it goes with.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// What is in force now.
    pub fn snapshot(&self) -> Snapshot {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Re-reads every file whose contents changed and swaps in what parses.
    /// Returns one notice per change or problem; a problem is reported once
    /// until it changes. Returns nothing at once if another thread is
    /// refreshing (its changes go in force when it is done).
    pub fn refresh(&self) -> Vec<Notice> {
        let Some(mut watch) = self.watch.try_start() else {
            return Vec::new();
        };
        let watch = &mut *watch;
        let mut notices = Vec::new();
        let mut current = self.snapshot();
        let mut changed = false;

        // Key and certificate change together (a rotation may bring a new
        // key): if either may have changed, both are read by their readers,
        // which check what a look cannot (the key file's permissions, that
        // the pair belongs together).
        let key = watch.key.look();
        let cert = watch.cert.look();
        let pair_may_have_changed = [&key, &cert]
            .iter()
            .any(|look| matches!(look, Look::Changed(_) | Look::Unreadable(_)));
        drop((key, cert));
        if pair_may_have_changed {
            match read_credentials(watch.key.path(), watch.cert.path()) {
                Ok(credentials) => {
                    watch.key.succeeded();
                    watch.cert.succeeded();
                    notices.push(Notice::CredentialsReloaded {
                        path: watch.cert.path().to_path_buf(),
                        presenting: credentials.chain.leaf.to_string(),
                    });
                    current.credentials = Arc::new(credentials);
                    changed = true;
                }
                Err(e) if out_of_descriptors(&e) => {}
                Err(error) => {
                    if watch.cert.failed(error.to_string()) {
                        notices.push(Notice::CredentialsKeptLastGood { error });
                    }
                }
            }
        }

        let root = match watch.ca.look() {
            Look::Unchanged | Look::Unknown => None,
            Look::Changed(bytes) => Some(
                text_of(watch.ca.path(), &bytes)
                    .and_then(|text| parse_certificates(watch.ca.path(), &text))
                    .and_then(|certs| root_of(watch.ca.path(), &certs)),
            ),
            Look::Unreadable(e) => Some(Err(read_error(watch.ca.path(), e))),
        };
        match root {
            Some(Ok(root)) => {
                watch.ca.succeeded();
                notices.push(Notice::RootReloaded {
                    path: watch.ca.path().to_path_buf(),
                    trusting: root.certificate().to_string(),
                });
                current.root = root;
                changed = true;
            }
            Some(Err(error)) if watch.ca.failed(error.to_string()) => {
                notices.push(Notice::RootKeptLastGood { error });
            }
            // Unchanged, or a problem already reported.
            None | Some(Err(_)) => {}
        }

        if let Some(file) = &mut watch.crl {
            let read = match file.look() {
                // Unknown: the list may be fine; this process could not
                // open it, because a flood of connections holds every
                // descriptor. Refusing everyone then would hand the flood
                // every honest session; the lists in force stay (Lesson 14).
                Look::Unchanged | Look::Unknown => None,
                Look::Changed(bytes) => Some(
                    text_of(file.path(), &bytes).and_then(|text| Crls::parse(file.path(), &text)),
                ),
                Look::Unreadable(e) => Some(Err(read_error(file.path(), e))),
            };
            match read {
                None => {}
                Some(Ok(crls)) => match watch.history.rollback(&crls) {
                    Some(why) => {
                        if file.failed(why.clone()) {
                            notices.push(Notice::ListsWentBack {
                                path: file.path().to_path_buf(),
                                why,
                            });
                        }
                    }
                    None => {
                        watch.history.take(&crls);
                        file.succeeded();
                        notices.push(Notice::ListsReloaded {
                            path: file.path().to_path_buf(),
                            lists: crls.lists().iter().map(ToString::to_string).collect(),
                        });
                        current.crls = Some(Ok(Arc::new(crls)));
                        changed = true;
                    }
                },
                Some(Err(error)) => {
                    let mut why = String::new();
                    let _ = unavailable(&mut why, &error);
                    current.crls = Some(Err(why));
                    changed = true;
                    if file.failed(error.to_string()) {
                        notices.push(Notice::ListsUnavailable { error });
                    }
                }
            }
        }

        if changed {
            let mut in_force = self.current.write().unwrap_or_else(PoisonError::into_inner);
            *in_force = current;
            // Under the write lock: whoever reads the generation before
            // taking a snapshot never pairs the new number with old files.
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        notices
    }
}

/// `EMFILE` or `ENFILE`: the file may be fine; the process could not open it.
fn out_of_descriptors(e: &CertFileError) -> bool {
    match &e.problem {
        Problem::Io(io) => crate::smallfile::out_of_descriptors(io),
        Problem::Key(keyfile::KeyFileError {
            problem: keyfile::Problem::Io(io),
            ..
        }) => crate::smallfile::out_of_descriptors(io),
        _ => false,
    }
}
