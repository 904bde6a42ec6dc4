//! Property tests of the TRANS2_OPEN2 codecs: they round-trip, and never panic on
//! arbitrary bytes.

use bytes::Bytes;
use proptest::prelude::*;
use smb_proto::wire::msg::trans2::open2::{Open2Request, Open2Response};

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
        let _ = Open2Request::decode(&p, &d, unicode);
        let _ = Open2Response::decode(&p);
    }
}
