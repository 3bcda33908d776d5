//! The NTLM protocol core, organised by [MS-NLMP] section.
//!
//! | module | MS-NLMP |
//! |---|---|
//! | [`flags`] | 2.2.2.5 NEGOTIATE flags |
//! | [`codec`] | 2.2 message syntax: bounds-checked reader, payload fields |
//! | [`messages`] | 2.2.1 NEGOTIATE/CHALLENGE/AUTHENTICATE, 2.2.2 AV pairs, VERSION, NTLMv2 blob |
//! | [`digest`] | 6: MD5 and HMAC-MD5, written for speed |
//! | [`crypto`] | 3.3 response computation, 3.4.5 KXKEY/SIGNKEY/SEALKEY, 6 primitives |
//! | [`session`] | 3.4 session security: MAC, sign, seal |
//! | [`credentials`] | 3.1.1/3.2.1 credentials, precomputed OWFs, the user database |
//! | [`client`] | 3.1 client state machine |
//! | [`server`] | 3.2 server state machine |
//! | [`describe`] | a readable account of a message (`ntlmssp-decode`, the `NTLMSSP_DEBUG` trace) |
//! | [`userfile`] | 3.2.1 the server's user file: line forms, index, lazy hashes, live reload |
#![forbid(unsafe_code)]

pub mod client;
pub mod codec;
pub mod credentials;
pub mod crypto;
pub mod digest;
pub mod env;
pub mod error;
pub mod flags;
pub mod messages;
pub mod policy;
pub mod rc4;
pub mod server;
pub mod session;
pub mod verifier;

pub use error::{Error, Result};
