//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `TRANSACTION2` body (untyped placeholder).
    Trans2Request,
    TRANSACTION2
);

crate::untyped_body!(
    /// `TRANSACTION2` body (untyped placeholder).
    Trans2Response,
    TRANSACTION2
);
