//! The C edge: the Windows SSPI ABI. The only place in the crate with `unsafe`.
//!
//! The exports (`entry`) call one function each in the rooms below, which check the caller's
//! arguments, find objects through the handle table, call the protocol core and write results
//! back within the sizes the caller gave. Every such function checks all of its arguments
//! before it changes anything, and commits a state change only after every output was
//! written: a call that fails leaves handles, contexts and the caller's buffers as they were.
#![allow(non_snake_case, non_camel_case_types, clippy::upper_case_acronyms)]

pub mod alloc;
pub mod attributes;
pub mod buffers;
pub mod contexts;
pub mod credentials;
pub mod debug;
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
