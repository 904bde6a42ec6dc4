//! smb-blocking: the std::net adapter for the smb-proto SMB1 core, and `LocalFs`, the
//! local-folder file-system backend the other adapters share.
#![forbid(unsafe_code)]

pub mod client;
pub mod clock;
pub mod fs;
pub mod server;

pub use fs::LocalFs;
