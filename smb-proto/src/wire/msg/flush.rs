//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `FLUSH` body (untyped placeholder).
    FlushRequest,
    FLUSH
);

crate::untyped_body!(
    /// `FLUSH` body (untyped placeholder).
    FlushResponse,
    FLUSH
);
