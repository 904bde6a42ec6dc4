//! smb-blocking: the `std::net` adapter for the smb-proto SMB1 core.
//!
//! - [`client::Client`]: a blocking client; [`client::File`] is `Read + Write + Seek`;
//!   `download`/`upload` keep many reads or writes in flight.
//! - [`server::Server`]: a thread per connection; file operations run inline on
//!   [`LocalFs`] (or any [`FileSystem`](smb_proto::server::fs::FileSystem)).
//! - [`netbios::resolve`]: a NetBIOS name's addresses, asked of a name server or by
//!   broadcast. (The server's name service loop is smb-async's; `smb serve` runs it for
//!   this engine too.)
//!
//! [`LocalFs`], the local-folder file-system backend every adapter's server uses, lives in
//! the crate `smb-localfs` with the sendfile range writer ([`later`]) and the host clock
//! ([`clock`]); they are re-exported here under their old paths.
//!
//! A server on a temporary folder and a client that writes and reads a file through it:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use smb_blocking::client::{Client, ConnectOptions};
//! use smb_blocking::server::{Server, ServerOptions};
//! use smb_blocking::LocalFs;
//! use smb_proto::auth::{Credentials, MemoryAccounts};
//! use smb_proto::client::{ClientConfig, OpenOptions};
//! use smb_proto::server::{ServerConfig, ShareConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("smb-blocking-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let mut accounts = MemoryAccounts::new();
//! accounts.add("alice", "secret");
//! let config = ServerConfig::new(vec![ShareConfig::new("docs")], Arc::new(accounts));
//! let fs = LocalFs::new(&[(dir.clone(), false)])?;
//! let server = Server::bind("127.0.0.1:0", config, Arc::new(fs), ServerOptions::default())?;
//! let addr = server.local_addr()?;
//! let stop = server.stop_handle()?;
//! let thread = std::thread::spawn(move || server.run());
//!
//! let config = ClientConfig {
//!     credentials: Some(Credentials::new("alice", "", "secret")),
//!     ..Default::default()
//! };
//! let mut client = Client::connect(addr, config, &ConnectOptions::default())?;
//! let tree = client.tree_connect("docs")?;
//! let mut f = client.open_file(tree, "hello.txt", OpenOptions::create())?;
//! f.write_all(b"hello over SMB1")?;
//! f.close()?;
//! let mut f = client.open_file(tree, "hello.txt", OpenOptions::read())?;
//! let mut text = String::new();
//! f.read_to_string(&mut text)?;
//! f.close()?;
//! assert_eq!(text, "hello over SMB1");
//! assert_eq!(std::fs::read(dir.join("hello.txt"))?, b"hello over SMB1");
//! client.logoff()?;
//!
//! stop.stop();
//! thread.join().unwrap()?;
//! std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod client;
pub mod netbios;
pub mod server;

pub use smb_localfs::{LocalFs, clock, fs, later};
