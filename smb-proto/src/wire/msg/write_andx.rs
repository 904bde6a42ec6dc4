//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `WRITE_ANDX` body (untyped placeholder).
    WriteAndXRequest,
    WRITE_ANDX
);

crate::untyped_body!(
    /// `WRITE_ANDX` body (untyped placeholder).
    WriteAndXResponse,
    WRITE_ANDX
);
