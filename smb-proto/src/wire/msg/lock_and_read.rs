//! `SMB_COM_LOCK_AND_READ` (0x13): lock a range, then read it (the READ layouts).

use super::read::{ReadRequest, ReadResponse};
use super::wrap::same_layout;

same_layout!(
    /// LOCK_AND_READ request (the READ layout).
    LockAndReadRequest(ReadRequest),
    LOCK_AND_READ
);

same_layout!(
    /// LOCK_AND_READ response (the READ layout).
    LockAndReadResponse(ReadResponse),
    LOCK_AND_READ
);
