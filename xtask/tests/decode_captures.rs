//! Every capture of testdata/captures decodes and re-encodes byte for byte, and every login
//! by smbtest verifies with its password and is rejected with another.

use std::path::PathBuf;
use std::process::Command;

use xtask::decode::{Credentials, decode_capture};

fn captures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/captures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    v.sort();
    assert_eq!(v.len(), 9, "the nine reference captures");
    v
}

fn creds(password: &str) -> Credentials {
    Credentials {
        user: "smbtest".into(),
        password: password.into(),
    }
}

#[test]
fn every_capture_decodes_and_re_encodes_identically() {
    for cap in captures() {
        let bytes = std::fs::read(&cap).unwrap();
        let r = decode_capture(&bytes, None).unwrap();
        assert!(r.messages >= 18, "{}: {}", cap.display(), r.summary());
        assert_eq!(
            (r.identical, r.failed),
            (r.messages, 0),
            "{}: {}",
            cap.display(),
            r.summary()
        );
        assert!(r.ok());
    }
}

#[test]
fn logins_verify_with_the_password_and_fail_without() {
    for cap in captures() {
        let name = cap.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&cap).unwrap();
        let good = decode_capture(&bytes, Some(&creds("smbpass")))
            .unwrap()
            .logins
            .unwrap();
        let bad = decode_capture(&bytes, Some(&creds("wrong")))
            .unwrap()
            .logins
            .unwrap();
        if name.contains("anon") || name.contains("guest") {
            // Anonymous logins and logins by another user are skipped, never verified.
            assert_eq!(
                (good.verified, good.rejected, good.skipped),
                (0, 0, 1),
                "{name}"
            );
        } else {
            assert!(good.verified >= 1 && good.rejected == 0, "{name}: {good:?}");
            assert_eq!(
                (bad.verified, bad.rejected),
                (0, good.verified),
                "{name}: {bad:?}"
            );
        }
    }
}

#[test]
fn corrupted_message_counts_as_failed_and_the_binary_exits_non_zero() {
    let cap = &captures()[7];
    let mut bytes = std::fs::read(cap).unwrap();
    // Break the "\xFFSMB" magic of the last SMB message (the last frame's TCP payload).
    let at = bytes
        .windows(4)
        .rposition(|w| w == [0xFF, b'S', b'M', b'B'])
        .unwrap();
    bytes[at + 1] = b'X';
    let r = decode_capture(&bytes, None).unwrap();
    assert_eq!(r.failed, 1, "{}", r.summary());
    assert!(!r.ok());
    let tmp = std::env::temp_dir().join(format!("corrupt-{}.pcap", std::process::id()));
    std::fs::write(&tmp, &bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("decode")
        .arg(&tmp)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&tmp);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap();
    assert_eq!(
        last,
        format!(
            "{} messages, {} identical, 1 failed",
            r.messages,
            r.messages - 1
        )
    );
}

#[test]
fn binary_prints_the_exact_summary_line() {
    let cap = &captures()[7];
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["decode", "--user", "smbtest", "--password", "smbpass"])
        .arg(cap)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().last().unwrap(),
        "20 messages, 20 identical, 0 failed, 1 logins verified, 0 rejected"
    );
}

#[test]
fn lanman_captures_decode_and_their_logins_verify() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/lanman");
    let mut caps: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    caps.sort();
    assert_eq!(caps.len(), 3, "LANMAN1, LANMAN1 plaintext, LANMAN2");
    for cap in caps {
        let bytes = std::fs::read(&cap).unwrap();
        let r = decode_capture(&bytes, Some(&creds("smbpass"))).unwrap();
        assert!(
            r.ok() && r.messages >= 30,
            "{}: {}",
            cap.display(),
            r.summary()
        );
        let l = r.logins.unwrap();
        assert_eq!(
            (l.verified, l.rejected),
            (1, 0),
            "{}: {}",
            cap.display(),
            r.summary()
        );
        assert!(
            r.lines.iter().any(|x| x.contains("pre-NT dialect=")),
            "{}",
            cap.display()
        );
        let bad = decode_capture(&bytes, Some(&creds("wrong"))).unwrap();
        assert_eq!(bad.logins.unwrap().rejected, 1, "{}", cap.display());
    }
}
