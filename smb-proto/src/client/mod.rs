//! The client role: a sans-IO client connection.
//!
//! [`ClientConnection`] turns operations (connect, open, read, list...) into SMB1
//! requests, keeps up to the server's MaxMpxCount of them in flight, matches replies by
//! MID in any order, splits large reads and writes, signs, and reports each operation's
//! result as a [`ClientEvent::Completed`].

mod conn;
mod ops;
mod types;

pub use conn::ClientConnection;
pub use ops::Times;
pub use types::*;
