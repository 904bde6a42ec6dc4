//! Property tests of the transaction-borne open codecs: NT_TRANSACT_CREATE (with its NT
//! extended-attribute list) and TRANS2_OPEN2 round-trip, and never panic on arbitrary
//! bytes.

use bytes::Bytes;
use proptest::prelude::*;
use smb_proto::wire::msg::trans2::open2::{Open2Request, Open2Response};
use smb_proto::wire::msg::{
    FullEa, NtTransactCreateRequest, NtTransactCreateResponse, decode_full_ea_list,
    encode_full_ea_list,
};

fn b(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// Names as they travel in either encoding (Latin-1 for OEM, no NUL).
fn name(unicode: bool) -> BoxedStrategy<String> {
    if unicode {
        "[^\u{0}]{0,40}".boxed()
    } else {
        "[ -~\u{a0}-\u{ff}]{0,40}".boxed()
    }
}

fn full_ea() -> impl Strategy<Value = FullEa> {
    (any::<u8>(), "[A-Za-z0-9 ._]{1,30}", b(60)).prop_map(|(flags, name, value)| FullEa {
        flags,
        name,
        value,
    })
}

fn nt_create(unicode: bool) -> impl Strategy<Value = NtTransactCreateRequest> {
    (
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            any::<u32>(),
        ),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u8>(),
        ),
        name(unicode),
        b(40),
        proptest::collection::vec(full_ea(), 0..4),
    )
        .prop_map(|(a, c, name, sd, eas)| NtTransactCreateRequest {
            flags: a.0,
            root_directory_fid: a.1,
            desired_access: a.2,
            allocation_size: a.3,
            ext_file_attributes: a.4,
            share_access: c.0,
            create_disposition: c.1,
            create_options: c.2,
            impersonation_level: c.3,
            security_flags: c.4,
            name,
            security_descriptor: sd,
            ea_list: encode_full_ea_list(&eas),
        })
}

fn open2(unicode: bool) -> impl Strategy<Value = Open2Request> {
    (
        (any::<u16>(), any::<u16>(), any::<u16>(), any::<u16>()),
        (any::<u32>(), any::<u16>(), any::<u32>(), any::<[u16; 5]>()),
        name(unicode),
        b(60),
    )
        .prop_map(|(a, c, file_name, eas)| Open2Request {
            flags: a.0,
            access_mode: a.1,
            reserved1: a.2,
            file_attributes: a.3,
            creation_time: c.0,
            open_mode: c.1,
            allocation_size: c.2,
            reserved: c.3,
            file_name,
            eas,
        })
}

proptest! {
    #[test]
    fn nt_transact_create_requests_round_trip(r in nt_create(true)) {
        let (p, d) = r.encode(true);
        prop_assert_eq!(NtTransactCreateRequest::decode(&p, &d, true).unwrap(), r.clone());
        let (p, d) = r.encode(false);
        let again = NtTransactCreateRequest::decode(&p, &d, false).unwrap();
        prop_assert_eq!(again.desired_access, r.desired_access);
        prop_assert_eq!(again.ea_list, r.ea_list);
    }

    #[test]
    fn nt_transact_create_oem_round_trips(r in nt_create(false)) {
        let (p, d) = r.encode(false);
        prop_assert_eq!(NtTransactCreateRequest::decode(&p, &d, false).unwrap(), r);
    }

    #[test]
    fn full_ea_lists_round_trip(eas in proptest::collection::vec(full_ea(), 0..6)) {
        let enc = encode_full_ea_list(&eas);
        prop_assert_eq!(decode_full_ea_list(&enc).unwrap(), eas);
    }

    #[test]
    fn nt_transact_create_responses_round_trip(
        a in any::<(u8, u16, u32, u32, u64, u64, u64, u64)>(),
        c in any::<(u32, u64, u64, u16, u16, u8)>(),
    ) {
        let r = NtTransactCreateResponse {
            oplock_level: a.0,
            fid: a.1,
            create_action: a.2,
            ea_error_offset: a.3,
            creation_time: a.4,
            last_access_time: a.5,
            last_write_time: a.6,
            change_time: a.7,
            ext_file_attributes: c.0,
            allocation_size: c.1,
            end_of_file: c.2,
            resource_type: c.3,
            nm_pipe_status: c.4,
            directory: c.5,
        };
        let enc = r.encode();
        prop_assert_eq!(enc.len(), NtTransactCreateResponse::LEN);
        prop_assert_eq!(NtTransactCreateResponse::decode(&enc).unwrap(), r);
    }

    #[test]
    fn open2_round_trips(unicode in any::<bool>(), r in open2(true), o in open2(false)) {
        let r = if unicode { r } else { o };
        let (p, d) = r.encode(unicode);
        prop_assert_eq!(Open2Request::decode(&p, &d, unicode).unwrap(), r);
    }

    #[test]
    fn open2_responses_round_trip(
        a in any::<(u16, u16, u32, u32, u16, u16)>(),
        c in any::<(u16, u16, u32, u16, u32)>(),
    ) {
        let r = Open2Response {
            fid: a.0,
            file_attributes: a.1,
            creation_time: a.2,
            file_data_size: a.3,
            access_mode: a.4,
            resource_type: a.5,
            nm_pipe_status: c.0,
            action_taken: c.1,
            reserved: c.2,
            ea_error_offset: c.3,
            ea_length: c.4,
        };
        let enc = r.encode();
        prop_assert_eq!(enc.len(), Open2Response::LEN);
        prop_assert_eq!(Open2Response::decode(&enc).unwrap(), r);
    }

    #[test]
    fn arbitrary_bytes_never_panic(p in b(300), d in b(300), unicode in any::<bool>()) {
        let _ = NtTransactCreateRequest::decode(&p, &d, unicode);
        let _ = NtTransactCreateResponse::decode(&p);
        let _ = decode_full_ea_list(&d);
        let _ = Open2Request::decode(&p, &d, unicode);
        let _ = Open2Response::decode(&p);
    }
}
