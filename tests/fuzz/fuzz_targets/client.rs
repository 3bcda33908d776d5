//! The client answering an arbitrary CHALLENGE, at NTLMv2 and NTLMv1 levels, after its
//! NEGOTIATE and server-initiated (no NEGOTIATE).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ntlmssp_fuzz::client(data));
