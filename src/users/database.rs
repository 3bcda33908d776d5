//! The user file (`NTLM_USER_FILE`) as a server's user database ([MS-NLMP] 3.2.1: the server
//! needs each user's NTOWFv1), built for files of a million users that change under a running
//! server.
//!
//! - **Lines.** Three forms, told apart line by line:
//!   - `DOMAIN:USER:PASSWORD`, gss-ntlmssp's form (the password is everything after the second
//!     colon);
//!   - `DOMAIN:USER:$NT$` followed by 32 hex digits, the NT hash (NTOWFv1) instead of the
//!     password. `$NT$` is the prefix password crackers and `hashcat`/`john` files give NT
//!     hashes; a plaintext password that is itself `$NT$` and 32 hex digits must be stored
//!     hashed;
//!   - `USER:DOMAIN:LMHASH:NTHASH:::`, WinPR's SAM file as FreeRDP's `winpr-hash -f sam` writes
//!     it (user first; the LM hash empty or 32 hex digits, the NT hash 32 hex digits, nothing
//!     but colons after it). A gss-ntlmssp line whose password would read as `LM:NT:` with hex
//!     hashes is taken as SAM.
//!
//!   One file may mix the forms, so the same file serves WinPR and ntlmssp.
//! - **Index.** Each version of the file is parsed once into spans over its text (no
//!   allocation per entry) and a table sorted by a keyed hash of UPPER(user) — the case folding
//!   NTOWFv2 applies (3.3.2) — so a login costs a binary search, whatever the number of users.
//! - **Lazy hashes.** An entry's NTOWFv1 and its NTOWFv2 (for its own user and domain, as an
//!   HMAC key) are derived on its first login and kept; acquiring a credential on a large file
//!   costs a parse and a sort.
//! - **Live reload.** [`UserFile`] checks the file's identity (inode, size, times) at most once
//!   per interval, never on every login; a new version replaces the old one only once it read
//!   completely and cleanly (see [`UserFile`]), else the last good version stays in force and
//!   the error goes to [`report_reload_error`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use parking_lot::Mutex;
use zeroize::Zeroizing;

use crate::nlmp::credentials::{
    eq_ignore_case, response_key, ClientCredential, Secret16, UserDatabase,
};
use crate::nlmp::crypto::{self, HmacMd5Key};
use crate::nlmp::error::{Error, Result};

/// The prefix marking an NT hash in place of a password in a `DOMAIN:USER:` line.
pub const NT_HASH_PREFIX: &str = "$NT$";

/// The variable setting how often (milliseconds) a server credential looks at its user file.
pub const CHECK_INTERVAL_VAR: &str = "NTLM_USER_FILE_CHECK_MS";
/// The default interval between two looks at the user file.
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------------------------
// Lines

/// What a line's secret is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineSecret<'a> {
    Password(&'a str),
    /// Exactly 32 hex digits.
    NtHash(&'a str),
}

impl LineSecret<'_> {
    /// NTOWFv1 of the entry.
    pub fn nt_hash(&self) -> Secret16 {
        match self {
            LineSecret::Password(p) => Secret16(crypto::NTOWFv1(p)),
            LineSecret::NtHash(hex) => Secret16(parse_hex16(hex).unwrap_or_default()),
        }
    }
}

/// One entry of the user file, borrowing the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub domain: &'a str,
    pub user: &'a str,
    pub secret: LineSecret<'a>,
}

/// 32 hex digits as 16 bytes.
pub fn parse_hex16(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 32 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 16];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// 16 bytes as 32 lowercase hex digits.
pub fn hex16(b: &[u8; 16]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses one line (without its newline; a trailing CR is dropped). `Ok(None)` for blank lines
/// and `#` comments; `Err` names what is wrong. Byte by byte: a million-line file is parsed
/// whenever a server credential is acquired or the file changes.
pub fn parse_line(line: &str) -> core::result::Result<Option<Line<'_>>, &'static str> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.starts_with('#') || line.trim().is_empty() {
        return Ok(None);
    }
    // The first four colons, and how many there are.
    let mut c = [0usize; 4];
    let mut colons = 0;
    for (i, b) in line.bytes().enumerate() {
        if b == b':' {
            if colons < c.len() {
                c[colons] = i;
            }
            colons += 1;
        }
    }
    // WinPR's SAM form: USER:DOMAIN:LMHASH:NTHASH, a fourth colon, and only colons after it.
    if colons >= 4 && c[3] - c[2] == 33 && line[c[3]..].bytes().all(|b| b == b':') {
        let (lm, nt) = (&line[c[1] + 1..c[2]], &line[c[2] + 1..c[3]]);
        if (lm.is_empty() || parse_hex16(lm).is_some()) && parse_hex16(nt).is_some() {
            return Ok(Some(Line {
                domain: &line[c[0] + 1..c[1]],
                user: &line[..c[0]],
                secret: LineSecret::NtHash(nt),
            }));
        }
    }
    if colons < 2 {
        return Err("not DOMAIN:USER:SECRET (two colons needed)");
    }
    let (domain, user, secret) = (&line[..c[0]], &line[c[0] + 1..c[1]], &line[c[1] + 1..]);
    let secret = match secret.strip_prefix(NT_HASH_PREFIX) {
        Some(hex) if parse_hex16(hex).is_some() => LineSecret::NtHash(hex),
        Some(_) => return Err("$NT$ not followed by exactly 32 hex digits"),
        None => LineSecret::Password(secret),
    };
    Ok(Some(Line {
        domain,
        user,
        secret,
    }))
}

/// The text's lines as `split('\n')` gives them, without its per-item search setup.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == b'\n') {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// The entries of a file's text, skipping lines that do not parse (as gss-ntlmssp does).
pub fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    split_lines(text).filter_map(|l| parse_line(l).ok().flatten())
}

// ---------------------------------------------------------------------------------------------
// One version of the file, indexed

/// Byte ranges of one entry within the file's text.
#[derive(Debug, Clone, Copy)]
struct Entry {
    user: (u32, u32),
    domain: (u32, u32),
    /// The password, or the 32 hex digits of the NT hash.
    secret: (u32, u32),
    hashed: bool,
}

/// What an entry's first login derives, kept for the next ones.
struct Derived {
    nt_hash: Secret16,
    /// NTOWFv2(NT hash, entry's user, entry's domain) as an HMAC key.
    ntowfv2: HmacMd5Key,
}

/// One version of the user file: its text, the entries' spans, and the index by user name.
/// The text holds the passwords of plaintext entries; it is wiped when the version is dropped.
pub struct FileUserDatabase {
    text: Zeroizing<String>,
    entries: Vec<Entry>,
    /// Open addressing with linear probing over a power-of-two table at most half full: each
    /// slot is (low 32 bits of the key, entry index + 1), 0 marking an empty slot. Entries are
    /// inserted in file order, so a probe meets the entries of one user name in file order.
    slots: Vec<(u32, u32)>,
    /// The hash's key, random per version: where names land cannot be steered by choosing
    /// them.
    hasher: std::collections::hash_map::RandomState,
    derived: Box<[OnceLock<Box<Derived>>]>,
}

impl core::fmt::Debug for FileUserDatabase {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileUserDatabase")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Default for FileUserDatabase {
    fn default() -> Self {
        Self::build(Zeroizing::new(String::new()), &mut |_, _| {})
    }
}

/// Called with (line number, problem) for each line that does not parse.
type OnBadLine<'a> = dyn FnMut(usize, &'static str) + 'a;

impl FileUserDatabase {
    /// A version from text, skipping lines that do not parse.
    pub fn from_text(text: &str) -> Self {
        Self::build(Zeroizing::new(text.to_owned()), &mut |_, _| {})
    }

    /// Loads `$NTLM_USER_FILE` once (no reloading; see [`UserFile`]).
    pub fn from_env() -> Result<Self> {
        let path = std::env::var_os(crate::nlmp::credentials::NTLM_USER_FILE_VAR)
            .ok_or(Error::NoCredentials)?;
        let (text, _) = read_file(Path::new(&path)).map_err(|_| Error::NoCredentials)?;
        Ok(Self::build(text, &mut |_, _| {}))
    }

    /// Parses and indexes `text`. Files beyond 4 GiB are not indexed (spans are 32-bit).
    fn build(text: Zeroizing<String>, on_bad: &mut OnBadLine<'_>) -> Self {
        let hasher = std::collections::hash_map::RandomState::new();
        let mut entries = Vec::new();
        let mut slots = Vec::new();
        if u32::try_from(text.len()).is_ok() {
            let lines = text.bytes().map(|b| usize::from(b == b'\n')).sum::<usize>() + 1;
            entries.reserve_exact(lines);
            slots = vec![(0u32, 0u32); (2 * lines).next_power_of_two().max(8)];
            let base = text.as_ptr() as usize;
            let span = |s: &str| {
                let start = (s.as_ptr() as usize - base) as u32;
                (start, start + s.len() as u32)
            };
            for (n, l) in split_lines(&text).enumerate() {
                match parse_line(l) {
                    Ok(Some(line)) => {
                        let (secret, hashed) = match line.secret {
                            LineSecret::Password(p) => (span(p), false),
                            LineSecret::NtHash(hex) => (span(hex), true),
                        };
                        let key = user_key(&hasher, line.user);
                        let mask = slots.len() - 1;
                        let mut at = (key >> 32) as usize & mask;
                        while slots[at].1 != 0 {
                            at = (at + 1) & mask;
                        }
                        slots[at] = (key as u32, entries.len() as u32 + 1);
                        entries.push(Entry {
                            user: span(line.user),
                            domain: span(line.domain),
                            secret,
                            hashed,
                        });
                    }
                    Ok(None) => {}
                    Err(why) => on_bad(n + 1, why),
                }
            }
        }
        entries.shrink_to_fit();
        let derived = (0..entries.len()).map(|_| OnceLock::new()).collect();
        FileUserDatabase {
            text,
            entries,
            slots,
            hasher,
            derived,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Heap bytes this version holds per entry beyond the file's text: spans, index slots and
    /// the slot for its derived hashes (the benchmark's memory figure).
    pub fn index_bytes_per_entry(&self) -> f64 {
        (self.heap_bytes() - self.text.capacity()) as f64 / self.len().max(1) as f64
    }

    /// Heap bytes this version holds before any login (text, spans, index, hash slots), for
    /// the benchmark's memory figure.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.entries.capacity() * core::mem::size_of::<Entry>()
            + self.slots.capacity() * core::mem::size_of::<(u32, u32)>()
            + self.derived.len() * core::mem::size_of::<OnceLock<Box<Derived>>>()
    }

    fn str(&self, (a, b): (u32, u32)) -> &str {
        &self.text[a as usize..b as usize]
    }

    /// The entry for `user` in `domain` as a client named them: user and domain compare
    /// case-insensitively; an exact domain match wins, else the first entry of that user with
    /// an empty domain (which matches any domain).
    fn find(&self, user: &str, domain: &str) -> Option<usize> {
        let key = user_key(&self.hasher, user);
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = (key >> 32) as usize & mask;
        let mut fallback = None;
        loop {
            let (tag, i) = self.slots[at];
            if i == 0 {
                break;
            }
            at = (at + 1) & mask;
            let i = i - 1;
            if tag != key as u32 {
                continue;
            }
            let e = &self.entries[i as usize];
            if !eq_ignore_case(self.str(e.user), user) {
                continue;
            }
            let d = self.str(e.domain);
            if eq_ignore_case(d, domain) {
                return Some(i as usize);
            }
            if d.is_empty() && fallback.is_none() {
                fallback = Some(i);
            }
        }
        fallback.map(|i| i as usize)
    }

    /// A client credential from the entry whose user is `user` (case-insensitively; the first
    /// such line), or from the first entry when `user` is `None`.
    pub fn client_credential(&self, user: Option<&str>) -> Option<ClientCredential> {
        let e = match user {
            Some(u) => self
                .entries
                .iter()
                .find(|e| eq_ignore_case(self.str(e.user), u)),
            None => self.entries.first(),
        }?;
        let (user, domain, secret) = (self.str(e.user), self.str(e.domain), self.str(e.secret));
        Some(if e.hashed {
            ClientCredential::from_nt_hash(user, domain, LineSecret::NtHash(secret).nt_hash().0)
        } else {
            ClientCredential::from_password(user, domain, secret)
        })
    }

    /// The entry's hashes, derived on its first use.
    fn derived(&self, i: usize) -> &Derived {
        self.derived[i].get_or_init(|| {
            let e = self.entries[i];
            let secret = self.str(e.secret);
            let nt_hash = if e.hashed {
                LineSecret::NtHash(secret)
            } else {
                LineSecret::Password(secret)
            }
            .nt_hash();
            let ntowfv2 = response_key(&nt_hash, self.str(e.user), self.str(e.domain));
            Box::new(Derived { nt_hash, ntowfv2 })
        })
    }
}

/// The index key of a user name: a keyed hash of its upper case as UTF-8 (the folding NTOWFv2
/// applies, so every spelling a client may send lands on one key), fed through a stack buffer.
fn user_key(hasher: &impl std::hash::BuildHasher, user: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = hasher.build_hasher();
    let mut buf = [0u8; 64];
    if user.is_ascii() {
        for chunk in user.as_bytes().chunks(buf.len()) {
            for (o, b) in buf.iter_mut().zip(chunk) {
                *o = b.to_ascii_uppercase();
            }
            h.write(&buf[..chunk.len()]);
        }
    } else {
        let mut n = 0;
        for c in user.chars().flat_map(char::to_uppercase) {
            if n + 4 > buf.len() {
                h.write(&buf[..n]);
                n = 0;
            }
            n += c.encode_utf8(&mut buf[n..]).len();
        }
        h.write(&buf[..n]);
    }
    h.finish()
}

impl UserDatabase for FileUserDatabase {
    fn nt_hash(&self, user: &str, domain: &str) -> Option<Secret16> {
        self.find(user, domain)
            .map(|i| self.derived(i).nt_hash.clone())
    }

    fn response_key_nt(&self, user: &str, domain: &str) -> Option<HmacMd5Key> {
        let i = self.find(user, domain)?;
        let e = self.entries[i];
        let d = self.derived(i);
        // NTOWFv2 hashes UPPER(user) and the domain as sent: the kept key fits when the domain
        // is the file's byte for byte (the user already matched case-insensitively, which is
        // equality of upper cases).
        if self.str(e.domain) == domain {
            Some(d.ntowfv2.clone())
        } else {
            Some(response_key(&d.nt_hash, user, domain))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the file

/// What identifies one version of the file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    modified: Option<SystemTime>,
    changed: i128,
}

impl Stamp {
    fn of(m: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                dev: m.dev(),
                ino: m.ino(),
                size: m.len(),
                modified: m.modified().ok(),
                changed: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
            }
        }
        #[cfg(not(unix))]
        {
            Stamp {
                dev: 0,
                ino: 0,
                size: m.len(),
                modified: m.modified().ok(),
                changed: 0,
            }
        }
    }

    /// Whether the file changed so recently that a further write could keep the same stamp
    /// (file times tick in steps of up to a few milliseconds, 2 s on some file systems): such a
    /// version is read again on the next check even when its stamp is unchanged.
    fn is_racy(&self) -> bool {
        match self.modified.map(|m| SystemTime::now().duration_since(m)) {
            Some(Ok(age)) => age < Duration::from_secs(3),
            _ => true,
        }
    }
}

/// The file's text and the stamp taken before reading it (a write after the stamp shows as a
/// new stamp on the next check). Sized from the file so the text is not reallocated (no copy
/// of a password left in freed memory).
fn read_file(path: &Path) -> std::result::Result<(Zeroizing<String>, Stamp), String> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let meta = f.metadata().map_err(|e| format!("cannot stat: {e}"))?;
    let stamp = Stamp::of(&meta);
    let size = usize::try_from(meta.len()).map_err(|_| "too large".to_owned())?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(size.saturating_add(1)));
    f.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    let text = String::from_utf8(std::mem::take(&mut *bytes)).map_err(|e| {
        let mut v = e.into_bytes();
        zeroize::Zeroize::zeroize(&mut v);
        "not UTF-8".to_owned()
    })?;
    Ok((Zeroizing::new(text), stamp))
}

/// Where reload problems of a server credential's user file go: the decoded trace
/// (`NTLMSSP_DEBUG`, outside any context), and one line on stderr when `NTLMSSP_TRACE` is on.
pub fn report_reload_error(path: &Path, problem: &str) {
    crate::inspect::trace::event(0, || {
        format!(
            "user file {}: {problem}; the version in force stays",
            path.display()
        )
    });
    static ON: OnceLock<bool> = OnceLock::new();
    if *ON.get_or_init(|| {
        std::env::var_os("NTLMSSP_TRACE").is_some_and(|v| !v.is_empty() && v != "0")
    }) {
        eprintln!("ntlmssp: user file {}: {problem}", path.display());
    }
}

// ---------------------------------------------------------------------------------------------
// The live file

/// A server credential's user file, following changes to it.
///
/// Logins look at the file's stamp (device, inode, size, modification and change times) at
/// most once per interval, and only one thread at a time; a changed file is read and indexed
/// by that thread while the others keep using the version in force. The new version replaces
/// it only if the file read completely and cleanly:
/// - it is UTF-8 and every line parses (a first load skips bad lines, as gss-ntlmssp does;
///   a reload refuses them, since a damaged line would lock its user out);
/// - it ends with a newline (a file cut off mid-line while being rewritten does not);
/// - it has at least one entry (a file truncated to be rewritten has none).
///
/// A refused version is reported through [`report_reload_error`] once (the same problem again
/// is not reported again); the file is read again when its stamp changes. A missing file keeps
/// the version in force too.
pub struct UserFile {
    path: PathBuf,
    current: ArcSwap<FileUserDatabase>,
    /// The stamp of the version last read (accepted or not); held while checking.
    checked: Mutex<Stamp>,
    /// When the next check is due, in nanoseconds since `epoch`.
    next_check: AtomicU64,
    epoch: Instant,
    interval: Duration,
    last_error: Mutex<Option<String>>,
}

impl core::fmt::Debug for UserFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UserFile")
            .field("path", &self.path)
            .finish()
    }
}

impl UserFile {
    /// Loads `path` (skipping and reporting lines that do not parse) and follows it, checking
    /// at most once per `interval`.
    pub fn open(path: &Path, interval: Duration) -> Result<Self> {
        let (text, stamp) = read_file(path).map_err(|_| Error::NoCredentials)?;
        let mut bad = Vec::new();
        let db = FileUserDatabase::build(text, &mut |n, why| {
            bad.push(format!("line {n} skipped: {why}"))
        });
        for b in &bad {
            report_reload_error(path, b);
        }
        let epoch = Instant::now();
        Ok(UserFile {
            path: path.to_owned(),
            current: ArcSwap::from_pointee(db),
            checked: Mutex::new(stamp),
            next_check: AtomicU64::new(interval.as_nanos() as u64),
            epoch,
            interval,
            last_error: Mutex::new(bad.pop()),
        })
    }

    /// `$NTLM_USER_FILE`, checked every `$NTLM_USER_FILE_CHECK_MS` milliseconds (default 1 s).
    pub fn from_env() -> Result<Self> {
        let path = std::env::var_os(crate::nlmp::credentials::NTLM_USER_FILE_VAR)
            .ok_or(Error::NoCredentials)?;
        let interval = std::env::var(CHECK_INTERVAL_VAR)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_CHECK_INTERVAL);
        Self::open(Path::new(&path), interval)
    }

    /// The version in force.
    pub fn current(&self) -> Arc<FileUserDatabase> {
        self.current.load_full()
    }

    /// The last problem found with the file (reported through [`report_reload_error`]).
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().clone()
    }

    /// Checks the file now if a check is due (at most once per interval, by one thread).
    fn maybe_reload(&self) {
        let now = self.epoch.elapsed().as_nanos() as u64;
        let due = self.next_check.load(Ordering::Relaxed);
        if now < due {
            return;
        }
        let next = now.saturating_add(self.interval.as_nanos() as u64);
        if self
            .next_check
            .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        self.reload_if_changed();
    }

    /// Reads the file again if its stamp changed (or its last version was racy), and puts the
    /// new version in force if it is sound.
    pub fn reload_if_changed(&self) {
        let Some(mut checked) = self.checked.try_lock() else {
            return;
        };
        let stamp = match std::fs::metadata(&self.path) {
            Ok(m) => Stamp::of(&m),
            Err(e) => return self.refuse(&format!("cannot stat: {e}")),
        };
        if stamp == *checked && !checked.is_racy() {
            return;
        }
        let (text, stamp) = match read_file(&self.path) {
            Ok(r) => r,
            Err(e) => return self.refuse(&e),
        };
        *checked = stamp;
        if text.as_str() == self.current.load().text.as_str() {
            return;
        }
        if !text.is_empty() && !text.ends_with('\n') {
            return self.refuse("no newline at the end (being written?)");
        }
        let mut first_bad = None;
        let db = FileUserDatabase::build(text, &mut |n, why| {
            first_bad.get_or_insert(format!("line {n}: {why}"));
        });
        if let Some(bad) = first_bad {
            return self.refuse(&bad);
        }
        if db.is_empty() {
            return self.refuse("no entries (truncated while being rewritten?)");
        }
        self.current.store(Arc::new(db));
        *self.last_error.lock() = None;
    }

    /// Records a problem, reporting it unless it is the one already reported (a missing or
    /// refused file is seen again at every check until it changes).
    fn refuse(&self, problem: &str) {
        let mut last = self.last_error.lock();
        if last.as_deref() != Some(problem) {
            report_reload_error(
                &self.path,
                &format!("{problem}; the last good version stays in force"),
            );
            *last = Some(problem.to_owned());
        }
    }
}

impl UserDatabase for UserFile {
    fn nt_hash(&self, user: &str, domain: &str) -> Option<Secret16> {
        self.maybe_reload();
        self.current.load().nt_hash(user, domain)
    }

    fn response_key_nt(&self, user: &str, domain: &str) -> Option<HmacMd5Key> {
        self.maybe_reload();
        self.current.load().response_key_nt(user, domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "63647965f13544c6551d5fdb7ffd13e0"; // NTOWFv1("Secret123")

    #[test]
    fn the_three_line_forms() {
        assert_eq!(parse_hex16(HASH).unwrap(), crypto::NTOWFv1("Secret123"));
        let nt = HASH;
        assert_eq!(
            parse_line("DOM:alice:pa:ss\r"),
            Ok(Some(Line {
                domain: "DOM",
                user: "alice",
                secret: LineSecret::Password("pa:ss")
            }))
        );
        assert_eq!(
            parse_line(&format!("DOM:alice:$NT${HASH}")),
            Ok(Some(Line {
                domain: "DOM",
                user: "alice",
                secret: LineSecret::NtHash(nt)
            }))
        );
        let upper = HASH.to_uppercase();
        assert_eq!(
            parse_line(&format!("DOM:alice:$NT${upper}"))
                .unwrap()
                .unwrap()
                .secret
                .nt_hash()
                .0,
            crypto::NTOWFv1("Secret123")
        );
        assert!(parse_line(&format!("DOM:alice:$NT${}", &HASH[1..])).is_err());
        // A plaintext password of 32 hex digits stays a password.
        assert_eq!(
            parse_line(&format!("DOM:alice:{HASH}"))
                .unwrap()
                .unwrap()
                .secret,
            LineSecret::Password(HASH)
        );
        // WinPR's SAM form, user first; with and without domain and LM hash.
        assert_eq!(
            parse_line(&format!("alice:DOMAIN::{HASH}:::")),
            Ok(Some(Line {
                domain: "DOMAIN",
                user: "alice",
                secret: LineSecret::NtHash(nt)
            }))
        );
        assert_eq!(
            parse_line(&format!("alice:::{HASH}:::"))
                .unwrap()
                .unwrap()
                .domain,
            ""
        );
        assert_eq!(
            parse_line(&format!("alice:D:{HASH}:{HASH}:"))
                .unwrap()
                .unwrap()
                .user,
            "alice"
        );
        // Not SAM: text after the NT hash, or a bad LM field: then gss-ntlmssp's reading.
        assert_eq!(
            parse_line(&format!("alice:D::{HASH}:x"))
                .unwrap()
                .unwrap()
                .secret,
            LineSecret::Password(&format!(":{HASH}:x")[..])
        );
        assert_eq!(
            parse_line(&format!("alice:D:zz:{HASH}::"))
                .unwrap()
                .unwrap()
                .user,
            "D"
        );
        assert_eq!(parse_line("# c"), Ok(None));
        assert_eq!(parse_line("  "), Ok(None));
        assert!(parse_line("broken line").is_err());
    }

    #[test]
    fn lookup_rules_and_hashed_entries() {
        let db = FileUserDatabase::from_text(&format!("DOM:Alice:one\n:alice:two\nOTHER:carol:three\nbob:DOM::{HASH}:::\nDOM:dave:$NT${HASH}\nbroken\n"));
        assert_eq!(db.len(), 5);
        assert_eq!(
            db.nt_hash("ALICE", "dom").unwrap().0,
            crypto::NTOWFv1("one")
        );
        assert_eq!(
            db.nt_hash("alice", "ELSEWHERE").unwrap().0,
            crypto::NTOWFv1("two")
        );
        assert!(db.nt_hash("carol", "DOM").is_none());
        assert!(db.nt_hash("erin", "DOM").is_none());
        assert_eq!(
            db.nt_hash("BOB", "dom").unwrap().0,
            crypto::NTOWFv1("Secret123")
        );
        assert_eq!(
            db.nt_hash("Dave", "DOM").unwrap().0,
            crypto::NTOWFv1("Secret123")
        );
        let db = FileUserDatabase::from_text("Dömäin:Jürgen:x\nD:s:y\n");
        assert!(db.nt_hash("JÜRGEN", "DÖMÄIN").is_some());
        assert!(db.nt_hash("jürgen", "dömäin").is_some());
        // U+017F LATIN SMALL LETTER LONG S upper-cases to S: the same name for NTOWFv2.
        assert!(db.nt_hash("\u{17f}", "d").is_some());
        // Long names go through the hash in pieces, at other places for non-ASCII spellings.
        let long = "x".repeat(100) + "s";
        let db = FileUserDatabase::from_text(&format!("D:{long}:y\n"));
        assert!(db.nt_hash(&("X".repeat(100) + "\u{17f}"), "d").is_some());
    }

    #[test]
    fn the_kept_ntowfv2_is_used_only_where_it_fits() {
        let db = FileUserDatabase::from_text("Dom:Alice:pw\n");
        let nt = Secret16(crypto::NTOWFv1("pw"));
        for (user, domain) in [
            ("Alice", "Dom"),
            ("ALICE", "Dom"),
            ("alice", "DOM"),
            ("aLiCe", "dom"),
        ] {
            let want = response_key(&nt, user, domain).mac(&[b"x"]);
            assert_eq!(
                db.response_key_nt(user, domain).unwrap().mac(&[b"x"]),
                want,
                "{user} {domain}"
            );
        }
    }

    #[test]
    fn many_users_and_duplicates() {
        let mut text = String::new();
        for i in 0..5000 {
            text += &format!("D{}:user{i}:pw{i}\n", i % 7);
        }
        text += "X:user42:later\n:USER42:any\n";
        let db = FileUserDatabase::from_text(&text);
        for i in (0..5000).step_by(97) {
            assert_eq!(
                db.nt_hash(&format!("USER{i}"), &format!("d{}", i % 7))
                    .unwrap()
                    .0,
                crypto::NTOWFv1(&format!("pw{i}"))
            );
        }
        assert_eq!(
            db.nt_hash("user42", "x").unwrap().0,
            crypto::NTOWFv1("later")
        );
        assert_eq!(
            db.nt_hash("user42", "nowhere").unwrap().0,
            crypto::NTOWFv1("any")
        );
    }
}
