//! Lesson 15: a certificate authority in a directory.
//!
//! ```console
//! $ cargo run --example 15-ca -- init --dir ca --name root-ca
//! wrote ca/ca.crt: serial 1, valid 2026-11-28T09:00:00Z to 2036-11-25T09:00:00Z
//! $ cargo run --example 15-ca -- issue --dir ca --role server --name api.internal \
//!       --pub server.pub --days 30 --out server.crt
//! wrote server.crt: serial 2, valid 2026-11-28T09:00:00Z to 2026-12-28T09:00:00Z
//! $ cargo run --example 15-ca -- revoke --dir ca 2
//! wrote ca/revoked: serial 2 revoked (1 in all; publish them with 15-ca crl)
//! $ cargo run --example 15-ca -- crl --dir ca --days 7 --out ca.crl
//! wrote ca.crl: 1 revoked (serial 2), valid 2026-11-28T09:00:00Z to 2026-12-05T09:00:00Z
//! ```
//!
//! The CA's state, all in DIR:
//!
//! ```text
//! ca.key    the CA's secret key (mode 0600), as 11-mtls-genkeys writes keys
//! ca.pub    its public key
//! ca.crt    its certificate: self-signed for a root; for an intermediate,
//!           signed by the parent given with `init --issuer-dir PARENT`
//! serial    the last serial number this CA issued
//! revoked   the serials it has revoked, one per line
//! last-crl  the this_update (Unix seconds) of the last list `crl` wrote
//! lock      present only while a 15-ca command works on the CA
//! ```
//!
//! `issue`, `revoke` and `crl` (and `init --issuer-dir` on the parent)
//! first create `DIR/lock`, a file that can be created only once: two
//! commands run at the same time then take turns, and never hand out one
//! serial twice or lose a revocation. A command that finds the lock still
//! there after ten seconds gives up and names the file (remove it if no
//! 15-ca is running: a crashed one leaves it behind).
//!
//! A certificate issued by an intermediate is written with the
//! intermediate's certificate after it: the chain a peer presents.
//!
//! `crl` refuses to date a list at or before the last one it wrote (as
//! `DIR/last-crl` records): a server takes a list dated the same second as
//! the one in force for a rollback and ignores it, so two lists made in one
//! second could leave a revocation unpublished. Wait a second, or pass a
//! later `--now`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use learn_mtls::cert::crl::{MAX_CRL_LEN, RevocationList};
use learn_mtls::cert::files::{self, Clock};
use learn_mtls::cert::time::{DAY, Rfc3339};
use learn_mtls::cert::{Certificate, CertificateBody, Usage};
use learn_mtls::keyfile::{self, Overwrite};
use learn_mtls::keys::{IdentityKey, PublicIdentity};
use learn_mtls::net::os_rng;
use learn_mtls::trust::ClientName;

#[derive(Parser)]
#[command(about = "Lesson 15: a certificate authority: init, issue, revoke, crl")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a CA in DIR: a root (self-signed) or, with --issuer-dir, an intermediate.
    Init {
        /// The CA's directory (created if missing).
        #[arg(long)]
        dir: PathBuf,
        /// The CA's name, as it appears in its certificate.
        #[arg(long)]
        name: String,
        /// Have the CA in PARENT sign this one: an intermediate CA.
        #[arg(long)]
        issuer_dir: Option<PathBuf>,
        /// Days the CA certificate is valid (default 3650 for a root, 365 for an intermediate).
        #[arg(long)]
        days: Option<u64>,
        /// How many CAs may sit below this one (default 1 for a root, 0 for an intermediate).
        #[arg(long)]
        path_len: Option<u8>,
        /// Pretend it is this time (RFC 3339, e.g. 2026-11-28T09:00:00Z).
        #[arg(long)]
        now: Option<String>,
    },
    /// Issue a certificate for the public key in FILE.
    Issue {
        /// The issuing CA's directory.
        #[arg(long)]
        dir: PathBuf,
        /// What the certificate is for.
        #[arg(long)]
        role: RoleArg,
        /// Who it names: a client's name, or the name a server answers to.
        #[arg(long)]
        name: String,
        /// The public key file (as 11-mtls-genkeys writes it).
        #[arg(long = "pub")]
        public: PathBuf,
        /// Days it is valid.
        #[arg(long)]
        days: u64,
        /// For --role ca: how many CAs may sit below it.
        #[arg(long)]
        path_len: Option<u8>,
        /// Where to write the certificate (with the issuing intermediate after it).
        #[arg(long)]
        out: PathBuf,
        /// Pretend it is this time (RFC 3339).
        #[arg(long)]
        now: Option<String>,
    },
    /// Record that SERIAL is revoked (publish with `crl`).
    Revoke {
        /// The CA's directory.
        #[arg(long)]
        dir: PathBuf,
        /// The serial number to revoke.
        serial: u64,
    },
    /// Write the signed revocation list.
    Crl {
        /// The CA's directory.
        #[arg(long)]
        dir: PathBuf,
        /// Days until the list goes stale (its next_update).
        #[arg(long)]
        days: u64,
        /// Where to write the list.
        #[arg(long)]
        out: PathBuf,
        /// Pretend it is this time (RFC 3339).
        #[arg(long)]
        now: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Client,
    Server,
    Ca,
}

fn main() -> ExitCode {
    let result = match Args::parse().command {
        Command::Init {
            dir,
            name,
            issuer_dir,
            days,
            path_len,
            now,
        } => init(&dir, &name, issuer_dir.as_deref(), (days, path_len), now),
        Command::Issue {
            dir,
            role,
            name,
            public,
            days,
            path_len,
            out,
            now,
        } => issue(&dir, (role, path_len), &name, &public, days, &out, now),
        Command::Revoke { dir, serial } => revoke(&dir, serial),
        Command::Crl {
            dir,
            days,
            out,
            now,
        } => crl(&dir, days, &out, now),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, String>;

fn now_of(now: Option<String>) -> Result<u64> {
    Ok(Clock::from_option(now.as_deref())?.now())
}

fn name_of(name: &str) -> Result<ClientName> {
    ClientName::new(name).map_err(|e| format!("--name {name:?}: {e}"))
}

/// The right to change a CA directory, held while `DIR/lock` exists.
/// The serial counter and the revoked list are read, changed and written
/// back; without it, two commands at once would both read serial N and
/// both issue N + 1, or each keep only its own revocation.
struct DirLock {
    path: PathBuf,
}

impl DirLock {
    /// How long to wait for another 15-ca to finish.
    const PATIENCE: Duration = Duration::from_secs(10);

    fn acquire(dir: &Path) -> Result<Self> {
        let path = dir.join("lock");
        let deadline = Instant::now() + Self::PATIENCE;
        loop {
            // create_new: exactly one process can create the file.
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if Instant::now() >= deadline {
                        return Err(format!(
                            "{} is still there after {}s: another 15-ca is working on this CA, \
                             or one crashed (if none is running, remove the file)",
                            path.display(),
                            Self::PATIENCE.as_secs()
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => {
                    return Err(format!(
                        "{}: {e} (is {} a CA directory made by 15-ca init?)",
                        path.display(),
                        dir.display()
                    ));
                }
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// A CA loaded from its directory.
struct Ca {
    dir: PathBuf,
    key: IdentityKey,
    /// Its own certificate, then (for an intermediate) nothing more: the
    /// chain is at most leaf + intermediate.
    cert: Certificate,
}

impl Ca {
    fn load(dir: &Path) -> Result<Self> {
        let key = keyfile::read_secret(dir.join("ca.key")).map_err(|e| e.to_string())?;
        let certs = files::read_certificates(dir.join("ca.crt")).map_err(|e| e.to_string())?;
        let cert = *certs
            .first()
            .ok_or_else(|| format!("{}: no certificate", dir.join("ca.crt").display()))?;
        if cert.body.key != key.public() {
            return Err(format!(
                "{}: the certificate is not for the key in {}",
                dir.join("ca.crt").display(),
                dir.join("ca.key").display()
            ));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            key,
            cert,
        })
    }

    fn path_len(&self) -> Result<u8> {
        match self.cert.body.usage {
            Usage::Ca { path_len } => Ok(path_len),
            other => Err(format!(
                "{}: this is a {} certificate, not a CA's",
                self.dir.join("ca.crt").display(),
                other.name()
            )),
        }
    }

    /// The next serial, recorded before it is used, so a crash never reuses one.
    fn next_serial(&self) -> Result<u64> {
        let path = self.dir.join("serial");
        let last = read_serial_file(&path)?;
        let next = last
            .checked_add(1)
            .ok_or_else(|| format!("{}: serials exhausted", path.display()))?;
        write(&path, &format!("{next}\n"))?;
        Ok(next)
    }

    /// Refuses to issue at `now` once this CA's own certificate has
    /// expired (checked before anything is written or a serial is spent).
    fn check_not_expired(&self, now: u64) -> Result<()> {
        if now > self.cert.body.not_after {
            return Err(format!(
                "{} expired at {}: this CA can no longer issue (it is now {})",
                self.dir.join("ca.crt").display(),
                Rfc3339(self.cert.body.not_after),
                Rfc3339(now)
            ));
        }
        Ok(())
    }

    /// Signs `body` with this CA, clipping the window to the CA's own: a
    /// certificate cannot outlive the one that vouches for it.
    fn issue(&self, mut body: CertificateBody) -> Result<(Certificate, bool)> {
        let clipped = body.not_after > self.cert.body.not_after;
        body.not_after = body.not_after.min(self.cert.body.not_after);
        body.issuer = self.key.public();
        body.serial = self.next_serial()?;
        let cert = body.sign(&self.key).map_err(|e| e.to_string())?;
        Ok((cert, clipped))
    }

    /// What follows a certificate this CA issues in a chain file: nothing
    /// for a root, the CA's own certificate for an intermediate.
    fn chain_tail(&self) -> Vec<Certificate> {
        if self.cert.is_self_issued() {
            Vec::new()
        } else {
            vec![self.cert]
        }
    }
}

fn read_serial_file(path: &Path) -> Result<u64> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.trim().parse().map_err(|_| {
        format!(
            "{}:1: not a serial number: {:?}",
            path.display(),
            text.trim()
        )
    })
}

fn write(path: &Path, text: &str) -> Result<()> {
    files::write_atomically(path, text).map_err(|e| e.to_string())
}

fn window(now: u64, days: u64) -> Result<(u64, u64)> {
    let until = days
        .checked_mul(DAY)
        .and_then(|span| now.checked_add(span))
        .ok_or_else(|| format!("--days {days} is too far in the future"))?;
    Ok((now, until))
}

fn init(
    dir: &Path,
    name: &str,
    parent: Option<&Path>,
    (days, path_len): (Option<u64>, Option<u8>),
    now: Option<String>,
) -> Result<String> {
    let name = name_of(name)?;
    let now = now_of(now)?;
    // The parent hands out a serial: hold its lock until it is written.
    let _parent_lock = parent.map(DirLock::acquire).transpose()?;
    let parent = parent.map(Ca::load).transpose()?;
    if let Some(parent) = &parent {
        parent.check_not_expired(now)?;
        if !parent.cert.is_self_issued() {
            return Err(format!(
                "{} is itself an intermediate; this course's chains hold one intermediate at most",
                parent.dir.display()
            ));
        }
        if parent.path_len()? == 0 {
            return Err(format!(
                "{} has path length 0: it may not have a CA below it",
                parent.dir.display()
            ));
        }
    }
    // Every check before anything is written, so a refused init leaves no half-made CA.
    let default_path_len = match &parent {
        Some(parent) => parent.path_len()? - 1,
        None => 1,
    };
    let path_len = path_len.unwrap_or(default_path_len);
    if let Some(parent) = &parent {
        let limit = parent.path_len()?;
        if path_len >= limit {
            return Err(format!(
                "{} has path length {limit}: a CA below it may have at most {} below itself",
                parent.dir.display(),
                limit - 1
            ));
        }
    }
    let default_days = if parent.is_some() { 365 } else { 3650 };
    let (not_before, not_after) = window(now, days.unwrap_or(default_days))?;
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if dir.join("ca.key").exists() {
        return Err(format!(
            "{} already exists: refusing to replace a CA",
            dir.join("ca.key").display()
        ));
    }
    let key = IdentityKey::generate(&mut os_rng());
    keyfile::write_pair(dir, "ca", &key, Overwrite::Never).map_err(|e| e.to_string())?;
    let mut body = CertificateBody {
        usage: Usage::Ca { path_len },
        name,
        key: key.public(),
        serial: 1,
        not_before,
        not_after,
        issuer: key.public(),
    };
    let (cert, clipped) = match &parent {
        Some(parent) => parent.issue(body)?,
        None => {
            body.issuer = key.public();
            (body.sign(&key).map_err(|e| e.to_string())?, false)
        }
    };
    // A root used serial 1 for itself; an intermediate starts its own count at 0.
    let first = if parent.is_some() { 0 } else { 1 };
    write(&dir.join("serial"), &format!("{first}\n"))?;
    write(
        &dir.join("revoked"),
        "# Serial numbers this CA has revoked, one per line (15-ca revoke).\n",
    )?;
    let crt = dir.join("ca.crt");
    write(&crt, &files::certificates_text(&[cert]))?;
    Ok(format!(
        "wrote {}: serial {}, valid {} to {}{}",
        crt.display(),
        cert.body.serial,
        Rfc3339(cert.body.not_before),
        Rfc3339(cert.body.not_after),
        clipped_note(clipped)
    ))
}

fn clipped_note(clipped: bool) -> &'static str {
    if clipped {
        " (cut to the issuing CA's own expiry)"
    } else {
        ""
    }
}

fn issue(
    dir: &Path,
    (role, path_len): (RoleArg, Option<u8>),
    name: &str,
    public: &Path,
    days: u64,
    out: &Path,
    now: Option<String>,
) -> Result<String> {
    let _lock = DirLock::acquire(dir)?;
    let ca = Ca::load(dir)?;
    let name = name_of(name)?;
    let now = now_of(now)?;
    ca.check_not_expired(now)?;
    let key: PublicIdentity = keyfile::read_public(public).map_err(|e| e.to_string())?;
    let usage = match (role, path_len) {
        (RoleArg::Client, None) => Usage::Client,
        (RoleArg::Server, None) => Usage::Server,
        (RoleArg::Ca, path_len) => Usage::Ca {
            path_len: path_len.unwrap_or(0),
        },
        (_, Some(_)) => return Err("--path-len is only for --role ca".to_owned()),
    };
    if let Usage::Ca { path_len } = usage {
        let limit = ca.path_len()?;
        if limit == 0 || path_len >= limit {
            return Err(format!(
                "this CA has path length {limit}: a CA it issues may have at most {} below it",
                limit.saturating_sub(1)
            ));
        }
    }
    let (not_before, not_after) = window(now, days)?;
    let (cert, clipped) = ca.issue(CertificateBody {
        usage,
        name,
        key,
        serial: 0,
        not_before,
        not_after,
        issuer: ca.key.public(),
    })?;
    let mut chain = vec![cert];
    chain.extend(ca.chain_tail());
    write(out, &files::certificates_text(&chain))?;
    Ok(format!(
        "wrote {}: serial {}, valid {} to {}{}",
        out.display(),
        cert.body.serial,
        Rfc3339(cert.body.not_before),
        Rfc3339(cert.body.not_after),
        clipped_note(clipped)
    ))
}

/// The serials in DIR/revoked, sorted, without duplicates.
fn revoked_serials(path: &Path) -> Result<Vec<u64>> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut serials = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let serial = line.parse().map_err(|_| {
            format!(
                "{}:{}: not a serial number: {line:?}",
                path.display(),
                index + 1
            )
        })?;
        serials.push(serial);
    }
    serials.sort_unstable();
    serials.dedup();
    Ok(serials)
}

fn revoke(dir: &Path, serial: u64) -> Result<String> {
    let _lock = DirLock::acquire(dir)?;
    let last = read_serial_file(&dir.join("serial"))?;
    if serial == 0 || serial > last {
        return Err(format!(
            "serial {serial} was never issued by the CA in {} (it has issued 1 to {last})",
            dir.display()
        ));
    }
    let path = dir.join("revoked");
    let mut serials = revoked_serials(&path)?;
    if serials.contains(&serial) {
        return Ok(format!(
            "{}: serial {serial} was already revoked ({} in all)",
            path.display(),
            serials.len()
        ));
    }
    serials.push(serial);
    serials.sort_unstable();
    let mut text =
        String::from("# Serial numbers this CA has revoked, one per line (15-ca revoke).\n");
    for s in &serials {
        text.push_str(&format!("{s}\n"));
    }
    write(&path, &text)?;
    Ok(format!(
        "wrote {}: serial {serial} revoked ({} in all; publish them with 15-ca crl)",
        path.display(),
        serials.len()
    ))
}

fn crl(dir: &Path, days: u64, out: &Path, now: Option<String>) -> Result<String> {
    let _lock = DirLock::acquire(dir)?;
    let ca = Ca::load(dir)?;
    let serials = revoked_serials(&dir.join("revoked"))?;
    let now = now_of(now)?;
    let window = window(now, days)?;
    // Recorded before the list is written, as serials are: a crash after
    // this never lets two different lists carry one date.
    let last_path = dir.join("last-crl");
    match fs::read_to_string(&last_path) {
        Ok(text) => {
            let last: u64 = text.trim().parse().map_err(|_| {
                format!(
                    "{}:1: not a time in Unix seconds: {:?}",
                    last_path.display(),
                    text.trim()
                )
            })?;
            if now <= last {
                return Err(format!(
                    "the last list this CA wrote is dated {} ({}); a new one must be dated later, \
                     or a server would take it for a rollback and keep the old one: wait a \
                     second, or pass a later --now",
                    Rfc3339(last),
                    last_path.display()
                ));
            }
        }
        // A CA made before last-crl existed, or that never wrote a list.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", last_path.display())),
    }
    write(&last_path, &format!("{now}\n"))?;
    let mut buf = vec![0u8; MAX_CRL_LEN];
    let len = RevocationList::sign_into(&ca.key, window, &serials, &mut buf)
        .map_err(|e| e.to_string())?;
    write(out, &files::crl_text(&buf[..len]))?;
    let list = RevocationList::from_bytes(&buf[..len]).map_err(|e| e.to_string())?;
    // Name the serials (the first ten), so the line says what the list revokes.
    let named: Vec<String> = list
        .serials()
        .take(10)
        .map(|s| format!("serial {s}"))
        .collect();
    let more = if list.len() > 10 { ", ..." } else { "" };
    let revoked = match list.len() {
        0 => "no serial revoked".to_owned(),
        n => format!("{n} revoked ({}{more})", named.join(", ")),
    };
    Ok(format!(
        "wrote {}: {revoked}, valid {} to {}",
        out.display(),
        Rfc3339(list.this_update),
        Rfc3339(list.next_update)
    ))
}
