//! `SMB_COM_TREE_DISCONNECT` (0x71): disconnect the tree in the header's TID.

crate::empty_body!(
    /// TREE_DISCONNECT request (no parameters).
    TreeDisconnectRequest,
    TREE_DISCONNECT
);
crate::empty_body!(
    /// TREE_DISCONNECT response (no parameters).
    TreeDisconnectResponse,
    TREE_DISCONNECT
);
