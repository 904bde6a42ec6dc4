//! Host names: DNS (and /etc/hosts) first, then NetBIOS for a name DNS does not know, as
//! Samba's `name resolve order` does: asking the name server `--nbns` (or `SMB_NBNS`)
//! gives, as Samba's `wins server`, or the subnet by broadcast without one. And
//! `smb lookup NAME`.

use std::net::{Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use clap::Args;
use smb_blocking::netbios::{self, NameServer};

use crate::client_cmd::{Failure, exit};

/// How long a NetBIOS lookup may take (three tries).
const LOOKUP_LIMIT: Duration = Duration::from_secs(3);

/// Where NetBIOS names are looked up.
#[derive(Args, Debug, Clone, Default)]
pub struct NbnsOpts {
    /// NetBIOS name server (WINS, or a server's name service) for names DNS does not
    /// know: ADDR or ADDR:PORT (port 137 by default). Without it such names are looked up by
    /// broadcast.
    #[arg(long, value_name = "ADDR", env = "SMB_NBNS")]
    pub nbns: Option<String>,
}

impl NbnsOpts {
    fn name_server(&self) -> Result<NameServer, Failure> {
        let Some(a) = &self.nbns else {
            return Ok(NameServer::Broadcast(Ipv4Addr::BROADCAST));
        };
        let with_port = if a.contains(':') {
            a.clone()
        } else {
            format!("{a}:137")
        };
        with_port
            .to_socket_addrs()
            .ok()
            .and_then(|mut v| v.find(SocketAddr::is_ipv4))
            .map(NameServer::Unicast)
            .ok_or_else(|| Failure::usage(format!("--nbns {a:?}: not an IPv4 address")))
    }
}

/// The addresses of `host`: DNS first; a name DNS does not know that can be a NetBIOS
/// name is then looked up by NetBIOS.
pub fn resolve_host(host: &str, port: u16, o: &NbnsOpts) -> Result<Vec<SocketAddr>, Failure> {
    let dns = (host, port).to_socket_addrs();
    match dns {
        Ok(v) => {
            let v: Vec<SocketAddr> = v.collect();
            if !v.is_empty() {
                return Ok(v);
            }
        }
        Err(e) if !netbios::is_netbios_name(host) => {
            return Err(Failure {
                code: exit::CONNECTION,
                message: format!("cannot resolve {host}: {e}"),
            });
        }
        Err(_) => {}
    }
    tracing::debug!(host, "DNS does not know it: asking NetBIOS");
    let ips = lookup_addresses(host, o)?;
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::from((ip, port)))
        .collect())
}

fn lookup_addresses(name: &str, o: &NbnsOpts) -> Result<Vec<Ipv4Addr>, Failure> {
    let server = o.name_server()?;
    netbios::resolve(name, server, LOOKUP_LIMIT).map_err(|e| Failure {
        code: exit::CONNECTION,
        message: format!("cannot resolve {name} (neither DNS nor NetBIOS knows it): {e}"),
    })
}

/// `smb lookup NAME`: the NetBIOS addresses of a server name, one line each, as
/// nmblookup prints them.
pub fn lookup(name: &str, o: &NbnsOpts) -> Result<(), Failure> {
    if !netbios::is_netbios_name(name) {
        return Err(Failure::usage(format!(
            "{name:?} is not a NetBIOS name (1 to 15 characters, no dots)"
        )));
    }
    for ip in lookup_addresses(name, o)? {
        println!("{ip} {}<20>", name.to_uppercase());
    }
    Ok(())
}
