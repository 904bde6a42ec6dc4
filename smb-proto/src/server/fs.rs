//! The file-system requests the server core asks its host to perform, and their results.
//!
//! The core never touches a file. It turns SMB requests into [`FsCall`]s on checked,
//! share-relative [`SharePath`]s, hands them out as [`FsRequest`]s (each with an
//! [`FsOpId`]), and continues when the host answers with an [`FsResult`], in any order.
//! A host that prefers plain synchronous code implements [`FileSystem`] and lets
//! [`FileSystem::dispatch`] run each request.
//!
//! Hosts must:
//! - resolve each path component case-insensitively when the exact name does not exist
//!   (SMB clients expect Windows semantics) and report the name as stored in [`FileInfo`];
//! - refuse to follow a symbolic link that leads outside the share root (Samba's
//!   `wide links = no`), answering `STATUS_ACCESS_DENIED` or `STATUS_OBJECT_NAME_NOT_FOUND`;
//! - have completed writes on stable storage when they answer [`FsCall::Flush`] and
//!   [`FsCall::Close`].

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::any::Any;

pub use super::path::SharePath;
pub use crate::transmit::{LaterRead, NoLater};
use crate::wire::NtStatus;

/// The core's own view of later-bytes sources while a request runs: it never looks
/// inside them, and a [`ServerConnection`](super::ServerConnection) turns them back into
/// the host's type (which is the only type it ever puts in) before handing them out.
pub(crate) type ErasedLater = Box<dyn Any + Send>;

/// Identifies one outstanding file-system request of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FsOpId(pub u64);

/// Index of a share in the server configuration's share list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShareId(pub u32);

/// A host file handle, chosen by the host when it opens a file or directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(pub u64);

/// What to do depending on whether the file exists (NT create dispositions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Replace if it exists, create if not.
    Supersede,
    /// Open if it exists, fail if not.
    Open,
    /// Fail if it exists, create if not.
    Create,
    /// Open if it exists, create if not.
    OpenIf,
    /// Truncate if it exists, fail if not.
    Overwrite,
    /// Truncate if it exists, create if not.
    OverwriteIf,
}

/// Whether the target must be, or must not be, a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Kind {
    /// Either a file or a directory.
    #[default]
    Any,
    /// Must be a directory (a directory is created when creating).
    Directory,
    /// Must not be a directory.
    File,
}

/// An open (or create) request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCall {
    /// The path.
    pub path: SharePath,
    /// What to do if it exists or not.
    pub disposition: Disposition,
    /// File or directory.
    pub kind: Kind,
    /// The handle will be read from.
    pub read: bool,
    /// The handle will be written to (or truncated, or have attributes set).
    pub write: bool,
    /// Attributes (`SMB_EXT_FILE_ATTR`) for a newly created file (e.g. read-only).
    pub create_attributes: u32,
    /// Initial allocation size hint for a new file.
    pub allocation_size: u64,
}

/// What an open did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateAction {
    /// An existing file was superseded.
    Superseded,
    /// An existing file was opened.
    Opened,
    /// A new file was created.
    Created,
    /// An existing file was truncated.
    Overwritten,
}

/// Times to set; `None` leaves a time unchanged. Values are FILETIMEs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SetTimes {
    /// Creation time (hosts that cannot set it ignore it).
    pub created: Option<u64>,
    /// Last access time.
    pub accessed: Option<u64>,
    /// Last write time.
    pub written: Option<u64>,
    /// Last change time (hosts that cannot set it ignore it).
    pub changed: Option<u64>,
}

/// What a set-information request changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SetInfo {
    /// New times.
    pub times: SetTimes,
    /// New end-of-file (truncate or extend).
    pub size: Option<u64>,
    /// New attributes (`SMB_EXT_FILE_ATTR`; hosts map read-only to permissions).
    pub attributes: Option<u32>,
}

/// A path or an open handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// By path.
    Path(SharePath),
    /// By open handle.
    Handle(Handle),
}

/// An extended attribute (stored by local hosts as a `user.` xattr).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ea {
    /// Name (ASCII, case-insensitive on the wire).
    pub name: String,
    /// Value; setting an empty value removes the attribute.
    pub value: Bytes,
}

/// One file-system operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FsCall {
    /// Open or create a file or directory; answered with [`FsReply::Opened`].
    Open(OpenCall),
    /// Read up to `len` bytes at `offset`; answered with [`FsReply::Read`] (short at EOF)
    /// or, when `later_ok`, possibly with [`FsReply::ReadLater`].
    Read {
        /// The handle.
        handle: Handle,
        /// Byte offset.
        offset: u64,
        /// Most bytes to read.
        len: u32,
        /// The response may carry the bytes as a [`LaterRead`] that the host writes
        /// itself (the response is not signed and nothing follows the data).
        later_ok: bool,
    },
    /// Write `data` at `offset`; answered with [`FsReply::Written`].
    Write {
        /// The handle.
        handle: Handle,
        /// Byte offset.
        offset: u64,
        /// The bytes.
        data: Bytes,
        /// Write through to stable storage before answering.
        write_through: bool,
    },
    /// Flush to stable storage; answered with [`FsReply::Done`].
    Flush {
        /// The handle.
        handle: Handle,
    },
    /// Close a handle (flushing written data first); answered with [`FsReply::Done`].
    Close {
        /// The handle.
        handle: Handle,
        /// Set the last write time before closing (FILETIME).
        set_written: Option<u64>,
        /// No client asked for this close: the connection ended (or the open failed
        /// after the host opened the file) with the handle still open, so nobody saw its
        /// writes acknowledged by a close. [`FileSystem::dispatch`] runs
        /// [`FileSystem::abandon`] for it.
        abandoned: bool,
    },
    /// Information about a path (not following links out of the share); [`FsReply::Info`].
    Stat {
        /// The path or handle.
        target: Target,
    },
    /// List a directory; answered with [`FsReply::Dir`] (without `.` and `..`).
    ReadDir {
        /// The directory.
        path: SharePath,
    },
    /// Change times, size or attributes; answered with [`FsReply::Done`].
    SetInfo {
        /// The path or handle.
        target: Target,
        /// The changes.
        info: SetInfo,
    },
    /// Rename (move within the share); answered with [`FsReply::Done`].
    Rename {
        /// The current path.
        from: SharePath,
        /// The new path.
        to: SharePath,
        /// Replace an existing target.
        replace: bool,
    },
    /// A second name for a file (a hard link); answered with [`FsReply::Done`].
    Link {
        /// The existing file.
        from: SharePath,
        /// The new name (must not exist).
        to: SharePath,
    },
    /// Delete a file; answered with [`FsReply::Done`].
    Delete {
        /// The file.
        path: SharePath,
    },
    /// Create a directory; answered with [`FsReply::Done`].
    Mkdir {
        /// The new directory.
        path: SharePath,
    },
    /// Remove an empty directory; answered with [`FsReply::Done`].
    Rmdir {
        /// The directory.
        path: SharePath,
    },
    /// Sizes of the file system holding the share; answered with [`FsReply::FsInfo`].
    FsInfo,
    /// The extended attributes of a file; answered with [`FsReply::Eas`].
    GetEas {
        /// The path or handle.
        target: Target,
    },
    /// Sets (or, with empty values, removes) extended attributes; [`FsReply::Done`].
    SetEas {
        /// The path or handle.
        target: Target,
        /// The attributes.
        eas: Vec<Ea>,
    },
}

impl FsCall {
    /// Whether this call changes the file system (refused on read-only shares).
    pub fn modifies(&self) -> bool {
        match self {
            FsCall::Open(o) => {
                o.write || !matches!(o.disposition, Disposition::Open | Disposition::OpenIf)
            }
            FsCall::Write { .. }
            | FsCall::SetInfo { .. }
            | FsCall::Rename { .. }
            | FsCall::Link { .. }
            | FsCall::Delete { .. }
            | FsCall::Mkdir { .. }
            | FsCall::Rmdir { .. }
            | FsCall::SetEas { .. } => true,
            _ => false,
        }
    }
}

/// A request for the host: which share, which operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsRequest {
    /// Answer with this id.
    pub id: FsOpId,
    /// The share the paths are relative to.
    pub share: ShareId,
    /// The operation.
    pub call: FsCall,
}

/// Information about a file or directory.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FileInfo {
    /// The name as stored (last component; empty for the share root).
    pub name: String,
    /// Whether it is a directory.
    pub is_dir: bool,
    /// End of file, in bytes.
    pub size: u64,
    /// Allocated size, in bytes.
    pub allocation_size: u64,
    /// Creation time (FILETIME).
    pub created: u64,
    /// Last access time (FILETIME).
    pub accessed: u64,
    /// Last write time (FILETIME).
    pub written: u64,
    /// Last change time (FILETIME).
    pub changed: u64,
    /// `SMB_EXT_FILE_ATTR` bits (directory, read-only, hidden, archive...).
    pub attributes: u32,
    /// A stable identity of the file (e.g. the inode number) for sharing checks.
    pub file_id: u64,
    /// Number of hard links.
    pub links: u32,
}

/// Sizes of a file system.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FsInfo {
    /// Total bytes.
    pub total_bytes: u64,
    /// Free bytes available to the user.
    pub free_bytes: u64,
    /// Allocation unit, in bytes.
    pub block_size: u32,
    /// Volume serial number.
    pub serial: u32,
    /// Volume label.
    pub label: String,
    /// File-system name reported to clients (e.g. `NTFS`).
    pub fs_name: String,
}

/// A successful answer to an [`FsCall`]; `L` is the file system's
/// [`Later`](FileSystem::Later) type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FsReply<L = NoLater> {
    /// The file was opened.
    Opened {
        /// The new handle.
        handle: Handle,
        /// Information about the opened file.
        info: FileInfo,
        /// What the open did.
        action: CreateAction,
    },
    /// Bytes read (fewer than asked at end of file).
    Read(Bytes),
    /// Bytes the host will write itself after the response (only for a read with
    /// `later_ok`; fewer than asked at end of file, never none).
    ReadLater(LaterRead<L>),
    /// Bytes written.
    Written(u32),
    /// Information about a file.
    Info(FileInfo),
    /// Directory entries (without `.` and `..`).
    Dir(Vec<FileInfo>),
    /// File-system sizes.
    FsInfo(FsInfo),
    /// Extended attributes.
    Eas(Vec<Ea>),
    /// Done, nothing to report.
    Done,
}

impl<L> FsReply<L> {
    /// The same reply with its later-bytes source (if any) converted by `f`.
    pub fn map_later<M>(self, f: impl FnOnce(L) -> M) -> FsReply<M> {
        match self {
            FsReply::Opened {
                handle,
                info,
                action,
            } => FsReply::Opened {
                handle,
                info,
                action,
            },
            FsReply::Read(b) => FsReply::Read(b),
            FsReply::ReadLater(l) => FsReply::ReadLater(LaterRead {
                len: l.len,
                source: f(l.source),
            }),
            FsReply::Written(n) => FsReply::Written(n),
            FsReply::Info(i) => FsReply::Info(i),
            FsReply::Dir(d) => FsReply::Dir(d),
            FsReply::FsInfo(i) => FsReply::FsInfo(i),
            FsReply::Eas(e) => FsReply::Eas(e),
            FsReply::Done => FsReply::Done,
        }
    }
}

/// The answer to an [`FsCall`]: a reply, or the NT status of the failure.
pub type FsResult<L = NoLater> = Result<FsReply<L>, NtStatus>;

/// A synchronous file-system backend; [`FileSystem::dispatch`] runs an [`FsCall`] on it.
pub trait FileSystem {
    /// Where the bytes of a read come from when the file system leaves them to the host
    /// ([`read_later`](Self::read_later)): for example an open file and an offset, which
    /// the host sends with `sendfile`. [`NoLater`] for a file system that never does.
    type Later: Send + 'static;

    /// Opens or creates.
    fn open(
        &self,
        share: ShareId,
        call: &OpenCall,
    ) -> Result<(Handle, FileInfo, CreateAction), NtStatus>;
    /// Reads up to `len` bytes.
    fn read(&self, handle: Handle, offset: u64, len: u32) -> Result<Bytes, NtStatus>;
    /// Offers up to `len` bytes as a [`LaterRead`] that the host writes itself when it
    /// sends the response (zero-copy); `Ok(None)` to read them now with
    /// [`FileSystem::read`] instead (the default, and the right answer for short reads and
    /// at end of file).
    fn read_later(
        &self,
        handle: Handle,
        offset: u64,
        len: u32,
    ) -> Result<Option<LaterRead<Self::Later>>, NtStatus> {
        let _ = (handle, offset, len);
        Ok(None)
    }
    /// Writes bytes.
    fn write(
        &self,
        handle: Handle,
        offset: u64,
        data: &[u8],
        write_through: bool,
    ) -> Result<u32, NtStatus>;
    /// Flushes to stable storage.
    fn flush(&self, handle: Handle) -> Result<(), NtStatus>;
    /// Closes (flushing first).
    fn close(&self, handle: Handle, set_written: Option<u64>) -> Result<(), NtStatus>;
    /// Closes a handle no client asked to close (see [`FsCall::Close`]'s `abandoned`):
    /// a backend whose writes only become visible at close (an object store) may
    /// discard them instead. Default: [`close`](Self::close), keeping what was written.
    fn abandon(&self, handle: Handle) -> Result<(), NtStatus> {
        self.close(handle, None)
    }
    /// Information about a path or handle.
    fn stat(&self, share: ShareId, target: &Target) -> Result<FileInfo, NtStatus>;
    /// Lists a directory.
    fn read_dir(&self, share: ShareId, path: &SharePath) -> Result<Vec<FileInfo>, NtStatus>;
    /// Sets times, size or attributes.
    fn set_info(&self, share: ShareId, target: &Target, info: &SetInfo) -> Result<(), NtStatus>;
    /// Renames.
    fn rename(
        &self,
        share: ShareId,
        from: &SharePath,
        to: &SharePath,
        replace: bool,
    ) -> Result<(), NtStatus>;
    /// Gives a file a second name (a hard link); default: not supported.
    fn link(&self, share: ShareId, from: &SharePath, to: &SharePath) -> Result<(), NtStatus> {
        let _ = (share, from, to);
        Err(NtStatus::NOT_SUPPORTED)
    }
    /// Deletes a file.
    fn delete(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus>;
    /// Creates a directory.
    fn mkdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus>;
    /// Removes an empty directory.
    fn rmdir(&self, share: ShareId, path: &SharePath) -> Result<(), NtStatus>;
    /// File-system sizes.
    fn fs_info(&self, share: ShareId) -> Result<FsInfo, NtStatus>;
    /// Extended attributes (default: not supported).
    fn get_eas(&self, share: ShareId, target: &Target) -> Result<Vec<Ea>, NtStatus> {
        let _ = (share, target);
        Err(NtStatus::EAS_NOT_SUPPORTED)
    }
    /// Sets extended attributes (default: not supported).
    fn set_eas(&self, share: ShareId, target: &Target, eas: &[Ea]) -> Result<(), NtStatus> {
        let _ = (share, target, eas);
        Err(NtStatus::EAS_NOT_SUPPORTED)
    }

    /// Whether `call` is expected to finish in microseconds (metadata and small reads
    /// and writes served from the page cache), so that an event-loop host may run it
    /// inline rather than hand it to a thread pool and back. Default: `false` (always
    /// use the pool). Calls that may wait for the disk (flushes, closes of written
    /// files, truncation, large transfers) should stay `false`.
    fn is_quick(&self, call: &FsCall) -> bool {
        let _ = call;
        false
    }

    /// Starts watching for changes others make to the shared folders (not through this
    /// server), for change notification: the back end watches the folders
    /// [`SharedState::watched_folders`](super::SharedState::watched_folders) lists (and
    /// again whenever the waker it registers with
    /// [`SharedState::set_watch_waker`](super::SharedState::set_watch_waker) is woken)
    /// and reports what changes with
    /// [`SharedState::disk_change`](super::SharedState::disk_change), until the guard
    /// it returns is dropped. Hosts call it once when they start serving. Default:
    /// `None`, the back end cannot see such changes (clients still see every change
    /// made through the server).
    fn watch_changes(&self, shared: &super::SharedState) -> Option<Box<dyn Any + Send>> {
        let _ = shared;
        None
    }

    /// Runs one request.
    fn dispatch(&self, req: &FsRequest) -> FsResult<Self::Later> {
        let s = req.share;
        match &req.call {
            FsCall::Open(o) => self
                .open(s, o)
                .map(|(handle, info, action)| FsReply::Opened {
                    handle,
                    info,
                    action,
                }),
            FsCall::Read {
                handle,
                offset,
                len,
                later_ok,
            } => {
                if *later_ok && let Some(l) = self.read_later(*handle, *offset, *len)? {
                    return Ok(FsReply::ReadLater(l));
                }
                self.read(*handle, *offset, *len).map(FsReply::Read)
            }
            FsCall::Write {
                handle,
                offset,
                data,
                write_through,
            } => self
                .write(*handle, *offset, data, *write_through)
                .map(FsReply::Written),
            FsCall::Flush { handle } => self.flush(*handle).map(|()| FsReply::Done),
            FsCall::Close {
                handle,
                abandoned: true,
                ..
            } => self.abandon(*handle).map(|()| FsReply::Done),
            FsCall::Close {
                handle,
                set_written,
                abandoned: false,
            } => self.close(*handle, *set_written).map(|()| FsReply::Done),
            FsCall::Stat { target } => self.stat(s, target).map(FsReply::Info),
            FsCall::ReadDir { path } => self.read_dir(s, path).map(FsReply::Dir),
            FsCall::SetInfo { target, info } => {
                self.set_info(s, target, info).map(|()| FsReply::Done)
            }
            FsCall::Rename { from, to, replace } => {
                self.rename(s, from, to, *replace).map(|()| FsReply::Done)
            }
            FsCall::Link { from, to } => self.link(s, from, to).map(|()| FsReply::Done),
            FsCall::Delete { path } => self.delete(s, path).map(|()| FsReply::Done),
            FsCall::Mkdir { path } => self.mkdir(s, path).map(|()| FsReply::Done),
            FsCall::Rmdir { path } => self.rmdir(s, path).map(|()| FsReply::Done),
            FsCall::FsInfo => self.fs_info(s).map(FsReply::FsInfo),
            FsCall::GetEas { target } => self.get_eas(s, target).map(FsReply::Eas),
            FsCall::SetEas { target, eas } => self.set_eas(s, target, eas).map(|()| FsReply::Done),
        }
    }
}
