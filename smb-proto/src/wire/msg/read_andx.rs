//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `READ_ANDX` body (untyped placeholder).
    ReadAndXRequest,
    READ_ANDX
);

crate::untyped_body!(
    /// `READ_ANDX` body (untyped placeholder).
    ReadAndXResponse,
    READ_ANDX
);
