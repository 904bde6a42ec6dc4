//! Downloads a remote file to a local one with the futures-io client (run here on smol;
//! `async_std::task::block_on` works the same).
//!
//! `cargo run --release -p smb-smol --example smol_get -- HOST:PORT SHARE PATH LOCAL USER PASSWORD`

use std::time::Duration;

use smb_proto::auth::Credentials;
use smb_proto::client::ClientConfig;
use smb_smol::Client;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 7 {
        eprintln!("usage: smol_get HOST:PORT SHARE PATH LOCAL USER PASSWORD");
        std::process::exit(2);
    }
    smol::block_on(async {
        let config = ClientConfig {
            credentials: Some(Credentials::new(&a[5], "", &a[6])),
            ..Default::default()
        };
        let c = Client::connect(a[1].as_str(), config, Duration::from_secs(5)).await?;
        let tree = c.tree_connect(&a[2]).await?;
        let file = std::fs::File::create(&a[4])?;
        let n = c.download_to_file(tree, &a[3], file, |_| {}).await?;
        c.logoff().await?;
        println!("{n} bytes");
        Ok(())
    })
}
