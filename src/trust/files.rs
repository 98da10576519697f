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
//! `refresh` reads each file again and compares a SHA-256 hash of its
//! contents with the last one it parsed; it parses only when that differs.
//! Comparing modification time and length instead would save the read but
//! can miss a change: timestamps have a granularity (a second on some file
//! systems), so two writes of equal length within one tick look identical,
//! and replacing one key by another keeps the length. Key lists are small
//! (at most [`MAX_LIST_FILE_LEN`]), and reading one costs microseconds, less
//! than the signature check every handshake does anyway. Correct beats
//! saving a read.
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
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};
use std::vec;
use std::vec::Vec;
use std::{fmt, format};

use sha2::{Digest, Sha256};

use super::format::ParseError;
use super::lists::{AuthorizedKey, AuthorizedKeys, RevokedKeys};
use super::{ClientName, PinnedClient, Refusal, TrustPolicy};
use crate::keys::{PUBLIC_KEY_LEN, PublicIdentity};

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
    /// What the files looked like at the last refresh. Held for the whole
    /// of a refresh (reads included), so refreshes happen one at a time and
    /// an older read can never overwrite a newer one.
    watch: Mutex<Watch>,
    /// The lists in force, read by every check. Swapped whole, so a check
    /// sees either the old lists or the new ones.
    lists: RwLock<Lists>,
}

#[derive(Debug)]
struct Watch {
    authorized: Option<WatchedFile>,
    revoked: Option<WatchedFile>,
}

/// One file and what the last refresh saw in it.
#[derive(Debug)]
struct WatchedFile {
    path: PathBuf,
    /// SHA-256 of the contents last parsed; `None` if the file could not be read.
    digest: Option<[u8; 32]>,
    /// The problem last reported, `None` while the file is good. Compared as
    /// text, so the same problem is reported once and a new one again.
    problem: Option<String>,
    /// The file's stamp just before the last read, and when that read began.
    seen: Option<(Stamp, SystemTime)>,
}

/// What `stat` says about a file; if none of it changed, neither did the
/// contents, provided the file was already still when it was read (see
/// [`WatchedFile::unchanged_since_last_read`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Status-change time and inode: a rename or an edit that restores the
    /// modification time still changes these. Unix only.
    #[cfg(unix)]
    changed: (i64, i64, u64, u64),
}

impl Stamp {
    fn of(metadata: &fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            changed: (
                metadata.ctime(),
                metadata.ctime_nsec(),
                metadata.dev(),
                metadata.ino(),
            ),
        }
    }

    /// The latest of the file's timestamps; `None` where the platform lacks
    /// a status-change time, which turns the stat shortcut off.
    fn latest(&self) -> Option<SystemTime> {
        #[cfg(unix)]
        let changed = u64::try_from(self.changed.0)
            .ok()
            .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs + 1));
        #[cfg(not(unix))]
        let changed: Option<SystemTime> = None;
        changed.and_then(|changed| self.modified.map(|modified| modified.max(changed)))
    }
}

/// How long a file must have been still before a matching stamp is
/// trusted: well over the timestamp granularity of common file systems.
const SETTLE: Duration = Duration::from_secs(2);

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
                let contents = read_list_file(&path)?;
                let list = AuthorizedKeys::parse(&label(&path), &contents)?;
                let watched = WatchedFile::good(path, &contents);
                (Some(watched), list)
            }
        };
        let (revoked_file, revoked) = match revoked {
            None => (None, RevokedKeys::new(Vec::new())),
            Some(path) => {
                let contents = read_list_file(path)?;
                let list = RevokedKeys::parse(&label(path), &contents)?;
                (Some(WatchedFile::good(path.into(), &contents)), list)
            }
        };
        Ok(Self {
            watch: Mutex::new(Watch {
                authorized: authorized_file,
                revoked: revoked_file,
            }),
            lists: RwLock::new(Lists::new(clients, RevokedList::Good(revoked))),
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
        // A panic elsewhere cannot leave these half-updated (each is replaced
        // whole), so a poisoned lock is safe to take over.
        let mut watch = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
        let mut notices = Vec::new();
        let mut new_clients = None;
        let mut new_revoked = None;

        if let Some(file) = &mut watch.authorized {
            match file.reload(AuthorizedKeys::parse) {
                Reload::Unchanged => {}
                Reload::Good { list, fixed } => {
                    notices.push(Notice::AuthorizedReloaded {
                        path: file.path.clone(),
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
            match file.reload(RevokedKeys::parse) {
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
                            path: file.path.clone(),
                            revoked: list.len(),
                            withdrawn,
                        }
                    } else {
                        Notice::RevocationsReloaded {
                            path: file.path.clone(),
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
        }
        notices
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

impl WatchedFile {
    /// A file just loaded successfully at start-up.
    fn good(path: PathBuf, contents: &[u8]) -> Self {
        Self {
            path,
            digest: Some(Sha256::digest(contents).into()),
            problem: None,
            seen: None,
        }
    }

    /// Whether `stat` proves the file is as it was at the last read: same
    /// stamp, and every timestamp at least [`SETTLE`] older than that read.
    /// Without the second condition a write landing in the same timestamp
    /// tick as the read would go unnoticed (git's "racy clean" problem).
    fn unchanged_since_last_read(&self, now: &Stamp) -> bool {
        let Some((stamp, read_at)) = &self.seen else {
            return false;
        };
        let settled = now
            .latest()
            .and_then(|latest| latest.checked_add(SETTLE))
            .is_some_and(|settled| settled <= *read_at);
        stamp == now && settled
    }

    /// Reads the file again and parses it if it changed. A `stat` comes
    /// first, so a refresh caused by every incoming connection costs one
    /// system call while the file stays still, not a read and a hash.
    fn reload<T>(&mut self, parse: fn(&str, Vec<u8>) -> Result<T, ParseError>) -> Reload<T> {
        let stamp = fs::metadata(&self.path).ok().map(|m| Stamp::of(&m));
        if stamp
            .as_ref()
            .is_some_and(|now| self.unchanged_since_last_read(now))
        {
            return Reload::Unchanged;
        }
        let read_at = SystemTime::now();
        let parsed = match read_list_file(&self.path) {
            // The process is out of file descriptors (a flood of
            // connections): nothing is known about the file, so nothing
            // changes, and the next refresh tries again. Failing closed
            // here would let a flood drop every honest session.
            Err(error) if out_of_descriptors(&error) => return Reload::Unchanged,
            Err(error) => {
                self.digest = None;
                self.seen = None;
                Err(error)
            }
            Ok(contents) => {
                self.seen = stamp.map(|stamp| (stamp, read_at));
                let digest = Some(Sha256::digest(&contents).into());
                if digest == self.digest {
                    return Reload::Unchanged;
                }
                self.digest = digest;
                parse(&label(&self.path), contents).map_err(ListFileError::from)
            }
        };
        match parsed {
            Ok(list) => Reload::Good {
                list,
                fixed: self.problem.take().is_some(),
            },
            Err(error) => {
                let problem = error.to_string();
                if self.problem.as_ref() == Some(&problem) {
                    return Reload::Unchanged;
                }
                self.problem = Some(problem);
                Reload::Bad(error)
            }
        }
    }
}

/// `EMFILE` or `ENFILE`: the file may be fine; the process could not open it.
fn out_of_descriptors(error: &ListFileError) -> bool {
    matches!(
        error,
        ListFileError::Unreadable { error, .. } if crate::smallfile::out_of_descriptors(error)
    )
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

/// Reads a whole list file, refusing one over [`MAX_LIST_FILE_LEN`]. Reads
/// at most one byte past the limit, so even a file that keeps growing
/// cannot make the server allocate more.
fn read_list_file(path: &Path) -> Result<Vec<u8>, ListFileError> {
    let unreadable = |error| ListFileError::Unreadable {
        path: path.into(),
        error,
    };
    let mut contents = Vec::new();
    match crate::smallfile::read(path, MAX_LIST_FILE_LEN, &mut contents) {
        Ok(_) => Ok(contents),
        Err(crate::smallfile::ReadError::TooLarge) => {
            Err(ListFileError::TooLarge { path: path.into() })
        }
        Err(e) => Err(unreadable(e.into_io())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn the_policy_can_be_shared_between_threads() {
        assert_send_sync::<FilePolicy>();
    }

    #[test]
    fn running_out_of_descriptors_is_not_a_problem_with_the_file() {
        let unreadable = |code| ListFileError::Unreadable {
            path: "revoked_keys".into(),
            error: io::Error::from_raw_os_error(code),
        };
        assert!(
            out_of_descriptors(&unreadable(crate::smallfile::EMFILE)),
            "EMFILE"
        );
        assert!(
            out_of_descriptors(&unreadable(crate::smallfile::ENFILE)),
            "ENFILE"
        );
        assert!(
            !out_of_descriptors(&unreadable(2)),
            "ENOENT is the file's problem"
        );
        assert!(!out_of_descriptors(&unreadable(13)), "EACCES too");
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
