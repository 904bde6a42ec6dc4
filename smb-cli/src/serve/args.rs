//! `smb serve`'s command line.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use smb_proto::wire::codepage::CodePage;
use smb_proto::wire::dialect::Protocol;

use crate::audit_log::LogFormat;
use crate::client_cmd::{parse_code_page, parse_protocol};

/// Signing modes on the command line.
#[derive(Clone, Copy, Debug, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SigningArg {
    /// Never sign.
    Off,
    /// Sign when the client asks.
    On,
    /// Refuse clients that do not sign.
    Required,
}

/// What a share promises about written data (`durability`).
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DurabilityArg {
    /// Written data is on disk before CLOSE or FLUSH is answered (the default).
    Close,
    /// FLUSH syncs; CLOSE leaves the data to the operating system's writeback (as smbd).
    Os,
}

impl From<DurabilityArg> for smb_localfs::Durability {
    fn from(d: DurabilityArg) -> Self {
        match d {
            DurabilityArg::Close => Self::Close,
            DurabilityArg::Os => Self::Os,
        }
    }
}

/// Server engines.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// smb-tokio: async connections, file operations on tokio's blocking pool.
    Tokio,
    /// smb-blocking: a thread per connection.
    Threads,
}

/// `smb serve` arguments.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Settings from a TOML file (see smb-serve.example.toml); options given on the
    /// command line add to it (shares, users) or override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on (default: `[::]:445`, IPv4 and IPv6 alike).
    #[arg(
        long,
        value_name = "ADDR:PORT",
        help = "Address and port to listen on [default: [::]:445, IPv4 and IPv6 alike; \
                0.0.0.0:445 where the machine has no IPv6]"
    )]
    pub listen: Option<String>,
    /// A writable share: NAME=PATH, or NAME=s3://BUCKET/PREFIX for a share in an
    /// S3-compatible object store (settings in the config's `[s3]` table or the AWS_*
    /// environment variables) (repeatable).
    #[arg(long = "share", value_name = "NAME=PATH")]
    pub shares: Vec<String>,
    /// A read-only share: NAME=PATH (repeatable).
    #[arg(long = "ro-share", value_name = "NAME=PATH")]
    pub ro_shares: Vec<String>,
    /// An account: NAME:PASSWORD (repeatable). For quick tests only: the password is
    /// visible to every local user in the process list; use --users.
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    pub users: Vec<String>,
    /// The account database (`smb user add NAME --db FILE`): password hashes, no
    /// passwords. Read again on SIGHUP.
    #[arg(long = "users", value_name = "FILE")]
    pub users_db: Option<PathBuf>,
    /// Audit log lines as text or as JSON objects [default: text].
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Append the audit log to FILE (reopened on SIGHUP, for log rotation) [default:
    /// standard error].
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// NetBIOS session service framing (port 139; implied when the port is 139). Direct
    /// TCP (445) also accepts a session request first, as Samba does.
    #[arg(long)]
    pub netbios: bool,
    /// Allow anonymous and guest logins; map unknown users to guest.
    #[arg(long)]
    pub guest: bool,
    /// Accept NTLMv1 and NTLM2 session responses.
    #[arg(long)]
    pub allow_ntlmv1: bool,
    /// Accept LM responses.
    #[arg(long)]
    pub allow_lm: bool,
    /// Accept plaintext passwords from pre-NT (LANMAN) clients; without --allow-lm they are
    /// offered no challenge and send their password in clear.
    #[arg(long)]
    pub allow_plaintext: bool,
    /// Oldest dialect family accepted: LANMAN1, LANMAN2 or NT1 [default: LANMAN1 with
    /// --allow-lm or --allow-plaintext, else NT1].
    #[arg(long, value_name = "PROTOCOL", value_parser = parse_protocol)]
    pub min_protocol: Option<Protocol>,
    /// Newest dialect family offered: LANMAN1, LANMAN2 or NT1 [default: NT1].
    #[arg(long, value_name = "PROTOCOL", value_parser = parse_protocol)]
    pub max_protocol: Option<Protocol>,
    /// OEM code page of clients that do not use Unicode: CP437, CP850, CP852, CP858,
    /// CP866 or ISO-8859-1 [default: CP850].
    #[arg(long, value_name = "CODEPAGE", value_parser = parse_code_page)]
    pub dos_charset: Option<CodePage>,
    /// How connections are served: `tokio` (async tasks, file operations on a thread
    /// pool) or `threads` (one thread per connection).
    /// [default: tokio]
    #[arg(long, value_enum)]
    pub engine: Option<Engine>,
    /// When written data must be on disk: `close` (before CLOSE is answered) or `os`
    /// (CLOSE leaves it to the operating system; FLUSH still syncs). Replaces the config
    /// file's global `durability`; a share's own `durability` key still wins
    /// [default: close].
    #[arg(long, value_enum)]
    pub durability: Option<DurabilityArg>,
    /// Message signing [default: on].
    #[arg(long, value_enum)]
    pub signing: Option<SigningArg>,
    /// The server's NetBIOS name, answered for by the name service and reported to
    /// clients [default: the host name, upper case, at most 15 bytes].
    #[arg(long, value_name = "NAME")]
    pub netbios_name: Option<String>,
    /// No NetBIOS name service (UDP 137) and no browse announcements (UDP 138).
    #[arg(long)]
    pub no_name_service: bool,
    /// Grant no oplocks (clients then cache nothing; nothing is ever broken).
    #[arg(long)]
    pub no_oplocks: bool,
    /// Do not watch the shared folders for changes made on disk by others (change
    /// notification then reports only changes made through the server).
    #[arg(long)]
    pub no_kernel_change_notify: bool,
}
