//! `SMB_COM_UNLOCK_BYTE_RANGE` (0x0D): release a range locked by LOCK_BYTE_RANGE (the same
//! layout).

use super::lock_byte_range::LockByteRangeRequest;
use super::wrap::same_layout;

same_layout!(
    /// UNLOCK_BYTE_RANGE request (the LOCK_BYTE_RANGE layout).
    UnlockByteRangeRequest(LockByteRangeRequest),
    UNLOCK_BYTE_RANGE
);

crate::empty_body!(
    /// UNLOCK_BYTE_RANGE response (no parameters).
    UnlockByteRangeResponse,
    UNLOCK_BYTE_RANGE
);
