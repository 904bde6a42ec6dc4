//! What `smb serve` logs about its connections: every refusal as one line at the default
//! level (warn), in a fixed form that fail2ban-style tools can match, and sessions at
//! info level.
//!
//! A refusal line (after the logger's time, level and target):
//!
//! ```text
//! refused: peer=192.0.2.7 port=50112 user="bob" share=- reason="wrong password" status=STATUS_LOGON_FAILURE
//! refused: peer=192.0.2.7 port=50113 user="bob" share="docs" path="\secret.txt" reason="access denied" status=STATUS_ACCESS_DENIED
//! ```
//!
//! `peer` is the client's address alone (fail2ban's `<HOST>`); the quoted fields are
//! escaped (a name with a quote or a line break cannot forge a line); `-` stands for a
//! field that does not apply. No password, hash or response is ever logged.

use smb_localfs::events::ConnectionInfo;
use smb_proto::server::ServerEvent;
use smb_proto::wire::NtStatus;

/// A status as logs name it: `STATUS_ACCESS_DENIED`, or the number in hex.
pub fn status_name(s: NtStatus) -> String {
    s.name()
        .map_or_else(|| format!("{:#010x}", s.0), String::from)
}

/// Quotes a client-supplied string: the characters a log reader could misread escaped.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.escape_debug())
}

/// The line for a refusal event, `None` for other events.
pub fn refusal_line(info: &ConnectionInfo, ev: &ServerEvent) -> Option<String> {
    let ServerEvent::Refused {
        user,
        share,
        path,
        status,
        reason,
    } = ev
    else {
        return None;
    };
    let mut line = format!(
        "refused: peer={} port={} user={} share={}",
        info.peer.ip().to_canonical(),
        info.peer.port(),
        quoted(user),
        share.as_deref().map_or_else(|| "-".into(), quoted),
    );
    if let Some(p) = path {
        line.push_str(&format!(" path={}", quoted(p)));
    }
    let status = status_name(*status);
    line.push_str(&format!(
        " reason={} status={status}",
        quoted(&reason.to_string())
    ));
    Some(line)
}

/// The event hook of `smb serve`.
pub fn log_event(info: &ConnectionInfo, ev: &ServerEvent) {
    if let Some(line) = refusal_line(info, ev) {
        tracing::warn!(target: "smb::serve", "{line}");
        return;
    }
    match ev {
        ServerEvent::SessionEstablished { user, identity, .. } => tracing::info!(
            target: "smb::serve",
            "session: peer={} port={} user={} as {identity:?}",
            info.peer.ip().to_canonical(),
            info.peer.port(),
            quoted(user)
        ),
        ServerEvent::OplockBreak { fid, level } => tracing::info!(
            target: "smb::serve",
            "oplock break sent: peer={} port={} fid={fid} level={level}",
            info.peer.ip().to_canonical(),
            info.peer.port()
        ),
        ServerEvent::Closed(why) => tracing::debug!(
            target: "smb::serve",
            "closed: peer={} port={} ({why})",
            info.peer.ip().to_canonical(),
            info.peer.port()
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smb_proto::auth::LogonRefusal;
    use smb_proto::server::RefusalReason;
    use smb_proto::wire::NtStatus;

    fn info() -> ConnectionInfo {
        ConnectionInfo {
            id: 1,
            peer: "[::ffff:192.0.2.7]:50112".parse().unwrap(),
        }
    }

    #[test]
    fn refusal_lines_are_stable_and_escaped() {
        let ev = ServerEvent::Refused {
            user: "bob".into(),
            share: None,
            path: None,
            status: NtStatus::LOGON_FAILURE,
            reason: RefusalReason::Logon(LogonRefusal::WrongPassword),
        };
        assert_eq!(
            refusal_line(&info(), &ev).unwrap(),
            "refused: peer=192.0.2.7 port=50112 user=\"bob\" share=- \
             reason=\"wrong password\" status=STATUS_LOGON_FAILURE"
        );
        // A user name made to forge a second line stays on one.
        let ev = ServerEvent::Refused {
            user: "x\" reason=\"ok\nrefused: peer=10.0.0.1".into(),
            share: Some("docs".into()),
            path: Some("\\a\"b".into()),
            status: NtStatus::ACCESS_DENIED,
            reason: RefusalReason::AccessDenied,
        };
        let line = refusal_line(&info(), &ev).unwrap();
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(
            line,
            "refused: peer=192.0.2.7 port=50112 user=\"x\\\" reason=\\\"ok\\nrefused: peer=10.0.0.1\" \
             share=\"docs\" path=\"\\\\a\\\"b\" reason=\"access denied\" status=STATUS_ACCESS_DENIED"
        );
        let closed = ServerEvent::Closed(smb_proto::ConnectionError::Closed);
        assert!(refusal_line(&info(), &closed).is_none());
    }
}
