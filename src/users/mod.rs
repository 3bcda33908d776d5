//! Where a server's users come from.

pub mod database;
