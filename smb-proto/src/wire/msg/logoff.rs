//! `SMB_COM_LOGOFF_ANDX` (0x74): end the session in the header's UID.

crate::empty_body!(
    /// LOGOFF_ANDX request (AndX header only).
    LogoffAndXRequest,
    LOGOFF_ANDX
);
crate::empty_body!(
    /// LOGOFF_ANDX response (AndX header only).
    LogoffAndXResponse,
    LOGOFF_ANDX
);
