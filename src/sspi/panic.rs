//! The panic boundary: no unwind ever crosses an export.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::types::{SECURITY_STATUS, SEC_E_INTERNAL_ERROR};

/// What an export returns when its body panicked.
pub trait PanicValue {
    fn on_panic() -> Self;
}

impl PanicValue for SECURITY_STATUS {
    fn on_panic() -> Self {
        SEC_E_INTERNAL_ERROR
    }
}

impl<T> PanicValue for *mut T {
    fn on_panic() -> Self {
        std::ptr::null_mut()
    }
}

/// Runs `f`, turning a panic into [`PanicValue::on_panic`]. State touched by a panicking call is
/// behind locks that do not poison (parking_lot), and every object is left as it was before the
/// call or dropped, so a panic never leaves a half-updated handle behind.
pub fn boundary<R: PanicValue>(f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| R::on_panic())
}
