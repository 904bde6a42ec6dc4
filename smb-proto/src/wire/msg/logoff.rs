//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `LOGOFF_ANDX` body (untyped placeholder).
    LogoffAndXRequest,
    LOGOFF_ANDX
);

crate::untyped_body!(
    /// `LOGOFF_ANDX` body (untyped placeholder).
    LogoffAndXResponse,
    LOGOFF_ANDX
);
