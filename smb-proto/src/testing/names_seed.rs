//! A seed for the `server` fuzz target that reaches the name and metadata requests:
//! NT_RENAME (hard link, copy, rename), NT_TRANSACT CREATE with an EA list and
//! QUERY_SECURITY_DESC, FIND_FIRST2 at the EA levels and with short names, the core
//! SEARCH, RAP calls over `\PIPE\LANMAN`, and SEEK.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::raw::RawClient;
use crate::wire::msg::nt_transact_sub::{NtTransCreate, nt_function};
use crate::wire::msg::rap::{LANMAN_PIPE, RapRequest};
use crate::wire::msg::trans2::info::{FeaEntry, encode_gea_list, level};
use crate::wire::msg::trans2::sub::{FindFirst2, find_flags};
use crate::wire::msg::*;

/// An NT_TRANSACT request of `function` with these parameters and data.
fn nt_transact(function: u16, params: Bytes, data: Bytes) -> NtTransactRequest {
    NtTransactRequest {
        total_parameter_count: params.len() as u32,
        total_data_count: data.len() as u32,
        max_parameter_count: 256,
        max_data_count: 4096,
        function,
        payload: TransPayload::new(params, data),
        ..Default::default()
    }
}

/// A RAP call over `\PIPE\LANMAN`.
fn rap(req: &RapRequest) -> TransactionRequest {
    let params = req.encode();
    TransactionRequest {
        header: TransRequestHeader {
            total_parameter_count: params.len() as u16,
            max_parameter_count: 8,
            max_data_count: 4096,
            ..Default::default()
        },
        name: LANMAN_PIPE.into(),
        payload: TransPayload::new(params, Bytes::new()),
    }
}

/// The requests, framed for a client `c` that replayed the handshake prefix (whose open of
/// `file.txt` has FID 0x4000).
pub(crate) fn names_requests(c: &RawClient) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |mid: u16, body: Request| out.extend(c.frame(mid, body));
    let nt_rename = |level, old: &str, new: &str| NtRenameRequest {
        search_attributes: 0x16,
        information_level: level,
        cluster_count: 0,
        old_file_name: old.into(),
        new_file_name: new.into(),
    };
    push(
        200,
        nt_rename(nt_rename_flags::HARD_LINK, "file.txt", "link.txt").into(),
    );
    push(
        201,
        nt_rename(nt_rename_flags::COPY, "file.txt", "copy.txt").into(),
    );
    push(
        202,
        nt_rename(nt_rename_flags::RENAME, "copy.txt", "renamed.txt").into(),
    );
    let create = NtTransCreate {
        desired_access: 0x0012_019F,
        share_access: 7,
        create_disposition: 2,
        name: "dir\\with-eas.txt".into(),
        eas: alloc::vec![FeaEntry {
            flags: 0,
            name: "USER.SEED".into(),
            value: Bytes::from_static(b"value"),
        }],
        ..Default::default()
    };
    let (p, d) = create.encode(true);
    push(203, nt_transact(nt_function::CREATE, p, d).into());
    let mut q = Vec::from(0x4000u16.to_le_bytes());
    q.extend_from_slice(&[0, 0, 7, 0, 0, 0]);
    push(
        204,
        nt_transact(
            nt_function::QUERY_SECURITY_DESC,
            Bytes::from(q),
            Bytes::new(),
        )
        .into(),
    );
    let find = |lvl: u16, pattern: &str| {
        Trans2Sub::FindFirst2(FindFirst2 {
            search_attributes: 0x16,
            search_count: 100,
            flags: find_flags::CLOSE_AT_EOS | find_flags::RETURN_RESUME_KEYS,
            level: lvl,
            storage_type: 0,
            file_name: pattern.into(),
        })
    };
    push(
        205,
        find(level::FIND_BOTH_DIRECTORY_INFO, "*")
            .into_request(true, 64, 4096)
            .into(),
    );
    let mut eas = find(3, "dir\\*").into_request(true, 64, 4096);
    let names = encode_gea_list(&[String::from("USER.SEED")]);
    eas.header.total_data_count = names.len() as u16;
    eas.payload = TransPayload::new(eas.payload.parameters.clone(), names);
    push(206, eas.into());
    push(
        207,
        SearchRequest {
            max_count: 10,
            search_attributes: 0x16,
            file_name: "*".into(),
            resume_key: Bytes::new(),
        }
        .into(),
    );
    push(208, rap(&RapRequest::net_server_get_info(4096)).into());
    push(
        209,
        SeekRequest {
            fid: 0x4000,
            mode: seek_mode::END,
            offset: -2,
        }
        .into(),
    );
    out
}
