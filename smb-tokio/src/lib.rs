//! smb-tokio: the tokio adapter for the smb-proto SMB1 core: smb-async's host over the
//! [`Tokio`] runtime, with files that are tokio `AsyncRead + AsyncWrite + AsyncSeek`.
//!
//! - [`Client`]: an async client; a driver task owns the connection, the handles are
//!   cheap clones.
//!   [`File`]s implement `AsyncRead + AsyncWrite + AsyncSeek`.
//! - [`Server`]: an async server; file operations run on tokio's blocking pool against
//!   any [`FileSystem`](smb_proto::server::fs::FileSystem), such as [`LocalFs`]. This
//!   is the engine of `smb serve`.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use smb_proto::auth::{Credentials, MemoryAccounts};
//! use smb_proto::client::{ClientConfig, OpenOptions};
//! use smb_proto::server::{ServerConfig, ShareConfig};
//! use smb_tokio::{Client, LocalFs, Server};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("smb-tokio-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let mut accounts = MemoryAccounts::new();
//! accounts.add("alice", "secret");
//! let config = ServerConfig::new(vec![ShareConfig::new("docs")], Arc::new(accounts));
//! let fs = Arc::new(LocalFs::new(&[(dir.clone(), false)])?);
//! let server = Server::bind("127.0.0.1:0", config, fs).await?;
//! let addr = server.local_addr()?;
//! let stop = server.stop_handle();
//! let running = tokio::spawn(server.run());
//!
//! let config = ClientConfig {
//!     credentials: Some(Credentials::new("alice", "", "secret")),
//!     ..Default::default()
//! };
//! let client = Client::connect(addr, config, Duration::from_secs(5)).await?;
//! let tree = client.tree_connect("docs").await?;
//! let mut f = client.open_file(tree, "hello.txt", OpenOptions::create()).await?;
//! f.write_all(b"hello from tokio").await?;
//! f.close().await?;
//! let mut f = client.open_file(tree, "hello.txt", OpenOptions::read()).await?;
//! let mut text = String::new();
//! f.read_to_string(&mut text).await?;
//! f.close().await?;
//! assert_eq!(text, "hello from tokio");
//! client.logoff().await?;
//!
//! stop.stop();
//! running.await??;
//! std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod runtime;
mod wrap;

pub use runtime::{Tokio, TokioListener, TokioTcp, TokioUdp};
pub use smb_async::name_service::{NameServiceConfig, NameServiceEvent};
pub use smb_async::{ConnectionInfo, StopHandle};
pub use smb_localfs::LocalFs;
pub use wrap::Server;

/// A connected session over tokio (see [`smb_async::Client`]): cheap to clone, every
/// clone talks to the same driver task.
pub type Client = smb_async::Client<Tokio>;

/// An open remote file: tokio `AsyncRead + AsyncWrite + AsyncSeek` (see
/// [`smb_async::File`]).
pub type File = smb_async::File<Tokio>;

/// The NetBIOS name service and browse announcements of a server (see
/// [`smb_async::name_service`]).
pub type NameService = smb_async::name_service::NameService<Tokio>;
