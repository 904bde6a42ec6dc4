//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `RENAME` body (untyped placeholder).
    RenameRequest,
    RENAME
);

crate::untyped_body!(
    /// `RENAME` body (untyped placeholder).
    RenameResponse,
    RENAME
);
