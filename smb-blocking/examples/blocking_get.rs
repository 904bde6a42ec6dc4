//! Downloads a remote file to a local one with the blocking client: many reads in flight.
//!
//! `cargo run --release -p smb-blocking --example blocking_get -- HOST:PORT SHARE PATH LOCAL USER PASSWORD`

use smb_blocking::client::{Client, ConnectOptions};
use smb_proto::auth::Credentials;
use smb_proto::client::ClientConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 7 {
        eprintln!("usage: blocking_get HOST:PORT SHARE PATH LOCAL USER PASSWORD");
        std::process::exit(2);
    }
    let config = ClientConfig {
        credentials: Some(Credentials::new(&a[5], "", &a[6])),
        ..Default::default()
    };
    let mut c = Client::connect(a[1].as_str(), config, &ConnectOptions::default())?;
    let tree = c.tree_connect(&a[2])?;
    let mut out = std::fs::File::create(&a[4])?;
    let n = c.download(tree, &a[3], &mut out, &mut |_| {})?;
    c.logoff()?;
    println!("{n} bytes");
    Ok(())
}
