//! TRANS2: searches, information levels, file-system information, directories.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::names::{attrs_match, list, rename_path, stat};
use super::{
    Answer, HResult, Rc, check_disk, check_fid, check_tree, file_information, reply_header,
};
use crate::server::cx::Cx;
use crate::server::fs::Ea;
use crate::server::fs::{FileInfo, FsCall, FsReply, SetInfo, SetTimes, ShareId, SharePath, Target};
use crate::wildcard;
use crate::wire::consts::ext_attr;
use crate::wire::msg::trans2::info::{
    DirEntry, FeaEntry, FsInformation, SetFileInfo, decode_fea_list, decode_gea_list,
    decode_set_info, encode_fea_list, encode_file_info, encode_find_entries, encode_fs_info, level,
};
use crate::wire::msg::trans2::sub::{
    FindFirst2, FindFirst2Response, FindNext2, FindNext2Response, Trans2Sub, find_flags,
};
use crate::wire::msg::*;
use crate::wire::{Message, NtStatus, Response};

/// Runs a TRANS2 request; a reply larger than the client's buffer goes out in parts.
pub(crate) async fn trans2(cx: &Cx, rc: &Rc, r: Trans2Request) -> HResult {
    check_tree(cx, rc)?;
    if (r.header.total_parameter_count as usize) > r.payload.parameters.len()
        || (r.header.total_data_count as usize) > r.payload.data.len()
    {
        // Secondary requests are not supported: clients keep requests within MaxBufferSize.
        return Err(NtStatus::NOT_SUPPORTED);
    }
    let sub = Trans2Sub::decode(
        &r.header.setup,
        &r.payload.parameters,
        &r.payload.data,
        rc.unicode,
    )
    .map_err(|e| e.status())?;
    let sub = super::oem::trans2_in(cx, rc, sub).await;
    let max_data = r.header.max_data_count as usize;
    let (params, data) = match sub {
        Trans2Sub::FindFirst2(f) => find_first(cx, rc, f, max_data).await?,
        Trans2Sub::FindNext2(f) => find_next(cx, rc, f, max_data).await?,
        Trans2Sub::QueryFsInformation { level } => query_fs(cx, rc, level).await?,
        Trans2Sub::QueryPathInformation {
            level, file_name, ..
        } => {
            let (share, _) = check_disk(cx, rc)?;
            let path = SharePath::parse(&file_name)?;
            if matches!(
                level,
                level::INFO_QUERY_EAS_FROM_LIST | level::INFO_QUERY_ALL_EAS
            ) {
                let data = query_eas(cx, share, Target::Path(path), level, &r.payload.data).await?;
                (Bytes::from_static(&[0, 0]), data)
            } else if level == level::INFO_IS_NAME_VALID {
                (Bytes::from_static(&[0, 0]), Bytes::new())
            } else {
                let fi = stat(cx, share, &path).await?;
                let pending = cx.with(|i| i.shared.delete_pending((share, fi.file_id)));
                let mut info = file_information(&fi, &wire_name(&path), pending);
                info.alt_name = short_name(&fi.name);
                let data = encode_file_info(level, &info, rc.unicode)?;
                (Bytes::from_static(&[0, 0]), data)
            }
        }
        Trans2Sub::QueryFileInformation { fid, level }
            if matches!(
                level,
                level::INFO_QUERY_EAS_FROM_LIST | level::INFO_QUERY_ALL_EAS
            ) =>
        {
            let f = check_fid(cx, rc, fid)?;
            let data = query_eas(
                cx,
                f.share,
                Target::Handle(f.handle),
                level,
                &r.payload.data,
            )
            .await?;
            (Bytes::from_static(&[0, 0]), data)
        }
        Trans2Sub::QueryFileInformation { fid, level } => {
            let f = check_fid(cx, rc, fid)?;
            let fi = match cx
                .fs(
                    f.share,
                    FsCall::Stat {
                        target: Target::Handle(f.handle),
                    },
                )
                .await?
            {
                FsReply::Info(i) => i,
                _ => return Err(NtStatus::INTERNAL_ERROR),
            };
            let pending =
                cx.with(|i| i.shared.delete_pending((f.share, f.file_id))) || f.delete_on_close;
            let mut info = file_information(&fi, &wire_name(&f.path), pending);
            info.access_flags = f.access;
            info.alt_name = short_name(&fi.name);
            let data = encode_file_info(level, &info, rc.unicode)?;
            (Bytes::from_static(&[0, 0]), data)
        }
        Trans2Sub::SetPathInformation {
            level,
            file_name,
            data,
            ..
        } => {
            let (share, ro) = check_disk(cx, rc)?;
            if ro {
                return Err(NtStatus::ACCESS_DENIED);
            }
            let path = SharePath::parse(&file_name)?;
            let set =
                decode_set_info(level, &data, rc.unicode).map_err(|_| NtStatus::INVALID_LEVEL)?;
            set_info(cx, rc, share, Target::Path(path.clone()), &path, None, set).await?;
            (Bytes::from_static(&[0, 0]), Bytes::new())
        }
        Trans2Sub::SetFileInformation {
            fid, level, data, ..
        } => {
            let f = check_fid(cx, rc, fid)?;
            let (share, ro) = check_disk(cx, rc)?;
            if ro {
                return Err(NtStatus::ACCESS_DENIED);
            }
            let set =
                decode_set_info(level, &data, rc.unicode).map_err(|_| NtStatus::INVALID_LEVEL)?;
            set_info(
                cx,
                rc,
                share,
                Target::Handle(f.handle),
                &f.path.clone(),
                Some(fid),
                set,
            )
            .await?;
            (Bytes::from_static(&[0, 0]), Bytes::new())
        }
        Trans2Sub::CreateDirectory { name, data, .. } => {
            super::names::mkdir(cx, rc, &name).await?;
            if data.len() > 4 {
                let (share, _) = check_disk(cx, rc)?;
                let eas = decode_fea_list(&data).map_err(|_| NtStatus::EA_CORRUPT_ERROR)?;
                set_eas(cx, share, Target::Path(SharePath::parse(&name)?), eas).await?;
            }
            (Bytes::from_static(&[0, 0]), Bytes::new())
        }
        Trans2Sub::Other { .. } => return Err(NtStatus::NOT_IMPLEMENTED),
    };
    Ok(split_reply(cx, rc, params, data))
}

/// The share-relative path as clients see it (`\dir\file`).
fn wire_name(p: &SharePath) -> String {
    let mut s = String::from("\\");
    s.push_str(&p.as_str().replace('/', "\\"));
    s
}

/// An 8.3 alternate name for names that are not 8.3 already (empty otherwise).
fn short_name(name: &str) -> String {
    let _ = name;
    String::new()
}

/// Builds the response, splitting it when it exceeds the client's buffer.
fn split_reply(cx: &Cx, rc: &Rc, params: Bytes, data: Bytes) -> Answer {
    let budget = cx
        .with(|i| i.neg.client_max_buffer as usize)
        .clamp(1024, 0xFFFF)
        - 72;
    let total_p = params.len();
    let total_d = data.len();
    let mut parts = Vec::new();
    let (mut po, mut dof) = (0usize, 0usize);
    loop {
        let mut room = budget;
        let pn = (total_p - po).min(room);
        room -= pn;
        let dn = (total_d - dof).min(room.saturating_sub(4));
        parts.push(TransResponseBody::Reply {
            header: TransResponseHeader {
                total_parameter_count: total_p as u16,
                total_data_count: total_d as u16,
                parameter_displacement: po as u16,
                data_displacement: dof as u16,
                ..Default::default()
            },
            payload: TransPayload::new(params.slice(po..po + pn), data.slice(dof..dof + dn)),
        });
        po += pn;
        dof += dn;
        if po >= total_p && dof >= total_d {
            break;
        }
    }
    let mut it = parts.into_iter();
    let mut a = Answer::ok(Trans2Response(it.next().unwrap_or_default()));
    for p in it {
        let h = reply_header(cx, &rc.h, NtStatus::SUCCESS, rc.uid, rc.tid);
        a.extra
            .push(Message::new(h, Response::Trans2(Trans2Response(p))));
    }
    a
}

fn dir_entry(fi: &FileInfo, name: &str, index: usize) -> DirEntry {
    DirEntry {
        file_index: index as u32 + 1,
        creation_time: fi.created,
        last_access_time: fi.accessed,
        last_write_time: fi.written,
        change_time: fi.changed,
        end_of_file: if fi.is_dir { 0 } else { fi.size },
        allocation_size: if fi.is_dir { 0 } else { fi.allocation_size },
        attributes: super::attributes(fi),
        ea_size: 0,
        short_name: String::new(),
        file_id: fi.file_id,
        file_name: name.into(),
    }
}

async fn find_first(
    cx: &Cx,
    rc: &Rc,
    f: FindFirst2,
    max_data: usize,
) -> Result<(Bytes, Bytes), NtStatus> {
    let (share, _) = check_disk(cx, rc)?;
    if !crate::wire::msg::trans2::info::find_level_supported(f.level) {
        return Err(NtStatus::INVALID_LEVEL);
    }
    let (dir, pattern) = SharePath::parse_pattern(&f.file_name)?;
    let here = stat(cx, share, &dir).await.map_err(|e| match e {
        NtStatus::OBJECT_NAME_NOT_FOUND => NtStatus::OBJECT_PATH_NOT_FOUND,
        e => e,
    })?;
    if !here.is_dir {
        return Err(NtStatus::NOT_A_DIRECTORY);
    }
    let limit = cx.with(|i| i.config.limits.max_dir_entries);
    let mut entries: Vec<DirEntry> = Vec::new();
    let parent = if dir.is_root() {
        here.clone()
    } else {
        stat(cx, share, &dir.parent())
            .await
            .unwrap_or_else(|_| here.clone())
    };
    let attrs = f.search_attributes | crate::wire::consts::attr::DIRECTORY;
    for (name, fi) in [(".", &here), ("..", &parent)] {
        if wildcard::matches(&pattern, name)
            && attrs_match(attrs, fi, f.search_attributes & 0x10 != 0)
        {
            let n = entries.len();
            entries.push(dir_entry(fi, name, n));
        }
    }
    for fi in list(cx, share, &dir).await? {
        if entries.len() >= limit {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        if wildcard::matches(&pattern, &fi.name) && attrs_match(f.search_attributes, &fi, true) {
            let n = entries.len();
            entries.push(dir_entry(&fi, &fi.name.clone(), n));
        }
    }
    if entries.is_empty() {
        return Err(NtStatus::NO_SUCH_FILE);
    }
    super::oem::entries_out(cx, rc, &mut entries);
    let count = (f.search_count.max(1)) as usize;
    let resume = f.flags & find_flags::RETURN_RESUME_KEYS != 0;
    let slice = &entries[..entries.len().min(count)];
    let (data, n, last_name) =
        encode_find_entries(f.level, slice, rc.unicode, resume, max_data.min(0xFFFF))?;
    if n == 0 {
        return Err(NtStatus::BUFFER_TOO_SMALL);
    }
    let end = n == entries.len();
    let close = f.flags & find_flags::CLOSE_AFTER_REQUEST != 0
        || (end && f.flags & find_flags::CLOSE_AT_EOS != 0);
    let sid = if close {
        0
    } else {
        cx.with(|i| i.add_search(rc.tid, entries, n))?
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

async fn find_next(
    cx: &Cx,
    rc: &Rc,
    f: FindNext2,
    max_data: usize,
) -> Result<(Bytes, Bytes), NtStatus> {
    check_disk(cx, rc)?;
    let resume = f.flags & find_flags::RETURN_RESUME_KEYS != 0;
    let (data, n, last, end) = cx.with(|i| {
        let s = i
            .searches
            .get_mut(&f.sid)
            .filter(|s| s.tid == rc.tid)
            .ok_or(NtStatus::INVALID_HANDLE)?;
        if f.flags & find_flags::CONTINUE_FROM_LAST == 0 {
            if !f.file_name.is_empty() {
                let want = crate::server::path::fold_case(&f.file_name);
                if let Some(p) = s
                    .entries
                    .iter()
                    .position(|e| crate::server::path::fold_case(&e.file_name) == want)
                {
                    s.pos = p + 1;
                }
            } else if f.resume_key != 0 && (f.resume_key as usize) <= s.entries.len() {
                s.pos = f.resume_key as usize;
            }
        }
        let count = f.search_count.max(1) as usize;
        let rest = &s.entries[s.pos.min(s.entries.len())..];
        let slice = &rest[..rest.len().min(count)];
        let (data, n, last) =
            encode_find_entries(f.level, slice, rc.unicode, resume, max_data.min(0xFFFF))?;
        s.pos += n;
        let end = s.pos >= s.entries.len();
        Ok::<_, NtStatus>((data, n, last, end))
    })?;
    if end && f.flags & (find_flags::CLOSE_AT_EOS | find_flags::CLOSE_AFTER_REQUEST) != 0
        || f.flags & find_flags::CLOSE_AFTER_REQUEST != 0
    {
        cx.with(|i| i.searches.remove(&f.sid));
    }
    let p = FindNext2Response {
        search_count: n as u16,
        end_of_search: end as u16,
        ea_error_offset: 0,
        last_name_offset: last,
    };
    Ok((p.encode(), data))
}

async fn query_fs(cx: &Cx, rc: &Rc, lvl: u16) -> Result<(Bytes, Bytes), NtStatus> {
    let (share, ro) = check_disk(cx, rc)?;
    let FsReply::FsInfo(f) = cx.fs(share, FsCall::FsInfo).await? else {
        return Err(NtStatus::INTERNAL_ERROR);
    };
    let block = f.block_size.max(512);
    let info = FsInformation {
        total_units: f.total_bytes / block as u64,
        free_units: f.free_bytes / block as u64,
        sectors_per_unit: block / 512,
        bytes_per_sector: 512,
        fs_id: 0,
        serial: f.serial,
        label: f.label.clone(),
        creation_time: 0,
        device_type: 7,
        device_characteristics: 0x20,
        fs_attributes: 0x0000_0006 | if ro { 0x0008_0000 } else { 0 },
        max_name_length: 255,
        fs_name: if f.fs_name.is_empty() {
            "NTFS".into()
        } else {
            f.fs_name.clone()
        },
    };
    Ok((Bytes::new(), encode_fs_info(lvl, &info, rc.unicode)?))
}

async fn query_eas(
    cx: &Cx,
    share: ShareId,
    target: Target,
    lvl: u16,
    req: &Bytes,
) -> Result<Bytes, NtStatus> {
    let all = match cx.fs(share, FsCall::GetEas { target }).await {
        Ok(FsReply::Eas(v)) => v,
        Ok(_) => return Err(NtStatus::INTERNAL_ERROR),
        Err(NtStatus::EAS_NOT_SUPPORTED) => Vec::new(),
        Err(e) => return Err(e),
    };
    let list: Vec<FeaEntry> = if lvl == level::INFO_QUERY_EAS_FROM_LIST {
        let names = decode_gea_list(req).map_err(|_| NtStatus::EA_CORRUPT_ERROR)?;
        names
            .into_iter()
            .map(|n| {
                let found = all.iter().find(|e| e.name.eq_ignore_ascii_case(&n));
                FeaEntry {
                    flags: 0,
                    name: found.map_or(n.clone(), |e| e.name.clone()),
                    value: found.map_or_else(Bytes::new, |e| e.value.clone()),
                }
            })
            .collect()
    } else {
        all.into_iter()
            .map(|e| FeaEntry {
                flags: 0,
                name: e.name,
                value: e.value,
            })
            .collect()
    };
    Ok(encode_fea_list(&list))
}

async fn set_eas(
    cx: &Cx,
    share: ShareId,
    target: Target,
    eas: Vec<FeaEntry>,
) -> Result<(), NtStatus> {
    let eas: Vec<Ea> = eas
        .into_iter()
        .map(|e| Ea {
            name: e.name,
            value: e.value,
        })
        .collect();
    if eas.iter().any(|e| {
        e.name.is_empty()
            || e.name
                .bytes()
                .any(|b| b < 0x20 || b"\\/:*?\"<>|,+=[];".contains(&b))
    }) {
        return Err(NtStatus::INVALID_EA_NAME);
    }
    cx.fs(share, FsCall::SetEas { target, eas })
        .await
        .map(|_| ())
}

fn time_or_none(t: u64) -> Option<u64> {
    (t != 0 && t != u64::MAX).then_some(t)
}

async fn set_info(
    cx: &Cx,
    rc: &Rc,
    share: ShareId,
    target: Target,
    path: &SharePath,
    fid: Option<u16>,
    set: SetFileInfo,
) -> Result<(), NtStatus> {
    match set {
        SetFileInfo::Basic {
            creation_time,
            last_access_time,
            last_write_time,
            change_time,
            attributes,
        } => {
            let info = SetInfo {
                times: SetTimes {
                    created: time_or_none(creation_time),
                    accessed: time_or_none(last_access_time),
                    written: time_or_none(last_write_time),
                    changed: time_or_none(change_time),
                },
                size: None,
                attributes: (attributes != 0).then_some(attributes),
            };
            cx.fs(share, FsCall::SetInfo { target, info })
                .await
                .map(|_| ())
        }
        SetFileInfo::Standard {
            creation_time,
            last_access_time,
            last_write_time,
        } => {
            let info = SetInfo {
                times: SetTimes {
                    created: time_or_none(creation_time),
                    accessed: time_or_none(last_access_time),
                    written: time_or_none(last_write_time),
                    changed: None,
                },
                ..Default::default()
            };
            cx.fs(share, FsCall::SetInfo { target, info })
                .await
                .map(|_| ())
        }
        SetFileInfo::EndOfFile(n) => {
            let info = SetInfo {
                size: Some(n),
                ..Default::default()
            };
            cx.fs(share, FsCall::SetInfo { target, info })
                .await
                .map(|_| ())
        }
        SetFileInfo::Allocation(n) => {
            // Shrinking the allocation below the end of file truncates.
            let fi = match cx
                .fs(
                    share,
                    FsCall::Stat {
                        target: target.clone(),
                    },
                )
                .await?
            {
                FsReply::Info(i) => i,
                _ => return Err(NtStatus::INTERNAL_ERROR),
            };
            if n < fi.size {
                let info = SetInfo {
                    size: Some(n),
                    ..Default::default()
                };
                cx.fs(share, FsCall::SetInfo { target, info }).await?;
            }
            Ok(())
        }
        SetFileInfo::Disposition { delete_pending } => {
            let Some(fid) = fid else {
                return Err(NtStatus::INVALID_PARAMETER);
            };
            let f = check_fid(cx, rc, fid)?;
            if f.access & crate::wire::consts::access::DELETE == 0 {
                return Err(NtStatus::ACCESS_DENIED);
            }
            if delete_pending {
                let fi = match cx
                    .fs(
                        share,
                        FsCall::Stat {
                            target: Target::Handle(f.handle),
                        },
                    )
                    .await?
                {
                    FsReply::Info(i) => i,
                    _ => return Err(NtStatus::INTERNAL_ERROR),
                };
                if super::attributes(&fi) & ext_attr::READONLY != 0 {
                    return Err(NtStatus::CANNOT_DELETE);
                }
                if f.is_dir && !list(cx, share, &f.path).await?.is_empty() {
                    return Err(NtStatus::DIRECTORY_NOT_EMPTY);
                }
            }
            cx.with(|i| {
                if let Some(o) = i.files.get_mut(&fid) {
                    o.delete_on_close = delete_pending;
                }
                i.shared
                    .set_delete_pending((f.share, f.file_id), delete_pending);
            });
            Ok(())
        }
        SetFileInfo::Eas(eas) => set_eas(cx, share, target, eas).await,
        SetFileInfo::Rename {
            replace_if_exists,
            file_name,
            ..
        } => {
            let to = if file_name.contains('\\') || file_name.contains('/') {
                SharePath::parse(&file_name)?
            } else {
                path.parent().join(&file_name)?
            };
            let fi = stat(cx, share, path).await?;
            rename_path(cx, share, path, &to, replace_if_exists, &fi).await
        }
    }
}
