//! `smb serve` logs each refusal as one line at the default level, naming the peer, the
//! user, the share and the reason (never the password), on both engines.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn smb(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_smb"))
        .args(args)
        .env_remove("SMB_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The log's `refused:` lines once `n` of them are there (or after 5 s).
fn refused_lines(log: &Path, n: usize) -> Vec<String> {
    let t0 = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| l.contains("refused:"))
            .map(String::from)
            .collect();
        if lines.len() >= n || t0.elapsed() > Duration::from_secs(5) {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn refusals_leave_one_line_each() {
    const SECRET: &str = "not-the-password-4711";
    for engine in ["tokio", "threads"] {
        let dir = smb_testkit::TempDir::new("serve-log");
        let log = dir.path().join("serve.log");
        let srv = smb_testkit::ChildServer::start_smb_serve_logging(
            Path::new(env!("CARGO_BIN_EXE_smb")),
            &["--engine", engine],
            Some(&log),
        );
        let base = format!("127.0.0.1:{}", srv.port);
        let o = smb(&["ls", &format!("smb://smbtest:{SECRET}@{base}/share")]);
        assert_eq!(o.status.code(), Some(4), "{}", smb_testkit::text(&o));
        let lines = refused_lines(&log, 1);
        assert_eq!(lines.len(), 1, "{engine}: {lines:?}");
        let l = &lines[0];
        assert!(l.contains(" WARN "), "{engine}: default level: {l}");
        let (_, rest) = l.split_once("refused: peer=127.0.0.1 port=").expect(l);
        let (port, rest) = rest.split_once(' ').unwrap();
        assert!(port.parse::<u16>().is_ok(), "{l}");
        assert_eq!(
            rest, "user=\"smbtest\" share=- reason=\"wrong password\" status=STATUS_LOGON_FAILURE",
            "{engine}"
        );
        // A share that does not exist.
        let o = smb(&["ls", &format!("smb://smbtest:smbpass@{base}/nosuch")]);
        assert_eq!(o.status.code(), Some(1));
        let lines = refused_lines(&log, 2);
        assert_eq!(lines.len(), 2, "{engine}: {lines:?}");
        assert!(
            lines[1].ends_with(
                "user=\"smbtest\" share=\"NOSUCH\" reason=\"no such share\" \
                 status=STATUS_BAD_NETWORK_NAME"
            ),
            "{engine}: {}",
            lines[1]
        );
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(!text.contains(SECRET));
    }
}
