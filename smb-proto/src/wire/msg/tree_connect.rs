//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `TREE_CONNECT_ANDX` body (untyped placeholder).
    TreeConnectAndXRequest,
    TREE_CONNECT_ANDX
);

crate::untyped_body!(
    /// `TREE_CONNECT_ANDX` body (untyped placeholder).
    TreeConnectAndXResponse,
    TREE_CONNECT_ANDX
);
