//! `smb serve --config`: the example file parses; a config file alone serves shares.

use std::process::Command;

#[test]
fn example_config_is_valid_and_serves() {
    // The committed example, with its paths pointed at temporary folders.
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../smb-serve.example.toml"
    ))
    .unwrap();
    let dir = smb_testkit::TempDir::new("config");
    let scans = dir.path().join("scans");
    let manuals = dir.path().join("manuals");
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::create_dir_all(&manuals).unwrap();
    std::fs::write(manuals.join("read-me.txt"), b"manual").unwrap();
    let port = smb_testkit::free_port();
    let mut conf = example
        .replace("/srv/scans", &scans.to_string_lossy())
        .replace("/srv/manuals", &manuals.to_string_lossy())
        .replace("[::]:445", &format!("127.0.0.1:{port}"));
    // The S3 share: on a private SeaweedFS when there is one, else left out.
    let weed = smb_testkit::weed_available().then(|| smb_testkit::Weed::start("scans"));
    match &weed {
        Some(w) => {
            conf = conf
                .replace("http://127.0.0.1:8333", &w.endpoint())
                .replace(
                    "access_key_id = \"change-me\"",
                    &format!("access_key_id = \"{}\"", smb_testkit::S3_KEY),
                )
                .replace(
                    "secret_access_key = \"change-me\"",
                    &format!("secret_access_key = \"{}\"", smb_testkit::S3_SECRET),
                )
                .replace(
                    "/var/tmp/smb-s3-staging",
                    &dir.path().join("staging").to_string_lossy(),
                );
        }
        None => {
            let start = conf.find("# A share in S3-compatible").unwrap();
            let end = conf.find("# One [[user]] table").unwrap();
            conf.replace_range(start..end, "");
        }
    }
    let path = dir.path().join("smb.toml");
    std::fs::write(&path, conf).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_smb"))
        .args(["serve", "--config", path.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(smb_testkit::wait_for_port(
        port,
        std::time::Duration::from_secs(10)
    ));
    let smb = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_smb"))
            .args(args)
            .output()
            .unwrap()
    };
    let base = format!("smb://scanner:change-me@127.0.0.1:{port}");
    let o = smb(&["cat", &format!("{base}/manuals/read-me.txt")]);
    assert_eq!(
        o.stdout,
        b"manual",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let src = dir.path().join("page.pdf");
    std::fs::write(&src, b"%PDF scan").unwrap();
    let o = smb(&[
        "put",
        src.to_str().unwrap(),
        &format!("{base}/scans/page.pdf"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(scans.join("page.pdf")).unwrap(), b"%PDF scan");
    // The read-only share refuses writes.
    let o = smb(&[
        "put",
        src.to_str().unwrap(),
        &format!("{base}/manuals/page.pdf"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    // The S3 share stores an object under its prefix.
    if let Some(w) = &weed {
        let o = smb(&[
            "put",
            src.to_str().unwrap(),
            &format!("{base}/archive/page.pdf"),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(w.get("site-a/page.pdf").unwrap(), b"%PDF scan");
    }
    // Shares are listed with their comments.
    let o = smb(&["shares", &base]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("scans") && out.contains("Scanner drop folder"),
        "{out}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn unknown_keys_are_refused() {
    let dir = smb_testkit::TempDir::new("badconfig");
    let path = dir.path().join("smb.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:1\"\nguset = true\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_smb"))
        .args(["serve", "--config", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("guset"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
