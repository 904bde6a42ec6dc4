//! TRANS2 subcommands: their request parameters/data and response parameters, typed.
//!
//! A request decodes from a [`super::Trans2Request`]'s setup word and
//! parameter block; responses do not name their subcommand, so they decode with the
//! request's subcommand as context.

use alloc::string::String;
use bytes::Bytes;

use crate::wire::codec::{DecodeError, Reader, Writer};
use crate::wire::strings::{read_str, write_str};

use super::{Trans2Request, TransPayload, TransRequestHeader};

/// Subcommand codes (Setup\[0\]).
pub mod code {
    /// TRANS2_OPEN2.
    pub const OPEN2: u16 = 0x0000;
    /// TRANS2_FIND_FIRST2.
    pub const FIND_FIRST2: u16 = 0x0001;
    /// TRANS2_FIND_NEXT2.
    pub const FIND_NEXT2: u16 = 0x0002;
    /// TRANS2_QUERY_FS_INFORMATION.
    pub const QUERY_FS_INFORMATION: u16 = 0x0003;
    /// TRANS2_SET_FS_INFORMATION.
    pub const SET_FS_INFORMATION: u16 = 0x0004;
    /// TRANS2_QUERY_PATH_INFORMATION.
    pub const QUERY_PATH_INFORMATION: u16 = 0x0005;
    /// TRANS2_SET_PATH_INFORMATION.
    pub const SET_PATH_INFORMATION: u16 = 0x0006;
    /// TRANS2_QUERY_FILE_INFORMATION.
    pub const QUERY_FILE_INFORMATION: u16 = 0x0007;
    /// TRANS2_SET_FILE_INFORMATION.
    pub const SET_FILE_INFORMATION: u16 = 0x0008;
    /// TRANS2_FSCTL.
    pub const FSCTL: u16 = 0x0009;
    /// TRANS2_IOCTL2.
    pub const IOCTL2: u16 = 0x000A;
    /// TRANS2_CREATE_DIRECTORY.
    pub const CREATE_DIRECTORY: u16 = 0x000D;
    /// TRANS2_GET_DFS_REFERRAL.
    pub const GET_DFS_REFERRAL: u16 = 0x0010;
}

/// FIND flags.
pub mod find_flags {
    /// Close the search after this request.
    pub const CLOSE_AFTER_REQUEST: u16 = 0x0001;
    /// Close the search at the end.
    pub const CLOSE_AT_EOS: u16 = 0x0002;
    /// Return resume keys (SMB_INFO levels).
    pub const RETURN_RESUME_KEYS: u16 = 0x0004;
    /// Continue from the last entry returned.
    pub const CONTINUE_FROM_LAST: u16 = 0x0008;
    /// Backup intent.
    pub const WITH_BACKUP_INTENT: u16 = 0x0010;
}

/// FIND_FIRST2 request parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindFirst2 {
    /// Attributes of entries to include.
    pub search_attributes: u16,
    /// Most entries to return.
    pub search_count: u16,
    /// [`find_flags`].
    pub flags: u16,
    /// Information level.
    pub level: u16,
    /// Search storage type.
    pub storage_type: u32,
    /// The pattern, e.g. `\dir\*`.
    pub file_name: String,
}

/// FIND_NEXT2 request parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindNext2 {
    /// Search id from FIND_FIRST2.
    pub sid: u16,
    /// Most entries to return.
    pub search_count: u16,
    /// Information level.
    pub level: u16,
    /// Resume key of the last entry seen.
    pub resume_key: u32,
    /// [`find_flags`].
    pub flags: u16,
    /// Name of the last entry seen (resume point).
    pub file_name: String,
}

/// A typed TRANS2 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trans2Sub {
    /// FIND_FIRST2.
    FindFirst2(FindFirst2),
    /// FIND_NEXT2.
    FindNext2(FindNext2),
    /// QUERY_FS_INFORMATION at a level.
    QueryFsInformation {
        /// Information level.
        level: u16,
    },
    /// QUERY_PATH_INFORMATION.
    QueryPathInformation {
        /// Information level.
        level: u16,
        /// Reserved.
        reserved: u32,
        /// The path.
        file_name: String,
    },
    /// QUERY_FILE_INFORMATION.
    QueryFileInformation {
        /// The file.
        fid: u16,
        /// Information level.
        level: u16,
    },
    /// SET_PATH_INFORMATION with its level's data.
    SetPathInformation {
        /// Information level.
        level: u16,
        /// Reserved.
        reserved: u32,
        /// The path.
        file_name: String,
        /// The level's data.
        data: Bytes,
    },
    /// SET_FILE_INFORMATION with its level's data.
    SetFileInformation {
        /// The file.
        fid: u16,
        /// Information level.
        level: u16,
        /// Reserved.
        reserved: u16,
        /// The level's data.
        data: Bytes,
    },
    /// CREATE_DIRECTORY (with an optional EA list as data).
    CreateDirectory {
        /// Reserved.
        reserved: u32,
        /// The directory path.
        name: String,
        /// EA list.
        data: Bytes,
    },
    /// Any other subcommand, untyped.
    Other {
        /// The subcommand code.
        code: u16,
        /// Parameters.
        parameters: Bytes,
        /// Data.
        data: Bytes,
    },
}

impl Trans2Sub {
    /// The subcommand code.
    pub fn code(&self) -> u16 {
        match self {
            Trans2Sub::FindFirst2(_) => code::FIND_FIRST2,
            Trans2Sub::FindNext2(_) => code::FIND_NEXT2,
            Trans2Sub::QueryFsInformation { .. } => code::QUERY_FS_INFORMATION,
            Trans2Sub::QueryPathInformation { .. } => code::QUERY_PATH_INFORMATION,
            Trans2Sub::QueryFileInformation { .. } => code::QUERY_FILE_INFORMATION,
            Trans2Sub::SetPathInformation { .. } => code::SET_PATH_INFORMATION,
            Trans2Sub::SetFileInformation { .. } => code::SET_FILE_INFORMATION,
            Trans2Sub::CreateDirectory { .. } => code::CREATE_DIRECTORY,
            Trans2Sub::Other { code, .. } => *code,
        }
    }

    /// The information level the request asks for, if it has one.
    pub fn level(&self) -> Option<u16> {
        match self {
            Trans2Sub::FindFirst2(f) => Some(f.level),
            Trans2Sub::FindNext2(f) => Some(f.level),
            Trans2Sub::QueryFsInformation { level }
            | Trans2Sub::QueryPathInformation { level, .. }
            | Trans2Sub::QueryFileInformation { level, .. }
            | Trans2Sub::SetPathInformation { level, .. }
            | Trans2Sub::SetFileInformation { level, .. } => Some(*level),
            _ => None,
        }
    }

    /// Decodes the subcommand of a (complete) TRANS2 request from its parameters and data.
    pub fn decode(
        setup: &[u16],
        params: &Bytes,
        data: &Bytes,
        unicode: bool,
    ) -> Result<Self, DecodeError> {
        let Some(&code) = setup.first() else {
            return Err(DecodeError::invalid("Setup", 0));
        };
        let mut r = Reader::new(params);
        Ok(match code {
            code::FIND_FIRST2 => Trans2Sub::FindFirst2(FindFirst2 {
                search_attributes: r.u16("SearchAttributes")?,
                search_count: r.u16("SearchCount")?,
                flags: r.u16("Flags")?,
                level: r.u16("InformationLevel")?,
                storage_type: r.u32("SearchStorageType")?,
                file_name: read_str(&mut r, unicode, "FileName")?,
            }),
            code::FIND_NEXT2 => Trans2Sub::FindNext2(FindNext2 {
                sid: r.u16("SID")?,
                search_count: r.u16("SearchCount")?,
                level: r.u16("InformationLevel")?,
                resume_key: r.u32("ResumeKey")?,
                flags: r.u16("Flags")?,
                file_name: read_str(&mut r, unicode, "FileName")?,
            }),
            code::QUERY_FS_INFORMATION => Trans2Sub::QueryFsInformation {
                level: r.u16("InformationLevel")?,
            },
            code::QUERY_PATH_INFORMATION => Trans2Sub::QueryPathInformation {
                level: r.u16("InformationLevel")?,
                reserved: r.u32("Reserved")?,
                file_name: read_str(&mut r, unicode, "FileName")?,
            },
            code::QUERY_FILE_INFORMATION => Trans2Sub::QueryFileInformation {
                fid: r.u16("FID")?,
                level: r.u16("InformationLevel")?,
            },
            code::SET_PATH_INFORMATION => Trans2Sub::SetPathInformation {
                level: r.u16("InformationLevel")?,
                reserved: r.u32("Reserved")?,
                file_name: read_str(&mut r, unicode, "FileName")?,
                data: data.clone(),
            },
            code::SET_FILE_INFORMATION => Trans2Sub::SetFileInformation {
                fid: r.u16("FID")?,
                level: r.u16("InformationLevel")?,
                reserved: if r.remaining() >= 2 {
                    r.u16("Reserved")?
                } else {
                    0
                },
                data: data.clone(),
            },
            code::CREATE_DIRECTORY => Trans2Sub::CreateDirectory {
                reserved: r.u32("Reserved")?,
                name: read_str(&mut r, unicode, "DirectoryName")?,
                data: data.clone(),
            },
            other => Trans2Sub::Other {
                code: other,
                parameters: params.clone(),
                data: data.clone(),
            },
        })
    }

    /// Encodes the parameters and data.
    pub fn encode(&self, unicode: bool) -> (Bytes, Bytes) {
        let mut w = Writer::new();
        let data = match self {
            Trans2Sub::FindFirst2(f) => {
                w.u16(f.search_attributes);
                w.u16(f.search_count);
                w.u16(f.flags);
                w.u16(f.level);
                w.u32(f.storage_type);
                write_str(&mut w, &f.file_name, unicode);
                Bytes::new()
            }
            Trans2Sub::FindNext2(f) => {
                w.u16(f.sid);
                w.u16(f.search_count);
                w.u16(f.level);
                w.u32(f.resume_key);
                w.u16(f.flags);
                write_str(&mut w, &f.file_name, unicode);
                Bytes::new()
            }
            Trans2Sub::QueryFsInformation { level } => {
                w.u16(*level);
                Bytes::new()
            }
            Trans2Sub::QueryPathInformation {
                level,
                reserved,
                file_name,
            } => {
                w.u16(*level);
                w.u32(*reserved);
                write_str(&mut w, file_name, unicode);
                Bytes::new()
            }
            Trans2Sub::QueryFileInformation { fid, level } => {
                w.u16(*fid);
                w.u16(*level);
                Bytes::new()
            }
            Trans2Sub::SetPathInformation {
                level,
                reserved,
                file_name,
                data,
            } => {
                w.u16(*level);
                w.u32(*reserved);
                write_str(&mut w, file_name, unicode);
                data.clone()
            }
            Trans2Sub::SetFileInformation {
                fid,
                level,
                reserved,
                data,
            } => {
                w.u16(*fid);
                w.u16(*level);
                w.u16(*reserved);
                data.clone()
            }
            Trans2Sub::CreateDirectory {
                reserved,
                name,
                data,
            } => {
                w.u32(*reserved);
                write_str(&mut w, name, unicode);
                data.clone()
            }
            Trans2Sub::Other {
                parameters, data, ..
            } => {
                w.bytes(parameters);
                data.clone()
            }
        };
        (w.freeze(), data)
    }

    /// A whole TRANS2 request for this subcommand with canonical layout; the caller sets
    /// how much the server may return.
    pub fn into_request(
        &self,
        unicode: bool,
        max_parameter_count: u16,
        max_data_count: u16,
    ) -> Trans2Request {
        let (parameters, data) = self.encode(unicode);
        Trans2Request {
            header: TransRequestHeader {
                total_parameter_count: parameters.len() as u16,
                total_data_count: data.len() as u16,
                max_parameter_count,
                max_data_count,
                setup: alloc::vec![self.code()],
                ..Default::default()
            },
            payload: TransPayload::new(parameters, data),
        }
    }
}

/// FIND_FIRST2 response parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FindFirst2Response {
    /// Search id.
    pub sid: u16,
    /// Entries returned.
    pub search_count: u16,
    /// Nonzero when the search is complete.
    pub end_of_search: u16,
    /// EA error offset.
    pub ea_error_offset: u16,
    /// Offset of the last entry's name in the data (0: cannot resume by name).
    pub last_name_offset: u16,
}

impl FindFirst2Response {
    /// Decodes the response parameters.
    pub fn decode(params: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        Ok(Self {
            sid: r.u16("SID")?,
            search_count: r.u16("SearchCount")?,
            end_of_search: r.u16("EndOfSearch")?,
            ea_error_offset: r.u16("EaErrorOffset")?,
            last_name_offset: r.u16("LastNameOffset")?,
        })
    }

    /// Encodes the response parameters.
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::new();
        w.u16(self.sid);
        w.u16(self.search_count);
        w.u16(self.end_of_search);
        w.u16(self.ea_error_offset);
        w.u16(self.last_name_offset);
        w.freeze()
    }
}

/// FIND_NEXT2 response parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FindNext2Response {
    /// Entries returned.
    pub search_count: u16,
    /// Nonzero when the search is complete.
    pub end_of_search: u16,
    /// EA error offset.
    pub ea_error_offset: u16,
    /// Offset of the last entry's name in the data.
    pub last_name_offset: u16,
}

impl FindNext2Response {
    /// Decodes the response parameters.
    pub fn decode(params: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(params);
        Ok(Self {
            search_count: r.u16("SearchCount")?,
            end_of_search: r.u16("EndOfSearch")?,
            ea_error_offset: r.u16("EaErrorOffset")?,
            last_name_offset: r.u16("LastNameOffset")?,
        })
    }

    /// Encodes the response parameters.
    pub fn encode(&self) -> Bytes {
        let mut w = Writer::new();
        w.u16(self.search_count);
        w.u16(self.end_of_search);
        w.u16(self.ea_error_offset);
        w.u16(self.last_name_offset);
        w.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subcommands_round_trip() {
        let subs = [
            Trans2Sub::FindFirst2(FindFirst2 {
                search_attributes: 0x16,
                search_count: 1366,
                flags: 6,
                level: 0x104,
                storage_type: 0,
                file_name: "\\dir\\*".into(),
            }),
            Trans2Sub::FindNext2(FindNext2 {
                sid: 7,
                search_count: 100,
                level: 0x104,
                resume_key: 0,
                flags: 0xe,
                file_name: "last.txt".into(),
            }),
            Trans2Sub::QueryFsInformation { level: 0x105 },
            Trans2Sub::QueryPathInformation {
                level: 0x107,
                reserved: 0,
                file_name: "\\a\\b".into(),
            },
            Trans2Sub::QueryFileInformation {
                fid: 0x1d87,
                level: 0x107,
            },
            Trans2Sub::SetPathInformation {
                level: 1004,
                reserved: 0,
                file_name: "x".into(),
                data: Bytes::from_static(&[1; 40]),
            },
            Trans2Sub::SetFileInformation {
                fid: 3,
                level: 0x104,
                reserved: 0,
                data: Bytes::from_static(&[0; 8]),
            },
            Trans2Sub::CreateDirectory {
                reserved: 0,
                name: "\\new".into(),
                data: Bytes::new(),
            },
        ];
        for s in subs {
            for unicode in [true, false] {
                let (p, d) = s.encode(unicode);
                assert_eq!(Trans2Sub::decode(&[s.code()], &p, &d, unicode).unwrap(), s);
            }
        }
    }
}
