//! ntlmssp: the NTLM security package ([MS-NLMP]) behind the exact Windows SSPI ABI, with
//! Negotiate ([MS-SPNG]) around it.
//!
//! Each folder is one concern, and every import points down the table:
//!
//! | module | what | spec |
//! |---|---|---|
//! | `sspi` | the C edge: every `extern "system"` export, every raw pointer, the handle table, the allocator paired with `FreeContextBuffer`; the only `unsafe` | SSPI |
//! | [`inspect`] | tokens in words: the describer behind `ntlmssp-decode` and the `NTLMSSP_DEBUG` trace; the edge and the command use it, the protocol never does | [MS-NLMP] 2.2, [MS-SPNG] 2.2 |
//! | [`users`] | where a server's users come from (the user file, `NtlmSetNtHashCallback`'s lookup, the domain's controller) and the client's default credential | [MS-NLMP] 3.2.1, [MS-APDS] 3.1.5 |
//! | [`spnego`] | the Negotiate package's state machines and token codec over NTLM | [MS-SPNG], [RFC 4178] |
//! | [`nlmp`] | the NTLM protocol core: messages, crypto, client, server, the verifier seam, session security; randomness and the clock are injected | [MS-NLMP] |
//!
//! `inspect`, `users`, `spnego` and `nlmp` are safe Rust (`#![forbid(unsafe_code)]`) and know
//! nothing of C.

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
