//! The user file (`NTLM_USER_FILE`) followed under a running server, and read once for a
//! client's default credential.
//!
//! [`UserFile`] checks the file's identity (inode, size, times) at most once per interval, never
//! on every login; a new version replaces the old one only once it read completely and cleanly
//! (see [`UserFile`]), else the last good version stays in force and the problem goes to the
//! [`Report`] the caller gave.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use parking_lot::Mutex;
use zeroize::Zeroizing;

use super::database::FileUserDatabase;
use crate::nlmp::credentials::{ClientCredential, Secret16};
use crate::nlmp::crypto::HmacMd5Key;
use crate::nlmp::error::{Error, Result};
use crate::nlmp::verifier::NtHashSource;

/// The variable naming the user file, as for gss-ntlmssp.
pub const NTLM_USER_FILE_VAR: &str = "NTLM_USER_FILE";
/// The variable choosing the client's default entry by user name.
pub const NTLM_USER_VAR: &str = "NTLM_USER";

/// The client's default credential: the entry of `$NTLM_USER_FILE` whose user equals
/// `$NTLM_USER` (case-insensitively) when that is set, else the first entry.
pub fn default_client_credential() -> Result<ClientCredential> {
    let path = std::env::var_os(NTLM_USER_FILE_VAR).ok_or(Error::NoCredentials)?;
    let db = read_once(Path::new(&path))?;
    let wanted = std::env::var(NTLM_USER_VAR).ok().filter(|u| !u.is_empty());
    db.client_credential(wanted.as_deref())
        .ok_or(Error::NoCredentials)
}

/// The variable setting how often (milliseconds) a server credential looks at its user file.
pub const CHECK_INTERVAL_VAR: &str = "NTLM_USER_FILE_CHECK_MS";
/// The default interval between two looks at the user file.
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

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

/// Where a user file's problems go, with the file's path: the caller decides (the SSPI edge
/// writes them to its trace), so this module reports nothing itself.
pub type Report = Box<dyn Fn(&Path, &str) + Send + Sync>;

/// Loads `path` once (no reloading; see [`UserFile`]).
pub fn read_once(path: &Path) -> Result<FileUserDatabase> {
    let (text, _) = read_file(path).map_err(|_| Error::NoCredentials)?;
    Ok(FileUserDatabase::build(text, &mut |_, _| {}))
}

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
/// A refused version is reported through the [`Report`] once (the same problem again is not
/// reported again); the file is read again when its stamp changes. A missing file keeps
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
    report: Report,
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
    /// at most once per `interval`; problems go to `report`.
    pub fn open(path: &Path, interval: Duration, report: Report) -> Result<Self> {
        let (text, stamp) = read_file(path).map_err(|_| Error::NoCredentials)?;
        let mut bad = Vec::new();
        let db = FileUserDatabase::build(text, &mut |n, why| {
            bad.push(format!("line {n} skipped: {why}"))
        });
        for b in &bad {
            report(path, b);
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
            report,
        })
    }

    /// `$NTLM_USER_FILE`, checked every `$NTLM_USER_FILE_CHECK_MS` milliseconds (default 1 s).
    pub fn from_env(report: Report) -> Result<Self> {
        let path = std::env::var_os(NTLM_USER_FILE_VAR).ok_or(Error::NoCredentials)?;
        let interval = std::env::var(CHECK_INTERVAL_VAR)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_CHECK_INTERVAL);
        Self::open(Path::new(&path), interval, report)
    }

    /// The version in force.
    pub fn current(&self) -> Arc<FileUserDatabase> {
        self.current.load_full()
    }

    /// The last problem found with the file (also given to the [`Report`]).
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
            (self.report)(
                &self.path,
                &format!("{problem}; the last good version stays in force"),
            );
            *last = Some(problem.to_owned());
        }
    }
}

// Thin (a reload check, then the version in force): inlined into the verifier.
impl NtHashSource for UserFile {
    #[inline]
    fn nt_hash(&self, user: &str, domain: &str) -> Option<Secret16> {
        self.maybe_reload();
        self.current.load().nt_hash(user, domain)
    }

    #[inline]
    fn response_key_nt(&self, user: &str, domain: &str) -> Option<HmacMd5Key> {
        self.maybe_reload();
        self.current.load().response_key_nt(user, domain)
    }
}
