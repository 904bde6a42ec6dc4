//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `OPEN_ANDX` body (untyped placeholder).
    OpenAndXRequest,
    OPEN_ANDX
);

crate::untyped_body!(
    /// `OPEN_ANDX` body (untyped placeholder).
    OpenAndXResponse,
    OPEN_ANDX
);
