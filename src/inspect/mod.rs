//! Tokens in words, for people: the describer and the decoded trace.

pub mod describe;
pub mod trace;
