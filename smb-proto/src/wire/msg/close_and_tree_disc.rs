//! `SMB_COM_CLOSE_AND_TREE_DISC` (0x31): close a file, then disconnect its tree (the CLOSE
//! layout).

use super::close::CloseRequest;
use super::wrap::same_layout;

same_layout!(
    /// CLOSE_AND_TREE_DISC request (the CLOSE layout: FID and last write time).
    CloseAndTreeDiscRequest(CloseRequest),
    CLOSE_AND_TREE_DISC
);

crate::empty_body!(
    /// CLOSE_AND_TREE_DISC response (no parameters).
    CloseAndTreeDiscResponse,
    CLOSE_AND_TREE_DISC
);
