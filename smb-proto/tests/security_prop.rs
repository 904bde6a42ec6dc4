//! Property tests of the security descriptor codec: self-relative descriptors round-trip,
//! and arbitrary bytes never panic the decoder.

use bytes::Bytes;
use proptest::prelude::*;
use smb_proto::wire::msg::security::{Ace, Acl, SecurityDescriptor, Sid};

fn sid() -> impl Strategy<Value = Sid> {
    (
        any::<u8>(),
        any::<[u8; 6]>(),
        proptest::collection::vec(any::<u32>(), 0..15),
    )
        .prop_map(|(revision, authority, sub_authorities)| Sid {
            revision,
            authority,
            sub_authorities,
        })
}

fn acl() -> impl Strategy<Value = Acl> {
    (
        any::<u8>(),
        proptest::collection::vec(
            (any::<u8>(), any::<u8>(), any::<u32>(), sid()).prop_map(
                |(ace_type, flags, mask, sid)| Ace {
                    ace_type,
                    flags,
                    mask,
                    sid,
                },
            ),
            0..6,
        ),
    )
        .prop_map(|(revision, aces)| Acl { revision, aces })
}

proptest! {
    #[test]
    fn descriptors_round_trip(
        revision in any::<u8>(),
        control in any::<u16>(),
        owner in proptest::option::of(sid()),
        group in proptest::option::of(sid()),
        sacl in proptest::option::of(acl()),
        dacl in proptest::option::of(acl()),
    ) {
        let sd = SecurityDescriptor {
            revision,
            // The encoder owns the self-relative and present bits.
            control: control & !0x8014,
            owner,
            group,
            sacl,
            dacl,
        };
        let enc = sd.encode();
        prop_assert_eq!(SecurityDescriptor::decode(&enc).unwrap(), sd);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = SecurityDescriptor::decode(&Bytes::from(b));
    }
}
