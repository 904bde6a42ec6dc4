//! Reads `LEN` bytes at `OFFSET` of a remote file and prints them (hex).
//!
//! `cargo run -p smb-blocking --example read_at -- HOST:PORT SHARE PATH OFFSET LEN USER PASSWORD`

use smb_blocking::client::{Client, ConnectOptions};
use smb_proto::auth::Credentials;
use smb_proto::client::{ClientConfig, OpenOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 8 {
        eprintln!("usage: read_at HOST:PORT SHARE PATH OFFSET LEN USER PASSWORD");
        std::process::exit(2);
    }
    let config = ClientConfig {
        credentials: Some(Credentials::new(&a[6], "", &a[7])),
        ..Default::default()
    };
    let mut c = Client::connect(a[1].as_str(), config, &ConnectOptions::default())?;
    let tree = c.tree_connect(&a[2])?;
    let f = c.open(tree, &a[3], OpenOptions::read())?;
    let data = c.read(tree, f.fid, a[4].parse()?, a[5].parse()?)?;
    println!("{}", smb_proto::util::hex_encode(&data.to_vec()));
    c.close(tree, f.fid)?;
    Ok(())
}
