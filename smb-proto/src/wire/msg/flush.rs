//! `SMB_COM_FLUSH` (0x05): flush a file (FID 0xFFFF: every file of the process).

crate::fid_body!(
    /// FLUSH request (FID 0xFFFF: every file of the process).
    FlushRequest,
    FLUSH
);

crate::empty_body!(
    /// FLUSH response (no parameters).
    FlushResponse,
    FLUSH
);
