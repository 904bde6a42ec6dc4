//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `FIND_CLOSE2` body (untyped placeholder).
    FindClose2Request,
    FIND_CLOSE2
);

crate::untyped_body!(
    /// `FIND_CLOSE2` body (untyped placeholder).
    FindClose2Response,
    FIND_CLOSE2
);
