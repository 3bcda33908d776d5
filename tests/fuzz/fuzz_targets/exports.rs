//! The exported C functions driven by a small interpreter over the input: a sequence of calls
//! (ISC, ASC, Make/VerifySignature, Encrypt/DecryptMessage, QueryContextAttributes, delete and
//! free) on a pool of real, NULL, zero, forged and wrong-kind handles, with arbitrary tokens and
//! arbitrary SecBufferDesc shapes (counts, types, sizes, NULL buffers). Every pointer passed is
//! valid for the size it comes with, as C requires; everything else is fair game.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ntlmssp_fuzz::exports(data));
