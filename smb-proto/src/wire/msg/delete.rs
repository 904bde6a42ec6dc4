//! Placeholder: untyped bodies until the typed codec lands.
crate::untyped_body!(
    /// `DELETE` body (untyped placeholder).
    DeleteRequest,
    DELETE
);
crate::untyped_body!(
    /// `DELETE` body (untyped placeholder).
    DeleteResponse,
    DELETE
);
