//! Key lists read from files and reloaded while the server runs.
//!
//! A [`FilePolicy`] trusts either the clients of an authorized-keys file or
//! one pinned client, and optionally refuses the keys of a revocation file
//! (formats in [`super::format`]). The server calls
//! [`refresh`](FilePolicy::refresh) as each connection arrives, prints the
//! notices it returns, and hands the policy to the handshake:
//!
//! - **At start-up** every file must be readable and well formed, or
//!   [`FilePolicy::open`] fails and the server should refuse to start.
//! - **A broken authorized-keys file** (after a change) is reported once and
//!   the last good list stays in force: a typo in a new line must not lock
//!   every existing client out.
//! - **A broken, unreadable or missing revocation file** makes the policy
//!   **fail closed** (except when the process is merely out of file
//!   descriptors: then nothing is known about the file, the lists in force
//!   stay, and the next refresh tries again): every client is refused with
//!   [`Refusal::RevocationListUnavailable`] until the file is good again.
//!   Serving the last good revocation list instead would be wrong exactly
//!   when it matters: an operator who is revoking a stolen key right now
//!   and made a typo would believe the key is refused while it is not.
//! - Either way the policy recovers by itself once the file is good, and
//!   says so. A problem is reported once, not at every connection.
//! - A change takes effect at the very next `refresh`: appending a revoked
//!   key refuses it on the next connection; adding a client needs no
//!   restart.
//!
//! # How a change is noticed
//!
//! Every file the servers reload is watched the same way (the crate's
//! private `watch` module): a `stat` first, so that a file that stays still
//! costs one system call per refresh; when the stamp differs, or is too
//! recent to be trusted, the file is read again (regular files only, never
//! blocking, at most [`MAX_LIST_FILE_LEN`]) and parsed only if the SHA-256
//! of its contents differs from the last one. Comparing the stamp alone
//! could miss a change: timestamps have a granularity (a second on some
//! file systems), so two writes of equal length within one tick look
//! identical; a stamp is trusted only once the file has been still for two
//! seconds. A refresh already under way on another thread is never waited
//! for: the connection goes on with the lists in force.
//!
//! # Replace files atomically
//!
//! Edit a copy and `rename` it over the original (`mv new_keys revoked_keys`),
//! rather than writing the file in place. A reader can open a file that is
//! being written and see half of it: at best a broken line (for revocations,
//! a moment of refusing everyone), at worst a shorter file that parses, with
//! the last lines simply missing. A rename is atomic: a reader sees the old
//! file or the new one, never a mixture. The renamed file is a new file
//! (another inode), which is fine here because each refresh opens the file by
//! its name again (a reloader that kept the file open would miss every
//! rename). Appending one line with `echo key >> revoked_keys` is fine in
//! practice: such a small write lands at once, and should a refresh catch
//! the line half-written, the worst case is refusing everyone (a revocation
//! list) or keeping the last good list (authorized keys) until the next
//! refresh, which sees the whole line.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use std::vec;
use std::vec::Vec;
use std::{fmt, format};

use super::format::ParseError;
use super::lists::{AuthorizedKey, AuthorizedKeys, RevokedKeys};
use super::{ClientName, PinnedClient, Refusal, TrustPolicy};
use crate::keys::{PUBLIC_KEY_LEN, PublicIdentity};
use crate::smallfile::ReadError;
use crate::watch::{Look, Refreshing, WatchedFile};

/// The largest key list file accepted, 4 MiB: about 50,000 clients, and
/// small enough that a runaway file cannot exhaust the server's memory.
pub const MAX_LIST_FILE_LEN: u64 = 4 * 1024 * 1024;

/// Why a key list file cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum ListFileError {
    /// The file could not be opened or read (missing, no permission, ...).
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        error: io::Error,
    },
    /// The file is larger than [`MAX_LIST_FILE_LEN`].
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// A line is malformed; the error names the file and the line.
    Malformed(ParseError),
}

impl ListFileError {
    /// The file the problem is in.
    pub fn path(&self) -> &Path {
        match self {
            Self::Unreadable { path, .. } | Self::TooLarge { path } => path,
            Self::Malformed(error) => Path::new(error.file()),
        }
    }
}

impl fmt::Display for ListFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable { path, error } => {
                write!(f, "{}: cannot read: {error}", path.display())
            }
            Self::TooLarge { path } => write!(
                f,
                "{}: too large: a key list may be at most {MAX_LIST_FILE_LEN} bytes",
                path.display()
            ),
            Self::Malformed(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl core::error::Error for ListFileError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Unreadable { error, .. } => Some(error),
            Self::TooLarge { .. } => None,
            Self::Malformed(error) => Some(error),
        }
    }
}

impl From<ParseError> for ListFileError {
    fn from(error: ParseError) -> Self {
        Self::Malformed(error)
    }
}

/// Where the list of accepted clients comes from.
#[derive(Clone, Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "built once at start-up; a Box would only make it clumsier to write"
)]
pub enum Clients {
    /// The clients in an authorized-keys file, reloaded when it changes.
    AuthorizedFile(PathBuf),
    /// Exactly one client key (the server's `--client-pub`).
    Pinned(PinnedClient),
}

/// Something a [`FilePolicy::refresh`] noticed, for the server to print.
///
/// Each is reported once per change of state, not once per connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// The authorized-keys file changed and the new list is in force.
    AuthorizedReloaded {
        /// The file.
        path: PathBuf,
        /// How many clients it lists.
        clients: usize,
        /// Whether the file had been broken until now.
        fixed: bool,
    },
    /// The authorized-keys file changed but cannot be used; the last good
    /// list stays in force.
    AuthorizedKeptLastGood {
        /// What is wrong with the file.
        error: ListFileError,
        /// How many clients the list still in force has.
        clients: usize,
    },
    /// The revocation file changed and the new list is in force.
    RevocationsReloaded {
        /// The file.
        path: PathBuf,
        /// How many keys it revokes.
        revoked: usize,
        /// Whether every client had been refused until now.
        fixed: bool,
    },
    /// The revocation file cannot be used: every client is refused.
    RevocationsUnavailable {
        /// What is wrong with the file.
        error: ListFileError,
    },
    /// The revocation file changed and the new list is in force, but keys
    /// the list in force revoked are no longer on it: they are accepted
    /// again. That may be meant (a key revoked by mistake), or the file
    /// was truncated or replaced by an old copy, so it is a problem to
    /// report ([`Notice::is_problem`]).
    RevocationsWithdrawn {
        /// The file.
        path: PathBuf,
        /// How many keys it revokes now.
        revoked: usize,
        /// How many keys revoked until now no longer are.
        withdrawn: usize,
    },
}

impl Notice {
    /// Whether this notice reports a problem that needs the operator
    /// (print it loudly), rather than a change that went well.
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            Self::AuthorizedKeptLastGood { .. }
                | Self::RevocationsUnavailable { .. }
                | Self::RevocationsWithdrawn { .. }
        )
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AuthorizedReloaded {
                path,
                clients,
                fixed,
            } => {
                let fixed = if *fixed { "fixed; " } else { "" };
                write!(
                    f,
                    "{}: {fixed}reloaded, {}",
                    path.display(),
                    count(*clients, "authorized client")
                )
            }
            Self::AuthorizedKeptLastGood { error, clients } => write!(
                f,
                "{error}; still using the last good authorized list ({}) \
                 until the file is fixed",
                count(*clients, "client")
            ),
            Self::RevocationsReloaded {
                path,
                revoked,
                fixed,
            } => {
                let fixed = if *fixed {
                    "fixed, accepting clients again; "
                } else {
                    ""
                };
                write!(
                    f,
                    "{}: {fixed}reloaded, {}",
                    path.display(),
                    count(*revoked, "revoked key")
                )
            }
            Self::RevocationsUnavailable { error } => write!(
                f,
                "{error}; refusing every client until the revocation list can be read"
            ),
            Self::RevocationsWithdrawn {
                path,
                revoked,
                withdrawn,
            } => write!(
                f,
                "{}: reloaded, {}; {} revoked until now no longer {} and will be accepted \
                 (if the file was truncated or replaced by an old copy, restore it)",
                path.display(),
                count(*revoked, "revoked key"),
                count(*withdrawn, "key"),
                if *withdrawn == 1 { "is" } else { "are" }
            ),
        }
    }
}

/// A trust policy from files, reloaded on [`refresh`](Self::refresh): the
/// clients of an authorized-keys file (or one pinned client), minus the keys
/// of an optional revocation file. Revocation always wins.
///
/// It is `Send + Sync`: share one (in an `Arc`, or by reference) among the
/// threads serving connections.
///
/// # Examples
///
/// ```
/// use learn_mtls::trust::files::{Clients, FilePolicy};
/// use learn_mtls::trust::{Refusal, TrustPolicy};
/// use learn_mtls::keys::PublicIdentity;
/// use learn_mtls::hex::decode_array;
///
/// let dir = std::env::temp_dir().join(format!("learn-mtls-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let alice = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
/// let (authorized, revoked) = (dir.join("authorized_keys"), dir.join("revoked_keys"));
/// std::fs::write(&authorized, format!("{alice} alice\n"))?;
/// std::fs::write(&revoked, "# nothing revoked yet\n")?;
///
/// // Start-up: a broken file would be an error here.
/// let policy = FilePolicy::open(Clients::AuthorizedFile(authorized), Some(&revoked))?;
/// let key = PublicIdentity::from_bytes(&decode_array(alice)?)?;
/// assert_eq!(policy.check(&key)?.as_str(), "alice");
///
/// // Revoke alice: the next refresh sees it.
/// std::fs::write(&revoked, format!("{alice} lost her laptop\n"))?;
/// for notice in policy.refresh() {
///     println!("{notice}"); // .../revoked_keys: reloaded, 1 revoked key
/// }
/// assert!(matches!(policy.check(&key), Err(Refusal::Revoked { .. })));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FilePolicy {
    /// What the files looked like at the last refresh. Taken for the whole
    /// of a refresh (reads included), so refreshes happen one at a time and
    /// an older read can never overwrite a newer one; a thread that finds
    /// it taken does not wait.
    watch: Refreshing<Watch>,
    /// The lists in force, read by every check. Swapped whole, so a check
    /// sees either the old lists or the new ones.
    lists: RwLock<Lists>,
    /// How many times the lists in force have changed: a session checked
    /// at generation `n` needs no new check while it is still `n`.
    generation: AtomicU64,
}

#[derive(Debug)]
struct Watch {
    authorized: Option<WatchedFile>,
    revoked: Option<WatchedFile>,
}

#[derive(Debug)]
struct Lists {
    /// A pinned client is kept as a list of one.
    clients: AuthorizedKeys<Vec<AuthorizedKey>>,
    revoked: RevokedList,
    /// The same lists, indexed by key, rebuilt whenever either changes.
    index: KeyIndex,
}

/// The lists as maps, so that a check costs a lookup, not a scan of every
/// entry: with 50,000 authorized keys a scan cost each handshake and each
/// echo milliseconds, and a replayed handshake made a client without a
/// key spend that for free. The key looked up is public and already
/// proven by its signature, so a lookup whose time depends on it reveals
/// nothing a scan would hide (Lesson 11, "Key lists").
#[derive(Debug, Default)]
struct KeyIndex {
    /// Each authorized key's name; the first line listing a key wins.
    names: HashMap<[u8; PUBLIC_KEY_LEN], ClientName>,
    revoked: HashSet<[u8; PUBLIC_KEY_LEN]>,
}

impl KeyIndex {
    fn of(clients: &AuthorizedKeys<Vec<AuthorizedKey>>, revoked: &RevokedList) -> Self {
        let mut names = HashMap::with_capacity(clients.len());
        for entry in clients.entries() {
            names.entry(*entry.key.as_bytes()).or_insert(entry.name);
        }
        let revoked = match revoked {
            RevokedList::Good(list) => list.keys().iter().map(|k| *k.as_bytes()).collect(),
            RevokedList::Unavailable => HashSet::new(),
        };
        Self { names, revoked }
    }
}

impl Lists {
    fn new(clients: AuthorizedKeys<Vec<AuthorizedKey>>, revoked: RevokedList) -> Self {
        let index = KeyIndex::of(&clients, &revoked);
        Self {
            clients,
            revoked,
            index,
        }
    }
}

#[derive(Debug)]
enum RevokedList {
    Good(RevokedKeys<Vec<PublicIdentity>>),
    /// The revocation file is broken: refuse everyone.
    Unavailable,
}

impl FilePolicy {
    /// Loads the lists. `revoked`, if given, is a revocation file.
    ///
    /// # Errors
    /// A [`ListFileError`] if either file is unreadable, too large or
    /// malformed: the server should refuse to start.
    pub fn open(clients: Clients, revoked: Option<&Path>) -> Result<Self, ListFileError> {
        let (authorized_file, clients) = match clients {
            Clients::Pinned(pinned) => (None, AuthorizedKeys::new(vec![pinned.into()])),
            Clients::AuthorizedFile(path) => {
                let (watched, contents) = open_list(&path)?;
                let list = AuthorizedKeys::parse(&label(&path), &contents)?;
                (Some(watched), list)
            }
        };
        let (revoked_file, revoked) = match revoked {
            None => (None, RevokedKeys::new(Vec::new())),
            Some(path) => {
                let (watched, contents) = open_list(path)?;
                let list = RevokedKeys::parse(&label(path), &contents)?;
                (Some(watched), list)
            }
        };
        Ok(Self {
            watch: Refreshing::new(Watch {
                authorized: authorized_file,
                revoked: revoked_file,
            }),
            lists: RwLock::new(Lists::new(clients, RevokedList::Good(revoked))),
            generation: AtomicU64::new(0),
        })
    }

    /// Re-reads the files and puts any change in force; call it as each
    /// connection arrives. Returns what changed, for the server to print;
    /// empty when nothing did.
    ///
    /// Never fails: a bad authorized-keys file keeps the last good list, a
    /// bad revocation file refuses everyone, and either comes back as a
    /// [`Notice`] the first time it is seen.
    pub fn refresh(&self) -> Vec<Notice> {
        // Another thread is reading the files right now: go on with the
        // lists in force (it puts any change in force when it is done).
        let Some(mut watch) = self.watch.try_start() else {
            return Vec::new();
        };
        let mut notices = Vec::new();
        let mut new_clients = None;
        let mut new_revoked = None;

        if let Some(file) = &mut watch.authorized {
            match reload(file, AuthorizedKeys::parse) {
                Reload::Unchanged => {}
                Reload::Good { list, fixed } => {
                    notices.push(Notice::AuthorizedReloaded {
                        path: file.path().to_path_buf(),
                        clients: list.len(),
                        fixed,
                    });
                    new_clients = Some(list);
                }
                Reload::Bad(error) => notices.push(Notice::AuthorizedKeptLastGood {
                    error,
                    clients: self.client_count(),
                }),
            }
        }

        if let Some(file) = &mut watch.revoked {
            match reload(file, RevokedKeys::parse) {
                Reload::Unchanged => {}
                Reload::Good { list, fixed } => {
                    // A revocation list that loses keys un-revokes them:
                    // say so loudly (a truncated file would un-revoke all).
                    let withdrawn = match &self.read_lists().revoked {
                        RevokedList::Good(old) => {
                            old.keys().iter().filter(|key| !list.contains(key)).count()
                        }
                        RevokedList::Unavailable => 0,
                    };
                    notices.push(if withdrawn > 0 {
                        Notice::RevocationsWithdrawn {
                            path: file.path().to_path_buf(),
                            revoked: list.len(),
                            withdrawn,
                        }
                    } else {
                        Notice::RevocationsReloaded {
                            path: file.path().to_path_buf(),
                            revoked: list.len(),
                            fixed,
                        }
                    });
                    new_revoked = Some(RevokedList::Good(list));
                }
                Reload::Bad(error) => {
                    notices.push(Notice::RevocationsUnavailable { error });
                    new_revoked = Some(RevokedList::Unavailable);
                }
            }
        }

        // Both lists change under one lock, so no check ever sees the new
        // authorized list with the old revocations, or the other way round.
        if new_clients.is_some() || new_revoked.is_some() {
            let mut lists = self.write_lists();
            if let Some(clients) = new_clients {
                lists.clients = clients;
            }
            if let Some(revoked) = new_revoked {
                lists.revoked = revoked;
            }
            lists.index = KeyIndex::of(&lists.clients, &lists.revoked);
            // Under the write lock: a reader that sees the new generation
            // sees the new lists.
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        notices
    }

    /// A number that changes whenever the lists in force change: an open
    /// session checked when it was `n` is still allowed (or refused) for
    /// the same reason while it is `n`, so a server re-checks its sessions
    /// only when it moves. Read it before the check it goes with.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// How many clients are accepted (1 for a pinned client), before revocations.
    pub fn client_count(&self) -> usize {
        self.read_lists().clients.len()
    }

    /// How many keys are revoked, or `None` while the revocation file is
    /// unusable and every client is refused.
    pub fn revoked_count(&self) -> Option<usize> {
        match &self.read_lists().revoked {
            RevokedList::Good(list) => Some(list.len()),
            RevokedList::Unavailable => None,
        }
    }

    fn read_lists(&self) -> std::sync::RwLockReadGuard<'_, Lists> {
        self.lists.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_lists(&self) -> std::sync::RwLockWriteGuard<'_, Lists> {
        self.lists.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TrustPolicy for FilePolicy {
    fn check(&self, client: &PublicIdentity) -> Result<ClientName, Refusal> {
        self.read_lists().check(client)
    }
}

impl Lists {
    /// The same answers as `WithRevocations` over the two lists (a test
    /// below holds them equal), by lookup instead of by scan.
    fn check(&self, client: &PublicIdentity) -> Result<ClientName, Refusal> {
        if matches!(self.revoked, RevokedList::Unavailable) {
            return Err(Refusal::RevocationListUnavailable);
        }
        let key = client.as_bytes();
        let name = self.index.names.get(key).copied();
        if self.index.revoked.contains(key) {
            return Err(Refusal::Revoked {
                name,
                fingerprint: client.fingerprint(),
            });
        }
        name.ok_or(Refusal::UnknownKey {
            fingerprint: client.fingerprint(),
        })
    }
}

/// The outcome of re-reading one file.
enum Reload<T> {
    /// Same contents as last time, or the same problem as last time.
    Unchanged,
    /// New contents that parse.
    Good {
        list: T,
        /// The file had a problem until now.
        fixed: bool,
    },
    /// A problem not reported before.
    Bad(ListFileError),
}

/// Looks at one file and parses it if it changed.
fn reload<T>(
    file: &mut WatchedFile,
    parse: fn(&str, Vec<u8>) -> Result<T, ParseError>,
) -> Reload<T> {
    let label = label(file.path());
    let parsed = match file.look() {
        // Unknown: the process is out of file descriptors (a flood of
        // connections). Nothing is known about the file, so nothing
        // changes, and the next refresh tries again. Failing closed here
        // would let a flood drop every honest session.
        Look::Unchanged | Look::Unknown => return Reload::Unchanged,
        Look::Unreadable(error) => Err(list_error(file.path(), error)),
        Look::Changed(mut contents) => {
            // Lists are public: no need to keep the wiping wrapper.
            parse(&label, std::mem::take(&mut *contents)).map_err(ListFileError::from)
        }
    };
    match parsed {
        Ok(list) => Reload::Good {
            list,
            fixed: file.succeeded(),
        },
        Err(error) if file.failed(error.to_string()) => Reload::Bad(error),
        Err(_) => Reload::Unchanged,
    }
}

/// `1 client`, `2 clients`: notices are read by people.
fn count(n: usize, thing: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{n} {thing}{s}")
}

/// How a path appears in error messages: as the operator wrote it.
fn label(path: &Path) -> String {
    path.display().to_string()
}

/// A list file that could not be read, as a [`ListFileError`].
fn list_error(path: &Path, error: ReadError) -> ListFileError {
    match error {
        ReadError::TooLarge => ListFileError::TooLarge { path: path.into() },
        other => ListFileError::Unreadable {
            path: path.into(),
            error: other.into_io(),
        },
    }
}

/// Reads a list file at start-up (the first look of its watch).
fn open_list(path: &Path) -> Result<(WatchedFile, Vec<u8>), ListFileError> {
    let (file, mut contents) =
        WatchedFile::open(path, MAX_LIST_FILE_LEN).map_err(|e| list_error(path, e))?;
    Ok((file, std::mem::take(&mut *contents)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn the_policy_can_be_shared_between_threads() {
        assert_send_sync::<FilePolicy>();
    }

    /// Issue 19, weakness 3: a refresh stuck in file I/O (a slow disk)
    /// held the watch lock, and every connection's refresh queued behind
    /// it. Holding the watch here stands in for that stuck read.
    #[test]
    fn a_refresh_stuck_on_the_disk_holds_up_no_connection() {
        let dir = std::env::temp_dir().join(format!("learn-mtls-stuck-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("authorized_keys");
        let alice = crate::keys::IdentityKey::from_secret_bytes(&[1; 32]).public();
        let mut hex = [0u8; 64];
        let hex = crate::hex::encode(alice.as_bytes(), &mut hex).unwrap();
        std::fs::write(&path, format!("{hex} alice\n")).unwrap();
        let policy =
            std::sync::Arc::new(FilePolicy::open(Clients::AuthorizedFile(path), None).unwrap());
        let stuck = policy.watch.wait();
        let (done, answered) = std::sync::mpsc::channel();
        let other = std::sync::Arc::clone(&policy);
        std::thread::spawn(move || {
            let notices = other.refresh();
            done.send((notices.len(), other.check(&alice).map(|n| n.to_string())))
                .unwrap();
        });
        let (notices, answer) = answered
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("a connection's refresh waited for the stuck one");
        assert_eq!(notices, 0);
        assert_eq!(answer.unwrap(), "alice", "the lists in force still answer");
        drop(stuck);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Issue 19, weakness 4: the index must answer exactly as the scan of
    /// both lists did, duplicates (first line wins) and revoked keys that
    /// are not authorized included.
    #[test]
    fn the_index_answers_as_the_scan_of_both_lists() {
        use super::super::lists::WithRevocations;
        use crate::keys::IdentityKey;
        let key = |seed: u8| IdentityKey::from_secret_bytes(&[seed; 32]).public();
        let name = |text: &str| ClientName::new(text).unwrap();
        let clients = AuthorizedKeys::new(vec![
            AuthorizedKey::new(key(1), name("alice")),
            AuthorizedKey::new(key(2), name("bob")),
            AuthorizedKey::new(key(1), name("alice-again")),
            AuthorizedKey::new(key(3), name("carol")),
        ]);
        let revoked = RevokedKeys::new(vec![key(2), key(4)]);
        let scan = WithRevocations::new(
            AuthorizedKeys::new(clients.entries().to_vec()),
            RevokedKeys::new(revoked.keys().to_vec()),
        );
        let lists = Lists::new(clients, RevokedList::Good(revoked));
        for seed in 1..=6 {
            let k = key(seed);
            assert_eq!(lists.check(&k), scan.check(&k), "key {seed}");
        }
        assert_eq!(lists.check(&key(1)), Ok(name("alice")));
        let unavailable = Lists::new(AuthorizedKeys::new(Vec::new()), RevokedList::Unavailable);
        assert_eq!(
            unavailable.check(&key(1)),
            Err(Refusal::RevocationListUnavailable)
        );
    }
}
