//! Fuzzing support: deterministic peers and the checks each target runs (see checks.rs).

mod checks;

pub use checks::*;
