//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `NT_TRANSACT` body (untyped placeholder).
    NtTransactRequest,
    NT_TRANSACT
);

crate::untyped_body!(
    /// `NT_TRANSACT` body (untyped placeholder).
    NtTransactResponse,
    NT_TRANSACT
);
