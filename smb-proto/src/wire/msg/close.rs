//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `CLOSE` body (untyped placeholder).
    CloseRequest,
    CLOSE
);

crate::untyped_body!(
    /// `CLOSE` body (untyped placeholder).
    CloseResponse,
    CLOSE
);
