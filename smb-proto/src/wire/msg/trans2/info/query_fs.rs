//! File-system information levels (TRANS2 QUERY_FS_INFORMATION), encoded from and
//! decoded into one [`FsInformation`].

use alloc::string::String;
use bytes::Bytes;

use crate::wire::NtStatus;
use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::strings::{read_utf16_len, str_len, write_utf16_raw};

use super::level;
use super::name::{read_name, utf16_len_checked, write_name};

/// File-system information, for every QUERY_FS_INFORMATION level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FsInformation {
    /// Total allocation units.
    pub total_units: u64,
    /// Free allocation units (available to the caller).
    pub free_units: u64,
    /// Sectors per allocation unit.
    pub sectors_per_unit: u32,
    /// Bytes per sector.
    pub bytes_per_sector: u32,
    /// File-system id (SMB_INFO_ALLOCATION).
    pub fs_id: u32,
    /// Volume serial number.
    pub serial: u32,
    /// Volume label.
    pub label: String,
    /// Volume creation time.
    pub creation_time: u64,
    /// Device type (7 = disk).
    pub device_type: u32,
    /// Device characteristics.
    pub device_characteristics: u32,
    /// File-system attribute bits.
    pub fs_attributes: u32,
    /// Longest name component in bytes.
    pub max_name_length: u32,
    /// File-system name (e.g. `NTFS`).
    pub fs_name: String,
    /// The volume's object id (FileFsObjectIdInformation; the 48 bytes of extended
    /// information after it are sent as zeros).
    pub object_id: [u8; 16],
}

/// Encodes a QUERY_FS_INFORMATION level.
pub fn encode_fs_info(level: u16, i: &FsInformation, unicode: bool) -> Result<Bytes, NtStatus> {
    use level::*;
    let mut w = Writer::new();
    match level {
        FS_INFO_ALLOCATION => {
            w.u32(i.fs_id);
            w.u32(i.sectors_per_unit);
            w.u32(i.total_units.min(u32::MAX as u64) as u32);
            w.u32(i.free_units.min(u32::MAX as u64) as u32);
            w.u16(i.bytes_per_sector.min(0xFFFF) as u16);
        }
        FS_INFO_VOLUME => {
            w.u32(i.serial);
            w.u8(str_len(&i.label, unicode) as u8);
            write_name(&mut w, &i.label, unicode);
        }
        FS_VOLUME_INFO | PT_FS_VOLUME => {
            w.u64(i.creation_time);
            w.u32(i.serial);
            w.u32(str_len(&i.label, true) as u32);
            w.u16(0);
            write_utf16_raw(&mut w, &i.label);
        }
        FS_SIZE_INFO | PT_FS_SIZE => {
            w.u64(i.total_units);
            w.u64(i.free_units);
            w.u32(i.sectors_per_unit);
            w.u32(i.bytes_per_sector);
        }
        PT_FS_FULL_SIZE => {
            w.u64(i.total_units);
            w.u64(i.free_units);
            w.u64(i.free_units);
            w.u32(i.sectors_per_unit);
            w.u32(i.bytes_per_sector);
        }
        FS_DEVICE_INFO | PT_FS_DEVICE => {
            w.u32(i.device_type);
            w.u32(i.device_characteristics);
        }
        PT_FS_OBJECT_ID => {
            w.bytes(&i.object_id);
            w.zeros(48);
        }
        PT_FS_SECTOR_SIZE => {
            // Logical, physical (atomic and for performance) and effective sector sizes,
            // flags (aligned device, partition aligned), and two alignment offsets.
            for _ in 0..4 {
                w.u32(i.bytes_per_sector);
            }
            w.u32(0x3);
            w.u32(0);
            w.u32(0);
        }
        FS_ATTRIBUTE_INFO | PT_FS_ATTRIBUTE => {
            w.u32(i.fs_attributes);
            w.u32(i.max_name_length);
            w.u32(str_len(&i.fs_name, true) as u32);
            write_utf16_raw(&mut w, &i.fs_name);
        }
        _ => return Err(NtStatus::INVALID_LEVEL),
    }
    Ok(w.freeze())
}

/// Decodes a QUERY_FS_INFORMATION level.
pub fn decode_fs_info(
    level: u16,
    data: &Bytes,
    unicode: bool,
) -> Result<FsInformation, DecodeError> {
    use level::*;
    let mut r = Reader::new(data);
    let mut i = FsInformation::default();
    match level {
        FS_INFO_ALLOCATION => {
            i.fs_id = r.u32("idFileSystem")?;
            i.sectors_per_unit = r.u32("cSectorUnit")?;
            i.total_units = r.u32("cUnit")? as u64;
            i.free_units = r.u32("cUnitAvailable")? as u64;
            i.bytes_per_sector = r.u16("cbSector")? as u32;
        }
        FS_INFO_VOLUME => {
            i.serial = r.u32("ulVolSerialNbr")?;
            let n = r.u8("cCharCount")? as usize;
            let n = n.min(r.remaining());
            i.label = read_name(&mut r, n, unicode, "VolumeLabel")?;
        }
        FS_VOLUME_INFO | PT_FS_VOLUME => {
            i.creation_time = r.u64("VolumeCreationTime")?;
            i.serial = r.u32("SerialNumber")?;
            let n = utf16_len_checked(&mut r, "VolumeLabelSize")?;
            r.u16("Reserved")?;
            i.label = read_utf16_len(&mut r, n, "VolumeLabel")?;
        }
        FS_SIZE_INFO | PT_FS_SIZE => {
            i.total_units = r.u64("TotalAllocationUnits")?;
            i.free_units = r.u64("TotalFreeAllocationUnits")?;
            i.sectors_per_unit = r.u32("SectorsPerAllocationUnit")?;
            i.bytes_per_sector = r.u32("BytesPerSector")?;
        }
        PT_FS_FULL_SIZE => {
            i.total_units = r.u64("TotalAllocationUnits")?;
            i.free_units = r.u64("CallerAvailableAllocationUnits")?;
            r.u64("ActualAvailableAllocationUnits")?;
            i.sectors_per_unit = r.u32("SectorsPerAllocationUnit")?;
            i.bytes_per_sector = r.u32("BytesPerSector")?;
        }
        FS_DEVICE_INFO | PT_FS_DEVICE => {
            i.device_type = r.u32("DeviceType")?;
            i.device_characteristics = r.u32("DeviceCharacteristics")?;
        }
        PT_FS_OBJECT_ID => {
            let id = r.slice(16, "ObjectId")?;
            i.object_id.copy_from_slice(id);
            r.skip(48, "ExtendedInfo")?;
        }
        PT_FS_SECTOR_SIZE => {
            i.bytes_per_sector = r.u32("LogicalBytesPerSector")?;
            r.skip(24, "SectorSizeInformation")?;
        }
        FS_ATTRIBUTE_INFO | PT_FS_ATTRIBUTE => {
            i.fs_attributes = r.u32("FileSystemAttributes")?;
            i.max_name_length = r.u32("MaxFileNameLengthInBytes")?;
            let n = utf16_len_checked(&mut r, "LengthOfFileSystemName")?;
            i.fs_name = read_utf16_len(&mut r, n, "FileSystemName")?;
        }
        _ => return Err(DecodeError::invalid("InformationLevel", 0)),
    }
    Ok(i)
}
