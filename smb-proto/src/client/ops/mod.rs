//! The client operations, as async tasks over the connection context: the handshake
//! ([`connect`]), file I/O ([`io`]), names and metadata ([`names`]), trees and the
//! session ([`tree`]), and the share list ([`shares`]); the public methods that start them
//! are at the end.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::conn::{ClientConnection, Cx};
use super::types::*;
use crate::time::Now;
use crate::wire::consts::ext_attr;
use crate::wire::msg::trans2::info;
use crate::wire::msg::trans2::sub::Trans2Sub;
use crate::wire::msg::*;
use crate::wire::{Message, NtStatus, Request, Response};

mod connect;
mod io;
mod lanman;
mod names;
mod shares;
mod tree;

pub use names::Times;

type R<T> = Result<T, SmbError>;

fn status_of(m: &Message<Response>) -> NtStatus {
    m.header.nt_status()
}

fn check(m: &Message<Response>) -> R<()> {
    let s = status_of(m);
    if s.is_success() {
        Ok(())
    } else {
        Err(SmbError::Status(s))
    }
}

/// `dir/file` or `\dir\file` to the wire form `\dir\file`.
pub(crate) fn wire_path(p: &str) -> String {
    let mut s: String = p.chars().map(|c| if c == '/' { '\\' } else { c }).collect();
    while s.ends_with('\\') && s.len() > 1 {
        s.pop();
    }
    if !s.starts_with('\\') {
        s.insert(0, '\\');
    }
    s
}

fn require_connected(cx: &Cx) -> R<()> {
    cx.with(|i| {
        if let Some(e) = &i.closed {
            return Err(SmbError::Connection(e.clone()));
        }
        if i.neg.connected {
            Ok(())
        } else {
            Err(SmbError::Usage("not connected"))
        }
    })
}

async fn request(cx: &Cx, tid: u16, body: impl Into<Request>) -> R<Message<Response>> {
    let h = cx.header(tid);
    let mut body = body.into();
    if !h.flags2.is_unicode() {
        lanman::names_out(cx, &mut body);
    }
    cx.call(Message::new(h, body)).await
}

async fn simple(cx: Cx, tid: u16, body: Request) -> R<Reply> {
    require_connected(&cx)?;
    let m = request(&cx, tid, body).await?;
    check(&m)?;
    Ok(Reply::Done)
}

async fn trans2(cx: &Cx, tid: u16, mut sub: Trans2Sub, max_data: u16) -> R<(Bytes, Bytes)> {
    let unicode = cx.with(|i| i.neg.unicode);
    if !unicode {
        lanman::sub_names_out(cx, &mut sub);
    }
    let req = sub.into_request(unicode, 64, max_data);
    let m = request(cx, tid, req).await?;
    check(&m)?;
    match m.body() {
        Response::Trans2(Trans2Response(TransResponseBody::Reply { payload, .. })) => {
            Ok((payload.parameters.clone(), payload.data.clone()))
        }
        _ => Err(SmbError::Protocol("not a TRANS2 reply")),
    }
}

fn max_data(cx: &Cx) -> u16 {
    cx.with(|i| i.neg.max_buffer.clamp(1024, 0xFFFF) as u16)
        .saturating_sub(200)
}

fn stat_from(name: &str, i: &info::FileInformation) -> FileStat {
    FileStat {
        name: name.into(),
        size: i.end_of_file,
        allocation_size: i.allocation_size,
        created: i.creation_time,
        accessed: i.last_access_time,
        written: i.last_write_time,
        changed: i.change_time,
        attributes: i.attributes,
        is_dir: i.directory || i.attributes & ext_attr::DIRECTORY != 0,
    }
}

impl ClientConnection {
    /// Performs the handshake: NetBIOS session request (if configured), NEGOTIATE and
    /// SESSION_SETUP_ANDX. Completes with [`Reply::Connected`].
    pub fn connect(&mut self, now: Now) -> Operation<SessionInfo> {
        self.start(now, connect::connect)
    }

    /// Connects to a share (`SHARE`, or a UNC path `\\host\share`); [`Reply::Tree`].
    pub fn tree_connect(&mut self, now: Now, share: &str) -> Operation<TreeId> {
        let s = String::from(share);
        self.start(now, move |cx| tree::tree_connect(cx, s))
    }

    /// Disconnects a tree; [`Reply::Done`].
    pub fn tree_disconnect(&mut self, now: Now, tree: TreeId) -> Operation<()> {
        self.start(now, move |cx| {
            simple(cx, tree.0, TreeDisconnectRequest.into())
        })
    }

    /// Opens or creates a file or directory; [`Reply::Opened`].
    pub fn open(
        &mut self,
        now: Now,
        tree: TreeId,
        path: &str,
        options: OpenOptions,
    ) -> Operation<Opened> {
        let p = String::from(path);
        self.start(now, move |cx| io::open(cx, tree, p, options))
    }

    /// Reads up to `len` bytes at `offset` (several READ_ANDX in flight); [`Reply::Read`],
    /// short at end of file.
    pub fn read(
        &mut self,
        now: Now,
        tree: TreeId,
        file: FileId,
        offset: u64,
        len: u64,
    ) -> Operation<ReadData> {
        self.start(now, move |cx| io::read(cx, tree, file, offset, len))
    }

    /// Writes `data` at `offset` (several WRITE_ANDX in flight); [`Reply::Written`].
    pub fn write(
        &mut self,
        now: Now,
        tree: TreeId,
        file: FileId,
        offset: u64,
        data: Bytes,
    ) -> Operation<u64> {
        self.start(now, move |cx| io::write(cx, tree, file, offset, data))
    }

    /// Closes a file; [`Reply::Done`].
    pub fn close(&mut self, now: Now, tree: TreeId, file: FileId) -> Operation<()> {
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                CloseRequest {
                    fid: file.0,
                    last_time_modified: u32::MAX,
                }
                .into(),
            )
        })
    }

    /// Flushes a file; [`Reply::Done`].
    pub fn flush(&mut self, now: Now, tree: TreeId, file: FileId) -> Operation<()> {
        self.start(now, move |cx| {
            simple(cx, tree.0, FlushRequest { fid: file.0 }.into())
        })
    }

    /// Lists a directory (`dir`, `dir\*`, or a pattern); [`Reply::Dir`] without `.` and `..`.
    pub fn list(&mut self, now: Now, tree: TreeId, pattern: &str) -> Operation<Vec<FileStat>> {
        let p = if crate::wildcard::has_wildcards(pattern) {
            String::from(pattern)
        } else {
            let base = wire_path(pattern);
            if base == "\\" {
                String::from("\\*")
            } else {
                format!("{base}\\*")
            }
        };
        self.start(now, move |cx| names::list(cx, tree, p))
    }

    /// Information about a path; [`Reply::Stat`].
    pub fn stat(&mut self, now: Now, tree: TreeId, path: &str) -> Operation<FileStat> {
        let p = String::from(path);
        self.start(now, move |cx| names::stat(cx, tree, Ok(p)))
    }

    /// Information about an open file; [`Reply::Stat`].
    pub fn stat_file(&mut self, now: Now, tree: TreeId, file: FileId) -> Operation<FileStat> {
        self.start(now, move |cx| names::stat(cx, tree, Err(file)))
    }

    /// Sets times and/or the size of a path; [`Reply::Done`].
    pub fn set_info(
        &mut self,
        now: Now,
        tree: TreeId,
        path: &str,
        times: Option<Times>,
        size: Option<u64>,
    ) -> Operation<()> {
        let p = String::from(path);
        self.start(now, move |cx| names::set_info(cx, tree, Ok(p), times, size))
    }

    /// Sets times and/or the size of an open file; [`Reply::Done`].
    pub fn set_file_info(
        &mut self,
        now: Now,
        tree: TreeId,
        file: FileId,
        times: Option<Times>,
        size: Option<u64>,
    ) -> Operation<()> {
        self.start(now, move |cx| {
            names::set_info(cx, tree, Err(file), times, size)
        })
    }

    /// Deletes a file; [`Reply::Done`].
    pub fn delete(&mut self, now: Now, tree: TreeId, path: &str) -> Operation<()> {
        let file_name = wire_path(path);
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                DeleteRequest {
                    search_attributes: 0x06,
                    buffer_format: 4,
                    file_name,
                }
                .into(),
            )
        })
    }

    /// Renames a file or directory; [`Reply::Done`].
    pub fn rename(&mut self, now: Now, tree: TreeId, from: &str, to: &str) -> Operation<()> {
        let (old_file_name, new_file_name) = (wire_path(from), wire_path(to));
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                RenameRequest {
                    search_attributes: 0x16,
                    old_file_name,
                    new_file_name,
                }
                .into(),
            )
        })
    }

    /// Creates a directory; [`Reply::Done`].
    pub fn mkdir(&mut self, now: Now, tree: TreeId, path: &str) -> Operation<()> {
        let directory_name = wire_path(path);
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                CreateDirectoryRequest {
                    buffer_format: 4,
                    directory_name,
                }
                .into(),
            )
        })
    }

    /// Removes an empty directory; [`Reply::Done`].
    pub fn rmdir(&mut self, now: Now, tree: TreeId, path: &str) -> Operation<()> {
        let directory_name = wire_path(path);
        self.start(now, move |cx| {
            simple(
                cx,
                tree.0,
                DeleteDirectoryRequest {
                    buffer_format: 4,
                    directory_name,
                }
                .into(),
            )
        })
    }

    /// File-system sizes of a tree; [`Reply::FsStat`].
    pub fn fs_info(&mut self, now: Now, tree: TreeId) -> Operation<FsStat> {
        self.start(now, move |cx| tree::fs_info(cx, tree))
    }

    /// ECHO; [`Reply::Echo`].
    pub fn echo(&mut self, now: Now, data: Bytes) -> Operation<Bytes> {
        self.start(now, move |cx| tree::echo(cx, data))
    }

    /// Lists the server's shares: srvsvc NetShareEnumAll over the `\srvsvc` pipe of IPC$,
    /// or RAP NetShareEnum when the server has no srvsvc; [`Reply::Shares`].
    pub fn shares(&mut self, now: Now) -> Operation<Vec<ShareEntry>> {
        self.start(now, shares::shares)
    }

    /// Ends the session; [`Reply::Done`].
    pub fn logoff(&mut self, now: Now) -> Operation<()> {
        self.start(now, tree::logoff)
    }
}
