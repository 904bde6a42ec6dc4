//! TREE_CONNECT_ANDX and TREE_DISCONNECT.

use alloc::string::String;

use super::*;
use crate::server::cx::Cx;
use crate::server::event::RefusalReason;
use crate::server::state::Tree;
use crate::wire::NtStatus;

pub(super) async fn tree_connect(cx: &Cx, rc: &Rc, r: TreeConnectAndXRequest) -> HResult {
    check_uid(cx, rc)?;
    if r.flags & tree_connect::TREE_CONNECT_DISCONNECT_TID != 0 {
        let _ = tree_disconnect(cx, rc).await;
    }
    let name = r.path.rsplit(['\\', '/']).next().unwrap_or("");
    let ipc = name.eq_ignore_ascii_case("IPC$");
    let (share, read_only) = if ipc {
        (None, true)
    } else {
        let config = cx.with(|i| i.config.clone());
        let Some(s) = config.find_share(name) else {
            let (user, _) = who(cx, rc);
            let (share, status) = (Some(String::from(name)), NtStatus::BAD_NETWORK_NAME);
            refuse(cx, user, share, None, status, RefusalReason::NoSuchShare);
            return Err(status);
        };
        (Some(s), config.shares[s.0 as usize].read_only)
    };
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
        i.trees.insert(
            tid,
            Tree {
                uid: rc.uid,
                share,
                read_only,
            },
        );
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
    check_tree(cx, rc)?;
    let files = cx.with(|i| i.detach_tree(rc.tid));
    close_all(cx, files, false).await;
    Ok(Answer::ok(TreeDisconnectResponse))
}
