//! Names in requests and directory listings as the older clients write and read them.
//!
//! - **OEM code page.** A message without `FLAGS2_UNICODE` carries its strings in the
//!   server's `dos_charset` (CP850 unless configured otherwise). The codec keeps them as
//!   byte characters; [`request_in`] turns the names and account strings of a request into
//!   text before any handler sees them, and [`entries_out`] turns the names of a TRANS2
//!   listing back into the code page.
//! - **8.3 names.** A path component that looks mangled (`ANNU~K3Z.XLS`) and does not exist
//!   under that name is replaced by the long name whose 8.3 form it is (one directory
//!   listing per such component), or by the long name it was shown for when no file has it
//!   (see [`Issued`](crate::server::shortname::Issued)). A TRANS2 listing for a client without
//!   `FLAGS2_LONG_NAMES` gives 8.3 names for long ones.

use alloc::string::String;
use alloc::vec::Vec;

use super::names::list;
use super::{Rc, check_disk};
use crate::server::cx::Cx;
use crate::server::fs::{ShareId, SharePath};
use crate::server::path::fold_case;
use crate::server::shortname;
use crate::wildcard;
use crate::wire::Flags2;
use crate::wire::codepage::CodePage;
use crate::wire::msg::DirEntry;
use crate::wire::msg::trans2::sub::Trans2Sub;
use crate::wire::msg::*;
use crate::wire::names::{names_mut, paths_mut, trans2_paths_mut};

fn code_page(cx: &Cx, rc: &Rc) -> Option<CodePage> {
    let cp = cx.with(|i| i.config.dos_charset);
    (!rc.unicode && cp != CodePage::Latin1).then_some(cp)
}

/// The long path a path with mangled components stands for (`None`: nothing to map).
async fn long_path(cx: &Cx, share: ShareId, raw: &str, cp: CodePage) -> Option<String> {
    let parts: Vec<&str> = raw.split(['\\', '/']).collect();
    if !parts
        .iter()
        .any(|p| shortname::looks_mangled(p) && !wildcard::has_wildcards(p))
    {
        return None;
    }
    let mut dir = SharePath::root();
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    let mut changed = false;
    for (k, part) in parts.iter().enumerate() {
        if part.is_empty() || *part == "." || k + 1 == parts.len() && wildcard::has_wildcards(part)
        {
            out.push(String::from(*part));
            continue;
        }
        if *part == ".." {
            return None;
        }
        let mut name = String::from(*part);
        if shortname::looks_mangled(part)
            && let Ok(entries) = list(cx, share, &dir).await
        {
            let key = fold_case(part);
            if !entries.iter().any(|e| fold_case(&e.name) == key) {
                if let Some(e) = entries
                    .iter()
                    .find(|e| shortname::matches_short(&e.name, part, cp))
                {
                    name = e.name.clone();
                    changed = true;
                } else if let Some(long) =
                    cx.with(|i| i.short_names.long_of(part).map(String::from))
                {
                    // Gone since, or never created: the long name it was shown for.
                    name = long;
                    changed = true;
                }
            }
        }
        dir = dir.join(&name).ok()?;
        out.push(name);
    }
    changed.then(|| out.join("\\"))
}

/// Maps the mangled components of some paths to long names.
async fn resolve(cx: &Cx, rc: &Rc, paths: Vec<&mut String>) {
    if !paths.iter().any(|p| p.contains('~')) {
        return;
    }
    let Ok((share, _)) = check_disk(cx, rc) else {
        return;
    };
    let cp = cx.with(|i| i.config.dos_charset);
    for p in paths {
        if let Some(long) = long_path(cx, share, p, cp).await {
            *p = long;
        }
    }
}

/// A request with its OEM strings decoded and its 8.3 path components mapped.
pub(super) async fn request_in(cx: &Cx, rc: &Rc, mut req: Request) -> Request {
    if let Some(cp) = code_page(cx, rc) {
        for s in paths_mut(&mut req) {
            *s = cp.from_wire(s);
        }
        for s in names_mut(&mut req) {
            *s = cp.from_wire(s);
        }
    }
    resolve(cx, rc, paths_mut(&mut req)).await;
    req
}

/// A TRANS2 subcommand with its OEM names decoded and its 8.3 path components mapped.
pub(super) async fn trans2_in(cx: &Cx, rc: &Rc, mut sub: Trans2Sub) -> Trans2Sub {
    if let Some(cp) = code_page(cx, rc) {
        for s in trans2_paths_mut(&mut sub) {
            *s = cp.from_wire(s);
        }
    }
    resolve(cx, rc, trans2_paths_mut(&mut sub)).await;
    sub
}

/// A path a handler decodes itself (TRANS2_OPEN2's), OEM text decoded and 8.3
/// components mapped.
pub(super) async fn path_in(cx: &Cx, rc: &Rc, path: &mut String) {
    if let Some(cp) = code_page(cx, rc) {
        *path = cp.from_wire(path);
    }
    resolve(cx, rc, alloc::vec![path]).await;
}

/// The names of a TRANS2 listing as the client reads them: 8.3 for a client without
/// long names, in the OEM code page without Unicode (the 8.3 name when the code page
/// cannot write the long one).
pub(crate) fn entries_out(cx: &Cx, rc: &Rc, entries: &mut [DirEntry]) {
    let long = rc.h.flags2.has(Flags2::LONG_NAMES);
    let dos = cx.with(|i| i.config.dos_charset);
    let cp = code_page(cx, rc);
    if long && cp.is_none() {
        return;
    }
    for e in entries {
        if !long {
            let short = shortname::short_name_in(&e.file_name, dos);
            cx.with(|i| i.short_names.note(&e.file_name, &short));
            e.file_name = short;
        }
        if let Some(cp) = cp {
            e.file_name = cp
                .to_wire(&e.file_name)
                .unwrap_or_else(|| cp.to_wire_lossy(&shortname::short_name_in(&e.file_name, cp)));
        }
    }
}
