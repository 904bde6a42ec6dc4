//! Downloads a remote file to a local one with the futures-io client (run here on smol;
//! `async_std::task::block_on` works the same).
//!
//! `cargo run --release -p smb-smol --example smol_get -- HOST:PORT SHARE PATH LOCAL USER PASSWORD`

use std::time::Duration;

use smb_proto::auth::Credentials;
use smb_proto::client::ClientConfig;
use smb_smol::Client;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, share, path, local, user, password] = &args[..] else {
        eprintln!("usage: smol_get HOST:PORT SHARE PATH LOCAL USER PASSWORD");
        std::process::exit(2);
    };
    let credentials = Some(Credentials::new(user, "", password));
    let config = ClientConfig {
        credentials,
        ..Default::default()
    };
    let bytes = smol::block_on(async {
        let client = Client::connect(addr.as_str(), config, Duration::from_secs(5)).await?;
        let tree = client.tree_connect(share).await?;
        let n = client
            .download_to_file(tree, path, std::fs::File::create(local)?, |_| {})
            .await?;
        client.logoff().await?;
        Ok::<_, Box<dyn std::error::Error>>(n)
    })?;
    println!("{bytes} bytes");
    Ok(())
}
