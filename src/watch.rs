//! Watching the files a server reloads while it runs (key lists,
//! certificates, revocation lists, key files): one set of rules for all of
//! them.
//!
//! A [`WatchedFile`] answers one question, "did this file change since it
//! was last used, and if so what is in it now?", and remembers the problem
//! last reported about it, so each problem is reported once. What the
//! contents mean (a key list, a chain, a revocation list) and what a bad
//! file does (keep the last good one, or refuse everyone) stay with the
//! caller: [`crate::trust::files`] and [`crate::cert::live`].
//!
//! # How a change is noticed
//!
//! First a `stat`. If the file's stamp (length, modification and
//! status-change times, device and inode) is the one seen at the last read,
//! and its status-change time was already [`SETTLE`] old when that read
//! began, the file has not changed: one system call, no read. (The
//! status-change time, not the modification time: the kernel sets it to
//! now at every change, while `touch -d`, `tar` or `rsync -t` can set a
//! modification time in the future, which would never settle and would
//! make every refresh read and hash the file again.) Otherwise the file is
//! read again (through [`crate::smallfile`]: regular files only, opened
//! without blocking, bounded) and a SHA-256 of its contents is compared with
//! the last one; only different contents count as a change.
//!
//! The settle rule is git's answer to "racy clean" files: timestamps have a
//! granularity (a second on some file systems), so a write landing in the
//! same tick as the read, with the same length, would leave the stamp as it
//! was. A stamp is trusted only once every timestamp in it is well older
//! than the read.
//!
//! # Out of descriptors is not a problem with the file
//!
//! When the process cannot open the file because it has no descriptor left
//! (`EMFILE`, `ENFILE`: a flood of connections holds them all), nothing is
//! known about the file: [`Look::Unknown`]. Callers keep what is in force
//! and try again at the next refresh. Failing closed there would let the
//! flood refuse every honest client.
//!
//! # Never waited on
//!
//! A refresh does file I/O, and file I/O can be slow (a network file
//! system, a disk under load). The servers refresh as each connection
//! arrives, on many threads: if they queued behind one slow refresh, one
//! slow disk would stop the server. So a refresh is taken with
//! [`Refreshing::try_start`]: the thread that gets it reads the files; any
//! other thread arriving meanwhile goes on at once with what is in force
//! (the running refresh puts any change in force when it is done, exactly
//! as if the file had changed a moment later).

use std::fs;
use std::path::{Path, PathBuf};
use std::string::String;
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, SystemTime};
use std::vec::Vec;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::smallfile::{self, ReadError};

/// How long a file must have been still before a matching stamp is
/// trusted: well over the timestamp granularity of common file systems.
pub(crate) const SETTLE: Duration = Duration::from_secs(2);

/// What a look at a watched file found.
#[derive(Debug)]
pub(crate) enum Look {
    /// The same contents as last time.
    Unchanged,
    /// The process is out of file descriptors: nothing is known about the
    /// file; keep what is in force.
    Unknown,
    /// New contents (wiped when dropped: a key file is a secret).
    Changed(Zeroizing<Vec<u8>>),
    /// The file cannot be read (missing, not a regular file, too large...).
    Unreadable(ReadError),
}

/// One file, and what the last look saw in it.
#[derive(Debug)]
pub(crate) struct WatchedFile {
    path: PathBuf,
    max_len: u64,
    /// SHA-256 of the contents last returned; `None` after a failed read,
    /// so that the next good read counts as a change.
    digest: Option<[u8; 32]>,
    /// The file's stamp just before the last read, and when that read began.
    seen: Option<(Stamp, SystemTime)>,
    /// The problem last reported, `None` while the file is good. Compared as
    /// text, so the same problem is reported once and a new one again.
    problem: Option<String>,
}

impl WatchedFile {
    /// Starts watching a file not read yet: the first look reads it.
    pub(crate) fn unread(path: &Path, max_len: u64) -> Self {
        Self {
            path: path.to_path_buf(),
            max_len,
            digest: None,
            seen: None,
            problem: None,
        }
    }

    /// Reads the file for the first time (at start-up, where any problem is
    /// fatal to the caller) and starts watching it.
    ///
    /// # Errors
    /// The [`ReadError`].
    pub(crate) fn open(path: &Path, max_len: u64) -> Result<(Self, Zeroizing<Vec<u8>>), ReadError> {
        let mut file = Self::unread(path, max_len);
        let stamp = file.stamp();
        // No digest yet, so whatever is read is new.
        let contents = file.read_again(stamp)?.unwrap_or_default();
        Ok((file, contents))
    }

    /// The file's path, as the operator gave it.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file changed since the last look, and what is in it now.
    pub(crate) fn look(&mut self) -> Look {
        let stamp = self.stamp();
        if stamp
            .as_ref()
            .is_some_and(|now| self.unchanged_since_last_read(now))
        {
            return Look::Unchanged;
        }
        match self.read_again(stamp) {
            Ok(Some(contents)) => Look::Changed(contents),
            Ok(None) => Look::Unchanged,
            Err(ReadError::Io(e)) if smallfile::out_of_descriptors(&e) => Look::Unknown,
            Err(e) => Look::Unreadable(e),
        }
    }

    fn stamp(&self) -> Option<Stamp> {
        fs::metadata(&self.path).ok().map(|m| Stamp::of(&m))
    }

    /// Reads the file; `None` if its contents are the ones last returned.
    fn read_again(
        &mut self,
        stamp: Option<Stamp>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, ReadError> {
        let read_at = SystemTime::now();
        // Sized up front (for small bounds) so that a secret never
        // reallocates and leaves a copy behind in freed memory.
        let mut contents = Zeroizing::new(Vec::with_capacity(
            usize::try_from(self.max_len.min(1 << 16)).unwrap_or(0) + 1,
        ));
        match smallfile::read(&self.path, self.max_len, &mut contents) {
            // Out of descriptors: nothing learnt, nothing forgotten.
            Err(ReadError::Io(e)) if smallfile::out_of_descriptors(&e) => Err(ReadError::Io(e)),
            Err(e) => {
                self.digest = None;
                self.seen = None;
                Err(e)
            }
            Ok(_) => {
                self.seen = stamp.map(|stamp| (stamp, read_at));
                let digest: [u8; 32] = Sha256::digest(&*contents).into();
                if self.digest == Some(digest) {
                    return Ok(None);
                }
                self.digest = Some(digest);
                Ok(Some(contents))
            }
        }
    }

    /// The caller could not use what [`look`](Self::look) returned (or the
    /// file could not be read): records `problem`, and says whether it is
    /// new, that is, whether to report it.
    pub(crate) fn failed(&mut self, problem: String) -> bool {
        if self.problem.as_ref() == Some(&problem) {
            return false;
        }
        self.problem = Some(problem);
        true
    }

    /// Forgets what the last look saw, so that the next one reads the file
    /// again and reports it as changed: for a caller that could not use
    /// contents for a reason that is not in them (a key file's mode, no
    /// descriptor left), which fixing does not change.
    pub(crate) fn forget(&mut self) {
        self.digest = None;
        self.seen = None;
    }

    /// The caller put the new contents in force: says whether the file had
    /// a problem until now (it was fixed).
    pub(crate) fn succeeded(&mut self) -> bool {
        self.problem.take().is_some()
    }

    /// Whether `stat` proves the file is as it was at the last read: same
    /// stamp, and every timestamp at least [`SETTLE`] older than that read.
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
}

/// What `stat` says about a file; if none of it changed, neither did the
/// contents, provided the file was already still when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Status-change time, device and inode: a rename or an edit that
    /// restores the modification time still changes these. Unix only.
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

    /// When the file's status last changed (rounded up to the second),
    /// which every write, rename and `chmod` moves to the kernel's now;
    /// `None` where the platform has no such time, which turns the stat
    /// shortcut off.
    fn latest(&self) -> Option<SystemTime> {
        #[cfg(unix)]
        let changed = u64::try_from(self.changed.0)
            .ok()
            .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs + 1));
        #[cfg(not(unix))]
        let changed: Option<SystemTime> = None;
        changed
    }
}

/// The watched files of one reloader, refreshed by one thread at a time
/// and waited on by none (see the module documentation).
#[derive(Debug)]
pub(crate) struct Refreshing<T>(Mutex<T>);

impl<T> Refreshing<T> {
    pub(crate) fn new(files: T) -> Self {
        Self(Mutex::new(files))
    }

    /// The files, if no other thread is refreshing them right now; `None`
    /// otherwise, and the caller goes on with what is in force.
    ///
    /// A refresh that panicked may have looked at a file (and recorded its
    /// digest) without putting its contents in force: `forget_all` then
    /// runs first, so that the next looks read every file again.
    pub(crate) fn try_start(&self, forget_all: impl FnOnce(&mut T)) -> Option<MutexGuard<'_, T>> {
        match self.0.try_lock() {
            Ok(files) => Some(files),
            Err(TryLockError::Poisoned(poisoned)) => {
                let mut files = poisoned.into_inner();
                forget_all(&mut files);
                self.0.clear_poison();
                Some(files)
            }
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Waits for the files: for tests and start-up only, never on a
    /// connection's path.
    #[cfg(test)]
    pub(crate) fn wait(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("learn-mtls-watch-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_change_of_the_same_length_in_the_same_second_is_seen() {
        let dir = scratch("same-length");
        let path = dir.join("list");
        fs::write(&path, "aaaa\n").unwrap();
        let (mut file, first) = WatchedFile::open(&path, 64).unwrap();
        assert_eq!(&**first, b"aaaa\n");
        assert!(matches!(file.look(), Look::Unchanged));
        fs::write(&path, "bbbb\n").unwrap();
        match file.look() {
            Look::Changed(now) => assert_eq!(&**now, b"bbbb\n"),
            other => panic!("missed the change: {other:?}"),
        }
        let _ = fs::remove_dir_all(&dir);
    }

    /// The review found it: a modification time in the future (`touch -d`,
    /// `tar x` from a host whose clock runs fast) never settled, so every
    /// refresh read and hashed the file again, which any client could
    /// cause by connecting. The settle rule now reads the status-change
    /// time, which the kernel sets.
    #[cfg(unix)]
    #[test]
    fn a_modification_time_in_the_future_still_settles() {
        let dir = scratch("future-mtime");
        let path = dir.join("list");
        fs::write(&path, "a\n").unwrap();
        let tomorrow = SystemTime::now() + Duration::from_secs(86_400);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(tomorrow)
            .unwrap();
        let (file, _) = WatchedFile::open(&path, 64).unwrap();
        let (stamp, read_at) = file.seen.clone().expect("a stamp");
        // As if the read had begun SETTLE after the file last changed.
        let later = read_at + SETTLE + Duration::from_secs(1);
        let settled = WatchedFile {
            seen: Some((stamp.clone(), later)),
            ..file
        };
        assert!(settled.unchanged_since_last_read(&stamp));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_file_is_unreadable_and_its_return_a_change() {
        let dir = scratch("missing");
        let path = dir.join("list");
        fs::write(&path, "a\n").unwrap();
        let (mut file, _) = WatchedFile::open(&path, 64).unwrap();
        fs::remove_file(&path).unwrap();
        assert!(matches!(file.look(), Look::Unreadable(ReadError::Io(_))));
        assert!(file.failed("gone".into()), "a new problem is reported");
        assert!(!file.failed("gone".into()), "and only once");
        // The same contents as before it went: still a change, because the
        // caller is failing closed and must hear that the file is back.
        fs::write(&path, "a\n").unwrap();
        assert!(matches!(file.look(), Look::Changed(_)));
        assert!(file.succeeded(), "fixed");
        assert!(!file.succeeded());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_past_its_bound_is_refused() {
        let dir = scratch("bound");
        let path = dir.join("list");
        fs::write(&path, [b'x'; 65]).unwrap();
        assert!(matches!(
            WatchedFile::open(&path, 64),
            Err(ReadError::TooLarge)
        ));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_refresh_in_progress_is_never_waited_on() {
        let refreshing = std::sync::Arc::new(Refreshing::new(0u32));
        let held = refreshing.wait();
        let other = std::sync::Arc::clone(&refreshing);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(other.try_start(|_| {}).is_none()).unwrap());
        // Before the fix this thread queued behind the lock, held here for
        // as long as the test likes: a slow disk held it for as long as a
        // read took.
        let skipped = finished
            .recv_timeout(Duration::from_secs(30))
            .expect("a second refresh waited for the first");
        assert!(skipped, "the second refresh did not see the first running");
        drop(held);
        assert!(refreshing.try_start(|_| {}).is_some());
    }
}
