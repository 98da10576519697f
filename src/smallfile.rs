//! Reading the course's small files (key files, key lists, certificates,
//! revocation lists) one way: regular files only, opened without blocking,
//! and never read past a bound.
//!
//! Every reader of a file the operator names goes through `read`, so the
//! rules are written once:
//!
//! - **Opened without blocking.** Opening a named pipe (FIFO) for reading
//!   waits for a writer, forever if none comes; a thread stuck there holds
//!   whatever it holds (a reload lock, a worker). The file is opened with
//!   `O_NONBLOCK`, which makes that open return at once, and checked with
//!   `fstat` on the open descriptor, so what is checked is what is read.
//!   (For a regular file `O_NONBLOCK` changes nothing.)
//! - **Regular files only**: a directory, a pipe, a socket or a device is
//!   refused with `ReadError::NotAFile`.
//! - **Bounded**: at most `max + 1` bytes are read, so a file that is too
//!   large (or keeps growing) costs one bounded buffer, then
//!   `ReadError::TooLarge`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;
use std::vec::Vec;

/// `ENFILE`: the whole system is out of file descriptors.
#[cfg(unix)]
pub const ENFILE: i32 = libc::ENFILE;
/// `EMFILE`: this process is out of file descriptors.
#[cfg(unix)]
pub const EMFILE: i32 = libc::EMFILE;
/// `ENFILE`: the whole system is out of file descriptors.
#[cfg(not(unix))]
pub const ENFILE: i32 = 23;
/// `EMFILE`: this process is out of file descriptors.
#[cfg(not(unix))]
pub const EMFILE: i32 = 24;

/// Whether `e` says the process or the system ran out of file descriptors
/// ([`EMFILE`] or [`ENFILE`]): the file or connection may be fine, the
/// process could not open it. Every server and file reader asks this one
/// function.
pub fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(ENFILE | EMFILE))
}

/// Why a small file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The operating system's error (missing, no permission, out of
    /// descriptors...).
    Io(io::Error),
    /// Not a regular file (a directory, a named pipe, a device...).
    NotAFile,
    /// Longer than the bound.
    TooLarge,
}

impl ReadError {
    /// The error as an [`io::Error`], for callers whose error type holds one.
    pub(crate) fn into_io(self) -> io::Error {
        match self {
            Self::Io(e) => e,
            Self::NotAFile => io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
            Self::TooLarge => io::Error::new(io::ErrorKind::InvalidData, "file too large"),
        }
    }
}

/// Opens `path` for reading without blocking on a pipe or a device, and
/// without a terminal becoming this process's controlling terminal.
/// (The flags' values are the platform's own, from `libc`: `O_NONBLOCK`
/// differs between Linux architectures.)
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

/// Reads the regular file at `path` into `buf` (cleared first), refusing
/// one longer than `max` bytes; returns the open file's metadata.
///
/// `buf` is the caller's so that a secret can be read into a buffer that
/// wipes itself: reserve `max + 1` bytes first and it never reallocates
/// (a reallocation would leave a copy behind in freed memory).
///
/// # Errors
/// [`ReadError::Io`], [`ReadError::NotAFile`] or [`ReadError::TooLarge`].
pub(crate) fn read(path: &Path, max: u64, buf: &mut Vec<u8>) -> Result<fs::Metadata, ReadError> {
    buf.clear();
    // A cheap look first, so that a device is never even opened (opening
    // one can have effects: a tape rewinds). The check that counts is the
    // one after, on the open descriptor: the path may change in between.
    if !fs::metadata(path).map_err(ReadError::Io)?.is_file() {
        return Err(ReadError::NotAFile);
    }
    let file = open_nonblocking(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotAFile);
    }
    let read = file
        .take(max.saturating_add(1))
        .read_to_end(buf)
        .map_err(ReadError::Io)?;
    if read as u64 > max {
        return Err(ReadError::TooLarge);
    }
    Ok(metadata)
}

#[cfg(all(test, unix))]
mod tests {
    use super::{EMFILE, ENFILE, ReadError, io, out_of_descriptors, read};
    use std::path::PathBuf;
    use std::sync::mpsc;
    use std::time::Duration;
    use std::vec::Vec;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(std::format!(
            "learn-mtls-smallfile-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn running_out_of_descriptors_is_not_a_problem_with_the_file() {
        let os = io::Error::from_raw_os_error;
        assert!(out_of_descriptors(&os(EMFILE)), "EMFILE");
        assert!(out_of_descriptors(&os(ENFILE)), "ENFILE");
        assert!(!out_of_descriptors(&os(2)), "ENOENT is the file's problem");
        assert!(!out_of_descriptors(&os(13)), "EACCES too");
    }

    #[test]
    fn a_named_pipe_is_refused_at_once_not_waited_on() {
        let dir = scratch("fifo");
        let fifo = dir.join("ca.crt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
        let (tx, rx) = mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = tx.send(read(&path, 1024, &mut buf).map(|_| ()));
        });
        // A blocking open would never answer (no writer ever comes).
        let answer = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("opening a FIFO blocked");
        assert!(matches!(answer, Err(ReadError::NotAFile)), "{answer:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_past_the_bound_is_refused_after_reading_one_byte_more() {
        let dir = scratch("big");
        let path = dir.join("big.key");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(256 << 20).unwrap(); // sparse: 256 MiB on no disk
        let mut buf = Vec::new();
        assert!(matches!(
            read(&path, 4096, &mut buf),
            Err(ReadError::TooLarge)
        ));
        assert!(buf.len() <= 4097, "read {} bytes", buf.len());
        std::fs::write(&path, b"0123").unwrap();
        read(&path, 4, &mut buf).unwrap();
        assert_eq!(buf, b"0123");
        assert!(matches!(read(&path, 3, &mut buf), Err(ReadError::TooLarge)));
        assert!(matches!(read(&dir, 3, &mut buf), Err(ReadError::NotAFile)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
