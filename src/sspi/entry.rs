//! Every `extern "system"` export of the library, one `entry!` each, in Windows' order.
//!
//! No logic lives here: each body converts nothing and decides nothing, it calls the matching
//! function in `api`. The macro adds `#[no_mangle]`, the Windows calling convention and the
//! panic boundary. `build.rs` reads this file to write the prototypes in `include/sspi.h`, so
//! the header, `def/ntlmssp.def` and the library's symbol table are one list (checked by
//! `tests/exports.rs`).

use super::types::*;

/// Declares one export. The body runs inside [`super::panic::boundary`], so a panic becomes
/// `SEC_E_INTERNAL_ERROR` (or NULL for the pointer-returning exports) instead of unwinding
/// into C.
macro_rules! entry {
    (pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        #[no_mangle]
        #[allow(clippy::missing_safety_doc, clippy::too_many_arguments)]
        pub unsafe extern "system" fn $name($($arg: $ty),*) -> $ret {
            super::panic::boundary(move || -> $ret { $body })
        }
    };
}

entry! {
    pub fn FreeContextBuffer(pvContextBuffer: PVOID) -> SECURITY_STATUS {
        super::api::free_context_buffer(pvContextBuffer)
    }
}
