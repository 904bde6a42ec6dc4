//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `NT_CREATE_ANDX` body (untyped placeholder).
    NtCreateAndXRequest,
    NT_CREATE_ANDX
);

crate::untyped_body!(
    /// `NT_CREATE_ANDX` body (untyped placeholder).
    NtCreateAndXResponse,
    NT_CREATE_ANDX
);
