//! `SMB_COM_CREATE_NEW` (0x0F): create a file that must not exist (the CREATE layout).

use super::create::{CreateRequest, CreateResponse};
use super::wrap::same_layout;

same_layout!(
    /// CREATE_NEW request (the CREATE layout).
    CreateNewRequest(CreateRequest),
    CREATE_NEW
);

same_layout!(
    /// CREATE_NEW response (the CREATE layout).
    CreateNewResponse(CreateResponse),
    CREATE_NEW
);
