//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `TRANSACTION` body (untyped placeholder).
    TransactionRequest,
    TRANSACTION
);

crate::untyped_body!(
    /// `TRANSACTION` body (untyped placeholder).
    TransactionResponse,
    TRANSACTION
);
