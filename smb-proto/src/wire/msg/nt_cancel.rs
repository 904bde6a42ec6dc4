//! `SMB_COM_NT_CANCEL` (0xA4): cancel a pending request (matched by MID); no response.

crate::empty_body!(
    /// NT_CANCEL request (no parameters; it has no response).
    NtCancelRequest,
    NT_CANCEL
);
crate::empty_body!(
    /// NT_CANCEL "response" (servers send none; present for symmetry).
    NtCancelResponse,
    NT_CANCEL
);
