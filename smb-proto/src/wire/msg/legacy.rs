//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `QUERY_INFORMATION` body (untyped placeholder).
    QueryInformationRequest,
    QUERY_INFORMATION
);

crate::untyped_body!(
    /// `QUERY_INFORMATION` body (untyped placeholder).
    QueryInformationResponse,
    QUERY_INFORMATION
);

crate::untyped_body!(
    /// `SET_INFORMATION` body (untyped placeholder).
    SetInformationRequest,
    SET_INFORMATION
);

crate::untyped_body!(
    /// `SET_INFORMATION` body (untyped placeholder).
    SetInformationResponse,
    SET_INFORMATION
);

crate::untyped_body!(
    /// `READ` body (untyped placeholder).
    ReadRequest,
    READ
);

crate::untyped_body!(
    /// `READ` body (untyped placeholder).
    ReadResponse,
    READ
);

crate::untyped_body!(
    /// `WRITE` body (untyped placeholder).
    WriteRequest,
    WRITE
);

crate::untyped_body!(
    /// `WRITE` body (untyped placeholder).
    WriteResponse,
    WRITE
);

crate::untyped_body!(
    /// `CREATE_TEMPORARY` body (untyped placeholder).
    CreateTemporaryRequest,
    CREATE_TEMPORARY
);

crate::untyped_body!(
    /// `CREATE_TEMPORARY` body (untyped placeholder).
    CreateTemporaryResponse,
    CREATE_TEMPORARY
);

crate::untyped_body!(
    /// `PROCESS_EXIT` body (untyped placeholder).
    ProcessExitRequest,
    PROCESS_EXIT
);

crate::untyped_body!(
    /// `PROCESS_EXIT` body (untyped placeholder).
    ProcessExitResponse,
    PROCESS_EXIT
);

crate::untyped_body!(
    /// `WRITE_AND_UNLOCK` body (untyped placeholder).
    WriteAndUnlockRequest,
    WRITE_AND_UNLOCK
);

crate::untyped_body!(
    /// `WRITE_AND_UNLOCK` body (untyped placeholder).
    WriteAndUnlockResponse,
    WRITE_AND_UNLOCK
);

crate::untyped_body!(
    /// `WRITE_AND_CLOSE` body (untyped placeholder).
    WriteAndCloseRequest,
    WRITE_AND_CLOSE
);

crate::untyped_body!(
    /// `WRITE_AND_CLOSE` body (untyped placeholder).
    WriteAndCloseResponse,
    WRITE_AND_CLOSE
);

crate::untyped_body!(
    /// `SEARCH` body (untyped placeholder).
    SearchRequest,
    SEARCH
);

crate::untyped_body!(
    /// `SEARCH` body (untyped placeholder).
    SearchResponse,
    SEARCH
);

crate::untyped_body!(
    /// `NT_CANCEL` body (untyped placeholder).
    NtCancelRequest,
    NT_CANCEL
);

crate::untyped_body!(
    /// `NT_CANCEL` body (untyped placeholder).
    NtCancelResponse,
    NT_CANCEL
);
