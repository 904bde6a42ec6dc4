//! TREE_CONNECT_ANDX and TREE_DISCONNECT.

use alloc::string::String;

use super::*;
use crate::server::access::Rights;
use crate::server::cx::Cx;
use crate::server::event::RefusalReason;
use crate::server::state::Tree;
use crate::server::{access, audit};
use crate::wire::NtStatus;

pub(super) async fn tree_connect(cx: &Cx, rc: &Rc, r: TreeConnectAndXRequest) -> HResult {
    check_uid(cx, rc)?;
    if r.flags & tree_connect::TREE_CONNECT_DISCONNECT_TID != 0 {
        let _ = tree_disconnect(cx, rc).await;
    }
    let name = r.path.rsplit(['\\', '/']).next().unwrap_or("");
    let ipc = name.eq_ignore_ascii_case("IPC$");
    let (share, rights) = if ipc {
        (None, Rights::Read)
    } else {
        let config = cx.with(|i| i.config.clone());
        let Some(s) = config.find_share(name) else {
            let (user, _) = who(cx, rc);
            let (share, status) = (Some(String::from(name)), NtStatus::BAD_NETWORK_NAME);
            refuse(cx, user, share, None, status, RefusalReason::NoSuchShare);
            return Err(status);
        };
        // A refusal here is reported by `serve`, as every ACCESS_DENIED.
        (Some(s), cx.with(|i| access::admit(i, rc.uid, s))?)
    };
    let read_only = rights == Rights::Read;
    let service = r.service.as_str();
    if (ipc && !matches!(service, "IPC" | "?????")) || (!ipc && !matches!(service, "A:" | "?????"))
    {
        let (user, _) = who(cx, rc);
        let (share, status) = (Some(String::from(name)), NtStatus::BAD_DEVICE_TYPE);
        refuse(cx, user, share, None, status, RefusalReason::WrongService);
        return Err(status);
    }
    let tid = cx.with(|i| {
        if i.trees.len() >= i.config.limits.max_trees {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        let tid = i.new_tid().ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        i.trees.insert(tid, Tree { share, read_only });
        access::connected(i, tid, share, rights);
        audit::tree_connected(i, rc.uid, share, rights);
        Ok(tid)
    })?;
    let rights = if read_only {
        crate::wire::consts::access::FILE_GENERIC_READ | crate::wire::consts::access::FILE_EXECUTE
    } else {
        crate::wire::consts::access::FILE_ALL_ACCESS
    };
    let extended =
        (r.flags & tree_connect::TREE_CONNECT_EXTENDED_RESPONSE != 0).then_some((rights, 0));
    let mut a = Answer::ok(TreeConnectAndXResponse {
        optional_support: Some(if ipc {
            0
        } else {
            tree_connect::SMB_SUPPORT_SEARCH_BITS
        }),
        extended,
        service: if ipc { "IPC".into() } else { "A:".into() },
        native_file_system: Some(if ipc { String::new() } else { "NTFS".into() }),
    });
    a.tid = Some(tid);
    super::session_lanman::downlevel_tree_answer(cx, &mut a);
    Ok(a)
}

pub(super) async fn tree_disconnect(cx: &Cx, rc: &Rc) -> HResult {
    // No valid UID is needed to disconnect a tree (smbtorture's raw.context).
    if !cx.with(|i| i.trees.contains_key(&rc.tid)) {
        return Err(NtStatus::SMB_BAD_TID);
    }
    let files = cx.with(|i| i.detach_tree(rc.tid));
    close_all(cx, files, false).await;
    Ok(Answer::ok(TreeDisconnectResponse))
}
