//! Names and metadata: directory listings (FIND_FIRST2 / FIND_NEXT2 to the end), stat of a
//! path or an open file, and setting times and sizes.

use alloc::string::String;
use alloc::vec::Vec;

use super::{R, max_data, require_connected, stat_from, trans2, wire_path};
use crate::client::conn::Cx;
use crate::client::types::*;
use crate::wire::NtStatus;
use crate::wire::consts::ext_attr;
use crate::wire::dialect::Protocol;
use crate::wire::msg::trans2::info::{self, level};
use crate::wire::msg::trans2::sub::{
    FindFirst2, FindFirst2Response, FindNext2, FindNext2Response, Trans2Sub, find_flags,
};

pub(super) async fn list(cx: Cx, tid: TreeId, pattern: String) -> R<Reply> {
    require_connected(&cx)?;
    let unicode = cx.with(|i| i.neg.unicode);
    // LANMAN1 has no TRANS2: the core SEARCH; LANMAN2 has SMB_INFO_STANDARD.
    let lvl = match super::lanman::protocol(&cx) {
        Some(Protocol::Lanman1) => return super::lanman::search_list(cx, tid, pattern).await,
        Some(_) => level::INFO_STANDARD,
        None => level::FIND_BOTH_DIRECTORY_INFO,
    };
    let md = max_data(&cx);
    let first = Trans2Sub::FindFirst2(FindFirst2 {
        search_attributes: 0x16,
        search_count: 1366,
        flags: find_flags::CLOSE_AT_EOS | find_flags::RETURN_RESUME_KEYS,
        level: lvl,
        storage_type: 0,
        file_name: wire_path(&pattern),
    });
    let (p, d) = match trans2(&cx, tid.0, first, md).await {
        Ok(x) => x,
        // A pre-NT server says "no match" in DOS form, ERRDOS/ERRbadfile.
        Err(SmbError::Status(NtStatus::NO_SUCH_FILE | NtStatus::NO_MORE_FILES)) => {
            return Ok(Reply::Dir(Vec::new()));
        }
        Err(SmbError::Status(NtStatus::OBJECT_NAME_NOT_FOUND)) if !unicode => {
            return Ok(Reply::Dir(Vec::new()));
        }
        Err(e) => return Err(e),
    };
    let ff = FindFirst2Response::decode(&p)
        .map_err(|_| SmbError::Protocol("bad FIND_FIRST2 parameters"))?;
    let mut entries = info::decode_find_entries(lvl, &d, unicode, true, ff.search_count as usize)
        .map_err(|_| SmbError::Protocol("bad directory entries"))?;
    let mut eos = ff.end_of_search != 0 || ff.search_count == 0;
    let sid = ff.sid;
    while !eos {
        if entries.len() > 10_000_000 {
            return Err(SmbError::Protocol("directory listing does not end"));
        }
        let last = entries
            .last()
            .map(|e| e.file_name.clone())
            .unwrap_or_default();
        let next = Trans2Sub::FindNext2(FindNext2 {
            sid,
            search_count: 1366,
            level: lvl,
            resume_key: entries.last().map_or(0, |e| e.file_index),
            flags: find_flags::CLOSE_AT_EOS
                | find_flags::RETURN_RESUME_KEYS
                | find_flags::CONTINUE_FROM_LAST,
            file_name: last,
        });
        let (p, d) = match trans2(&cx, tid.0, next, md).await {
            Ok(x) => x,
            Err(SmbError::Status(
                NtStatus::NO_MORE_FILES | NtStatus::NO_SUCH_FILE | NtStatus::OBJECT_NAME_NOT_FOUND,
            )) => break,
            Err(e) => return Err(e),
        };
        let fnx = FindNext2Response::decode(&p)
            .map_err(|_| SmbError::Protocol("bad FIND_NEXT2 parameters"))?;
        let more = info::decode_find_entries(lvl, &d, unicode, true, fnx.search_count as usize)
            .map_err(|_| SmbError::Protocol("bad directory entries"))?;
        eos = fnx.end_of_search != 0 || more.is_empty();
        entries.extend(more);
    }
    let out = entries
        .into_iter()
        .filter(|e| e.file_name != "." && e.file_name != "..")
        .map(|e| FileStat {
            name: if unicode {
                e.file_name
            } else {
                super::lanman::name_in(&cx, e.file_name)
            },
            size: e.end_of_file,
            allocation_size: e.allocation_size,
            created: e.creation_time,
            accessed: e.last_access_time,
            written: e.last_write_time,
            changed: e.change_time,
            attributes: e.attributes,
            is_dir: e.attributes & ext_attr::DIRECTORY != 0,
        })
        .collect();
    Ok(Reply::Dir(out))
}

pub(super) async fn stat(cx: Cx, tid: TreeId, target: Result<String, FileId>) -> R<Reply> {
    require_connected(&cx)?;
    if super::lanman::protocol(&cx).is_some() {
        return super::lanman::stat(cx, tid, target).await;
    }
    let unicode = cx.with(|i| i.neg.unicode);
    let lvl = level::FILE_ALL_INFO;
    let (name, sub) = match &target {
        Ok(p) => (
            p.clone(),
            Trans2Sub::QueryPathInformation {
                level: lvl,
                reserved: 0,
                file_name: wire_path(p),
            },
        ),
        Err(f) => (
            String::new(),
            Trans2Sub::QueryFileInformation {
                fid: f.0,
                level: lvl,
            },
        ),
    };
    let (_, d) = trans2(&cx, tid.0, sub, max_data(&cx)).await?;
    let i = info::decode_file_info(lvl, &d, unicode)
        .map_err(|_| SmbError::Protocol("bad file information"))?;
    let name = if name.is_empty() {
        i.file_name.rsplit('\\').next().unwrap_or("").into()
    } else {
        name
    };
    Ok(Reply::Stat(stat_from(&name, &i)))
}

/// Times to set (FILETIMEs); `None` leaves one unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Times {
    /// Creation.
    pub created: Option<u64>,
    /// Last access.
    pub accessed: Option<u64>,
    /// Last write.
    pub written: Option<u64>,
    /// Change.
    pub changed: Option<u64>,
}

pub(super) async fn set_info(
    cx: Cx,
    tid: TreeId,
    target: Result<String, FileId>,
    times: Option<Times>,
    size: Option<u64>,
) -> R<Reply> {
    require_connected(&cx)?;
    if super::lanman::protocol(&cx).is_some() {
        return super::lanman::set_info(cx, tid, target, times, size).await;
    }
    let unicode = cx.with(|i| i.neg.unicode);
    let mut sets = Vec::new();
    if let Some(t) = times {
        sets.push((
            level::FILE_BASIC_INFO,
            info::encode_set_info(
                &info::SetFileInfo::Basic {
                    creation_time: t.created.unwrap_or(0),
                    last_access_time: t.accessed.unwrap_or(0),
                    last_write_time: t.written.unwrap_or(0),
                    change_time: t.changed.unwrap_or(0),
                    attributes: 0,
                },
                unicode,
            ),
        ));
    }
    if let Some(n) = size {
        sets.push((
            level::SET_FILE_END_OF_FILE_INFO,
            info::encode_set_info(&info::SetFileInfo::EndOfFile(n), unicode),
        ));
    }
    for (lvl, data) in sets {
        let sub = match &target {
            Ok(p) => Trans2Sub::SetPathInformation {
                level: lvl,
                reserved: 0,
                file_name: wire_path(p),
                data,
            },
            Err(f) => Trans2Sub::SetFileInformation {
                fid: f.0,
                level: lvl,
                reserved: 0,
                data,
            },
        };
        trans2(&cx, tid.0, sub, 0).await?;
    }
    Ok(Reply::Done)
}
