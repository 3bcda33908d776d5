//! The server on an arbitrary NEGOTIATE, then an arbitrary AUTHENTICATE (input: see
//! `two_tokens`). Randomness and time are fixed, so seed AUTHENTICATEs from `make_seeds` verify
//! and mutations explore the checks after the password (MIC, flags, target, session keys).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ntlmssp_fuzz::server(data));
