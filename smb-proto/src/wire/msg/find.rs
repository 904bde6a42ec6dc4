//! `SMB_COM_FIND` (0x82): the LANMAN1.0 directory search, the SEARCH layout; the search
//! stays open until FIND_CLOSE.

use super::search::{SearchRequest, SearchResponse};
use super::wrap::same_layout;

same_layout!(
    /// FIND request (the SEARCH layout).
    FindRequest(SearchRequest),
    FIND
);

same_layout!(
    /// FIND response (the SEARCH layout).
    FindResponse(SearchResponse),
    FIND
);
