//! The NetBIOS name service of `smb serve`: smb-async's name service (UDP 137, and host
//! announcements on UDP 138) in a thread of its own with a one-thread tokio runtime, for
//! either engine.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::thread::JoinHandle;

use smb_proto::nbns::responder::ResponderEvent;
use smb_tokio::{NameService, NameServiceConfig, NameServiceEvent, StopHandle, Tokio};

/// The default NetBIOS name: the host name's first label, upper case, at most 15 bytes
/// (`SMBRS` when the host name cannot be read). The name comes from uname(2), which
/// works where /proc/sys is hidden (the systemd unit's `ProcSubset=pid`).
pub fn default_netbios_name() -> String {
    let uts = rustix::system::uname();
    let host = uts.nodename().to_string_lossy().into_owned();
    netbios_name(host.trim()).unwrap_or_else(|| "SMBRS".into())
}

/// A NetBIOS name from a host name: its first label, upper case, cut to 15 bytes on a
/// character boundary; `None` when nothing is left.
pub fn netbios_name(host: &str) -> Option<String> {
    let label = host.split('.').next().unwrap_or("").to_uppercase();
    let mut end = label.len().min(15);
    while !label.is_char_boundary(end) {
        end -= 1;
    }
    let name = label[..end].trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// The IPv4 address to answer name queries with: the listening address when it is one,
/// else the address this host would reach the network from, else loopback.
pub fn answer_address(listen: &SocketAddr) -> Ipv4Addr {
    match listen.ip() {
        IpAddr::V4(a) if !a.is_unspecified() => return a,
        IpAddr::V6(a) if a.to_ipv4_mapped().is_some_and(|v| !v.is_unspecified()) => {
            return a.to_ipv4_mapped().unwrap_or(Ipv4Addr::LOCALHOST);
        }
        _ => {}
    }
    // Connecting a UDP socket sends nothing; it only picks the route's source address.
    UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:137").and_then(|()| s.local_addr()))
        .ok()
        .and_then(|a| match a.ip() {
            IpAddr::V4(v) if !v.is_unspecified() => Some(v),
            _ => None,
        })
        .unwrap_or(Ipv4Addr::LOCALHOST)
}

fn log(ev: NameServiceEvent) {
    match ev {
        NameServiceEvent::Responder(ResponderEvent::Registered { name }) => {
            tracing::info!(target: "smb::nbns", "name {name:?} registered")
        }
        NameServiceEvent::Responder(ResponderEvent::Conflict { name, from, rcode }) => {
            tracing::warn!(target: "smb::nbns", "name {name:?} is held by {from} ({rcode:?}): not answering for it")
        }
        NameServiceEvent::Responder(ResponderEvent::Defended { name, against }) => {
            tracing::info!(target: "smb::nbns", "name {name:?} defended against {against}")
        }
        NameServiceEvent::Responder(e) => tracing::debug!(target: "smb::nbns", "{e:?}"),
        NameServiceEvent::SendFailed { to, error } => {
            tracing::debug!(target: "smb::nbns", "cannot send to {to}: {error}")
        }
    }
}

/// A running name service.
pub struct Running {
    stop: StopHandle,
    thread: JoinHandle<()>,
}

impl Running {
    /// Stops it: the names are released and the server leaves the browse list.
    pub fn stop(self) {
        self.stop.stop();
        let _ = self.thread.join();
    }
}

/// Starts the name service; an error (port 137 taken or privileged) is the caller's to
/// report.
pub fn start(config: NameServiceConfig) -> Result<Running, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("nbns".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(format!("cannot start its runtime: {e}")));
                    return;
                }
            };
            rt.block_on(async move {
                match NameService::bind(Tokio, config) {
                    Ok(ns) => {
                        let _ = tx.send(Ok(ns.stop_handle()));
                        ns.run(log).await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(format!("cannot bind UDP port 137/138: {e}")));
                    }
                }
            });
        })
        .map_err(|e| e.to_string())?;
    match rx.recv() {
        Ok(Ok(stop)) => Ok(Running { stop, thread }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err("the name service thread ended".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_host_names() {
        assert_eq!(netbios_name("files.example.org").as_deref(), Some("FILES"));
        assert_eq!(
            netbios_name("a-very-long-host-name-indeed").as_deref(),
            Some("A-VERY-LONG-HOS")
        );
        assert_eq!(netbios_name("").as_deref(), None);
        // 15 bytes, not 15 characters, and never half a character.
        assert_eq!(netbios_name("ééééééééé").as_deref(), Some("ÉÉÉÉÉÉÉ"));
        let listen: SocketAddr = "10.1.2.3:445".parse().unwrap();
        assert_eq!(answer_address(&listen), Ipv4Addr::new(10, 1, 2, 3));
    }
}
