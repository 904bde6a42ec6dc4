//! File I/O: open (NT_CREATE_ANDX, or OPEN_ANDX for servers without NT SMBs), and reads
//! and writes split into many READ_ANDX / WRITE_ANDX requests in flight.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::{R, check, request, require_connected, status_of, wire_path};
use crate::client::conn::Cx;
use crate::client::types::*;
use crate::wire::consts::{access, create_options, disposition as disp, ext_attr};
use crate::wire::msg::negotiate::caps;
use crate::wire::msg::trans2::info;
use crate::wire::msg::*;
use crate::wire::{Message, NtStatus, Response};

pub(super) async fn open(cx: Cx, tid: TreeId, path: String, o: OpenOptions) -> R<Reply> {
    require_connected(&cx)?;
    let nt = cx.with(|i| i.neg.caps & caps::NT_SMBS != 0);
    let name = wire_path(&path);
    if nt {
        let mut acc = access::FILE_READ_ATTRIBUTES | access::SYNCHRONIZE;
        if o.read {
            acc |= access::FILE_GENERIC_READ;
        }
        if o.write {
            acc |= access::FILE_GENERIC_WRITE;
        }
        if o.delete {
            acc |= access::DELETE;
        }
        let create_disposition = match o.disposition {
            Disposition::Supersede => disp::SUPERSEDE,
            Disposition::Open => disp::OPEN,
            Disposition::Create => disp::CREATE,
            Disposition::OpenIf => disp::OPEN_IF,
            Disposition::Overwrite => disp::OVERWRITE,
            Disposition::OverwriteIf => disp::OVERWRITE_IF,
        };
        let options = match o.directory {
            Some(true) => create_options::DIRECTORY_FILE,
            Some(false) => create_options::NON_DIRECTORY_FILE,
            None => 0,
        };
        let m = request(
            &cx,
            tid.0,
            NtCreateAndXRequest {
                desired_access: acc,
                ext_file_attributes: if o.directory == Some(true) {
                    ext_attr::DIRECTORY
                } else {
                    ext_attr::NORMAL
                },
                share_access: o.share,
                create_disposition,
                create_options: options,
                impersonation_level: 2,
                file_name: name.clone(),
                ..Default::default()
            },
        )
        .await?;
        check(&m)?;
        let Response::NtCreateAndX(r) = m.body() else {
            return Err(SmbError::Protocol("not an NT_CREATE_ANDX response"));
        };
        let action = match r.create_action {
            0 => CreateAction::Superseded,
            2 => CreateAction::Created,
            3 => CreateAction::Overwritten,
            _ => CreateAction::Opened,
        };
        Ok(Reply::Opened(Opened {
            fid: FileId(r.fid),
            action,
            stat: FileStat {
                name: name.rsplit('\\').next().unwrap_or("").into(),
                size: r.end_of_file,
                allocation_size: r.allocation_size,
                created: r.creation_time,
                accessed: r.last_access_time,
                written: r.last_write_time,
                changed: r.change_time,
                attributes: r.ext_file_attributes,
                is_dir: r.directory != 0,
            },
        }))
    } else {
        use crate::wire::consts::open_mode as om;
        let access_mode = match (o.read, o.write) {
            (_, false) => om::ACCESS_READ,
            (false, true) => om::ACCESS_WRITE,
            (true, true) => om::ACCESS_READ_WRITE,
        } | om::SHARE_DENY_NONE;
        let open_mode = match o.disposition {
            Disposition::Open => om::EXISTS_OPEN,
            Disposition::Create => om::CREATE_IF_MISSING,
            Disposition::OpenIf => om::EXISTS_OPEN | om::CREATE_IF_MISSING,
            Disposition::Overwrite => om::EXISTS_TRUNCATE,
            Disposition::OverwriteIf | Disposition::Supersede => {
                om::EXISTS_TRUNCATE | om::CREATE_IF_MISSING
            }
        };
        let m = request(
            &cx,
            tid.0,
            OpenAndXRequest {
                flags: open_andx::OPEN_REQ_ATTRIB,
                access_mode,
                search_attrs: 0x16,
                open_mode,
                file_name: name.clone(),
                ..Default::default()
            },
        )
        .await?;
        check(&m)?;
        let Response::OpenAndX(r) = m.body() else {
            return Err(SmbError::Protocol("not an OPEN_ANDX response"));
        };
        let action = match r.open_results & 3 {
            2 => CreateAction::Created,
            3 => CreateAction::Overwritten,
            _ => CreateAction::Opened,
        };
        let written = info::utime_to_filetime(r.last_write_time);
        Ok(Reply::Opened(Opened {
            fid: FileId(r.fid),
            action,
            stat: FileStat {
                name: name.rsplit('\\').next().unwrap_or("").into(),
                size: r.file_data_size as u64,
                written,
                attributes: ext_attr::from_dos(r.file_attrs),
                is_dir: r.file_attrs & 0x10 != 0,
                ..Default::default()
            },
        }))
    }
}

fn io_window(cx: &Cx) -> usize {
    cx.with(|i| i.neg.max_mpx.min(i.config.max_in_flight).max(1) as usize)
}

fn read_chunk(cx: &Cx) -> u32 {
    cx.with(|i| {
        let large = i.neg.caps & caps::LARGE_READX != 0;
        if large {
            let cap = if i.signing.is_some() {
                0x1_FF00
            } else {
                0xFF_FF00
            };
            i.config.max_read_size.clamp(512, cap)
        } else {
            (i.neg.max_buffer.saturating_sub(128)).clamp(512, 0xFF00)
        }
    })
}

fn write_chunk(cx: &Cx) -> u32 {
    cx.with(|i| {
        let large = i.neg.caps & caps::LARGE_WRITEX != 0;
        if large {
            let cap = if i.signing.is_some() {
                0x1_FF00
            } else {
                0xFF_FF00
            };
            i.config.max_write_size.clamp(512, cap)
        } else {
            (i.neg.max_buffer.saturating_sub(128)).clamp(512, 0xFF00)
        }
    })
}

/// A READ_ANDX; the 32-bit (WordCount 10) form in the LANMAN dialects.
fn read_request(lanman: bool, fid: FileId, offset: u64, n: u64) -> ReadAndXRequest {
    let mut r = ReadAndXRequest::new(fid.0, offset, n as u32);
    r.large_offset = !lanman || offset > u64::from(u32::MAX);
    r
}

pub(super) async fn read(cx: Cx, tid: TreeId, fid: FileId, offset: u64, len: u64) -> R<Reply> {
    require_connected(&cx)?;
    let lanman = super::lanman::protocol(&cx).is_some();
    let window = io_window(&cx);
    let mut chunk = read_chunk(&cx) as u64;
    let end = offset.saturating_add(len);
    let mut next = offset;
    let mut pending = VecDeque::new();
    let mut out = Vec::new();
    let mut eof = false;
    let mut err = None;
    loop {
        while !eof && err.is_none() && pending.len() < window && next < end {
            let n = chunk.min(end - next);
            let h = cx.header(tid.0);
            let w = cx.call(Message::new(h, read_request(lanman, fid, next, n).into()));
            pending.push_back((next, n, w));
            next += n;
        }
        let Some((off, n, w)) = pending.pop_front() else {
            break;
        };
        let m = match w.await {
            Ok(m) => m,
            Err(e) => {
                err.get_or_insert(e);
                continue;
            }
        };
        if eof || err.is_some() {
            continue;
        }
        let s = status_of(&m);
        if !s.is_success() && s != NtStatus::BUFFER_OVERFLOW {
            if s == NtStatus::END_OF_FILE {
                eof = true;
            } else {
                err = Some(SmbError::Status(s));
            }
            continue;
        }
        let data = match m.body() {
            Response::ReadAndX(r) => r.data.clone(),
            _ => {
                err = Some(SmbError::Protocol("not a READ_ANDX response"));
                continue;
            }
        };
        if data.is_empty() {
            eof = true;
            continue;
        }
        let got = data.len() as u64;
        out.push(data);
        if got < n {
            // A server may return less than asked without being at the end (a cap on its
            // side): ask for the rest, and smaller pieces from now on.
            chunk = chunk.min(got).max(512);
            let h = cx.header(tid.0);
            let rest = n - got;
            let w = cx.call(Message::new(
                h,
                read_request(lanman, fid, off + got, rest).into(),
            ));
            pending.push_front((off + got, rest, w));
        }
    }
    if let Some(e) = err {
        return Err(e);
    }
    Ok(Reply::Read(ReadData { chunks: out }))
}

pub(super) async fn write(cx: Cx, tid: TreeId, fid: FileId, offset: u64, data: Bytes) -> R<Reply> {
    require_connected(&cx)?;
    let lanman = super::lanman::protocol(&cx).is_some();
    let window = io_window(&cx);
    let chunk = write_chunk(&cx) as usize;
    let mut pos = 0usize;
    let mut pending = VecDeque::new();
    let mut total = 0u64;
    let mut err = None;
    loop {
        while err.is_none() && pending.len() < window && pos < data.len() {
            let n = chunk.min(data.len() - pos);
            let h = cx.header(tid.0);
            let at = offset + pos as u64;
            let req = WriteAndXRequest {
                fid: fid.0,
                offset: at,
                // LANMAN1.0 and LANMAN2 know the 32-bit (WordCount 12) form only.
                large_offset: !lanman || at > u64::from(u32::MAX),
                data: data.slice(pos..pos + n),
                ..Default::default()
            };
            pending.push_back((n, cx.call(Message::new(h, req.into()))));
            pos += n;
        }
        let Some((n, w)) = pending.pop_front() else {
            break;
        };
        match w.await {
            Ok(m) if err.is_none() => {
                if let Err(e) = check(&m) {
                    err = Some(e);
                    continue;
                }
                match m.body() {
                    Response::WriteAndX(r) if r.count as usize == n => total += n as u64,
                    Response::WriteAndX(_) => err = Some(SmbError::Status(NtStatus::DISK_FULL)),
                    _ => err = Some(SmbError::Protocol("not a WRITE_ANDX response")),
                }
            }
            Ok(_) => {}
            Err(e) => {
                err.get_or_insert(e);
            }
        }
    }
    match err {
        Some(e) => Err(e),
        None => Ok(Reply::Written(total)),
    }
}
