//! Every decoder on arbitrary bytes; what decodes re-encodes to a canonical form that decodes
//! to the same canonical form (decode -> encode is a fixed point after one round).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ntlmssp_fuzz::messages(data));
