//! The ceiling for any file transfer here: one TCP stream over loopback moving `MIB`
//! mebibytes (default 1024) as fast as the kernel allows. Prints the seconds taken.
//!
//! `cargo run --release -p smb-blocking --example tcp_ceiling -- [MIB]`

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let l = TcpListener::bind("127.0.0.1:0")?;
    let addr = l.local_addr()?;
    let t0 = Instant::now();
    let sender = std::thread::spawn(move || -> std::io::Result<()> {
        let mut s = TcpStream::connect(addr)?;
        let buf = vec![0x5Au8; 1 << 20];
        for _ in 0..mib {
            s.write_all(&buf)?;
        }
        Ok(())
    });
    let (mut r, _) = l.accept()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0usize;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n;
    }
    sender.join().expect("sender")?;
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(total, mib << 20);
    println!("{secs:.3}");
    Ok(())
}
