//! NTLM authentication: hashes and responses ([`ntlm`]), NTLMSSP messages ([`ntlmssp`]),
//! SPNEGO tokens ([`spnego`]), and both roles ([`client`], [`server`]).
//!
//! No clock and no random source of its own: times (FILETIME) and random bytes are
//! parameters. Password hashes and keys zeroize on drop and never print in Debug output.
//!
//! ```
//! use smb_proto::auth::NtHash;
//! // MS-NLMP 4.2.1: the NT hash of "Password".
//! let h = NtHash::from_password("Password");
//! assert_eq!(smb_proto::util::hex_encode(&h.0), "a4f49c406510bdcab6824ee7c30fd852");
//! assert_eq!(format!("{h:?}"), "NtHash(<redacted>)");
//! ```

pub mod client;
pub(crate) mod crypto;
pub mod ntlm;
pub mod ntlmssp;
pub mod plaintext;
pub mod server;
pub mod spnego;

pub use client::{AuthMethod, Credentials, NtlmClient, PasswordFields, Secret};
pub use ntlm::{LmHash, NtHash, SessionKey};
pub use plaintext::{plaintext_refusal, verify_plaintext};
pub use server::{
    Account, AccountStore, AuthPolicy, Authenticated, Identity, LogonRefusal, MemoryAccounts,
    NtlmServer, ServerNames, Step, Verified, password_fields_refusal, verify_password_fields,
};

use crate::wire::DecodeError;

/// Client-side authentication failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A token from the server did not decode.
    #[error("malformed authentication token: {0}")]
    Decode(DecodeError),
    /// The server's token broke the protocol.
    #[error("authentication protocol error: {0}")]
    Protocol(&'static str),
    /// The server rejected the authentication.
    #[error("the server rejected the authentication")]
    Rejected,
}
