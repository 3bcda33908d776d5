//! The panic boundary: no unwind ever crosses an export.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use super::types::{SECURITY_STATUS, SEC_E_INTERNAL_ERROR};

/// What an export returns when its body panicked, and how the trace shows a result.
pub trait PanicValue {
    fn on_panic() -> Self;
    fn trace(&self) -> String;
}

impl PanicValue for SECURITY_STATUS {
    fn on_panic() -> Self {
        SEC_E_INTERNAL_ERROR
    }
    fn trace(&self) -> String {
        format!("0x{:08x}", *self as u32)
    }
}

impl<T> PanicValue for *mut T {
    fn on_panic() -> Self {
        std::ptr::null_mut()
    }
    fn trace(&self) -> String {
        format!("{:p}", *self)
    }
}

/// Runs `f`, turning a panic into [`PanicValue::on_panic`]. State touched by a panicking call is
/// behind locks that do not poison (parking_lot), and every object is left as it was before the
/// call or dropped, so a panic never leaves a half-updated handle behind.
/// With `NTLMSSP_TRACE` set, each call's export name and result go to stderr (never arguments,
/// so never a secret).
pub fn boundary<R: PanicValue>(name: &str, f: impl FnOnce() -> R) -> R {
    let r = catch_unwind(AssertUnwindSafe(|| {
        // Test builds only (feature `panic-test`): the export named by NTLMSSP_PANIC_TEST
        // panics, so tests can prove the boundary holds in a given process (tests/windows/panic.c).
        #[cfg(feature = "panic-test")]
        if std::env::var_os("NTLMSSP_PANIC_TEST").is_some_and(|v| v == name) {
            panic!("NTLMSSP_PANIC_TEST={name}");
        }
        f()
    }))
    .unwrap_or_else(|_| R::on_panic());
    if tracing() {
        match PACKAGE.take() {
            Some(package) => eprintln!("ntlmssp: {name} = {} ({package})", r.trace()),
            None => eprintln!("ntlmssp: {name} = {}", r.trace()),
        }
    }
    r
}

thread_local! {
    /// The package the current call worked for, named in its trace line.
    static PACKAGE: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Names the package (NTLM or Negotiate) of the current call in its trace line.
pub fn note_package(name: &'static str) {
    if tracing() {
        PACKAGE.set(Some(name));
    }
}

/// Whether `NTLMSSP_TRACE` is on (read once).
pub(super) fn tracing() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("NTLMSSP_TRACE").is_some_and(|v| !v.is_empty() && v != "0"))
}
