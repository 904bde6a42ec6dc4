//! HTTPS to the store: the TLS stack has a crypto provider (ring) without the program
//! installing one, so a store that answers in plain text is a clear error at start-up,
//! not a panic inside the HTTP client.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use smb_s3::{S3Config, S3Fs, S3Location, S3Settings, S3Share};

#[test]
fn a_store_that_does_not_speak_tls_is_an_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Plain HTTP where the client expects a TLS handshake.
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut hello = [0u8; 512];
            let _ = s.read(&mut hello);
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let cfg = S3Config {
        endpoint: Some(format!("https://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        access_key_id: Some("key".into()),
        secret_access_key: Some("secret".into()),
    };
    let share = S3Share {
        location: S3Location::parse("s3://bucket/prefix").unwrap(),
        read_only: false,
    };
    let settings = S3Settings {
        retries: 0,
        request_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let err = S3Fs::new(&cfg, &[share], settings).unwrap_err();
    assert!(err.contains("s3://bucket/prefix"), "{err}");
}
