//! The NTLM protocol core, organised by [MS-NLMP] section. MS-NLMP only: no SPNEGO, no files,
//! no global trace; a refused logon is a value ([`error::Denial`]) returned to the caller.
//!
//! | module | MS-NLMP |
//! |---|---|
//! | [`error`] | the core's errors, and why a logon was refused |
//! | [`flags`] | 2.2.2.5 NEGOTIATE flags |
//! | [`codec`] | 2.2 message syntax: bounds-checked reader, payload fields |
//! | [`messages`] | 2.2.1 NEGOTIATE/CHALLENGE/AUTHENTICATE, 2.2.2 AV pairs, VERSION, NTLMv2 blob |
//! | [`rc4`] | 6 RC4Init/RC4: a stream that runs backwards and hands out 64-byte blocks at its index's boundaries |
//! | [`digest`] | 6 MD5 and HMAC-MD5, written for speed; sealing's MD5 interleaved with RC4 |
//! | [`crypto`] | 3.3 response computation, 3.4.5 KXKEY/SIGNKEY/SEALKEY, 6 primitives |
//! | [`session`] | 3.4 session security: MAC, sign, seal |
//! | [`credentials`] | 3.1.1 the client's credential with its OWFs precomputed, or held elsewhere (an `ExternalAuthenticator` answers its CHALLENGEs); the 16-byte secret |
//! | [`verifier`] | 3.2.5.1.2 who checks a logon's responses: the `Verifier` seam, the server credential, the computation for sources that know the NT hash |
//! | [`policy`] | `LM_COMPAT_LEVEL`: which variants each side uses |
//! | [`mod@env`] | randomness and the clock, injected |
//! | [`client`] | 3.1 client state machine |
//! | [`server`] | 3.2 server state machine |
//!
//! Each module imports only modules above it in this table (`server` takes the established
//! context's type from `client`).
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
pub mod name;
pub mod policy;
pub mod rc4;
pub mod server;
pub mod session;
pub mod verifier;

pub use error::{Error, Result};
