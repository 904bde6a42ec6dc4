//! smb-smol: the futures-io adapter for the smb-proto SMB1 core.
//!
//! It runs on smol, async-std or any other executor: sockets come from `async-io`
//! (which drives its own reactor), background tasks run on smol's global executor and
//! file operations on the `blocking` thread pool.
//!
//! It is smb-async's host over the [`Smol`] runtime.
//!
//! - [`Client`]: an async client; files implement futures-io
//!   `AsyncRead + AsyncWrite + AsyncSeek`.
//! - [`Server`]: an async server over any
//!   [`FileSystem`](smb_proto::server::fs::FileSystem), such as [`LocalFs`].
//!
//! Run here under async-std's executor (any executor works the same):
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use futures_lite::{AsyncReadExt, AsyncWriteExt};
//! use smb_proto::auth::{Credentials, MemoryAccounts};
//! use smb_proto::client::{ClientConfig, OpenOptions};
//! use smb_proto::server::{ServerConfig, ShareConfig};
//! use smb_smol::{Client, LocalFs, Server};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! async_std::task::block_on(async {
//!     let dir = std::env::temp_dir().join(format!("smb-smol-doc-{}", std::process::id()));
//!     std::fs::create_dir_all(&dir)?;
//!     let mut accounts = MemoryAccounts::new();
//!     accounts.add("alice", "secret");
//!     let config = ServerConfig::new(vec![ShareConfig::new("docs")], Arc::new(accounts));
//!     let fs = Arc::new(LocalFs::new(&[(dir.clone(), false)])?);
//!     let server = Server::bind(([127, 0, 0, 1], 0), config, fs)?;
//!     let addr = server.local_addr()?;
//!     let stop = server.stop_handle();
//!     let running = async_std::task::spawn(server.run());
//!
//!     let config = ClientConfig {
//!         credentials: Some(Credentials::new("alice", "", "secret")),
//!         ..Default::default()
//!     };
//!     let client = Client::connect(addr, config, Duration::from_secs(5)).await?;
//!     let tree = client.tree_connect("docs").await?;
//!     let mut f = client.open_file(tree, "hello.txt", OpenOptions::create()).await?;
//!     f.write_all(b"hello from futures-io").await?;
//!     f.close().await?;
//!     let mut f = client.open_file(tree, "hello.txt", OpenOptions::read()).await?;
//!     let mut text = String::new();
//!     f.read_to_string(&mut text).await?;
//!     f.close().await?;
//!     assert_eq!(text, "hello from futures-io");
//!     client.logoff().await?;
//!     stop.stop();
//!     running.await?;
//!     std::fs::remove_dir_all(&dir)?;
//!     Ok(())
//! })
//! # }
//! ```
#![forbid(unsafe_code)]

mod runtime;
mod wrap;

pub use runtime::{Smol, SmolListener, SmolTcp, SmolUdp};
pub use smb_async::name_service::{NameServiceConfig, NameServiceEvent};
pub use smb_async::{ConnectionInfo, StopHandle};
pub use smb_localfs::LocalFs;

/// A connected session over async-io (see [`smb_async::Client`]): cheap to clone, every
/// clone talks to the same driver task.
pub type Client = smb_async::Client<Smol>;

/// An open remote file: futures-io `AsyncRead + AsyncWrite + AsyncSeek` (see
/// [`smb_async::File`]).
pub type File = smb_async::File<Smol>;

/// A futures-io SMB1 server (see [`smb_async::Server`]).
pub type Server<L = smb_localfs::FileRange> = smb_async::Server<Smol, L>;

/// The NetBIOS name service and browse announcements of a server (see
/// [`smb_async::name_service`]).
pub type NameService = smb_async::name_service::NameService<Smol>;
