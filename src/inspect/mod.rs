//! Tokens in words, for people: what `ntlmssp-decode` prints and what the `NTLMSSP_DEBUG` trace
//! writes. Above both protocol modules, which never call it; the SSPI edge and the command do.
//!
//! | module | what |
//! |---|---|
//! | [`describe`] | a readable account of an NTLM message ([MS-NLMP] 2.2) or a SPNEGO token ([MS-SPNG] 2.2) with the NTLM message inside; never a secret |
//! | [`trace`] | the decoded trace: per context, messages in and out, the policy, what was established, why a call failed |
#![forbid(unsafe_code)]

pub mod describe;
pub mod trace;
