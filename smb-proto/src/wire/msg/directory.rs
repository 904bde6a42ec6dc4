//! Placeholder: untyped bodies until the typed codec lands.

crate::untyped_body!(
    /// `CREATE_DIRECTORY` body (untyped placeholder).
    CreateDirectoryRequest,
    CREATE_DIRECTORY
);

crate::untyped_body!(
    /// `CREATE_DIRECTORY` body (untyped placeholder).
    CreateDirectoryResponse,
    CREATE_DIRECTORY
);

crate::untyped_body!(
    /// `DELETE_DIRECTORY` body (untyped placeholder).
    DeleteDirectoryRequest,
    DELETE_DIRECTORY
);

crate::untyped_body!(
    /// `DELETE_DIRECTORY` body (untyped placeholder).
    DeleteDirectoryResponse,
    DELETE_DIRECTORY
);

crate::untyped_body!(
    /// `CHECK_DIRECTORY` body (untyped placeholder).
    CheckDirectoryRequest,
    CHECK_DIRECTORY
);

crate::untyped_body!(
    /// `CHECK_DIRECTORY` body (untyped placeholder).
    CheckDirectoryResponse,
    CHECK_DIRECTORY
);
