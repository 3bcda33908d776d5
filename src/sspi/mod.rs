//! The C edge: the Windows SSPI ABI. The only place in the crate with `unsafe`.
//!
//! | module | what |
//! |---|---|
//! | [`entry`] | every export, one `entry!` each: `#[no_mangle] extern "system"`, the panic boundary; the prototypes of `include/sspi.h` |
//! | [`tables`] | the function tables InitSecurityInterfaceA/W return |
//! | [`lsa`] | the LSA-mode package (`SpLsaModeInitialize`, `SpUserModeInitialize`), onto the same rooms |
//! | [`credentials`] | AcquireCredentialsHandle and the credential exports, `NtlmSetNtHashCallback`; where the server's users and the client's default identity come from |
//! | [`contexts`] | InitializeSecurityContext and AcceptSecurityContext, where NTLM and Negotiate part; the other context calls |
//! | [`attributes`] | QueryContextAttributes |
//! | [`messages`] | MakeSignature, VerifySignature, EncryptMessage, DecryptMessage ([MS-NLMP] 3.4) |
//! | [`objects`] | the credential and context objects behind handles, and their tables |
//! | [`packages`] | what the two packages report, package names, SecPkgInfo blocks, FreeContextBuffer |
//! | [`domain`] | the machine's domain: a server credential's domain route and a client credential's calling user (user file, winbind's credential cache) |
//! | `winbind` | Samba's libwbclient loaded at run time (Unix only): a DC's verdict, the member's names, the credential cache |
//! | [`debug`] | what the exports report to the `NTLMSSP_DEBUG` trace |
//! | [`handles`] | the generation-tagged handle table |
//! | [`buffers`] | null-checked pointers, SecBuffer descriptors, A/W strings |
//! | [`alloc`] | the allocator behind `FreeContextBuffer` |
//! | [`status`] | the one mapping from core errors to `SECURITY_STATUS` |
//! | [`panic`](mod@panic) | no unwind crosses an export; the `NTLMSSP_TRACE` line |
//! | [`types`] | the ABI: Windows' types, constants and layouts (cbindgen writes the header from it) |
//!
//! Each module imports only modules below it in this table. The exports call one function each
//! in the rooms, which check the caller's arguments, find objects through the handle table, call
//! the protocol core and write results back within the sizes the caller gave. Every such
//! function checks all of its arguments before it changes anything, and commits a state change
//! only after every output was written: a call that fails leaves handles, contexts and the
//! caller's buffers as they were.
#![allow(non_snake_case, non_camel_case_types, clippy::upper_case_acronyms)]

pub mod alloc;
pub mod attributes;
pub mod buffers;
pub mod contexts;
pub mod credentials;
pub mod debug;
pub mod domain;
pub mod entry;
pub mod handles;
pub mod lsa;
pub mod messages;
pub mod objects;
pub mod packages;
pub mod panic;
pub mod status;
pub mod tables;
pub mod types;
pub mod winbind;
