//! `SMB_COM_PROCESS_EXIT` (0x11): a client process ended; close what it opened.

crate::empty_body!(
    /// PROCESS_EXIT request (no parameters).
    ProcessExitRequest,
    PROCESS_EXIT
);
crate::empty_body!(
    /// PROCESS_EXIT response (no parameters).
    ProcessExitResponse,
    PROCESS_EXIT
);
