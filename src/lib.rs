//! ntlmssp: the NTLM security package ([MS-NLMP]) behind the exact Windows SSPI ABI.
//!
//! Two halves:
//! - [`nlmp`]: the protocol core in safe Rust (wire messages, crypto, client and server state
//!   machines, signing and sealing). It knows nothing of C; randomness and the clock are injected.
//! - `sspi`: the C edge. Every `extern "system"` export, every raw pointer, the handle table and
//!   the allocator paired with `FreeContextBuffer` live there and nowhere else.

pub mod inspect;
pub mod nlmp;
pub mod spnego;
pub mod sspi;
pub mod users;

/// The header `build.rs` generates, for the test that keeps `include/sspi.h` current.
#[doc(hidden)]
pub mod generated {
    pub const SSPI_H: &str = include_str!(concat!(env!("OUT_DIR"), "/sspi.h"));
}
