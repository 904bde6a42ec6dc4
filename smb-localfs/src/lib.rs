//! smb-localfs: [`LocalFs`], the local-folder file-system backend the servers of every
//! smb-proto adapter (blocking, tokio, smol) run their file operations on, and what those
//! adapters share besides:
//!
//! - [`fs`]: [`LocalFs`], a [`FileSystem`](smb_proto::server::fs::FileSystem) over local
//!   folders: names looked up case-insensitively, symbolic links that lead out of a share
//!   refused, written data on disk when a flush or close is answered, large reads offered
//!   to the host as file ranges ([`LaterRead`](smb_proto::LaterRead)).
//! - [`later`]: writing such a file range to a socket (`sendfile(2)` on Linux), from a
//!   thread ([`later::write_later`]) or an event loop ([`later::LaterWriter`]).
//! - [`clock`]: the host clock and random seed the sans-IO cores are given.
//! - [`events`]: the connection a server event comes from, and the event hook's type.
//! - [`reload`]: the configuration and file system a server gives new connections,
//!   replaced while it runs.
//! - [`wake`]: a waker a thread can poll(2) for, for news from other connections.
//!
//! A share on a temporary folder, driven through the
//! [`FileSystem`](smb_proto::server::fs::FileSystem) trait as a server core would: a file
//! created, written and closed, then found again under another case and read back:
//!
//! ```
//! use smb_localfs::LocalFs;
//! use smb_proto::server::fs::{
//!     CreateAction, Disposition, FileSystem, Kind, OpenCall, ShareId, SharePath,
//! };
//! use smb_proto::wire::NtStatus;
//!
//! fn open(path: &str, disposition: Disposition, write: bool) -> OpenCall {
//!     OpenCall {
//!         path: SharePath::parse(path).unwrap(),
//!         disposition,
//!         kind: Kind::File,
//!         read: true,
//!         write,
//!         create_attributes: 0,
//!         allocation_size: 0,
//!     }
//! }
//!
//! fn round_trip(fs: &LocalFs) -> Result<(), NtStatus> {
//!     let share = ShareId(0);
//!     let (h, _, action) = fs.open(share, &open("Notes.txt", Disposition::Create, true))?;
//!     assert_eq!(action, CreateAction::Created);
//!     assert_eq!(fs.write(h, 0, b"hello, share", false)?, 12);
//!     fs.close(h, None)?; // the data is on disk now
//!
//!     let (h, info, _) = fs.open(share, &open("\\NOTES.TXT", Disposition::Open, false))?;
//!     assert_eq!((info.name.as_str(), info.size), ("Notes.txt", 12));
//!     assert_eq!(&fs.read(h, 7, 100)?[..], b"share");
//!     fs.close(h, None)
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("smb-localfs-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let fs = LocalFs::new(&[(dir.clone(), false)])?;
//! round_trip(&fs).map_err(|status| status.to_string())?;
//! assert_eq!(std::fs::read(dir.join("Notes.txt"))?, b"hello, share");
//! std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod clock;
pub mod events;
pub mod frame;
pub mod fs;
pub mod later;
pub mod mounts;
pub mod net;
pub mod reload;
#[cfg(test)]
mod testing;
pub mod wake;
pub mod windows;

pub use fs::{Durability, LocalFs};
pub use later::{FileRange, LaterSource};
pub use mounts::Mounts;

/// A file system the hosts here can serve: any
/// [`FileSystem`](smb_proto::server::fs::FileSystem) whose later bytes they know how to
/// send (`L`: [`FileRange`] for [`LocalFs`]).
pub type SharedFs<L = FileRange> =
    std::sync::Arc<dyn smb_proto::server::fs::FileSystem<Later = L> + Send + Sync>;

/// A client error as an I/O error, for files that implement the standard I/O traits:
/// "not found" kinds map to [`std::io::ErrorKind::NotFound`], the rest to `Other` with
/// the error's text.
pub fn io_error(e: smb_proto::client::SmbError) -> std::io::Error {
    let kind = if e.is_not_found() {
        std::io::ErrorKind::NotFound
    } else {
        std::io::ErrorKind::Other
    };
    std::io::Error::new(kind, e.to_string())
}
