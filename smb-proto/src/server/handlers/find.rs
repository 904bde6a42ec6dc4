//! The core and LANMAN1.0 directory searches: SEARCH, FIND, FIND_UNIQUE and FIND_CLOSE.
//!
//! All four share SEARCH's layout: 43-byte entries carrying a 21-byte resume key and an
//! 8.3 name. The server part of the resume key holds the search id (bytes 1-2) and the
//! position after the entry (bytes 3-6); byte 0 repeats the search attributes and bytes
//! 17-20 are the client's. As Samba answers:
//! - names are 8.3 (mangled when long, see [`mangle`](crate::server::mangle)), in upper
//!   case unless the client set `FLAGS2_LONG_NAMES`, NUL-padded to 13 bytes;
//! - a pattern with wildcards that matches nothing (or a resume past the end) gives zero
//!   entries and success; a plain name that matches nothing gives NO_MORE_FILES;
//! - a search for the volume label (attributes 0x08 alone) gives one entry with the label;
//! - FIND_CLOSE answers a zero count and no data.
//!
//! SEARCH forgets a search once its last entry went out; FIND keeps it until FIND_CLOSE
//! (or the tree goes); FIND_UNIQUE keeps none.

use alloc::string::String;
use alloc::vec::Vec;

use super::names::{attrs_match, list, stat};
use super::{Answer, HResult, Rc, attributes, check_disk};
use crate::server::cx::Cx;
use crate::server::fs::{FileInfo, FsCall, FsReply, SharePath};
use crate::server::mangle;
use crate::wildcard;
use crate::wire::codepage::CodePage;
use crate::wire::consts::{attr, ext_attr};
use crate::wire::msg::trans2::info::{DirEntry, filetime_to_dos};
use crate::wire::msg::*;
use crate::wire::{Flags2, NtStatus};

/// Which of the four commands is being served.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Search,
    Find,
    Unique,
}

pub(crate) async fn search(cx: &Cx, rc: &Rc, r: SearchRequest) -> HResult {
    let v = run(cx, rc, r, Kind::Search).await?;
    Ok(Answer::ok(SearchResponse { entries: v }))
}

pub(crate) async fn find(cx: &Cx, rc: &Rc, r: FindRequest) -> HResult {
    let v = run(cx, rc, r.0, Kind::Find).await?;
    Ok(Answer::ok(FindResponse(SearchResponse { entries: v })))
}

pub(crate) async fn find_unique(cx: &Cx, rc: &Rc, r: FindUniqueRequest) -> HResult {
    let v = run(cx, rc, r.0, Kind::Unique).await?;
    Ok(Answer::ok(FindUniqueResponse(SearchResponse {
        entries: v,
    })))
}

pub(crate) async fn find_close(cx: &Cx, rc: &Rc, r: FindCloseRequest) -> HResult {
    check_disk(cx, rc)?;
    let Some((sid, _, _)) = resume_of(&r.0.resume_key) else {
        // Samba: a FIND_CLOSE without a resume key is ERRSRV/ERRsrverror.
        return Err(NtStatus::INVALID_PARAMETER);
    };
    cx.with(|i| {
        if i.searches.get(&sid).is_some_and(|s| s.tid == rc.tid) {
            i.searches.remove(&sid);
        }
    });
    Ok(Answer::ok(FindCloseResponse::default()))
}

/// The search id, position and wildcard flag a resume key holds.
fn resume_of(key: &[u8]) -> Option<(u16, usize, bool)> {
    if key.len() != RESUME_KEY_LEN {
        return None;
    }
    let sid = u16::from_le_bytes([key[1], key[2]]);
    let pos = u32::from_le_bytes([key[3], key[4], key[5], key[6]]) as usize;
    Some((sid, pos, key[7] != 0))
}

/// The pattern as the pre-NT dialects mean it: `?` also matches nothing at the end of a
/// name part, and `.` before a wildcard also matches the end of a name without one
/// (`????????.???` matches `A`), which the DOS wildcards `>` and `"` express.
fn dos_pattern(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len());
    for (k, &c) in chars.iter().enumerate() {
        match c {
            '?' => out.push('>'),
            '.' if matches!(chars.get(k + 1), Some('?' | '*')) => out.push('"'),
            c => out.push(c),
        }
    }
    out
}

/// The 13-byte name field of an entry: the 8.3 name, upper case unless the client takes
/// long names, in the OEM code page, NUL-padded.
fn name_field(name: &str, upper: bool, cp: CodePage) -> [u8; 13] {
    let short = if upper || !mangle::is_8dot3(name, cp) {
        mangle::short_name(name, cp)
    } else {
        String::from(name)
    };
    let mut out = [0u8; 13];
    let bytes = cp.encode(&short).unwrap_or_default();
    for (o, b) in out.iter_mut().zip(bytes.iter().take(12)) {
        *o = *b;
    }
    out
}

fn entry(fi: &FileInfo, name: &str) -> DirEntry {
    DirEntry {
        last_write_time: fi.written,
        end_of_file: if fi.is_dir { 0 } else { fi.size },
        attributes: attributes(fi),
        file_name: name.into(),
        ..Default::default()
    }
}

/// Collects the entries of a new search; `None` for the volume label search.
async fn collect(
    cx: &Cx,
    share: crate::server::fs::ShareId,
    r: &SearchRequest,
    cp: CodePage,
) -> Result<Vec<DirEntry>, NtStatus> {
    if r.search_attributes & 0x1F == attr::VOLUME {
        let label = match cx.fs(share, FsCall::FsInfo).await {
            Ok(FsReply::FsInfo(f)) if !f.label.is_empty() => f.label,
            _ => cx.with(|i| i.config.shares[share.0 as usize].name.clone()),
        };
        let label: String = label
            .chars()
            .filter(|&c| cp.encode_char(c).is_some())
            .take(11)
            .collect();
        return Ok(alloc::vec![DirEntry {
            attributes: u32::from(attr::VOLUME),
            file_name: label.to_uppercase(),
            ..Default::default()
        }]);
    }
    let (dir, pattern) = SharePath::parse_pattern(&r.file_name)?;
    let here = stat(cx, share, &dir).await.map_err(|e| match e {
        NtStatus::OBJECT_NAME_NOT_FOUND => NtStatus::OBJECT_PATH_NOT_FOUND,
        e => e,
    })?;
    if !here.is_dir {
        return Err(NtStatus::OBJECT_PATH_NOT_FOUND);
    }
    let dos = dos_pattern(&pattern);
    let fits = |name: &str| {
        wildcard::matches(&dos, name) || wildcard::matches(&dos, &mangle::short_name(name, cp))
    };
    // `.` and `..` come first, at the share root too (as Samba lists them).
    let mut entries = Vec::new();
    for name in [".", ".."] {
        if fits(name) && attrs_match(r.search_attributes, &here, true) {
            entries.push(entry(&here, name));
        }
    }
    let limit = cx.with(|i| i.config.limits.max_dir_entries);
    for fi in list(cx, share, &dir).await? {
        if entries.len() >= limit {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        if fits(&fi.name) && attrs_match(r.search_attributes, &fi, true) {
            entries.push(entry(&fi, &fi.name));
        }
    }
    Ok(entries)
}

async fn run(cx: &Cx, rc: &Rc, r: SearchRequest, kind: Kind) -> Result<Vec<SearchEntry>, NtStatus> {
    let (share, _) = check_disk(cx, rc)?;
    let cp = cx.with(|i| i.config.dos_charset);
    let upper = !rc.h.flags2.has(Flags2::LONG_NAMES);
    let client_state: [u8; 4] = if r.resume_key.len() == RESUME_KEY_LEN {
        r.resume_key[17..21].try_into().unwrap_or([0; 4])
    } else {
        [0; 4]
    };
    let resuming = resume_of(&r.resume_key);
    let wild = match resuming {
        Some((_, _, w)) => w,
        None => wildcard::has_wildcards(&r.file_name),
    };
    let sid = match resuming {
        Some((sid, pos, _)) => {
            let found = cx.with(|i| match i.searches.get_mut(&sid) {
                Some(s) if s.tid == rc.tid => {
                    s.pos = pos.min(s.entries.len());
                    true
                }
                _ => false,
            });
            if !found {
                // A search that ended (or never was): nothing more.
                return if wild {
                    Ok(Vec::new())
                } else {
                    Err(NtStatus::NO_MORE_FILES)
                };
            }
            sid
        }
        None => {
            let entries = collect(cx, share, &r, cp).await?;
            if entries.is_empty() {
                return if wild {
                    Ok(Vec::new())
                } else {
                    Err(NtStatus::NO_MORE_FILES)
                };
            }
            cx.with(|i| i.add_search(rc.tid, entries, 0))?
        }
    };
    let room = cx
        .with(|i| i.neg.client_max_buffer as usize)
        .clamp(1024, 0xFFFF)
        .saturating_sub(64)
        / SEARCH_ENTRY_LEN;
    let max = (r.max_count as usize).min(room);
    let dirtype = (r.search_attributes & 0xFF) as u8;
    let out = cx.with(|i| {
        let s = i.searches.get_mut(&sid)?;
        let start = s.pos.min(s.entries.len());
        let end = (start + max).min(s.entries.len());
        let mut v = Vec::with_capacity(end - start);
        for (k, e) in s.entries[start..end].iter().enumerate() {
            let mut key = [0u8; RESUME_KEY_LEN];
            key[0] = dirtype;
            key[1..3].copy_from_slice(&sid.to_le_bytes());
            key[3..7].copy_from_slice(&((start + k + 1) as u32).to_le_bytes());
            key[7] = u8::from(wild);
            key[17..21].copy_from_slice(&client_state);
            let (date, time) = filetime_to_dos(e.last_write_time);
            v.push(SearchEntry {
                resume_key: key,
                // The volume label's attribute (0x08) has no NT counterpart.
                file_attributes: ext_attr::to_dos(e.attributes) as u8
                    | (e.attributes as u8 & attr::VOLUME as u8),
                last_write_time: u32::from(time) | u32::from(date) << 16,
                file_size: e.end_of_file.min(u64::from(u32::MAX)) as u32,
                file_name: name_field(&e.file_name, upper, cp),
            });
        }
        s.pos = end;
        let done = match kind {
            Kind::Search => end >= s.entries.len(),
            Kind::Find => false,
            Kind::Unique => true,
        };
        if done {
            i.searches.remove(&sid);
        }
        Some(v)
    });
    match out {
        Some(v) if !v.is_empty() || wild => Ok(v),
        _ => Err(NtStatus::NO_MORE_FILES),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_patterns() {
        let m = |p: &str, n: &str| wildcard::matches(&dos_pattern(p), n);
        assert!(m("????????.???", "A"));
        assert!(m("????????.???", "HELLO.TXT"));
        assert!(m("*.*", "README"));
        assert!(m("H????.TXT", "HELLO.TXT"));
        assert!(!m("????.TXT", "HELLO.TXT"));
        assert!(m("MOVED.TXT", "moved.txt"));
    }

    #[test]
    fn name_fields() {
        let cp = CodePage::Cp850;
        assert_eq!(&name_field("hello.txt", true, cp), b"HELLO.TXT\0\0\0\0");
        assert_eq!(&name_field("hello.txt", false, cp), b"hello.txt\0\0\0\0");
        assert_eq!(&name_field("café.txt", true, cp)[..9], b"CAF\x90.TXT\0");
        let long = name_field("a long name.text", false, cp);
        assert_eq!(&long[..5], b"ALON~");
        assert_eq!(&long[8..13], b".TEX\0");
    }
}
