//! The audit log of `smb serve`: one line per logon, tree connect, file created, written,
//! renamed, linked (a hard link) or deleted, to standard error or a file (`--audit-log FILE`, reopened on
//! SIGHUP so that logrotate can move it away), as text or JSON lines (`--log-format`).
//!
//! A text line is the time (UTC), the event and `key=value` fields; client-supplied
//! strings are quoted and escaped, so that no name can forge a line:
//!
//! ```text
//! 2026-12-02T10:00:00.000Z logon peer=192.0.2.7 port=50112 conn=1 user="scanner" domain="WORKGROUP" auth=ntlmssp/ntlmv2 result=ok
//! 2026-12-02T10:00:00.002Z tree-connect peer=192.0.2.7 port=50112 conn=1 user="scanner" share="scans" access=drop-box
//! 2026-12-02T10:00:00.010Z created peer=192.0.2.7 port=50112 conn=1 user="scanner" share="scans" path="a.pdf" dir=false replaced=false
//! 2026-12-02T10:00:01.500Z written peer=192.0.2.7 port=50112 conn=1 user="scanner" share="scans" path="a.pdf" bytes=1048576
//! ```
//!
//! A JSON line has the same fields (`time`, `event`, ...); numbers are numbers, `dir`
//! and `replaced` booleans. A refused logon says `result=refused reason="..."
//! status=STATUS_...`; a refused tree connect or access is a `refused` line (user, share,
//! path when the request named one, reason, status), as the warning line of
//! [`crate::events`] but in the audit log's form and place.
//! No password, hash or response is ever written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::events::status_name;
use clap::ValueEnum;
use serde_json::{Map, Value, json};
use smb_localfs::events::ConnectionInfo;
use smb_proto::auth::Identity;
use smb_proto::server::audit::response_name;
use smb_proto::server::{AuditEvent, RefusalReason, ServerEvent};

/// How audit lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `TIME EVENT key=value ...`
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// A field value.
enum V {
    /// Client-supplied or configured text (quoted in text lines).
    S(String),
    /// A word, an address or a status name (bare in text lines).
    W(String),
    N(u64),
    B(bool),
}

/// One audit record: the event name and its fields, in order.
pub struct Record {
    event: &'static str,
    fields: Vec<(&'static str, V)>,
}

/// The record of a refused tree connect or access, `None` for other events (a refused
/// logon is its `logon` record).
fn refusal(ev: &ServerEvent) -> Option<Vec<(&'static str, V)>> {
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
    if matches!(
        reason,
        RefusalReason::Logon(_) | RefusalReason::SigningRequired
    ) {
        return None;
    }
    let mut f = vec![("user", V::S(user.clone()))];
    if let Some(s) = share {
        f.push(("share", V::S(s.clone())));
    }
    if let Some(p) = path {
        f.push(("path", V::S(p.clone())));
    }
    f.push(("reason", V::S(reason.to_string())));
    f.push(("status", V::W(status_name(*status))));
    Some(f)
}

/// The record for an event, `None` for events the audit log does not keep.
pub fn record(info: &ConnectionInfo, ev: &ServerEvent) -> Option<Record> {
    let mut f = vec![
        ("peer", V::W(info.peer.ip().to_canonical().to_string())),
        ("port", V::N(u64::from(info.peer.port()))),
        ("conn", V::N(info.id)),
    ];
    if let Some(r) = refusal(ev) {
        f.extend(r);
        return Some(Record {
            event: "refused",
            fields: f,
        });
    }
    let ServerEvent::Audit(a) = ev else {
        return None;
    };
    let s = |x: &String| V::S(x.clone());
    let event = match a {
        AuditEvent::Logon {
            user,
            domain,
            ntlmssp,
            response,
            identity,
            status,
            refusal,
            ..
        } => {
            f.push(("user", s(user)));
            f.push(("domain", s(domain)));
            let auth = match (identity, ntlmssp) {
                (Some(Identity::Guest), _) => "guest",
                (Some(Identity::Anonymous), _) => "anonymous",
                (_, true) => match response_name(*response) {
                    "ntlmv2" => "ntlmssp/ntlmv2",
                    "ntlmv1" => "ntlmssp/ntlmv1",
                    "ntlm2-session" => "ntlmssp/ntlm2-session",
                    "lmv2" => "ntlmssp/lmv2",
                    "lm" => "ntlmssp/lm",
                    _ => "ntlmssp",
                },
                (_, false) => response_name(*response),
            };
            f.push(("auth", V::W(auth.into())));
            if status.is_success() {
                f.push(("result", V::W("ok".into())));
            } else {
                f.push(("result", V::W("refused".into())));
                if let Some(why) = refusal {
                    f.push(("reason", V::S(why.to_string())));
                }
                f.push(("status", V::W(status_name(*status))));
            }
            "logon"
        }
        AuditEvent::TreeConnect {
            user,
            share,
            rights,
        } => {
            f.push(("user", s(user)));
            f.push(("share", s(share)));
            f.push(("access", V::W(rights.map_or("ipc", |r| r.name()).into())));
            "tree-connect"
        }
        AuditEvent::Created {
            user,
            share,
            path,
            directory,
            replaced,
        } => {
            f.extend([("user", s(user)), ("share", s(share)), ("path", s(path))]);
            f.push(("dir", V::B(*directory)));
            f.push(("replaced", V::B(*replaced)));
            "created"
        }
        AuditEvent::Written {
            user,
            share,
            path,
            bytes,
        } => {
            f.extend([("user", s(user)), ("share", s(share)), ("path", s(path))]);
            f.push(("bytes", V::N(*bytes)));
            "written"
        }
        AuditEvent::Renamed {
            user,
            share,
            from,
            to,
        }
        | AuditEvent::Linked {
            user,
            share,
            from,
            to,
        } => {
            f.extend([("user", s(user)), ("share", s(share))]);
            f.extend([("from", s(from)), ("to", s(to))]);
            match a {
                AuditEvent::Linked { .. } => "linked",
                _ => "renamed",
            }
        }
        AuditEvent::Deleted {
            user,
            share,
            path,
            directory,
        } => {
            f.extend([("user", s(user)), ("share", s(share)), ("path", s(path))]);
            f.push(("dir", V::B(*directory)));
            "deleted"
        }
        _ => return None,
    };
    Some(Record { event, fields: f })
}

/// A time as RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_millis()
    )
}

impl Record {
    /// The line (without its line break).
    pub fn line(&self, format: LogFormat, time: SystemTime) -> String {
        let time = rfc3339(time);
        match format {
            LogFormat::Text => {
                let mut l = format!("{time} {}", self.event);
                for (k, v) in &self.fields {
                    let v = match v {
                        V::S(s) => format!("\"{}\"", s.escape_debug()),
                        V::W(w) => w.clone(),
                        V::N(n) => n.to_string(),
                        V::B(b) => b.to_string(),
                    };
                    l.push_str(&format!(" {k}={v}"));
                }
                l
            }
            LogFormat::Json => {
                let mut m = Map::new();
                m.insert("time".into(), json!(time));
                m.insert("event".into(), json!(self.event));
                for (k, v) in &self.fields {
                    let v = match v {
                        V::S(s) => json!(s),
                        V::W(w) => json!(w),
                        V::N(n) => json!(n),
                        V::B(b) => json!(b),
                    };
                    m.insert(String::from(*k), v);
                }
                Value::Object(m).to_string()
            }
        }
    }
}

enum Out {
    Stderr,
    File(std::fs::File),
}

struct Sink {
    format: LogFormat,
    path: Option<PathBuf>,
    out: Out,
}

/// The audit log: where lines go and how they look; shared by every connection.
pub struct AuditLog(Mutex<Sink>);

fn open_file(path: &Path) -> Result<std::fs::File, String> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o640)
        .open(path)
        .map_err(|e| format!("audit log {}: {e}", path.display()))
}

impl AuditLog {
    /// A log to `path` (appended to), or to standard error.
    pub fn open(format: LogFormat, path: Option<&Path>) -> Result<Self, String> {
        let out = match path {
            Some(p) => Out::File(open_file(p)?),
            None => Out::Stderr,
        };
        Ok(Self(Mutex::new(Sink {
            format,
            path: path.map(Path::to_path_buf),
            out,
        })))
    }

    /// Takes new settings, and opens the file again (after a rotation) even when its
    /// name is the same. On error the log keeps going where it went.
    pub fn reopen(&self, format: LogFormat, path: Option<&Path>) -> Result<(), String> {
        let out = match path {
            Some(p) => Out::File(open_file(p)?),
            None => Out::Stderr,
        };
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *s = Sink {
            format,
            path: path.map(Path::to_path_buf),
            out,
        };
        Ok(())
    }

    /// Writes the line for an event, if it is one the audit log keeps.
    pub fn event(&self, info: &ConnectionInfo, ev: &ServerEvent) {
        let Some(r) = record(info, ev) else { return };
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut line = r.line(s.format, SystemTime::now());
        line.push('\n');
        let res = match &mut s.out {
            Out::Stderr => std::io::stderr().write_all(line.as_bytes()),
            Out::File(f) => f.write_all(line.as_bytes()),
        };
        if let Err(e) = res {
            let to = s.path.as_deref().unwrap_or(Path::new("stderr"));
            tracing::error!("audit log {}: {e}", to.display());
        }
    }
}

/// The event hook of `smb serve`: the audit log, and diagnostics (under the
/// connection's tracing span) with `-v`.
pub fn hook(log: std::sync::Arc<AuditLog>) -> impl Fn(&ConnectionInfo, &ServerEvent) {
    move |info, ev| {
        crate::events::log_event(info, ev);
        log.event(info, ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smb_proto::auth::{LogonRefusal, Verified};
    use smb_proto::server::Rights;
    use smb_proto::wire::NtStatus;

    fn info() -> ConnectionInfo {
        ConnectionInfo {
            id: 7,
            peer: "[::ffff:192.0.2.7]:50112".parse().unwrap(),
        }
    }

    fn at() -> SystemTime {
        // 2026-12-02T10:00:00.250Z
        UNIX_EPOCH + std::time::Duration::from_millis(1_796_205_600_250)
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(at()), "2026-12-02T10:00:00.250Z");
        let leap = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn lines_in_both_formats() {
        let logon = ServerEvent::Audit(AuditEvent::Logon {
            uid: 100,
            user: "scan\"ner\n".into(),
            domain: "WG".into(),
            ntlmssp: true,
            response: Verified::Ntlmv2,
            identity: None,
            status: NtStatus::LOGON_FAILURE,
            refusal: Some(RefusalReason::Logon(LogonRefusal::WrongPassword)),
        });
        let r = record(&info(), &logon).unwrap();
        assert_eq!(
            r.line(LogFormat::Text, at()),
            "2026-12-02T10:00:00.250Z logon peer=192.0.2.7 port=50112 conn=7 \
             user=\"scan\\\"ner\\n\" domain=\"WG\" auth=ntlmssp/ntlmv2 result=refused \
             reason=\"wrong password\" status=STATUS_LOGON_FAILURE"
        );
        let j: Value = serde_json::from_str(&r.line(LogFormat::Json, at())).unwrap();
        assert_eq!(j["event"], "logon");
        assert_eq!(j["user"], "scan\"ner\n");
        assert_eq!(j["port"], 50112);
        assert_eq!(j["result"], "refused");
        let tree = ServerEvent::Audit(AuditEvent::TreeConnect {
            user: "a".into(),
            share: "scans".into(),
            rights: Some(Rights::DropBox),
        });
        let t = record(&info(), &tree).unwrap().line(LogFormat::Text, at());
        assert!(t.ends_with("tree-connect peer=192.0.2.7 port=50112 conn=7 user=\"a\" share=\"scans\" access=drop-box"), "{t}");
        let w = ServerEvent::Audit(AuditEvent::Written {
            user: "a".into(),
            share: "s".into(),
            path: "d/f".into(),
            bytes: 5,
        });
        let j: Value =
            serde_json::from_str(&record(&info(), &w).unwrap().line(LogFormat::Json, at()))
                .unwrap();
        assert_eq!(j["bytes"], 5);
        assert_eq!(j["path"], "d/f");
        assert_eq!(j["time"], "2026-12-02T10:00:00.250Z");
        let link = ServerEvent::Audit(AuditEvent::Linked {
            user: "a".into(),
            share: "s".into(),
            from: "f".into(),
            to: "g".into(),
        });
        let t = record(&info(), &link).unwrap().line(LogFormat::Text, at());
        assert!(
            t.ends_with(
                "linked peer=192.0.2.7 port=50112 conn=7 user=\"a\" share=\"s\" from=\"f\" to=\"g\""
            ),
            "{t}"
        );
        let closed = ServerEvent::Closed(smb_proto::ConnectionError::Closed);
        assert!(record(&info(), &closed).is_none());
        let denied = ServerEvent::Refused {
            user: "a".into(),
            share: Some("scans".into()),
            path: Some("\\x.pdf".into()),
            status: NtStatus::ACCESS_DENIED,
            reason: RefusalReason::AccessDenied,
        };
        let t = record(&info(), &denied)
            .unwrap()
            .line(LogFormat::Text, at());
        assert!(
            t.ends_with(
                "refused peer=192.0.2.7 port=50112 conn=7 user=\"a\" share=\"scans\" \
                 path=\"\\\\x.pdf\" reason=\"access denied\" status=STATUS_ACCESS_DENIED"
            ),
            "{t}"
        );
        // A refused logon is its logon line, not a second one.
        let logon_refused = ServerEvent::Refused {
            user: "a".into(),
            share: None,
            path: None,
            status: NtStatus::LOGON_FAILURE,
            reason: RefusalReason::Logon(LogonRefusal::WrongPassword),
        };
        assert!(record(&info(), &logon_refused).is_none());
    }
}
