//! Status codes: DCE/RPC fault statuses (C706 appendix E, MS-RPCE 2.2.2.14) and the
//! Win32 error codes (`WERROR`) that srvsvc and wkssvc calls return.

/// Fault: the operation number is out of range for the interface.
pub const NCA_S_OP_RNG_ERROR: u32 = 0x1C01_0002;
/// Fault: the presentation context (interface) is unknown.
pub const NCA_S_UNKNOWN_IF: u32 = 0x1C01_0003;
/// Fault: a protocol error (the association is closed after it).
pub const NCA_S_PROTO_ERROR: u32 = 0x1C01_000B;
/// Fault: access denied.
pub const FAULT_ACCESS_DENIED: u32 = 0x0000_0005;
/// Fault: the stub data could not be unmarshalled (`RPC_X_BAD_STUB_DATA`).
pub const FAULT_BAD_STUB_DATA: u32 = 0x0000_06F7;

/// `ERROR_SUCCESS`.
pub const WERR_OK: u32 = 0;
/// `ERROR_ACCESS_DENIED`.
pub const WERR_ACCESS_DENIED: u32 = 5;
/// `ERROR_NOT_ENOUGH_MEMORY`.
pub const WERR_NOT_ENOUGH_MEMORY: u32 = 8;
/// `ERROR_INVALID_PARAMETER`.
pub const WERR_INVALID_PARAMETER: u32 = 87;
/// `ERROR_INVALID_NAME`.
pub const WERR_INVALID_NAME: u32 = 123;
/// `ERROR_INVALID_LEVEL` (Samba calls it `WERR_UNKNOWN_LEVEL` too).
pub const WERR_INVALID_LEVEL: u32 = 124;
/// `ERROR_MORE_DATA`.
pub const WERR_MORE_DATA: u32 = 234;
/// `NERR_NetNameNotFound`: no such share.
pub const NERR_NET_NAME_NOT_FOUND: u32 = 2310;
/// `NERR_DeviceNotShared`: no share has this local path.
pub const NERR_DEVICE_NOT_SHARED: u32 = 2311;
