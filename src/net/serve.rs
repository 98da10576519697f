//! The thread-per-connection server: a pool of threads that take turns
//! accepting, each serving on its own stack the connection it got, with
//! the caps of [`super::admission`] applied to every connection.
//!
//! | attack | defence |
//! |---|---|
//! | a burst leaves a thousand threads behind | a thread that finishes while [`IDLE_THREADS_KEPT`] others wait in `accept` exits |

use std::prelude::rust_2024::*;

use crate::smallfile::out_of_descriptors;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::admission::{Admission, Busy, Limits, Slot};

/// A connection handed to [`serve`]'s handler.
#[derive(Debug)]
pub struct Connection {
    /// The accepted stream.
    pub stream: TcpStream,
    /// Who connected.
    pub peer: SocketAddr,
    /// This connection's handshake slot, or why there is none: a cap was
    /// reached, and the handler should refuse the connection at once. Drop
    /// the slot as soon as the handshake is over (under the `lesson11`
    /// binding, once the client's first record has opened): until then
    /// the connection may be evicted to make room for newer ones.
    pub slot: Result<Slot, Busy>,
    /// Counts toward [`Limits::max_connections`] until the handler returns
    /// and drops it; never read, only held.
    _open: Option<Slot>,
}

/// Threads kept waiting in `accept` for the next connection, besides the
/// one that never leaves: a thread that finishes a connection while this
/// many already wait exits, so after a burst the pool is back to a handful
/// at once.
pub const IDLE_THREADS_KEPT: usize = 4;

/// Stack size of each connection thread. A handshake needs a few KiB of
/// stack; the default 2 MiB costs nothing resident but reserves address
/// space a thousand times over under a flood.
const CONNECTION_STACK: usize = 512 * 1024;

/// What every connection thread shares.
///
/// The threads take turns as acceptors (the "leader/followers" pattern):
/// each waits in `accept` on the shared listener, handles on its own stack
/// the connection it gets, then goes back to `accept`. No connection is
/// handed from one thread to another, so none pays for waking a second
/// thread, and a reused thread costs nothing to start. A thread that gets
/// a connection to serve while no other waits in `accept` first starts
/// one, so a slow client never holds up the next; at most
/// [`IDLE_THREADS_KEPT`] wait at once (plus the permanent one), so idle
/// threads never pile up.
struct Shared<H> {
    listener: TcpListener,
    handler: H,
    admission: Admission,
    /// Threads waiting in `accept` now, the permanent one excepted.
    waiting: AtomicUsize,
}

impl<H: Fn(Connection) + Send + Sync + 'static> Shared<H> {
    /// A connection thread. The permanent one (the thread that called
    /// [`serve`]) never leaves; the others leave when enough wait already.
    fn run(self: &Arc<Self>, permanent: bool) {
        loop {
            // Take a waiting place, or leave if all are taken.
            if !permanent
                && self
                    .waiting
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                        (n < IDLE_THREADS_KEPT).then_some(n + 1)
                    })
                    .is_err()
            {
                return;
            }
            let accepted = self.listener.accept();
            if !permanent {
                self.waiting.fetch_sub(1, Ordering::AcqRel);
            }
            match accepted {
                Ok((stream, peer)) => self.admit(stream, peer),
                Err(e) if out_of_descriptors(&e) => self.refuse_with_reserve(),
                // A client that vanished before it was accepted, or
                // something transient: never fatal.
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    }

    /// Starts one more connection thread. If none can be started, the
    /// others carry on (and the permanent one never leaves).
    fn spawn(self: &Arc<Self>) {
        let shared = Arc::clone(self);
        let _ = std::thread::Builder::new()
            .name("connection".into())
            .stack_size(CONNECTION_STACK)
            .spawn(move || shared.run(false));
    }

    /// The caps, then the handler: with a slot, or with why there is none.
    fn admit(self: &Arc<Self>, stream: TcpStream, peer: SocketAddr) {
        let admitted = self.admission.admit(&stream);
        // A connection with a slot may keep this thread a long time: if no
        // other thread waits for the next one, start one. (A refusal is
        // quick, and this thread goes straight back to `accept`.)
        if admitted.slot.is_ok() && self.waiting.load(Ordering::Acquire) == 0 {
            self.spawn();
        }
        (self.handler)(Connection {
            stream,
            peer,
            slot: admitted.slot,
            _open: admitted.open,
        });
    }

    /// Out of descriptors: gives up the reserve for one accept, hands that
    /// connection over to be refused, and takes the reserve back.
    fn refuse_with_reserve(&self) {
        let Some(released) = self.admission.release_reserve() else {
            std::thread::sleep(Duration::from_millis(10));
            return;
        };
        let refused = self.listener.accept();
        drop(released);
        match refused {
            Ok((stream, peer)) => (self.handler)(Connection {
                stream,
                peer,
                slot: Err(Busy::Descriptors),
                _open: None,
            }),
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Accepts connections on `listener` forever, each handled on a thread of
/// its own (threads are reused), so a slow or broken client never blocks
/// another.
///
/// The caps are first fitted to the process's file descriptors
/// ([`Limits::fit_to_descriptors`]). At most `limits.max_pending`
/// handshakes are in progress: when the table is full, a new connection
/// evicts the oldest (its read sees the end of the stream, and
/// [`Slot::was_evicted`] says why) or, with [`WhenFull::Refuse`](super::WhenFull::Refuse), is
/// refused. At most `limits.max_connections` connections are open. A
/// connection over a cap is handed to `handler` with `slot: Err(Busy)`, to
/// be refused at once: the handler must not block then (log through
/// [`super::log::Log`], not `println!`).
///
/// When the process runs out of descriptors, one kept in reserve is
/// released to accept the next connection, which is handed over as
/// [`Busy::Descriptors`] to be refused, and then taken back: clients are
/// refused at once instead of waiting in the kernel's queue. Other accept
/// errors are skipped after a short pause. The server never returns.
///
/// # Panics
/// Only if `listener` cannot be duplicated for the connection threads to
/// share, before anything is served.
pub fn serve<H>(listener: &TcpListener, limits: Limits, handler: H) -> !
where
    H: Fn(Connection) + Send + Sync + 'static,
{
    let shared = Arc::new(Shared {
        listener: listener
            .try_clone()
            .expect("the listener, duplicated for the connection threads"),
        handler,
        admission: Admission::new(limits),
        waiting: AtomicUsize::new(0),
    });
    // This thread is an acceptor too: the one that never leaves.
    loop {
        shared.run(true);
    }
}
