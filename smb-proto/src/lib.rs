//! A sans-IO SMB1 (CIFS, "NT LM 0.12") protocol core.
//!
//! This crate does no I/O: no sockets, no files, no clock and no randomness of its own.
//! It turns bytes into typed messages and back ([`wire`]), computes and checks NTLM
//! authentication ([`auth`]), signs messages ([`signing`]).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod auth;
pub mod client;
pub(crate) mod exec;
pub mod rng;
pub mod server;
pub mod signing;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod transmit;
pub use transmit::Transmit;
pub mod util;
pub mod wire;
