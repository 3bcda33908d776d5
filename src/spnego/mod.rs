//! The Negotiate package: SPNEGO ([RFC 4178], [MS-SPNG]) around the NTLM core, in safe Rust.
//!
//! | module | what |
//! |---|---|
//! | [`codec`] | [RFC 4178] 4.2 / [MS-SPNG] 2.2 token syntax on the `der` crate, GSS framing |
//! | [`context`] | [MS-SPNG] 3.1 initiator and 3.2 acceptor state machines over NTLM |
//!
//! NTLMSSP is the only mechanism offered or accepted. The SPNEGO state lives next to the NTLM
//! state because the mechListMIC is signed with NTLM's session keys and resets NTLM's RC4
//! streams ([MS-SPNG] 3.3.5.1), which the SSPI does not expose to a wrapper.
#![forbid(unsafe_code)]

pub mod codec;
pub mod context;
