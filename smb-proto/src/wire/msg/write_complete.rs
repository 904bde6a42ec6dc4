//! `SMB_COM_WRITE_COMPLETE` (0x20): the final response of a WRITE_RAW exchange. No
//! request carries this command.

use super::write::count_response;

crate::untyped_body!(
    /// A WRITE_COMPLETE "request": none exists (the command only answers WRITE_RAW); kept
    /// untyped for anything that claims to be one.
    WriteCompleteRequest,
    WRITE_COMPLETE
);

count_response!(
    /// WRITE_COMPLETE response: the bytes the whole WRITE_RAW exchange wrote.
    WriteCompleteResponse,
    WRITE_COMPLETE
);
