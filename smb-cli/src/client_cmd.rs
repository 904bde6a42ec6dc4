//! The client subcommands: ls, get, put, cat, rm, mkdir, rmdir, mv, stat, shares.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use clap::{Args, ValueEnum};
use smb_blocking::client::Client;
use smb_proto::auth::{AuthMethod, Credentials};
use smb_proto::client::{ClientConfig, NetbiosNames, SigningPolicy, SmbError, TreeId};
use smb_proto::wire::NtStatus;
use smb_proto::wire::codepage::CodePage;
use smb_proto::wire::dialect::Protocol;

use crate::url::SmbUrl;

/// Exit codes (documented in `smb --help`).
pub mod exit {
    /// The server answered with an error (not found, access denied...).
    pub const REMOTE: u8 = 1;
    /// Bad arguments or a local file problem.
    pub const USAGE: u8 = 2;
    /// The connection failed (refused, timed out, SMB1 disabled).
    pub const CONNECTION: u8 = 3;
    /// Authentication failed.
    pub const AUTH: u8 = 4;
}

/// Authentication methods on the command line.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum AuthArg {
    /// SPNEGO + NTLMSSP + NTLMv2 (default).
    Ntlmssp,
    /// NTLMSSP with NTLMv1.
    #[value(name = "ntlmssp-v1")]
    NtlmsspV1,
    /// NTLMv2 without extended security.
    Ntlmv2,
    /// NTLMv1 without extended security.
    Ntlm,
    /// LM + NTLMv1 without extended security (the logon of the LANMAN dialects).
    Lm,
    /// As lm, and the password in clear to a (pre-NT) server that offers no challenge.
    Plaintext,
}

/// Options shared by every client subcommand.
#[derive(Args, Debug, Clone)]
pub struct ClientOpts {
    /// Authentication method.
    #[arg(long, value_enum, default_value = "ntlmssp")]
    pub auth: AuthArg,
    /// Send a NetBIOS session request first (default on port 139).
    #[arg(long)]
    pub netbios: bool,
    /// Sign every message (and refuse servers that cannot).
    #[arg(long)]
    pub signing: bool,
    /// Oldest dialect family offered: NT1 (default), LANMAN2 or LANMAN1 (for servers
    /// that speak nothing newer; with --auth lm or --auth plaintext).
    #[arg(long, value_name = "PROTOCOL", default_value = "NT1", value_parser = parse_protocol)]
    pub min_protocol: Protocol,
    /// Newest dialect family offered.
    #[arg(long, value_name = "PROTOCOL", default_value = "NT1", value_parser = parse_protocol)]
    pub max_protocol: Protocol,
    /// OEM code page of names when the server does not use Unicode.
    #[arg(long, value_name = "CODEPAGE", default_value = "CP850", value_parser = parse_code_page)]
    pub dos_charset: CodePage,
    /// Seconds to wait for the TCP connection.
    #[arg(long, default_value_t = 5)]
    pub connect_timeout: u64,
    /// Seconds to wait for each reply.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    #[command(flatten)]
    pub names: crate::resolve::NbnsOpts,
}

/// A dialect family on the command line (or in the configuration file).
pub fn parse_protocol(s: &str) -> Result<Protocol, String> {
    match s.parse::<Protocol>() {
        Ok(p) if p >= Protocol::Lanman1 => Ok(p),
        _ => Err(format!("{s:?}: LANMAN1, LANMAN2 or NT1")),
    }
}

/// An OEM code page on the command line (or in the configuration file).
pub fn parse_code_page(s: &str) -> Result<CodePage, String> {
    s.parse::<CodePage>().map_err(|e| e.to_string())
}

/// A command-line failure: a message and an exit code.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(m: impl Into<String>) -> Self {
        Self {
            code: exit::USAGE,
            message: m.into(),
        }
    }
}

/// One clear line for an SMB error.
pub fn explain(e: &SmbError) -> Failure {
    use smb_proto::client::ConnectionError as C;
    match e {
        SmbError::Status(s) => {
            let (code, text) = match *s {
                NtStatus::LOGON_FAILURE | NtStatus::WRONG_PASSWORD | NtStatus::NO_SUCH_USER => {
                    (exit::AUTH, "logon failure: wrong user name or password".to_string())
                }
                NtStatus::ACCOUNT_DISABLED | NtStatus::ACCOUNT_LOCKED_OUT | NtStatus::PASSWORD_EXPIRED => {
                    (exit::AUTH, format!("logon failure: {}", s.description().unwrap_or("account problem")))
                }
                NtStatus::OBJECT_NAME_NOT_FOUND | NtStatus::OBJECT_PATH_NOT_FOUND | NtStatus::NO_SUCH_FILE => {
                    (exit::REMOTE, "not found".to_string())
                }
                NtStatus::BAD_NETWORK_NAME => (exit::REMOTE, "no such share on the server (bad network name)".to_string()),
                NtStatus::ACCESS_DENIED => (exit::REMOTE, "access denied".to_string()),
                NtStatus::OBJECT_NAME_COLLISION => (exit::REMOTE, "already exists".to_string()),
                NtStatus::DIRECTORY_NOT_EMPTY => (exit::REMOTE, "directory not empty".to_string()),
                NtStatus::SHARING_VIOLATION => (exit::REMOTE, "the file is in use (sharing violation)".to_string()),
                NtStatus::FILE_IS_A_DIRECTORY => (exit::REMOTE, "is a directory".to_string()),
                NtStatus::NOT_A_DIRECTORY => (exit::REMOTE, "not a directory".to_string()),
                _ => (exit::REMOTE, e.to_string()),
            };
            Failure { code, message: text }
        }
        SmbError::Connection(C::NoDialect) => Failure {
            code: exit::CONNECTION,
            message: "the server speaks none of the dialects offered: SMB1 is probably disabled on it (Samba: server min protocol = NT1), or it speaks only a LANMAN dialect (try --min-protocol LANMAN1 --auth lm)".into(),
        },
        SmbError::Connection(C::Closed) => Failure {
            code: exit::CONNECTION,
            message: "the server closed the connection (is SMB1 enabled on it, and is this the SMB port?)".into(),
        },
        SmbError::Connection(c) => Failure { code: exit::CONNECTION, message: c.to_string() },
        SmbError::Timeout => Failure { code: exit::CONNECTION, message: "timed out waiting for the server".into() },
        SmbError::Auth(a) => Failure { code: exit::AUTH, message: format!("authentication failed: {a}") },
        SmbError::Protocol(p) => Failure { code: exit::CONNECTION, message: format!("protocol error: {p}") },
        SmbError::Usage(u) => Failure::usage(u.to_string()),
        other => Failure { code: exit::CONNECTION, message: other.to_string() },
    }
}

fn password_for(url: &SmbUrl) -> Result<String, Failure> {
    if let Some(p) = &url.password {
        return Ok(p.clone());
    }
    if let Ok(p) = std::env::var("SMB_PASSWORD") {
        return Ok(p);
    }
    if io::stdin().is_terminal() {
        return rpassword::prompt_password(format!(
            "Password for {}: ",
            url.user.as_deref().unwrap_or("")
        ))
        .map_err(|e| Failure::usage(format!("cannot read the password: {e}")));
    }
    Err(Failure::usage(
        "no password: put it in the URL, in SMB_PASSWORD, or run from a terminal",
    ))
}

/// Connects and logs on as the URL says.
pub fn connect(url: &SmbUrl, o: &ClientOpts) -> Result<Client, Failure> {
    let credentials = match &url.user {
        Some(u) => Some(Credentials::new(u, &url.domain, &password_for(url)?)),
        None => None,
    };
    let port = url.port.unwrap_or(445);
    let netbios = o.netbios || port == 139;
    let config = ClientConfig {
        credentials,
        auth: match o.auth {
            AuthArg::Ntlmssp => AuthMethod::Ntlmssp,
            AuthArg::NtlmsspV1 => AuthMethod::NtlmsspV1,
            AuthArg::Ntlmv2 => AuthMethod::Ntlmv2,
            AuthArg::Ntlm => AuthMethod::Ntlm,
            AuthArg::Lm => AuthMethod::Lm,
            AuthArg::Plaintext => AuthMethod::Plaintext,
        },
        min_protocol: o.min_protocol.min(o.max_protocol),
        max_protocol: o.max_protocol,
        dos_charset: o.dos_charset,
        server_host: url.host.clone(),
        netbios: netbios.then(|| NetbiosNames::default_for("SMB-RS")),
        signing: if o.signing {
            SigningPolicy::Required
        } else {
            SigningPolicy::IfRequired
        },
        request_timeout: Duration::from_secs(o.timeout.max(1)),
        ..Default::default()
    };
    let addr = crate::resolve::resolve_host(&url.host, port, &o.names)?;
    tracing::debug!(host = %url.host, port, ?addr, "connecting");
    let stream = Client::connect_tcp(&addr[..], Duration::from_secs(o.connect_timeout.max(1))).map_err(|e| Failure {
        code: exit::CONNECTION,
        message: match e.kind() {
            io::ErrorKind::ConnectionRefused => format!("cannot connect to {}:{port}: connection refused (no SMB server listening there?)", url.host),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => format!("cannot connect to {}:{port}: timed out", url.host),
            _ => format!("cannot connect to {}:{port}: {e}", url.host),
        },
    })?;
    Client::handshake(stream, config).map_err(|e| explain(&e))
}

/// Connects and opens the URL's share.
pub fn connect_share(url: &SmbUrl, o: &ClientOpts) -> Result<(Client, TreeId), Failure> {
    if url.share.is_empty() {
        return Err(Failure::usage(
            "the URL names no share: smb://HOST/SHARE/PATH",
        ));
    }
    let mut c = connect(url, o)?;
    let t = c.tree_connect(&url.share).map_err(|e| explain(&e))?;
    Ok((c, t))
}

/// Formats a FILETIME as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn fmt_time(ft: u64) -> String {
    if ft == 0 {
        return "-".into();
    }
    let (secs, _) = smb_proto::util::filetime_to_unix(ft);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub fn ls(url: &SmbUrl, o: &ClientOpts) -> Result<(), Failure> {
    let (mut c, t) = connect_share(url, o)?;
    // A file URL lists that file.
    let path = url.path.clone();
    let entries = if path.is_empty() {
        c.list(t, "")
    } else {
        match c.stat(t, &path) {
            Ok(s) if !s.is_dir => Ok(vec![smb_proto::client::FileStat {
                name: path.rsplit('/').next().unwrap_or("").into(),
                ..s
            }]),
            Ok(_) => c.list(t, &path),
            Err(e) => Err(e),
        }
    }
    .map_err(|e| explain(&e))?;
    let mut out = io::stdout().lock();
    for e in entries {
        let _ = writeln!(
            out,
            "{}{} {:>14}  {}  {}",
            if e.is_dir { 'd' } else { '-' },
            if e.attributes & 1 != 0 { 'r' } else { 'w' },
            e.size,
            fmt_time(e.written),
            e.name
        );
    }
    Ok(())
}

pub fn stat(url: &SmbUrl, o: &ClientOpts) -> Result<(), Failure> {
    let (mut c, t) = connect_share(url, o)?;
    let s = c.stat(t, &url.path).map_err(|e| explain(&e))?;
    println!(
        "name:       {}",
        if url.path.is_empty() { "/" } else { &url.path }
    );
    println!(
        "type:       {}",
        if s.is_dir { "directory" } else { "file" }
    );
    println!("size:       {}", s.size);
    println!("allocated:  {}", s.allocation_size);
    println!("attributes: {:#x}", s.attributes);
    println!("created:    {}", fmt_time(s.created));
    println!("accessed:   {}", fmt_time(s.accessed));
    println!("written:    {}", fmt_time(s.written));
    println!("changed:    {}", fmt_time(s.changed));
    Ok(())
}

pub fn shares(url: &SmbUrl, o: &ClientOpts) -> Result<(), Failure> {
    let mut c = connect(url, o)?;
    let list = c.shares().map_err(|e| explain(&e))?;
    // srvsvc marks IPC$ (and every `$` share) hidden in the type's high bit; RAP's
    // 16-bit types cannot: that tells which of the two answered.
    let over = if list.iter().any(|s| s.share_type & 0x8000_0000 != 0) {
        "srvsvc"
    } else {
        "RAP"
    };
    tracing::info!("{} shares listed over {over}", list.len());
    println!("{:<16} {:<8} Comment", "Share", "Type");
    for s in list {
        let ty = match s.share_type & 0xFF {
            0 => "Disk",
            1 => "Printer",
            2 => "Device",
            3 => "IPC",
            _ => "?",
        };
        println!("{:<16} {:<8} {}", s.name, ty, s.remark);
    }
    Ok(())
}

pub fn simple(url: &SmbUrl, o: &ClientOpts, what: &str) -> Result<(), Failure> {
    let (mut c, t) = connect_share(url, o)?;
    if url.path.is_empty() {
        return Err(Failure::usage("the URL names no path inside the share"));
    }
    let r = match what {
        "rm" => c.delete(t, &url.path),
        "mkdir" => c.mkdir(t, &url.path),
        "rmdir" => c.rmdir(t, &url.path),
        _ => unreachable!(),
    };
    r.map_err(|e| explain(&e))
}

pub fn mv(url: &SmbUrl, new_path: &str, o: &ClientOpts) -> Result<(), Failure> {
    let (mut c, t) = connect_share(url, o)?;
    // NEW-PATH is a path in the same share (or a full URL on the same share).
    let target = match SmbUrl::parse(new_path) {
        Ok(u) => {
            if !u.share.eq_ignore_ascii_case(&url.share) {
                return Err(Failure::usage("mv works within one share"));
            }
            u.path
        }
        Err(_) => new_path.trim_start_matches(['/', '\\']).to_string(),
    };
    c.rename(t, &url.path, &target).map_err(|e| explain(&e))
}
