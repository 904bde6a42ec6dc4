//! Property tests of the set-information codec: the fixed-size levels (disposition,
//! allocation, end of file, position) round-trip, and no level panics on arbitrary bytes.

use bytes::Bytes;
use proptest::prelude::*;
use smb_proto::wire::msg::trans2::info::{SetFileInfo, decode_set_info, encode_set_info, level};

fn fixed() -> impl Strategy<Value = (u16, SetFileInfo)> {
    prop_oneof![
        any::<bool>().prop_map(|d| (
            level::PT_DISPOSITION,
            SetFileInfo::Disposition { delete_pending: d }
        )),
        any::<u64>().prop_map(|n| (level::PT_ALLOCATION, SetFileInfo::Allocation(n))),
        any::<u64>().prop_map(|n| (level::PT_END_OF_FILE, SetFileInfo::EndOfFile(n))),
        any::<u64>().prop_map(|n| (level::PT_POSITION, SetFileInfo::Position(n))),
    ]
}

proptest! {
    #[test]
    fn fixed_levels_round_trip((lvl, info) in fixed(), unicode in any::<bool>()) {
        let bytes = encode_set_info(&info, unicode);
        prop_assert_eq!(decode_set_info(lvl, &bytes, unicode).unwrap(), info);
    }

    #[test]
    fn short_positions_are_refused(data in proptest::collection::vec(any::<u8>(), 0..8)) {
        prop_assert!(decode_set_info(level::PT_POSITION, &Bytes::from(data), true).is_err());
    }

    #[test]
    fn no_level_panics(lvl in prop_oneof![0u16..0x20, 0x100u16..0x110, 1000u16..1070],
                       data in proptest::collection::vec(any::<u8>(), 0..200),
                       unicode in any::<bool>()) {
        let _ = decode_set_info(lvl, &Bytes::from(data), unicode);
    }
}
