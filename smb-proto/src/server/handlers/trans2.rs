//! TRANS2: searches, information levels, file-system information, directories.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::names::stat;
use super::{
    Answer, HResult, Rc, check_disk, check_fid, check_tree, file_information, reply_header,
};
use crate::server::cx::Cx;
use crate::server::fs::Ea;
use crate::server::fs::{FileInfo, FsCall, FsReply, ShareId, SharePath, Target};
use crate::wire::msg::trans2::info::{
    FeaEntry, FsInformation, decode_fea_list, decode_gea_list, encode_fea_list, encode_file_info,
    encode_fs_info, level,
};
use crate::wire::msg::trans2::sub::{self, Trans2Sub};
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
        Trans2Sub::FindFirst2(f) => {
            super::search::find_first(cx, rc, f, &r.payload.data, max_data).await?
        }
        Trans2Sub::FindNext2(f) => {
            super::search::find_next(cx, rc, f, &r.payload.data, max_data).await?
        }
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
                if cx.with(|i| i.shared.delete_pending((share, fi.file_id))) {
                    // A file about to be deleted can be found, not queried by name.
                    return Err(NtStatus::DELETE_PENDING);
                }
                let mut info = file_information(&fi, &wire_name(&on_disk(&path, &fi)), false);
                info.alt_name = short_name(cx, &fi.name);
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
            // An open's own delete-on-close shows only once that handle has closed.
            let pending = cx.with(|i| i.shared.delete_pending((f.share, f.file_id)));
            // The name as it is now (another connection may have renamed the file).
            let mut info = file_information(&fi, &wire_name(&on_disk(&f.path, &fi)), pending);
            info.access_flags = f.access;
            info.alt_name = short_name(cx, &fi.name);
            info.position = f.position;
            let data = encode_file_info(level, &info, rc.unicode)?;
            (Bytes::from_static(&[0, 0]), data)
        }
        Trans2Sub::SetPathInformation {
            level,
            file_name,
            data,
            ..
        } => {
            match super::setinfo::set_path_info(cx, rc, level, &file_name, &data).await {
                Err(NtStatus::INVALID_EA_NAME) => {
                    return Ok(warning_reply(cx, rc, NtStatus::INVALID_EA_NAME));
                }
                r => r?,
            }
            (Bytes::from_static(&[0, 0]), Bytes::new())
        }
        Trans2Sub::SetFileInformation {
            fid, level, data, ..
        } => {
            match super::setinfo::set_file_info(cx, rc, fid, level, &data).await {
                Err(NtStatus::INVALID_EA_NAME) => {
                    return Ok(warning_reply(cx, rc, NtStatus::INVALID_EA_NAME));
                }
                r => r?,
            }
            (Bytes::from_static(&[0, 0]), Bytes::new())
        }
        Trans2Sub::CreateDirectory { name, data, .. } => {
            super::names::mkdir(cx, rc, &name)
                .await
                .map_err(|e| super::collision_as(rc, e, NtStatus::SMB_ALREADY_EXISTS))?;
            if data.len() > 4 {
                let (share, _) = check_disk(cx, rc)?;
                let eas = decode_fea_list(&data).map_err(|_| NtStatus::EA_CORRUPT_ERROR)?;
                set_eas(cx, share, Target::Path(SharePath::parse(&name)?), eas).await?;
            }
            (Bytes::from_static(&[0, 0]), Bytes::new())
        }
        Trans2Sub::Other {
            code: sub::code::OPEN2,
            parameters,
            data,
        } => super::open_trans::t2open(cx, rc, &parameters, &data).await?,
        Trans2Sub::Other { .. } => return Err(NtStatus::NOT_IMPLEMENTED),
    };
    Ok(split_reply(cx, rc, params, data))
}

/// The path with its last component as the file system spells it (a case-insensitive
/// lookup may have found `test1` for `TEST1`).
fn on_disk(p: &SharePath, fi: &FileInfo) -> SharePath {
    if p.is_root() || fi.name.is_empty() {
        return p.clone();
    }
    p.parent().join(&fi.name).unwrap_or_else(|_| p.clone())
}

/// The share-relative path as clients see it (`\dir\file`).
fn wire_name(p: &SharePath) -> String {
    let mut s = String::from("\\");
    s.push_str(&p.as_str().replace('/', "\\"));
    s
}

/// The 8.3 alternate name (FILE_ALT_NAME_INFORMATION): the name itself when it is 8.3.
fn short_name(cx: &Cx, name: &str) -> String {
    let short = crate::server::shortname::short_name(name);
    cx.with(|i| i.short_names.note(name, &short));
    short
}

/// A warning status (STATUS_INVALID_EA_NAME) goes with a whole reply, as Samba sends it
/// (clients parse the body of a warning).
fn warning_reply(cx: &Cx, rc: &Rc, status: NtStatus) -> Answer {
    let mut a = split_reply(cx, rc, Bytes::from_static(&[0, 0]), Bytes::new());
    a.status = status;
    a
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
        object_id: volume_object_id(f.serial, &f.label),
    };
    Ok((Bytes::new(), encode_fs_info(lvl, &info, rc.unicode)?))
}

/// A volume object id made from the serial number and label (stable for a share).
fn volume_object_id(serial: u32, label: &str) -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..4].copy_from_slice(&serial.to_le_bytes());
    for (k, b) in label.bytes().take(12).enumerate() {
        id[4 + k] = b;
    }
    id
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

/// Whether an EA name is acceptable: not empty, no control characters and none of
/// `"*+,/:;<=>?[\]|`.
pub(crate) fn valid_ea_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .bytes()
            .any(|b| b < 0x20 || b"\\/:*?\"<>|,+=[];".contains(&b))
}

pub(crate) async fn set_eas(
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
    if eas.iter().any(|e| !valid_ea_name(&e.name)) {
        return Err(NtStatus::INVALID_EA_NAME);
    }
    cx.fs(share, FsCall::SetEas { target, eas })
        .await
        .map(|_| ())
}
