//! Listening sockets as every host wants them: address reuse, a backlog for bursts of
//! clients (10,000 sessions open in a few seconds), and IPv4 and IPv6 alike on `[::]`.

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};

use rustix::net::{AddressFamily, SocketType, sockopt};

/// Pending connections the kernel keeps for `accept`.
pub const BACKLOG: i32 = 1024;

/// Binds and listens on the first address of `addr` that works. On an IPv6 address the
/// socket also takes IPv4 clients (dual stack), so `[::]:445` serves both.
pub fn listen(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on");
    for a in addr.to_socket_addrs()? {
        match listen_one(a) {
            Ok(l) => return Ok(l),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn listen_one(a: SocketAddr) -> io::Result<TcpListener> {
    let family = match a {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let fd = rustix::net::socket(family, SocketType::STREAM, None)?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    if a.is_ipv6() {
        sockopt::set_ipv6_v6only(&fd, false)?;
    }
    rustix::net::bind(&fd, &a)?;
    rustix::net::listen(&fd, BACKLOG)?;
    Ok(TcpListener::from(fd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn a_listener_on_the_ipv6_wildcard_takes_ipv4_clients() {
        let Ok(l) = listen("[::]:0") else {
            // No IPv6 on this machine: nothing to check.
            return;
        };
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.write_all(b"ok").unwrap();
        });
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut b = [0u8; 2];
        c.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"ok");
        t.join().unwrap();
    }

    #[test]
    fn a_port_in_use_is_an_error() {
        let a = listen("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        assert!(listen(("127.0.0.1", port)).is_err());
    }
}
