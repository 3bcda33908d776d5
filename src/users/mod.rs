//! Where a server's users come from, and a client's default credential ([MS-NLMP] 3.2.1: the
//! server needs each user's NTOWFv1, or someone who can verify the response for it).
//!
//! | module | what |
//! |---|---|
//! | [`mod@line`] | the user file's line forms (gss-ntlmssp's, `$NT$` hashes, WinPR's SAM lines) |
//! | [`database`] | one version of the file, indexed, each entry's hashes derived at its first login |
//! | [`mod@file`] | the file followed on disk (`NTLM_USER_FILE`): live reload, problems to a caller's [`file::Report`]; the client's default credential |
//! | [`callback`] | an embedding server's lookup (`NtlmSetNtHashCallback`), given by the edge as a safe closure |
//! | [`domain`] | the Active Directory domain of a member machine: a domain controller verifies each response ([MS-APDS] 3.1.5), asked through a [`domain::DomainAuthority`] the edge gives (winbind) |
//!
//! The file and the callback are [`crate::nlmp::verifier::NtHashSource`]s, so a server credential
//! verifies logons with them through [`crate::nlmp::verifier::verify_with_nt_hash`]; the domain,
//! which never reveals a hash, is a [`crate::nlmp::verifier::Verifier`] of its own. Each module
//! imports only modules above it in this table, and [`crate::nlmp`]; nothing here writes a trace.
#![forbid(unsafe_code)]

pub mod callback;
pub mod database;
pub mod domain;
pub mod file;
pub mod line;

pub use file::{default_client_credential, NTLM_USER_FILE_VAR, NTLM_USER_VAR};
