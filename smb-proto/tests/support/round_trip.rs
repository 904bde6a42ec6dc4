//! The round-trip property every codec test checks.

use proptest::prelude::*;
use smb_proto::wire::{Message, MessageBody};

/// Encoding, decoding and encoding again gives the same bytes, and the typed decoders
/// account for every byte the encoders wrote.
pub fn assert_round_trip<B: MessageBody + std::fmt::Debug>(
    m: &Message<B>,
) -> Result<(), TestCaseError> {
    let first = m.encode();
    let decoded = Message::<B>::decode(&first)
        .map_err(|e| TestCaseError::fail(format!("{e} decoding {m:?}")))?;
    let second = decoded.encode();
    prop_assert_eq!(&first[..], &second[..], "decoded as {:?}", decoded);
    // The typed decoders account for every byte the encoders wrote.
    prop_assert!(
        decoded.trailing.is_empty(),
        "trailing bytes in {:?}",
        decoded
    );
    prop_assert_eq!(decoded.blocks.len(), m.blocks.len());
    for blk in &decoded.blocks {
        prop_assert!(
            blk.extra.params.is_empty() && blk.extra.data.is_empty(),
            "unread bytes in {:?}",
            blk
        );
        prop_assert!(blk.extra.gap.0.is_none(), "gap in {:?}", blk);
    }
    Ok(())
}
