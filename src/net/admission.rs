//! Admission: every cap a server applies to the connections it accepts,
//! in one place, for the thread pool (`net::serve`) and the event-loop
//! server (`14-async-server`) alike.
//!
//! Lesson 14 is about this module. Every defence here answers one attack:
//!
//! | attack | defence |
//! |---|---|
//! | silent connections fill the handshake table | the oldest handshake in progress is evicted ([`WhenFull::EvictOldest`]) |
//! | a flood of connections exhausts file descriptors | the caps are fitted to the descriptor limit ([`Limits::fit_to_descriptors`]); one descriptor is kept in reserve to accept and close a connection when none is left ([`Admission::release_reserve`], [`Busy::Descriptors`]) |
//! | one authorized key opens every session | at most so many sessions per key ([`KeySessions`]) |
//!
//! A driver accepts a connection, asks [`Admission::admit`] for its places
//! (one among the open connections, one among the handshakes in progress)
//! and either serves it or refuses it with the [`Busy`] it got.

use std::prelude::rust_2024::*;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::keys::{PUBLIC_KEY_LEN, PublicIdentity};

/// A counting cap: on open connections (see [`Limits`]), or anything else
/// a server must not take on without bound. Clone it into each thread.
#[derive(Clone, Debug)]
pub struct HandshakeSlots {
    in_use: Arc<AtomicUsize>,
    limit: usize,
}

impl HandshakeSlots {
    /// At most `limit` at once.
    pub fn new(limit: usize) -> Self {
        Self {
            in_use: Arc::new(AtomicUsize::new(0)),
            limit,
        }
    }

    /// A slot, or `None` if all are taken.
    pub fn try_acquire(&self) -> Option<Slot> {
        self.in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot {
                kind: SlotKind::Counted(Arc::new(Release {
                    done: AtomicBool::new(false),
                    in_use: Arc::clone(&self.in_use),
                })),
            })
    }

    /// How many slots are taken now.
    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Acquire)
    }
}

/// A place in a cap: one handshake in progress, or one open connection.
/// It frees itself when dropped.
#[derive(Debug)]
pub struct Slot {
    kind: SlotKind,
}

/// Gives a counted place back, once, whoever asks first: the slot's owner
/// when it drops it, or the eviction that closed its connection.
#[derive(Debug)]
struct Release {
    done: AtomicBool,
    in_use: Arc<AtomicUsize>,
}

impl Release {
    fn release(&self) {
        if !self.done.swap(true, Ordering::AcqRel) {
            self.in_use.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

#[derive(Debug)]
enum SlotKind {
    Counted(Arc<Release>),
    Pending {
        table: Arc<PendingTable>,
        id: u64,
        evicted: Arc<AtomicBool>,
    },
}

impl Slot {
    /// True if the server closed this connection to make room for a newer
    /// one: its handshake then fails with [`super::Error::Closed`], and
    /// this says why.
    pub fn was_evicted(&self) -> bool {
        match &self.kind {
            SlotKind::Counted(_) => false,
            SlotKind::Pending { evicted, .. } => evicted.load(Ordering::Acquire),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        match &self.kind {
            SlotKind::Counted(release) => release.release(),
            SlotKind::Pending { table, id, .. } => table.remove(*id),
        }
    }
}

/// What to do with a new connection when [`Limits::max_pending`]
/// handshakes are already in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenFull {
    /// Close the oldest handshake in progress and take the new one (what
    /// nginx does with its oldest idle connections). An honest handshake
    /// takes milliseconds, so the oldest one is almost always an
    /// attacker's; to push an honest client out, an attacker must open
    /// `max_pending` connections within that client's few milliseconds.
    EvictOldest,
    /// Refuse the new connection. Insecure against a flood: a few silent
    /// connections per handshake timeout hold every slot for ever. Lesson
    /// 14's naive configuration.
    Refuse,
}

impl WhenFull {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::EvictOldest => "evict-oldest",
            Self::Refuse => "refuse",
        }
    }
}

impl core::str::FromStr for WhenFull {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "evict-oldest" => Ok(Self::EvictOldest),
            "refuse" => Ok(Self::Refuse),
            _ => Err(format!("expected evict-oldest or refuse, not {s:?}")),
        }
    }
}

impl fmt::Display for WhenFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The handshakes in progress, oldest first, each with a second handle on
/// its socket so that it can be closed from the accepting thread.
#[derive(Debug)]
struct PendingTable {
    entries: Mutex<PendingEntries>,
    limit: usize,
}

#[derive(Debug, Default)]
struct PendingEntries {
    next_id: u64,
    /// In arrival order: ids only grow.
    queue: VecDeque<PendingEntry>,
}

#[derive(Debug)]
struct PendingEntry {
    id: u64,
    /// A duplicate of the connection's descriptor, for `shutdown`.
    socket: TcpStream,
    evicted: Arc<AtomicBool>,
    /// The connection's place among the open connections, given back at
    /// eviction rather than when its thread gets round to closing it: a
    /// burst evicts faster than threads wake up.
    open: Option<Arc<Release>>,
}

impl PendingEntry {
    fn evict(self) {
        self.evicted.store(true, Ordering::Release);
        // Wakes the thread blocked reading it: its read sees the end of
        // the stream. Already gone is fine too.
        let _ = self.socket.shutdown(Shutdown::Both);
        if let Some(open) = &self.open {
            open.release();
        }
    }
}

impl PendingTable {
    fn new(limit: usize) -> Self {
        Self {
            entries: Mutex::new(PendingEntries::default()),
            limit,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PendingEntries> {
        // A panic elsewhere cannot leave the queue half-updated: every
        // change is a single push or remove.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot for `stream`, evicting the oldest entry if the table is full
    /// and `when_full` says so.
    fn admit(
        self: &Arc<Self>,
        stream: &TcpStream,
        open: Option<&Slot>,
        when_full: WhenFull,
    ) -> Result<Slot, Busy> {
        let socket = stream.try_clone().map_err(|_| Busy::Descriptors)?;
        let mut entries = self.lock();
        if entries.queue.len() >= self.limit {
            let oldest = match when_full {
                WhenFull::EvictOldest => entries.queue.pop_front(),
                WhenFull::Refuse => None,
            };
            let Some(oldest) = oldest else {
                return Err(Busy::Handshakes);
            };
            oldest.evict();
        }
        let id = entries.next_id;
        entries.next_id += 1;
        let evicted = Arc::new(AtomicBool::new(false));
        entries.queue.push_back(PendingEntry {
            id,
            socket,
            evicted: Arc::clone(&evicted),
            open: open.and_then(|slot| match &slot.kind {
                SlotKind::Counted(release) => Some(Arc::clone(release)),
                SlotKind::Pending { .. } => None,
            }),
        });
        Ok(Slot {
            kind: SlotKind::Pending {
                table: Arc::clone(self),
                id,
                evicted,
            },
        })
    }

    /// Evicts the oldest handshake in progress, if there is one.
    fn evict_oldest(&self) -> bool {
        let oldest = self.lock().queue.pop_front();
        oldest.map(PendingEntry::evict).is_some()
    }

    fn remove(&self, id: u64) {
        let mut entries = self.lock();
        // Ids are in order, so a binary search finds it (if not evicted).
        if let Ok(at) = entries.queue.binary_search_by_key(&id, |e| e.id) {
            entries.queue.remove(at);
        }
    }

    fn len(&self) -> usize {
        self.lock().queue.len()
    }
}

/// The handshakes in progress, for a server that drives its own
/// connections (such as the async driver): [`Admission`] keeps one of these.
#[derive(Clone, Debug)]
pub struct PendingHandshakes {
    table: Arc<PendingTable>,
    when_full: WhenFull,
}

impl PendingHandshakes {
    /// At most `limit` handshakes in progress; `when_full` decides who
    /// gives way to a new one.
    pub fn new(limit: usize, when_full: WhenFull) -> Self {
        Self {
            table: Arc::new(PendingTable::new(limit)),
            when_full,
        }
    }

    /// A slot for a new connection, evicting the oldest handshake in
    /// progress if the table is full and the policy says so.
    ///
    /// # Errors
    /// [`Busy::Handshakes`] if the table is full and the policy is to
    /// refuse; [`Busy::Descriptors`] if the socket cannot be duplicated.
    pub fn admit(&self, stream: &TcpStream) -> Result<Slot, Busy> {
        self.table.admit(stream, None, self.when_full)
    }

    /// As [`PendingHandshakes::admit`], for a connection that holds `open`
    /// among the open connections: evicting it gives that place back too.
    ///
    /// # Errors
    /// As [`PendingHandshakes::admit`].
    pub fn admit_holding(&self, stream: &TcpStream, open: &Slot) -> Result<Slot, Busy> {
        self.table.admit(stream, Some(open), self.when_full)
    }

    /// Makes room among the open connections by evicting the oldest
    /// handshake in progress, if the policy evicts and there is one: nginx
    /// reuses its oldest idle connections the same way.
    pub fn make_room(&self) -> bool {
        self.when_full == WhenFull::EvictOldest && self.table.evict_oldest()
    }

    /// How many handshakes are in progress now.
    pub fn in_use(&self) -> usize {
        self.table.len()
    }
}

/// Sessions open per authenticated key: one key, however authorized,
/// cannot take every connection for itself.
///
/// This counts keys, not addresses. A cap per source address (what
/// OpenSSH's `PerSourceMaxStartups` does) would also stop one machine from
/// opening every handshake, but a classroom behind one NAT address is one
/// source: the cap would have to fit the whole class.
#[derive(Clone, Debug)]
pub struct KeySessions {
    open: Arc<Mutex<HashMap<[u8; PUBLIC_KEY_LEN], usize>>>,
    limit: usize,
}

/// One open session of one key; frees its place when dropped.
#[derive(Debug)]
pub struct KeySession {
    open: Arc<Mutex<HashMap<[u8; PUBLIC_KEY_LEN], usize>>>,
    key: [u8; PUBLIC_KEY_LEN],
}

impl KeySessions {
    /// At most `limit` sessions per key; `0` means no cap (insecure: one
    /// key can then hold every connection).
    pub fn new(limit: usize) -> Self {
        Self {
            open: Arc::new(Mutex::new(HashMap::new())),
            limit,
        }
    }

    /// A place for one more session of `key`, or `None` if it has `limit`.
    pub fn try_open(&self, key: &PublicIdentity) -> Option<KeySession> {
        self.try_open_id(key.as_bytes())
    }

    /// [`KeySessions::try_open`] for a key known by 32 bytes that stand
    /// for it: an Ed25519 key itself, or the SHA-256 of a larger one
    /// (an ML-DSA-65 key, Lesson 19).
    pub fn try_open_id(&self, key: &[u8; PUBLIC_KEY_LEN]) -> Option<KeySession> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(*key).or_insert(0);
        if self.limit != 0 && *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(KeySession {
            open: Arc::clone(&self.open),
            key: *key,
        })
    }

    /// How many sessions `key` has open.
    pub fn open_for(&self, key: &PublicIdentity) -> usize {
        self.open_for_id(key.as_bytes())
    }

    /// [`KeySessions::open_for`] for a key known by 32 bytes (see
    /// [`KeySessions::try_open_id`]).
    pub fn open_for_id(&self, key: &[u8; PUBLIC_KEY_LEN]) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(key).copied().unwrap_or(0)
    }

    /// The cap (`0`: none).
    pub fn limit(&self) -> usize {
        self.limit
    }
}

impl Drop for KeySession {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Why a connection has no handshake slot and must be refused at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Busy {
    /// [`Limits::max_pending`] handshakes are already in progress (and the
    /// server refuses rather than evicts).
    Handshakes,
    /// [`Limits::max_connections`] connections are already open.
    Connections,
    /// The process has run out of file descriptors: the connection was
    /// accepted with the one kept in reserve, to be closed at once.
    Descriptors,
}

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Handshakes => "too many handshakes in progress",
            Self::Connections => "too many open connections",
            Self::Descriptors => "out of file descriptors",
        })
    }
}

impl std::error::Error for Busy {}

/// How much one server takes on at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Handshakes in progress. Each has a deadline, and when the table is
    /// full `when_full` decides who gives way.
    pub max_pending: usize,
    /// Connections open, handshaking or not: each costs a thread and a
    /// socket, so this bounds what authenticated but idle clients can hold.
    pub max_connections: usize,
    /// What a new connection does to a full handshake table.
    pub when_full: WhenFull,
}

/// Descriptors kept free for everything that is not a connection: standard
/// streams, the listener, the reserve, key and revocation files read when
/// they change, the process's own `/proc` reads.
pub const DESCRIPTORS_KEPT_FREE: usize = 32;

impl Limits {
    /// The lesson servers' defaults: 64 handshakes (the oldest evicted when
    /// full), 1024 connections.
    pub const DEFAULT: Self = Self {
        max_pending: 64,
        max_connections: 1024,
        when_full: WhenFull::EvictOldest,
    };

    /// These limits shrunk, if need be, so that the connections they allow
    /// never need more than `descriptors` file descriptors: each connection
    /// takes one, each handshake in progress one more (the handle eviction
    /// closes it with), and [`DESCRIPTORS_KEPT_FREE`] stay free. A server
    /// whose caps exceed its descriptors never reaches its caps: `accept`
    /// fails first, clients wait instead of being refused, and the next
    /// revocation file cannot be opened.
    pub fn fit_to_descriptors(self, descriptors: usize) -> Self {
        let budget = descriptors.saturating_sub(DESCRIPTORS_KEPT_FREE);
        // Handshakes get at most a third of the budget, connections the rest.
        let max_pending = self.max_pending.min(budget / 3);
        let max_connections = self.max_connections.min(budget - max_pending);
        Self {
            max_pending,
            max_connections,
            when_full: self.when_full,
        }
    }
}

/// This process's limit on open file descriptors (the soft `RLIMIT_NOFILE`,
/// from `/proc/self/limits`), or `None` where that cannot be read.
pub fn descriptor_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    // "Max open files            1024                 524288               files"
    line.strip_prefix("Max open files")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Every cap of one server: the open connections, the handshakes in
/// progress (and who gives way when they are full), and the descriptor
/// kept in reserve. Share one among the threads or tasks that accept.
#[derive(Debug)]
pub struct Admission {
    pending: PendingHandshakes,
    connections: HandshakeSlots,
    /// The descriptor kept in reserve (see [`Admission::release_reserve`]).
    reserve: Mutex<Reserve>,
}

/// What [`Admission::admit`] decided for one accepted connection.
#[derive(Debug)]
pub struct Admitted {
    /// Its place among the open connections, to hold until it closes;
    /// `None` if it was refused for want of one.
    pub open: Option<Slot>,
    /// Its handshake slot, or why it must be refused at once.
    pub slot: Result<Slot, Busy>,
}

impl Admission {
    /// The caps of `limits`, first fitted to this process's file
    /// descriptors ([`Limits::fit_to_descriptors`]), and a descriptor
    /// opened to be kept in reserve.
    pub fn new(limits: Limits) -> Self {
        let limits = match descriptor_limit() {
            Some(descriptors) => limits.fit_to_descriptors(descriptors),
            None => limits,
        };
        Self {
            pending: PendingHandshakes::new(limits.max_pending, limits.when_full),
            connections: HandshakeSlots::new(limits.max_connections),
            reserve: Mutex::new(Reserve::open()),
        }
    }

    /// The caps, for a connection just accepted: a place among the open
    /// connections (when they are full, a handshake in progress gives way
    /// before a newcomer is refused), then a handshake slot.
    pub fn admit(&self, stream: &TcpStream) -> Admitted {
        let open = self.connections.try_acquire().or_else(|| {
            self.pending
                .make_room()
                .then(|| self.connections.try_acquire())?
        });
        let slot = match &open {
            None => Err(Busy::Connections),
            Some(open) => self.pending.admit_holding(stream, open),
        };
        Admitted { open, slot }
    }

    /// Out of descriptors (`accept` failed with `EMFILE` or `ENFILE`):
    /// closes the descriptor kept in reserve so that one `accept` can
    /// succeed, and reopens it when the returned guard is dropped. Accept
    /// one connection while holding the guard and refuse it with
    /// [`Busy::Descriptors`]: clients are then refused at once instead of
    /// waiting in the kernel's queue.
    ///
    /// `None` if the reserve is out already: another thread has it (then
    /// nothing is taken, so as not to steal the descriptor that thread just
    /// freed), or it could not be reopened last time (then this tries
    /// again). Pause a little either way: descriptors may come back.
    pub fn release_reserve(&self) -> Option<ReserveReleased<'_>> {
        let mut reserve = self.reserve.lock().unwrap_or_else(PoisonError::into_inner);
        match std::mem::replace(&mut *reserve, Reserve::Lent) {
            Reserve::Held(file) => {
                drop(file);
                Some(ReserveReleased(self))
            }
            // Another thread has it out: taking a descriptor now would
            // steal the one it just freed for its accept.
            Reserve::Lent => None,
            Reserve::Lost => {
                *reserve = Reserve::open();
                None
            }
        }
    }
}

/// The descriptor kept in reserve, and where it is.
#[derive(Debug)]
enum Reserve {
    /// Open, ready to be given up.
    Held(File),
    /// Given up for one accept, by a [`ReserveReleased`] still alive.
    Lent,
    /// Could not be reopened (no descriptor came back yet).
    Lost,
}

impl Reserve {
    fn open() -> Self {
        reserve_descriptor().map_or(Self::Lost, Self::Held)
    }
}

/// The reserve descriptor given up for one `accept`; reopened when dropped.
#[derive(Debug)]
#[must_use = "the reserve is reopened when this is dropped: hold it across the accept"]
pub struct ReserveReleased<'a>(&'a Admission);

impl Drop for ReserveReleased<'_> {
    fn drop(&mut self) {
        let mut reserve = self
            .0
            .reserve
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *reserve = Reserve::open();
    }
}

/// A descriptor held only to be given up when all others are taken.
fn reserve_descriptor() -> Option<File> {
    File::open("/dev/null").ok()
}

#[cfg(test)]
mod tests;
