//! Directory searches: the entries a pattern names (for TRANS2 FIND_FIRST2/FIND_NEXT2; the
//! core SEARCH and the LANMAN FIND commands in `find` list through `raw_listing` too), and
//! FIND_NEXT2 as Windows and Samba do it:
//! the folder is listed again on every request, so that files deleted since the last
//! request are left out, new ones come at the end and attribute changes show; a search
//! resumes after the name the client gives (which may have been deleted since), else after
//! the resume key, else where it stopped.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::names::{attrs_match, list, stat};
use super::{Rc, check_disk};
use crate::server::cx::Cx;
use crate::server::fs::{FileInfo, FsCall, FsReply, ShareId, SharePath, Target};
use crate::server::path::fold_case;
use crate::server::shortname;
use crate::server::state::{Search, SearchSource};
use crate::wildcard;
use crate::wire::NtStatus;
use crate::wire::codepage::CodePage;
use crate::wire::consts::attr;
use crate::wire::msg::trans2::info::{
    DirEntry, FeaEntry, decode_gea_list, encode_find_entries, find_level_supported, level,
};
use crate::wire::msg::trans2::sub::{
    FindFirst2, FindFirst2Response, FindNext2, FindNext2Response, find_flags,
};

/// A folder's entries in listing order, `.` and `..` first, none left out.
pub(crate) async fn raw_listing(
    cx: &Cx,
    share: ShareId,
    dir: &SharePath,
) -> Result<Vec<(String, FileInfo)>, NtStatus> {
    let here = stat(cx, share, dir).await.map_err(|e| match e {
        NtStatus::OBJECT_NAME_NOT_FOUND => NtStatus::OBJECT_PATH_NOT_FOUND,
        e => e,
    })?;
    if !here.is_dir {
        return Err(NtStatus::NOT_A_DIRECTORY);
    }
    let parent = if dir.is_root() {
        here.clone()
    } else {
        stat(cx, share, &dir.parent())
            .await
            .unwrap_or_else(|_| here.clone())
    };
    let limit = cx.with(|i| i.config.limits.max_dir_entries);
    let entries = list(cx, share, dir).await?;
    if entries.len() + 2 > limit {
        return Err(NtStatus::INSUFFICIENT_RESOURCES);
    }
    let mut out = Vec::with_capacity(entries.len() + 2);
    out.push((String::from("."), here));
    out.push((String::from(".."), parent));
    out.extend(entries.into_iter().map(|fi| (fi.name.clone(), fi)));
    Ok(out)
}

/// Whether a search for `pattern` with `search_attributes` returns this entry: the pattern
/// matches the name, hidden and system files only when asked for, directories (`.` and
/// `..` too) only when DIRECTORY is asked for.
pub(crate) fn admits(pattern: &str, search_attributes: u16, name: &str, fi: &FileInfo) -> bool {
    wildcard::matches(pattern, name)
        && attrs_match(
            search_attributes | attr::DIRECTORY,
            fi,
            search_attributes & attr::DIRECTORY != 0,
        )
}

/// A FIND_FIRST2/FIND_NEXT2 directory entry (before the level-specific fields).
pub(crate) fn dir_entry(fi: &FileInfo, name: &str, file_index: u32) -> DirEntry {
    DirEntry {
        file_index,
        creation_time: fi.created,
        last_access_time: fi.accessed,
        last_write_time: fi.written,
        change_time: fi.changed,
        end_of_file: if fi.is_dir { 0 } else { fi.size },
        allocation_size: if fi.is_dir { 0 } else { fi.allocation_size },
        attributes: super::attributes(fi),
        ea_size: 0,
        short_name: crate::server::shortname::alt_name_if_needed(name),
        file_id: fi.file_id,
        file_name: name.into(),
        eas: Vec::new(),
    }
}

/// The EAs of `names` on an entry, each present (empty value when the file lacks it), for
/// SMB_INFO_QUERY_EAS_FROM_LIST.
async fn eas_from_list(
    cx: &Cx,
    share: ShareId,
    path: SharePath,
    names: &[String],
) -> Vec<FeaEntry> {
    let all = match cx
        .fs(
            share,
            FsCall::GetEas {
                target: Target::Path(path),
            },
        )
        .await
    {
        Ok(FsReply::Eas(v)) => v,
        _ => Vec::new(),
    };
    names
        .iter()
        .map(|n| {
            let found = all.iter().find(|e| e.name.eq_ignore_ascii_case(n));
            FeaEntry {
                flags: 0,
                name: n.clone(),
                value: found.map_or_else(Bytes::new, |e| e.value.clone()),
            }
        })
        .collect()
}

/// One page of a search: the candidates from `order[pos..]` that still exist and are
/// admitted, encoded at `lvl` into at most `max_data` bytes. Returns the data, the entry
/// count, the LastNameOffset, the position after the last entry sent and whether none are
/// left after it.
#[allow(clippy::too_many_arguments)]
async fn page(
    cx: &Cx,
    rc: &Rc,
    src: &SearchSource,
    fresh: &[(String, FileInfo)],
    pos: usize,
    count: usize,
    lvl: u16,
    ea_names: &[String],
    resume_keys: bool,
    max_data: usize,
) -> Result<(Bytes, usize, u16, usize, bool), NtStatus> {
    let find = |name: &str| {
        let key = fold_case(name);
        fresh.iter().find(|(n, _)| fold_case(n) == key)
    };
    let mut cands: Vec<(usize, DirEntry)> = Vec::new();
    for (idx, name) in src.order.iter().enumerate().skip(pos) {
        if cands.len() >= count {
            break;
        }
        if let Some((n, fi)) = find(name) {
            if admits(&src.pattern, src.attrs, n, fi) {
                cands.push((idx, dir_entry(fi, n, idx as u32 + 1)));
            }
        }
    }
    if lvl == level::INFO_QUERY_EAS_FROM_LIST {
        for (_, e) in &mut cands {
            let path = src
                .dir
                .join(&e.file_name)
                .unwrap_or_else(|_| src.dir.clone());
            e.eas = eas_from_list(cx, src.share, path, ea_names).await;
        }
    }
    let mut entries: Vec<DirEntry> = cands.iter().map(|(_, e)| e.clone()).collect();
    super::oem::entries_out(cx, rc, &mut entries);
    let (data, n, last) =
        encode_find_entries(lvl, &entries, rc.unicode, resume_keys, max_data.min(0xFFFF))?;
    let next = if n == 0 { pos } else { cands[n - 1].0 + 1 };
    let more = src
        .order
        .iter()
        .skip(next)
        .any(|name| find(name).is_some_and(|(n, fi)| admits(&src.pattern, src.attrs, n, fi)));
    Ok((data, n, last, next, !more))
}

/// The EA names a QUERY_EAS_FROM_LIST search asks for (in the request's data).
fn ea_names(lvl: u16, data: &Bytes) -> Result<Vec<String>, NtStatus> {
    if lvl != level::INFO_QUERY_EAS_FROM_LIST {
        return Ok(Vec::new());
    }
    decode_gea_list(data).map_err(|_| NtStatus::EA_CORRUPT_ERROR)
}

/// TRANS2 FIND_FIRST2.
pub(crate) async fn find_first(
    cx: &Cx,
    rc: &Rc,
    f: FindFirst2,
    data: &Bytes,
    max_data: usize,
) -> Result<(Bytes, Bytes), NtStatus> {
    let (share, _) = check_disk(cx, rc)?;
    if !find_level_supported(f.level) {
        return Err(NtStatus::INVALID_LEVEL);
    }
    let names = ea_names(f.level, data)?;
    let (dir, pattern) = SharePath::parse_pattern(&f.file_name)?;
    let all = raw_listing(cx, share, &dir).await?;
    let src = SearchSource {
        share,
        dir,
        pattern,
        attrs: f.search_attributes,
        order: all.iter().map(|(n, _)| n.clone()).collect(),
        ea_names: names,
    };
    if !all
        .iter()
        .any(|(n, fi)| admits(&src.pattern, src.attrs, n, fi))
    {
        return Err(NtStatus::NO_SUCH_FILE);
    }
    let count = f.search_count.max(1) as usize;
    let resume = f.flags & find_flags::RETURN_RESUME_KEYS != 0;
    let (data, n, last_name, pos, end) = page(
        cx,
        rc,
        &src,
        &all,
        0,
        count,
        f.level,
        &src.ea_names,
        resume,
        max_data,
    )
    .await?;
    if n == 0 {
        return Err(NtStatus::BUFFER_TOO_SMALL);
    }
    let close = f.flags & find_flags::CLOSE_AFTER_REQUEST != 0
        || (end && f.flags & find_flags::CLOSE_AT_EOS != 0);
    let sid = if close {
        0
    } else {
        cx.with(|i| {
            if i.searches.len() >= i.config.limits.max_searches {
                return Err(NtStatus::INSUFFICIENT_RESOURCES);
            }
            let sid = i.new_sid().ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
            i.searches.insert(
                sid,
                Search {
                    tid: rc.tid,
                    entries: Vec::new(),
                    pos,
                    source: Some(src),
                },
            );
            Ok(sid)
        })?
    };
    let p = FindFirst2Response {
        sid,
        search_count: n as u16,
        end_of_search: end as u16,
        ea_error_offset: 0,
        last_name_offset: last_name,
    };
    Ok((p.encode(), data))
}

/// Where FIND_NEXT2 resumes in `order`: after the entry it names (found again even when it
/// was deleted since), else after the resume key, else where the last request stopped.
/// A client without long names gives the 8.3 name it was shown.
fn resume_pos(order: &[String], pos: usize, f: &FindNext2, cp: CodePage) -> usize {
    if f.flags & find_flags::CONTINUE_FROM_LAST != 0 {
        return pos;
    }
    if !f.file_name.is_empty() {
        let want = fold_case(&f.file_name);
        let short = shortname::looks_mangled(&f.file_name);
        if let Some(p) = order.iter().position(|n| {
            fold_case(n) == want || short && shortname::matches_short(n, &f.file_name, cp)
        }) {
            return p + 1;
        }
    }
    if f.resume_key != 0 && (f.resume_key as usize) <= order.len() {
        return f.resume_key as usize;
    }
    pos
}

/// TRANS2 FIND_NEXT2.
pub(crate) async fn find_next(
    cx: &Cx,
    rc: &Rc,
    f: FindNext2,
    data: &Bytes,
    max_data: usize,
) -> Result<(Bytes, Bytes), NtStatus> {
    check_disk(cx, rc)?;
    if !find_level_supported(f.level) {
        return Err(NtStatus::INVALID_LEVEL);
    }
    let (src, pos) = cx.with(|i| {
        i.searches
            .get(&f.sid)
            .filter(|s| s.tid == rc.tid)
            .and_then(|s| s.source.clone().map(|src| (src, s.pos)))
            .ok_or(NtStatus::INVALID_HANDLE)
    })?;
    let mut src = src;
    let fresh = raw_listing(cx, src.share, &src.dir).await?;
    // New entries come after those the search has seen.
    for (n, _) in &fresh {
        let key = fold_case(n);
        if !src.order.iter().any(|o| fold_case(o) == key) {
            src.order.push(n.clone());
        }
    }
    if f.level == level::INFO_QUERY_EAS_FROM_LIST && !data.is_empty() {
        src.ea_names = ea_names(f.level, data)?;
    }
    let cp = cx.with(|i| i.config.dos_charset);
    let start = resume_pos(&src.order, pos, &f, cp);
    let resume = f.flags & find_flags::RETURN_RESUME_KEYS != 0;
    let count = f.search_count.max(1) as usize;
    let names = src.ea_names.clone();
    let (data, n, last, next, end) = page(
        cx, rc, &src, &fresh, start, count, f.level, &names, resume, max_data,
    )
    .await?;
    let close = f.flags & find_flags::CLOSE_AFTER_REQUEST != 0
        || (end && f.flags & find_flags::CLOSE_AT_EOS != 0);
    cx.with(|i| {
        if close {
            i.searches.remove(&f.sid);
        } else if let Some(s) = i.searches.get_mut(&f.sid) {
            s.pos = next;
            s.source = Some(src);
        }
    });
    let p = FindNext2Response {
        search_count: n as u16,
        end_of_search: end as u16,
        ea_error_offset: 0,
        last_name_offset: last,
    };
    Ok((p.encode(), data))
}
