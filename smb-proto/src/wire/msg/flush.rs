//! `SMB_COM_FLUSH` (0x05): flush a file (FID 0xFFFF: every file of the process).

use super::wrap::fid_body;

fid_body!(
    /// FLUSH request.
    FlushRequest,
    FLUSH,
    "The file, or 0xFFFF for all."
);

crate::empty_body!(
    /// FLUSH response (no parameters).
    FlushResponse,
    FLUSH
);
