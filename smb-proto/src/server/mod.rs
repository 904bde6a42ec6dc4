//! The server role: a sans-IO server connection.
//!
//! (The connection state machine is being built; this module holds the file-system
//! contract and path checking it is built on.)

pub mod fs;
pub mod path;

pub use fs::*;
