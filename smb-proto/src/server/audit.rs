//! Audit events: who logged on and how, which share a session connected to with which
//! rights, and which files it created, wrote, renamed, linked and deleted.
//!
//! The connection reports them as [`ServerEvent::Audit`] when
//! they have happened: a logon when its answer is decided, file events when the host
//! answers the file-system call that did the work, and the bytes written through a
//! handle when it is closed. They carry names and sizes, never a password, hash or
//! response. A refused logon is a `Logon` event with the refusal's status and reason;
//! refused tree connects and accesses are [`ServerEvent::Refused`] events.

use alloc::collections::BTreeMap;
use alloc::string::String;
use bytes::Bytes;

use super::ServerEvent;
use super::access::Rights;
use super::event::RefusalReason;
use super::fs::{CreateAction, ErasedLater, FsCall, FsReply, FsResult, ShareId, SharePath};
use super::state::Inner;
use crate::auth::ntlmssp::{AuthenticateMessage, SIGNATURE};
use crate::auth::spnego::{self, Token};
use crate::auth::{Authenticated, Identity, Verified};
use crate::wire::NtStatus;
use crate::wire::msg::SessionSetupAndXRequest;

/// One audit event. `user` is the session's user name as the client gave it (empty for
/// an anonymous session; for guests, the name they were mapped from).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditEvent {
    /// A logon attempt and its result.
    Logon {
        /// The UID given (0 when refused).
        uid: u16,
        /// User name as sent.
        user: String,
        /// Domain as sent.
        domain: String,
        /// The logon came in NTLMSSP (extended security), not in the password fields.
        ntlmssp: bool,
        /// The response that verified; for a refusal, the kind the client offered.
        response: Verified,
        /// Who the session is (`None` when refused).
        identity: Option<Identity>,
        /// `SUCCESS`, or the status of the refusal.
        status: NtStatus,
        /// Why it was refused, as far as the server told ([`ServerEvent::Refused`]
        /// says the same; `None` when it succeeded, or failed for want of resources).
        refusal: Option<RefusalReason>,
    },
    /// A tree was connected.
    TreeConnect {
        /// User name.
        user: String,
        /// The share name as configured (`IPC$` for the IPC share).
        share: String,
        /// The tree's rights (`None` for IPC$).
        rights: Option<Rights>,
    },
    /// A file or directory was created, or an existing file replaced by a new one.
    Created {
        /// User name.
        user: String,
        /// Share name.
        share: String,
        /// Path in the share (`a/b.txt`).
        path: String,
        /// A directory.
        directory: bool,
        /// An existing file was superseded or truncated.
        replaced: bool,
    },
    /// Bytes were written through a handle, now closed.
    Written {
        /// User name.
        user: String,
        /// Share name.
        share: String,
        /// Path the handle was opened with.
        path: String,
        /// Bytes written through it.
        bytes: u64,
    },
    /// A file or directory was renamed (or moved within its share).
    Renamed {
        /// User name.
        user: String,
        /// Share name.
        share: String,
        /// Old path.
        from: String,
        /// New path.
        to: String,
    },
    /// A file was given a second name (a hard link, NT_RENAME).
    Linked {
        /// User name.
        user: String,
        /// Share name.
        share: String,
        /// The existing name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A file or directory was deleted.
    Deleted {
        /// User name.
        user: String,
        /// Share name.
        share: String,
        /// Path in the share.
        path: String,
        /// A directory.
        directory: bool,
    },
}

/// A short name for a response kind, for logs: `ntlmv2`, `lmv2`, `ntlm2-session`,
/// `ntlmv1`, `lm`, `none`, `plaintext`.
pub fn response_name(v: Verified) -> &'static str {
    match v {
        Verified::Ntlmv2 => "ntlmv2",
        Verified::Lmv2 => "lmv2",
        Verified::Ntlm2Session => "ntlm2-session",
        Verified::Ntlmv1 => "ntlmv1",
        Verified::Lm => "lm",
        Verified::None => "none",
        Verified::Plaintext => "plaintext",
    }
}

/// What a file-system call will have done when its answer comes.
#[derive(Debug)]
enum What {
    Open(SharePath),
    Write(u64),
    Close(u64),
    Rename(SharePath, SharePath),
    Link(SharePath, SharePath),
    Delete(SharePath, bool),
    Mkdir(SharePath),
}

#[derive(Debug)]
struct OpenRecord {
    share: ShareId,
    user: String,
    path: SharePath,
    bytes: u64,
}

/// The audit bookkeeping of one connection.
#[derive(Debug, Default)]
pub(crate) struct AuditBook {
    /// Calls handed to the host whose answer makes an event, by operation id.
    pending: BTreeMap<u64, (ShareId, String, What)>,
    /// Open host handles: where they point, who opened them, bytes written.
    handles: BTreeMap<u64, OpenRecord>,
    /// Why the logon being served was refused, when it was.
    logon_refusal: Option<RefusalReason>,
}

fn push(i: &mut Inner, e: AuditEvent) {
    i.events.push_back(ServerEvent::Audit(e));
}

fn share_name(i: &Inner, s: ShareId) -> String {
    i.config
        .shares
        .get(s.0 as usize)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// The user a call is made for: the session of the running request, or, for work no
/// request checked (a connection's cleanup), the one user all its sessions share.
fn acting_user(i: &Inner) -> String {
    if let Some(s) = super::access::task_uid(i).and_then(|u| i.sessions.get(&u)) {
        return s.user.clone();
    }
    let mut users = i
        .sessions
        .values()
        .filter(|s| s.established)
        .map(|s| s.user.as_str());
    match users.next() {
        Some(u) if users.all(|v| v == u) => String::from(u),
        _ => String::new(),
    }
}

/// Notes a file-system call handed to the host (operation `op`) whose answer makes an
/// event.
pub(crate) fn issued(i: &mut Inner, op: u64, share: ShareId, call: &FsCall) {
    let what = match call {
        FsCall::Open(o) => What::Open(o.path.clone()),
        FsCall::Write { handle, .. } => What::Write(handle.0),
        FsCall::Close { handle, .. } => What::Close(handle.0),
        FsCall::Rename { from, to, .. } => What::Rename(from.clone(), to.clone()),
        FsCall::Link { from, to } => What::Link(from.clone(), to.clone()),
        FsCall::Delete { path } => What::Delete(path.clone(), false),
        FsCall::Rmdir { path } => What::Delete(path.clone(), true),
        FsCall::Mkdir { path } => What::Mkdir(path.clone()),
        _ => return,
    };
    let user = match what {
        What::Write(_) | What::Close(_) => String::new(),
        _ => acting_user(i),
    };
    i.audit.pending.insert(op, (share, user, what));
}

/// Reports what operation `op` did, now that the host answered it.
pub(crate) fn completed(i: &mut Inner, op: u64, r: &FsResult<ErasedLater>) {
    let Some((share, user, what)) = i.audit.pending.remove(&op) else {
        return;
    };
    let name = share_name(i, share);
    let e = match (what, r) {
        (
            What::Open(path),
            Ok(FsReply::Opened {
                handle,
                info,
                action,
            }),
        ) => {
            let e = (*action != CreateAction::Opened).then(|| AuditEvent::Created {
                user: user.clone(),
                share: name,
                path: String::from(path.as_str()),
                directory: info.is_dir,
                replaced: *action != CreateAction::Created,
            });
            let rec = OpenRecord {
                share,
                user,
                path,
                bytes: 0,
            };
            i.audit.handles.insert(handle.0, rec);
            e
        }
        (What::Write(h), Ok(FsReply::Written(n))) => {
            if let Some(rec) = i.audit.handles.get_mut(&h) {
                rec.bytes += u64::from(*n);
            }
            None
        }
        (What::Close(h), _) => i.audit.handles.remove(&h).and_then(|rec| {
            (rec.bytes > 0).then(|| AuditEvent::Written {
                share: share_name(i, rec.share),
                user: rec.user,
                path: String::from(rec.path.as_str()),
                bytes: rec.bytes,
            })
        }),
        (What::Rename(from, to), Ok(_)) => Some(AuditEvent::Renamed {
            user,
            share: name,
            from: String::from(from.as_str()),
            to: String::from(to.as_str()),
        }),
        (What::Link(from, to), Ok(_)) => Some(AuditEvent::Linked {
            user,
            share: name,
            from: String::from(from.as_str()),
            to: String::from(to.as_str()),
        }),
        (What::Delete(path, directory), Ok(_)) => Some(AuditEvent::Deleted {
            user,
            share: name,
            path: String::from(path.as_str()),
            directory,
        }),
        (What::Mkdir(path), Ok(_)) => Some(AuditEvent::Created {
            user,
            share: name,
            path: String::from(path.as_str()),
            directory: true,
            replaced: false,
        }),
        _ => None,
    };
    if let Some(e) = e {
        push(i, e);
    }
}

/// Reports a logon that succeeded.
pub(crate) fn logon(i: &mut Inner, uid: u16, auth: &Authenticated) {
    let ntlmssp = i.neg.extended;
    push(
        i,
        AuditEvent::Logon {
            uid,
            user: auth.user.clone(),
            domain: auth.domain.clone(),
            ntlmssp,
            response: auth.verified,
            identity: Some(auth.identity),
            status: NtStatus::SUCCESS,
            refusal: None,
        },
    );
}

/// Reports a tree connected.
pub(crate) fn tree_connected(i: &mut Inner, uid: u16, share: Option<ShareId>, rights: Rights) {
    let user = i
        .sessions
        .get(&uid)
        .map(|s| s.user.clone())
        .unwrap_or_default();
    let (share, rights) = match share {
        Some(s) => (share_name(i, s), Some(rights)),
        None => (String::from("IPC$"), None),
    };
    push(
        i,
        AuditEvent::TreeConnect {
            user,
            share,
            rights,
        },
    );
}

/// Who a SESSION_SETUP_ANDX claims to be, read before it is served, to report it if it
/// is refused.
#[derive(Debug, Clone)]
pub(crate) struct LogonProbe {
    user: String,
    domain: String,
    ntlmssp: bool,
    response: Verified,
}

/// The kind of response the client offered, from the fields' sizes and form.
fn offered(lm: &[u8], nt: &[u8]) -> Verified {
    match (lm.len(), nt.len()) {
        (_, n) if n > 24 => Verified::Ntlmv2,
        (24, 24) if lm[8..].iter().all(|&b| b == 0) => Verified::Ntlm2Session,
        (_, 24) => Verified::Ntlmv1,
        (24, _) => Verified::Lm,
        _ => Verified::None,
    }
}

/// The NTLMSSP AUTHENTICATE message inside a session setup blob, if that is what it is.
fn authenticate_in(blob: &Bytes) -> Option<AuthenticateMessage> {
    let ntlm = if blob.starts_with(SIGNATURE) {
        blob.clone()
    } else {
        match spnego::decode(blob).ok()? {
            Token::Init(t) => Bytes::from(t.mech_token?),
            Token::Resp(t) => Bytes::from(t.response_token?),
        }
    };
    AuthenticateMessage::decode(&ntlm).ok()
}

impl LogonProbe {
    /// Reads who the request claims to be (nothing is verified here).
    pub(crate) fn of(r: &SessionSetupAndXRequest) -> Self {
        match r {
            SessionSetupAndXRequest::NtLm(x) => Self {
                user: x.account_name.clone(),
                domain: x.primary_domain.clone(),
                ntlmssp: false,
                response: offered(&x.oem_password, &x.unicode_password),
            },
            SessionSetupAndXRequest::Extended(x) => match authenticate_in(&x.security_blob) {
                Some(a) => Self {
                    response: offered(&a.lm_response, &a.nt_response),
                    user: a.user,
                    domain: a.domain,
                    ntlmssp: true,
                },
                None => Self {
                    user: String::new(),
                    domain: String::new(),
                    ntlmssp: true,
                    response: Verified::None,
                },
            },
            // The pre-NT form's one password field: an LM response is 24 bytes.
            SessionSetupAndXRequest::LanMan(x) => Self {
                user: x.account_name.clone(),
                domain: x.primary_domain.clone(),
                ntlmssp: false,
                response: match x.password.len() {
                    0 => Verified::None,
                    24 => Verified::Lm,
                    _ => Verified::Plaintext,
                },
            },
            SessionSetupAndXRequest::Other { .. } => Self {
                user: String::new(),
                domain: String::new(),
                ntlmssp: false,
                response: Verified::None,
            },
        }
    }

    /// Reports the logon as refused with `status` (and the reason [`refusing`] noted).
    pub(crate) fn refused(self, i: &mut Inner, status: NtStatus) {
        let refusal = i.audit.logon_refusal.take();
        push(
            i,
            AuditEvent::Logon {
                uid: 0,
                user: self.user,
                domain: self.domain,
                ntlmssp: self.ntlmssp,
                response: self.response,
                identity: None,
                status,
                refusal,
            },
        );
    }
}

/// Notes a refusal as it is reported: the reason of a refused logon goes in its audit
/// event too.
pub(crate) fn refusing(i: &mut Inner, reason: RefusalReason) {
    if matches!(
        reason,
        RefusalReason::Logon(_) | RefusalReason::SigningRequired
    ) {
        i.audit.logon_refusal = Some(reason);
    }
}

/// Forgets a noted reason before a logon is served.
pub(crate) fn logon_starts(i: &mut Inner) {
    i.audit.logon_refusal = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_responses_by_form() {
        assert_eq!(offered(&[1; 24], &[2; 40]), Verified::Ntlmv2);
        let mut ess = [0u8; 24];
        ess[..8].copy_from_slice(&[7; 8]);
        assert_eq!(offered(&ess, &[2; 24]), Verified::Ntlm2Session);
        assert_eq!(offered(&[1; 24], &[2; 24]), Verified::Ntlmv1);
        assert_eq!(offered(&[1; 24], &[]), Verified::Lm);
        assert_eq!(offered(&[], &[]), Verified::None);
        assert_eq!(offered(&[0], &[]), Verified::None);
    }

    #[test]
    fn garbage_blobs_claim_nobody() {
        for b in [&b""[..], b"NTLMSSP\0", b"\x60\x03\x06\x01\x00", &[0xa1; 40]] {
            assert!(authenticate_in(&Bytes::copy_from_slice(b)).is_none());
        }
    }
}
