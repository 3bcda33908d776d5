//! VerifySignature and DecryptMessage in the core on arbitrary signatures and data, over every
//! combination of negotiated flags that matters (ESS, key exchange, 56/128-bit, datagram).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ntlmssp_fuzz::session(data));
