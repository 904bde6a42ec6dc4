//! `smb serve`'s configuration file (TOML; smb-serve.example.toml shows every key).

use std::path::PathBuf;

use crate::audit_log::LogFormat;
use crate::serve::args::{DurabilityArg, Engine, SigningArg};

/// The TOML configuration file (every field optional).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address and port.
    pub listen: Option<String>,
    /// Server engine.
    pub engine: Option<Engine>,
    /// Signing.
    pub signing: Option<SigningArg>,
    /// When written data must be on disk, for shares without their own setting.
    pub durability: Option<DurabilityArg>,
    /// Anonymous and guest logins.
    #[serde(default)]
    pub guest: bool,
    /// NTLMv1 and NTLM2 session responses.
    #[serde(default)]
    pub allow_ntlmv1: bool,
    /// LM responses.
    #[serde(default)]
    pub allow_lm: bool,
    /// Plaintext passwords from pre-NT clients.
    #[serde(default)]
    pub allow_plaintext: bool,
    /// Oldest dialect family (`LANMAN1`, `LANMAN2`, `NT1`).
    pub min_protocol: Option<String>,
    /// Newest dialect family.
    pub max_protocol: Option<String>,
    /// OEM code page (`CP850`...).
    pub dos_charset: Option<String>,
    /// Grant oplocks (default true).
    pub oplocks: Option<bool>,
    /// Seconds an open waits for an oplock holder to acknowledge a break (default 35).
    pub oplock_break_timeout_secs: Option<u64>,
    /// Watch the shared folders for changes made on disk by others (default true).
    pub kernel_change_notify: Option<bool>,
    /// NetBIOS name of the server (`netbios_name` is the same key).
    #[serde(alias = "netbios_name")]
    pub server_name: Option<String>,
    /// Run the NetBIOS name service and browse announcements (default: true).
    pub name_service: Option<bool>,
    /// Where name registrations and announcements are broadcast (default: the listening
    /// address's /24 broadcast address).
    pub netbios_broadcast: Option<std::net::Ipv4Addr>,
    /// Server comment shown in share and browse lists.
    pub comment: Option<String>,
    /// Workgroup or domain name.
    pub workgroup: Option<String>,
    /// Shares.
    #[serde(default, rename = "share")]
    pub shares: Vec<FileShare>,
    /// Accounts.
    #[serde(default, rename = "user")]
    pub users: Vec<FileUser>,
    /// The account database (hashes), kept with `smb user`.
    #[serde(rename = "users")]
    pub users_db: Option<PathBuf>,
    /// Audit log format.
    pub log_format: Option<LogFormat>,
    /// Audit log file (else standard error).
    pub audit_log: Option<PathBuf>,
    /// Limits.
    #[serde(default)]
    pub limits: FileLimits,
    /// The object store of `s3://` shares.
    pub s3: Option<crate::serve_s3::FileS3>,
}

/// A `[[share]]` table.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileShare {
    /// Share name (1 to 12 characters).
    pub name: String,
    /// The folder, or `s3://BUCKET/PREFIX`.
    pub path: PathBuf,
    /// Refuse changes.
    #[serde(default)]
    pub read_only: bool,
    /// Remark shown in share listings.
    #[serde(default)]
    pub comment: String,
    /// Accounts that may read (with `write`: only the accounts named may connect).
    pub read: Option<Vec<String>>,
    /// Accounts that may write.
    pub write: Option<Vec<String>>,
    /// Writers may drop new files but not list, read, rename or delete.
    #[serde(default)]
    pub drop_box: bool,
    /// Guest and anonymous sessions may connect [default: the server's `guest`].
    pub guest: Option<bool>,
    /// Listed in share enumerations [default: true].
    pub browseable: Option<bool>,
    /// When written data must be on disk (default: the global setting).
    pub durability: Option<DurabilityArg>,
}

/// A `[[user]]` table.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileUser {
    /// User name.
    pub name: String,
    /// Password.
    pub password: String,
}

/// The `[limits]` table.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLimits {
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Sessions per connection.
    pub max_sessions: Option<usize>,
    /// Trees per connection.
    pub max_trees: Option<usize>,
    /// Open files per connection.
    pub max_open_files: Option<usize>,
    /// Open searches per connection.
    pub max_searches: Option<usize>,
    /// Largest frame, in bytes.
    pub max_frame: Option<usize>,
    /// Close connections idle for this many seconds.
    pub idle_timeout_secs: Option<u64>,
    /// Close connections whose frame stays half-received this long (slowloris).
    pub frame_timeout_secs: Option<u64>,
    /// Close connections that have not logged on within this long.
    pub login_timeout_secs: Option<u64>,
}

/// Reads and checks a configuration file.
pub fn load_config(path: &std::path::Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durability_is_read_globally_and_per_share() {
        let c: FileConfig = toml::from_str(
            "durability = \"os\"\n\
             [[share]]\nname = \"a\"\npath = \"/a\"\n\
             [[share]]\nname = \"b\"\npath = \"/b\"\ndurability = \"close\"\n",
        )
        .unwrap();
        assert_eq!(c.durability, Some(DurabilityArg::Os));
        assert_eq!(c.shares[0].durability, None);
        assert_eq!(c.shares[1].durability, Some(DurabilityArg::Close));
        assert!(toml::from_str::<FileConfig>("durability = \"never\"").is_err());
        assert_eq!(
            smb_localfs::Durability::from(DurabilityArg::Os),
            smb_localfs::Durability::Os
        );
    }
}
