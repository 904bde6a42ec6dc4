//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `LOCKING_ANDX` body (untyped placeholder).
    LockingAndXRequest,
    LOCKING_ANDX
);

crate::untyped_body!(
    /// `LOCKING_ANDX` body (untyped placeholder).
    LockingAndXResponse,
    LOCKING_ANDX
);
