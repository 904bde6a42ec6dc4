//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `QUERY_INFORMATION_DISK` body (untyped placeholder).
    QueryInformationDiskRequest,
    QUERY_INFORMATION_DISK
);

crate::untyped_body!(
    /// `QUERY_INFORMATION_DISK` body (untyped placeholder).
    QueryInformationDiskResponse,
    QUERY_INFORMATION_DISK
);
