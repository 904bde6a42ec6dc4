//! Property tests of RAP NetServerEnum2: requests and responses round-trip at both levels
//! (latin-1 names, as the OEM encoding carries them), the buffer size bounds what is
//! sent, and the decoders never panic on arbitrary bytes.

use bytes::Bytes;
use proptest::prelude::*;

use smb_proto::wire::msg::rap::{ERROR_MORE_DATA, NERR_SUCCESS};
use smb_proto::wire::msg::rap_servers::{
    ServerEntry, ServerEnumRequest, decode_server_enum, encode_server_enum,
};

fn oem(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(1u8..=255, 0..max).prop_map(|v| v.into_iter().map(char::from).collect())
}

fn entry() -> impl Strategy<Value = ServerEntry> {
    (oem(16), any::<u8>(), any::<u8>(), any::<u32>(), oem(48)).prop_map(
        |(name, version_major, version_minor, server_type, comment)| ServerEntry {
            name,
            version_major,
            version_minor,
            server_type,
            comment,
        },
    )
}

proptest! {
    #[test]
    fn request_round_trips(level in 0u16..2, buffer_len in any::<u16>(), server_type in any::<u32>(), domain in oem(16)) {
        let r = ServerEnumRequest { level, buffer_len, server_type, domain };
        prop_assert_eq!(ServerEnumRequest::decode(&r.encode()), Ok(r));
    }

    #[test]
    fn response_round_trips(level in 0u16..2, entries in prop::collection::vec(entry(), 0..12), buffer_len in any::<u16>()) {
        let (p, d) = encode_server_enum(level, &entries, buffer_len);
        prop_assert!(d.len() <= usize::from(buffer_len));
        let (status, got, avail) = decode_server_enum(level, &p, &d).unwrap();
        prop_assert_eq!(usize::from(avail), entries.len());
        prop_assert_eq!(status, if got.len() < entries.len() { ERROR_MORE_DATA } else { NERR_SUCCESS });
        for (g, e) in got.iter().zip(&entries) {
            let name: String = e.name.chars().take(15).collect();
            prop_assert_eq!(&g.name, &name);
            if level == 1 {
                prop_assert_eq!((g.version_major, g.version_minor, g.server_type), (e.version_major, e.version_minor, e.server_type));
                prop_assert_eq!(&g.comment, &e.comment);
            }
        }
    }

    #[test]
    fn decoders_never_panic(data in prop::collection::vec(any::<u8>(), 0..300), level in 0u16..3) {
        let b = Bytes::from(data);
        let _ = ServerEnumRequest::decode(&b);
        let split = b.len().min(8);
        let _ = decode_server_enum(level, &b.slice(..split), &b.slice(split..));
    }
}
