//! The C edge: the Windows SSPI ABI. The only place in the crate with `unsafe`.
#![allow(non_snake_case, non_camel_case_types, clippy::upper_case_acronyms)]

pub mod alloc;
pub mod api;
pub mod buffers;
pub mod debug;
pub mod entry;
pub mod handles;
pub mod lsa;
pub mod panic;
pub mod status;
pub mod tables;
pub mod types;
pub mod winbind;
