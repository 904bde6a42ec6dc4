//! Find levels (TRANS2 FIND_FIRST2/FIND_NEXT2): directory entries, as many as fit, each
//! decoded into one [`DirEntry`].

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::wire::NtStatus;
use crate::wire::codec::{DecodeError, DecodeErrorKind, Reader, Writer, pad_to};
use crate::wire::strings::str_len;

use super::ea::{FeaEntry, decode_fea_list, encode_fea_list};
use super::name::{read_name, write_name};
use super::query_file::{FileInformation, read_dos_times, write_dos_times};

/// One directory entry of a FIND_FIRST2/FIND_NEXT2 response, for every find level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirEntry {
    /// FileIndex / resume key.
    pub file_index: u32,
    /// Creation time (FILETIME).
    pub creation_time: u64,
    /// Last access time.
    pub last_access_time: u64,
    /// Last write time.
    pub last_write_time: u64,
    /// Change time.
    pub change_time: u64,
    /// End of file.
    pub end_of_file: u64,
    /// Allocation size.
    pub allocation_size: u64,
    /// `SMB_EXT_FILE_ATTR`.
    pub attributes: u32,
    /// EA size.
    pub ea_size: u32,
    /// 8.3 short name (BOTH levels).
    pub short_name: String,
    /// File id (ID levels).
    pub file_id: u64,
    /// The name.
    pub file_name: String,
    /// The extended attributes the request asked for (SMB_INFO_QUERY_EAS_FROM_LIST level).
    pub eas: Vec<FeaEntry>,
}

/// Whether a find level is supported by [`encode_find_entries`] / [`decode_find_entries`].
pub fn find_level_supported(l: u16) -> bool {
    matches!(l, 1..=3 | 0x101..=0x106)
}

/// The FileNameLength of an entry at an NT level: OEM names carry their terminator and
/// count it, as Samba (and Windows) send them, and as clients that read the name as a
/// NUL-terminated string (nmap) need; UTF-16 names carry none.
fn nt_name_len(e: &DirEntry, unicode: bool) -> usize {
    str_len(&e.file_name, unicode) + usize::from(!unicode)
}

/// Bytes one entry takes at a level (before alignment padding).
fn entry_len(level: u16, e: &DirEntry, unicode: bool, resume_keys: bool) -> usize {
    let name = if level >= 0x101 {
        nt_name_len(e, unicode)
    } else {
        str_len(&e.file_name, unicode)
    };
    match level {
        1 => (if resume_keys { 4 } else { 0 }) + 23 + name + if unicode { 3 } else { 1 },
        2 => (if resume_keys { 4 } else { 0 }) + 27 + name + 1,
        3 => (if resume_keys { 4 } else { 0 }) + 23 + ea_list_len(&e.eas) + name + 1,
        0x101 => 64 + name,
        0x102 => 68 + name,
        0x103 => 12 + name,
        0x104 => 94 + name,
        0x105 => 80 + name,
        0x106 => 104 + name,
        _ => 0,
    }
}

/// Alignment of entries in NT find levels (Samba aligns to 8 bytes; entries in the
/// SMB_INFO levels are packed).
fn entry_align(level: u16) -> usize {
    if level >= 0x101 { 8 } else { 1 }
}

/// Bytes an EA list takes in an SMB_INFO_QUERY_EAS_FROM_LIST entry (its size field too).
fn ea_list_len(eas: &[FeaEntry]) -> usize {
    encode_fea_list(eas).len()
}

/// One entry of the SMB_INFO levels (1 STANDARD, 2 QUERY_EA_SIZE, 3 QUERY_EAS_FROM_LIST),
/// laid out as Windows and Samba send them: the 22 bytes of DOS times, sizes and
/// attributes, then the EA size (level 2) or EA list (level 3), a one-byte name length
/// (without terminator), and the name. Level 1 aligns a Unicode name to two bytes and ends
/// it with a two-byte terminator; levels 2 and 3 leave the name unaligned and end it with a
/// single zero byte.
fn encode_info_entry(w: &mut Writer, level: u16, e: &DirEntry, unicode: bool, resume_keys: bool) {
    if resume_keys {
        w.u32(e.file_index);
    }
    let i = FileInformation {
        creation_time: e.creation_time,
        last_access_time: e.last_access_time,
        last_write_time: e.last_write_time,
        ..Default::default()
    };
    write_dos_times(w, &i);
    w.u32(e.end_of_file.min(u32::MAX as u64) as u32);
    w.u32(e.allocation_size.min(u32::MAX as u64) as u32);
    w.u16(crate::wire::consts::ext_attr::to_dos(e.attributes));
    match level {
        2 => w.u32(e.ea_size),
        3 => w.bytes(&encode_fea_list(&e.eas)),
        _ => {}
    }
    w.u8(str_len(&e.file_name, unicode).min(0xFF) as u8);
    if level == 1 && unicode {
        w.u8(0);
    }
    write_name(w, &e.file_name, unicode);
    if level == 1 && unicode {
        w.u16(0);
    } else {
        w.u8(0);
    }
}

/// Reads one entry of the SMB_INFO levels (see [`encode_info_entry`]).
fn decode_info_entry(
    r: &mut Reader<'_>,
    level: u16,
    e: &mut DirEntry,
    unicode: bool,
    resume_keys: bool,
) -> Result<(), DecodeError> {
    if resume_keys {
        e.file_index = r.u32("ResumeKey")?;
    }
    let mut i = FileInformation::default();
    read_dos_times(r, &mut i)?;
    e.creation_time = i.creation_time;
    e.last_access_time = i.last_access_time;
    e.last_write_time = i.last_write_time;
    e.end_of_file = r.u32("FileDataSize")? as u64;
    e.allocation_size = r.u32("AllocationSize")? as u64;
    e.attributes = crate::wire::consts::ext_attr::from_dos(r.u16("Attributes")?);
    match level {
        2 => e.ea_size = r.u32("EaSize")?,
        3 => {
            let at = r.pos();
            let size = r.u32("SizeOfListInBytes")? as usize;
            if size < 4 || size - 4 > r.remaining() {
                return Err(DecodeError::invalid("SizeOfListInBytes", at));
            }
            let list = r.slice(size - 4, "FEAList")?;
            let mut whole = Vec::with_capacity(size);
            whole.extend_from_slice(&(size as u32).to_le_bytes());
            whole.extend_from_slice(list);
            e.eas = decode_fea_list(&Bytes::from(whole))?;
        }
        _ => {}
    }
    let len = r.u8("FileNameLength")? as usize;
    if level == 1 && unicode && r.remaining() > 0 {
        r.skip(1, "Pad")?;
    }
    let len = len.min(r.remaining());
    e.file_name = read_name(r, len, unicode, "FileName")?;
    let term = if level == 1 && unicode { 2 } else { 1 };
    if r.remaining() >= term {
        r.skip(term, "FileName")?;
    }
    Ok(())
}

/// Encodes as many entries as fit in `max_bytes`; returns the data, the number of entries
/// written and the offset of the last entry (for LastNameOffset: Samba and Windows point
/// it at the start of the last entry, and nmap reads that entry from there).
pub fn encode_find_entries(
    level: u16,
    entries: &[DirEntry],
    unicode: bool,
    resume_keys: bool,
    max_bytes: usize,
) -> Result<(Bytes, usize, u16), NtStatus> {
    if !find_level_supported(level) {
        return Err(NtStatus::INVALID_LEVEL);
    }
    let align = entry_align(level);
    let mut w = Writer::new();
    let mut count = 0;
    let mut last_name = 0usize;
    let mut prev_next_at: Option<usize> = None;
    for e in entries {
        let start = w.pos();
        let len = entry_len(level, e, unicode, resume_keys);
        if start + len > max_bytes {
            break;
        }
        if let Some(at) = prev_next_at {
            w.patch_u32(at, (start - (at)) as u32);
        }
        last_name = start;
        match level {
            1..=3 => {
                encode_info_entry(&mut w, level, e, unicode, resume_keys);
                prev_next_at = None;
            }
            _ => {
                let next_at = w.pos();
                w.u32(0);
                w.u32(e.file_index);
                if level != 0x103 {
                    w.u64(e.creation_time);
                    w.u64(e.last_access_time);
                    w.u64(e.last_write_time);
                    w.u64(e.change_time);
                    w.u64(e.end_of_file);
                    w.u64(e.allocation_size);
                    w.u32(e.attributes);
                }
                w.u32(nt_name_len(e, unicode) as u32);
                if matches!(level, 0x102 | 0x104 | 0x105 | 0x106) {
                    w.u32(e.ea_size);
                }
                if matches!(level, 0x104 | 0x106) {
                    let short: Vec<u16> = e.short_name.encode_utf16().take(12).collect();
                    w.u8((short.len() * 2) as u8);
                    w.u8(0);
                    for k in 0..12 {
                        w.u16(short.get(k).copied().unwrap_or(0));
                    }
                }
                if level == 0x105 {
                    w.u32(0);
                    w.u64(e.file_id);
                }
                if level == 0x106 {
                    w.u16(0);
                    w.u64(e.file_id);
                }
                write_name(&mut w, &e.file_name, unicode);
                if !unicode {
                    w.u8(0);
                }
                prev_next_at = Some(next_at);
                // Pad to the alignment unless this is the last entry that fits.
                let p = pad_to(w.pos(), align);
                w.zeros(p);
            }
        }
        count += 1;
    }
    // The last entry's NextEntryOffset stays 0; trailing padding after it is dropped.
    let mut data = w.into_vec();
    if let Some(at) = prev_next_at {
        let end = at + entry_len(level, &entries[count - 1], unicode, resume_keys);
        data.truncate(end);
    }
    Ok((Bytes::from(data), count, last_name.min(0xFFFF) as u16))
}

/// Decodes `count` entries of a find level, following NextEntryOffset (which must advance).
pub fn decode_find_entries(
    level: u16,
    data: &Bytes,
    unicode: bool,
    resume_keys: bool,
    count: usize,
) -> Result<Vec<DirEntry>, DecodeError> {
    if !find_level_supported(level) {
        return Err(DecodeError::invalid("InformationLevel", 0));
    }
    let mut out = Vec::with_capacity(count.min(data.len() / 12 + 1));
    let mut at = 0usize;
    for n in 0..count {
        let mut r = Reader::range(data, at, data.len().saturating_sub(at), "Entry")?;
        let mut e = DirEntry::default();
        let next;
        match level {
            1..=3 => {
                decode_info_entry(&mut r, level, &mut e, unicode, resume_keys)?;
                next = r.pos() - at;
            }
            _ => {
                next = r.u32("NextEntryOffset")? as usize;
                e.file_index = r.u32("FileIndex")?;
                if level != 0x103 {
                    e.creation_time = r.u64("CreationTime")?;
                    e.last_access_time = r.u64("LastAccessTime")?;
                    e.last_write_time = r.u64("LastWriteTime")?;
                    e.change_time = r.u64("ChangeTime")?;
                    e.end_of_file = r.u64("EndOfFile")?;
                    e.allocation_size = r.u64("AllocationSize")?;
                    e.attributes = r.u32("ExtFileAttributes")?;
                }
                let len = r.u32("FileNameLength")? as usize;
                if matches!(level, 0x102 | 0x104 | 0x105 | 0x106) {
                    e.ea_size = r.u32("EaSize")?;
                }
                if matches!(level, 0x104 | 0x106) {
                    let sl = (r.u8("ShortNameLength")? as usize).min(24);
                    r.u8("Reserved")?;
                    let short = r.slice(24, "ShortName")?;
                    e.short_name = crate::wire::strings::from_utf16le(&short[..sl & !1]).ok_or(
                        DecodeError::new(DecodeErrorKind::BadString, "ShortName", r.pos()),
                    )?;
                }
                if level == 0x105 {
                    r.u32("Reserved")?;
                    e.file_id = r.u64("FileId")?;
                }
                if level == 0x106 {
                    r.u16("Reserved2")?;
                    e.file_id = r.u64("FileId")?;
                }
                if len > r.remaining() {
                    return Err(DecodeError::truncated("FileName", r.pos()));
                }
                e.file_name = read_name(&mut r, len, unicode, "FileName")?;
                if next == 0 && n + 1 < count {
                    return Err(DecodeError::invalid("NextEntryOffset", at));
                }
            }
        }
        out.push(e);
        if n + 1 < count {
            if next == 0 {
                return Err(DecodeError::invalid("NextEntryOffset", at));
            }
            at = at
                .checked_add(next)
                .filter(|&a| a < data.len())
                .ok_or(DecodeError::invalid("NextEntryOffset", at))?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_entries_round_trip_every_level() {
        let entries: Vec<DirEntry> = (0..50)
            .map(|i| DirEntry {
                file_index: i,
                creation_time: 133_485_408_000_000_000 + i as u64 * 10_000_000,
                last_access_time: 133_485_408_000_000_000,
                last_write_time: 133_485_408_000_000_000,
                change_time: 133_485_408_000_000_000,
                end_of_file: i as u64 * 1000,
                allocation_size: 4096,
                attributes: 0x20,
                ea_size: 0,
                short_name: if i % 2 == 0 {
                    alloc::format!("F{i}.TXT")
                } else {
                    String::new()
                },
                file_id: 1000 + i as u64,
                file_name: alloc::format!("file number {i}.txt"),
                eas: if i % 3 == 0 {
                    alloc::vec![FeaEntry {
                        flags: 0,
                        name: alloc::format!("EA{i}"),
                        value: Bytes::from(alloc::vec![i as u8; i as usize]),
                    }]
                } else {
                    Vec::new()
                },
            })
            .collect();
        for level in [1u16, 2, 3, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106] {
            for unicode in [true, false] {
                let (data, n, _) =
                    encode_find_entries(level, &entries, unicode, true, 60_000).unwrap();
                assert_eq!(n, 50);
                let back = decode_find_entries(level, &data, unicode, true, n).unwrap();
                for (a, b) in back.iter().zip(&entries) {
                    assert_eq!(a.file_name, b.file_name, "level {level:#x}");
                    if level >= 0x101 {
                        assert_eq!(a.file_index, b.file_index);
                    }
                    if matches!(level, 0x104 | 0x106) {
                        assert_eq!(a.short_name, b.short_name);
                    }
                    if matches!(level, 0x105 | 0x106) {
                        assert_eq!(a.file_id, b.file_id);
                    }
                    if level != 0x103 {
                        assert_eq!(a.end_of_file, b.end_of_file);
                    }
                    if level == 3 {
                        assert_eq!(a.eas, b.eas);
                    }
                }
                // A small buffer holds fewer entries.
                let (_, few, _) = encode_find_entries(level, &entries, unicode, true, 300).unwrap();
                assert!(few > 0 && few < 50);
            }
        }
    }

    #[test]
    fn oem_names_as_samba_sends_them() {
        // Level 0x104 in OEM: each name NUL-terminated and its length counting the NUL;
        // LastNameOffset at the start of the last entry, which nmap reads from there
        // (94 fixed bytes, then the name up to its NUL).
        let e = |n: &str| DirEntry {
            file_name: n.into(),
            ..Default::default()
        };
        let entries = [e("."), e(".."), e("file1.txt")];
        let (data, n, last) = encode_find_entries(0x104, &entries, false, true, 4096).unwrap();
        assert_eq!(n, 3);
        // Entries of 96 and 97 (padded to 104) bytes, then 94 + 10.
        assert_eq!((data.len(), last), (96 + 104 + 94 + 10, 200));
        assert_eq!(u32::from_le_bytes(data[60..64].try_into().unwrap()), 2);
        assert_eq!(&data[200 + 94..], b"file1.txt\0");
        assert_eq!(u32::from_le_bytes(data[200..204].try_into().unwrap()), 0);
        let back = decode_find_entries(0x104, &data, false, true, 3).unwrap();
        assert_eq!(back[2].file_name, "file1.txt");
        // UTF-16: no terminator, the length of the name alone.
        let (data, _, last) = encode_find_entries(0x104, &entries, true, true, 4096).unwrap();
        assert_eq!((data.len(), last), (96 + 104 + 94 + 18, 200));
        assert_eq!(u32::from_le_bytes(data[60..64].try_into().unwrap()), 2);
    }

    #[test]
    fn hostile_find_data() {
        // NextEntryOffset 0 with more entries announced, or pointing back/out of range.
        let data = Bytes::from(alloc::vec![0u8; 100]);
        assert!(decode_find_entries(0x104, &data, true, true, 2).is_err());
        assert!(
            decode_find_entries(0x101, &Bytes::from_static(&[8, 0, 0, 0]), true, true, 3).is_err()
        );
    }
}
