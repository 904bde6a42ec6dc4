//! The 8.3 directory searches of every dialect: the core SEARCH and the LANMAN1.0 FIND,
//! FIND_UNIQUE and FIND_CLOSE.
//!
//! All four share SEARCH's layout: 43-byte entries carrying a 21-byte resume key and an
//! 8.3 name. As Samba answers them:
//! - the resume key holds the 8.3 name in FCB form (8 + 3, space-padded, no dot) in bytes
//!   1-11, the search id in byte 12 and the position after the entry in bytes 13-16;
//!   byte 0 repeats the search attributes and bytes 17-20 come back as the client sent
//!   them;
//! - names are 8.3 (mangled when long, see [`shortname`](crate::server::shortname)) in
//!   the OEM code page, in upper case unless the client set `FLAGS2_LONG_NAMES`,
//!   NUL-padded to 13 bytes; a pattern matches the long or the 8.3 name, and in the pre-NT
//!   dialects as DOS means it (see [`dos_pattern`]);
//! - a pattern with wildcards that matches nothing gives zero entries and success; a plain
//!   name that matches nothing gives NO_MORE_FILES;
//! - a search for the volume label (attributes 0x08 alone) gives one entry with the label;
//! - `.` and `..` come first, at the share root only for pre-NT clients;
//! - a search stays open until a request finds nothing more (or FIND_CLOSE, or the tree
//!   goes); FIND_UNIQUE keeps none; FIND_CLOSE answers a zero count and no data.

use alloc::string::String;
use alloc::vec::Vec;

use super::names::attrs_match;
use super::{Answer, HResult, Rc, attributes, check_disk};
use crate::server::cx::Cx;
use crate::server::fs::{FileInfo, FsCall, FsReply, ShareId, SharePath};
use crate::server::shortname;
use crate::server::state::{Inner, Search};
use crate::wildcard;
use crate::wire::codepage::CodePage;
use crate::wire::consts::{attr, ext_attr};
use crate::wire::msg::trans2::info::{DirEntry, filetime_to_dos};
use crate::wire::msg::*;
use crate::wire::{Flags2, NtStatus};

/// Which of the commands is being served.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// SEARCH and FIND: the search stays until a request finds nothing more.
    Search,
    /// FIND_UNIQUE: one request, no search kept.
    Unique,
}

pub(crate) async fn search(cx: &Cx, rc: &Rc, r: SearchRequest) -> HResult {
    let v = run(cx, rc, r, Kind::Search).await?;
    Ok(Answer::ok(SearchResponse { entries: v }))
}

pub(crate) async fn find(cx: &Cx, rc: &Rc, r: FindRequest) -> HResult {
    let v = run(cx, rc, r.0, Kind::Search).await?;
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
    let Some((sid, _)) = resume_of(&r.0.resume_key) else {
        // Samba: a FIND_CLOSE without a resume key is ERRSRV/ERRsrverror.
        return Err(NtStatus::INVALID_PARAMETER);
    };
    cx.with(|i| {
        if i.searches
            .get(&sid)
            .is_some_and(|s| s.tid == rc.tid && s.source.is_none())
        {
            i.searches.remove(&sid);
        }
    });
    Ok(Answer::ok(FindCloseResponse::default()))
}

/// The search id and position a resume key holds.
fn resume_of(key: &[u8]) -> Option<(u16, usize)> {
    if key.len() != RESUME_KEY_LEN {
        return None;
    }
    let pos = u32::from_le_bytes([key[13], key[14], key[15], key[16]]) as usize;
    Some((u16::from(key[12]), pos))
}

/// Core SEARCH ids travel in one byte of the resume key: 1 to 255.
fn new_core_sid(i: &mut Inner) -> Option<u16> {
    (1u16..=255).find(|v| !i.searches.contains_key(v))
}

/// The pattern as the pre-NT dialects mean it: `?` also matches nothing at the end of a
/// name part, and `.` before a wildcard also matches the end of a name without one
/// (`????????.???` matches `A`), which the DOS wildcards `>` and `"` express (Samba
/// translates the patterns of LANMAN2 and older clients the same way).
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

/// The 13-byte name field of an entry: the 8.3 name, upper case when the client does
/// not take long names, in the OEM code page, NUL-padded.
fn name_field(name: &str, upper: bool, cp: CodePage) -> [u8; 13] {
    let mut short = shortname::short_name_in(name, cp);
    if upper {
        short = shortname::dos_upper_in(&short, cp);
    }
    let mut out = [0u8; 13];
    let bytes = cp.encode(&short).unwrap_or_default();
    for (o, b) in out.iter_mut().zip(bytes.iter().take(12)) {
        *o = *b;
    }
    out
}

/// The resume key's FCB form of an entry's name field (8 + 3, space-padded, no dot).
fn fcb_name(field: &[u8; 13]) -> [u8; 11] {
    let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let text = &field[..len];
    // Split at the first dot, as Samba does (`..` keeps a dot in the extension).
    let (base, ext) = match text.iter().position(|&b| b == b'.') {
        Some(d) => (&text[..d], &text[d + 1..]),
        None => (text, &[][..]),
    };
    let mut out = [b' '; 11];
    for (o, b) in out[..8].iter_mut().zip(base) {
        *o = *b;
    }
    for (o, b) in out[8..].iter_mut().zip(ext) {
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

/// The one entry of a volume label search.
async fn volume_label(cx: &Cx, share: ShareId, cp: CodePage) -> DirEntry {
    let label = match cx.fs(share, FsCall::FsInfo).await {
        Ok(FsReply::FsInfo(f)) if !f.label.is_empty() => f.label,
        _ => cx.with(|i| i.config.shares[share.0 as usize].name.clone()),
    };
    let label: String = label
        .chars()
        .filter(|&c| cp.encode_char(c).is_some())
        .take(11)
        .collect();
    DirEntry {
        attributes: u32::from(attr::VOLUME),
        file_name: label.to_uppercase(),
        ..Default::default()
    }
}

/// The entries a new search finds.
async fn collect(
    cx: &Cx,
    share: ShareId,
    r: &SearchRequest,
    cp: CodePage,
) -> Result<Vec<DirEntry>, NtStatus> {
    if r.search_attributes & 0x1F == attr::VOLUME {
        return Ok(alloc::vec![volume_label(cx, share, cp).await]);
    }
    let (dir, pattern) = SharePath::parse_pattern(&r.file_name)?;
    let pre_nt = cx.with(|i| i.lanman.pre_nt());
    let pattern = if pre_nt {
        dos_pattern(&pattern)
    } else {
        pattern
    };
    let mut entries = Vec::new();
    for (name, fi) in super::search::raw_listing(cx, share, &dir).await? {
        // smbd lists `.` and `..` at the share root too for pre-NT clients (captured with
        // smbclient in LANMAN1); NT LM 0.12 clients do not get them there.
        if (name == "." || name == "..") && dir.is_root() && !pre_nt {
            continue;
        }
        let short = shortname::short_name_in(&name, cp);
        if (wildcard::matches(&pattern, &name) || wildcard::matches(&pattern, &short))
            && attrs_match(r.search_attributes, &fi, true)
        {
            entries.push(entry(&fi, &name));
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
    let (sid, wild) = if let Some((sid, pos)) = resume_of(&r.resume_key) {
        cx.with(|i| {
            i.searches
                .get_mut(&sid)
                .filter(|s| s.tid == rc.tid && s.source.is_none())
                .map(|s| s.pos = pos)
        })
        .ok_or(NtStatus::NO_MORE_FILES)?;
        (sid, true)
    } else {
        let wild = wildcard::has_wildcards(&r.file_name);
        let entries = collect(cx, share, &r, cp).await?;
        if entries.is_empty() {
            return if wild {
                Ok(Vec::new())
            } else {
                Err(NtStatus::NO_MORE_FILES)
            };
        }
        let sid = cx.with(|i| {
            if i.searches.len() >= i.config.limits.max_searches {
                return Err(NtStatus::INSUFFICIENT_RESOURCES);
            }
            let sid = new_core_sid(i).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
            i.searches.insert(
                sid,
                Search {
                    tid: rc.tid,
                    entries,
                    pos: 0,
                    source: None,
                },
            );
            Ok(sid)
        })?;
        (sid, wild)
    };
    let room = cx
        .with(|i| i.neg.client_max_buffer as usize)
        .clamp(1024, 0xFFFF)
        .saturating_sub(64)
        / SEARCH_ENTRY_LEN;
    let max = (r.max_count as usize).min(room).max(1);
    let dirtype = (r.search_attributes & 0xFF) as u8;
    let out = cx.with(|i| {
        let s = i.searches.get_mut(&sid)?;
        let start = s.pos.min(s.entries.len());
        let end = (start + max).min(s.entries.len());
        let mut v = Vec::with_capacity(end - start);
        for (k, e) in s.entries[start..end].iter().enumerate() {
            let name = name_field(&e.file_name, upper, cp);
            i.short_names
                .note(&e.file_name, &shortname::short_name_in(&e.file_name, cp));
            let mut key = [0u8; RESUME_KEY_LEN];
            key[0] = dirtype;
            key[1..12].copy_from_slice(&fcb_name(&name));
            key[12] = sid as u8;
            key[13..17].copy_from_slice(&((start + k + 1) as u32).to_le_bytes());
            key[17..21].copy_from_slice(&client_state);
            let (date, time) = filetime_to_dos(e.last_write_time);
            v.push(SearchEntry {
                resume_key: key,
                // The volume label's attribute (0x08) has no NT counterpart.
                file_attributes: ext_attr::to_dos(e.attributes) as u8
                    | (e.attributes as u8 & attr::VOLUME as u8),
                last_write_time: u32::from(time) | u32::from(date) << 16,
                file_size: e.end_of_file.min(u64::from(u32::MAX)) as u32,
                file_name: name,
            });
        }
        s.pos = end;
        if v.is_empty() || kind == Kind::Unique {
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
        let mut want = [b' '; 11];
        want[..8].copy_from_slice(&long[..8]);
        want[8..].copy_from_slice(b"TEX");
        assert_eq!(fcb_name(&long), want);
        assert_eq!(&fcb_name(&name_field("a.b", false, cp)), b"a       b  ");
        assert_eq!(&fcb_name(&name_field("..", false, cp)), b"        .  ");
        assert_eq!(&fcb_name(&name_field(".", false, cp)), b"           ");
    }
}
