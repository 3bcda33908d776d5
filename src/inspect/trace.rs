//! The decoded trace: `NTLMSSP_DEBUG=1` writes, per context, the messages in and out (decoded as
//! `ntlmssp-decode` prints them), the policy in force, what was negotiated and, on failure, the
//! precise reason, to stderr or to the file `NTLMSSP_DEBUG_FILE` names (appended).
//!
//! Off by default. The environment is read once per process; while off, [`enabled`] is one
//! relaxed atomic load and [`event`] never runs its closure, so callers format nothing.
//! Nothing traced is a secret: messages are described by [`super::describe`], which shows
//! no response, proof, MIC or key, and events name users, flags and reasons only.
//!
//! The SSPI edge reports through [`event`] with the context's id (0 when there is none, e.g.
//! for a credential or the user file).

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;

use super::describe;

/// Set (not empty, not `0`): trace.
pub const DEBUG_VAR: &str = "NTLMSSP_DEBUG";
/// Where the trace goes instead of stderr (appended).
pub const DEBUG_FILE_VAR: &str = "NTLMSSP_DEBUG_FILE";

const UNKNOWN: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);
static SINK: OnceLock<Mutex<Box<dyn Write + Send>>> = OnceLock::new();

/// True when the trace is on.
#[inline]
pub fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        OFF => false,
        ON => true,
        _ => init(),
    }
}

#[cold]
fn init() -> bool {
    let on = std::env::var_os(DEBUG_VAR).is_some_and(|v| !v.is_empty() && v != "0");
    if on {
        let sink: Box<dyn Write + Send> =
            match std::env::var_os(DEBUG_FILE_VAR).filter(|p| !p.is_empty()) {
                Some(path) => match std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                {
                    Ok(f) => Box::new(f),
                    Err(e) => {
                        eprintln!(
                            "ntlmssp: {DEBUG_FILE_VAR}={}: {e}; tracing to stderr",
                            path.to_string_lossy()
                        );
                        Box::new(std::io::stderr())
                    }
                },
                None => Box::new(std::io::stderr()),
            };
        let _ = SINK.set(Mutex::new(sink));
    }
    // Another thread may have decided first; both read the same environment.
    let _ = STATE.compare_exchange(
        UNKNOWN,
        if on { ON } else { OFF },
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    STATE.load(Ordering::Relaxed) == ON
}

/// Turns the trace on into `sink` (or off), whatever the environment says: for benchmarks and
/// tests that compare both in one process. The first sink set stays for the process.
#[doc(hidden)]
pub fn force(sink: Option<Box<dyn Write + Send>>) {
    match sink {
        Some(s) => {
            let _ = SINK.set(Mutex::new(s));
            STATE.store(ON, Ordering::Relaxed);
        }
        None => STATE.store(OFF, Ordering::Relaxed),
    }
}

/// Reports one event of context `ctx`; `text` runs only when the trace is on. Each line of the
/// text is written with the context's prefix, the whole block at once.
#[inline]
pub fn event(ctx: u64, text: impl FnOnce() -> String) {
    if enabled() {
        write_block(ctx, &text());
    }
}

/// Reports a message the context received (`"in"`) or sent (`"out"`), decoded.
#[inline]
pub fn message(ctx: u64, direction: &str, token: &[u8]) {
    if enabled() {
        write_block(ctx, &message_text(direction, token));
    }
}

/// The block [`message`] writes.
pub fn message_text(direction: &str, token: &[u8]) -> String {
    match describe::describe(token) {
        Ok(d) => format!("{direction}:\n{}", indent(&d.to_text())),
        Err(e) => format!("{direction}: malformed token of {} bytes: {e}", token.len()),
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn write_block(ctx: u64, text: &str) {
    let Some(sink) = SINK.get() else { return };
    let prefix = if ctx == 0 {
        "ntlmssp: ".to_owned()
    } else {
        format!("ntlmssp[ctx {ctx:#x}]: ")
    };
    let mut block = String::with_capacity(text.len() + 32);
    for line in text.trim_end().lines() {
        block.push_str(&prefix);
        block.push_str(line);
        block.push('\n');
    }
    let mut w = sink.lock();
    let _ = w.write_all(block.as_bytes());
    let _ = w.flush();
}
