//! `SMB_COM_FIND_UNIQUE` (0x83): a one-shot FIND that leaves no search open (the SEARCH
//! layout).

use super::search::{SearchRequest, SearchResponse};
use super::wrap::same_layout;

same_layout!(
    /// FIND_UNIQUE request (the SEARCH layout).
    FindUniqueRequest(SearchRequest),
    FIND_UNIQUE
);

same_layout!(
    /// FIND_UNIQUE response (the SEARCH layout).
    FindUniqueResponse(SearchResponse),
    FIND_UNIQUE
);
