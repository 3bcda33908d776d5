//! ntlmssp-decode's parser and formatter (src/inspect/describe.rs) on arbitrary input: raw bytes
//! and text lines (base64, hex, HTTP header lines).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ntlmssp_fuzz::decode(data));
