//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `TREE_DISCONNECT` body (untyped placeholder).
    TreeDisconnectRequest,
    TREE_DISCONNECT
);

crate::untyped_body!(
    /// `TREE_DISCONNECT` body (untyped placeholder).
    TreeDisconnectResponse,
    TREE_DISCONNECT
);
