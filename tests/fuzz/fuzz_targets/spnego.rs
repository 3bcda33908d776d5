//! The SPNEGO codec on arbitrary bytes (decode -> encode gives the input back), and every leg of
//! the Negotiate acceptor and initiator.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ntlmssp_fuzz::spnego(data));
