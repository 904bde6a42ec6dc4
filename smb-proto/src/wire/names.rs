//! The fields of requests that hold names (paths, accounts, shares): the strings a code
//! page applies to when a message carries no Unicode. Both roles use them, the client
//! to put names into the code page, the server to take them out of it.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::msg::trans2::sub::Trans2Sub;
use super::msg::*;

/// The path fields of a request.
pub fn paths_mut(req: &mut Request) -> Vec<&mut String> {
    match req {
        Request::Delete(r) => vec![&mut r.file_name],
        Request::Rename(r) => vec![&mut r.old_file_name, &mut r.new_file_name],
        Request::CreateDirectory(r) => vec![&mut r.directory_name],
        Request::DeleteDirectory(r) => vec![&mut r.directory_name],
        Request::CheckDirectory(r) => vec![&mut r.directory_name],
        Request::QueryInformation(r) => vec![&mut r.file_name],
        Request::SetInformation(r) => vec![&mut r.file_name],
        Request::OpenAndX(r) => vec![&mut r.file_name],
        Request::NtCreateAndX(r) => vec![&mut r.file_name],
        Request::CreateTemporary(r) => vec![&mut r.directory_name],
        Request::Search(r) => vec![&mut r.file_name],
        Request::Open(r) => vec![&mut r.file_name],
        Request::Create(r) => vec![&mut r.file_name],
        Request::CreateNew(r) => vec![&mut r.file_name],
        Request::Find(r) => vec![&mut r.0.file_name],
        Request::FindUnique(r) => vec![&mut r.0.file_name],
        _ => Vec::new(),
    }
}

/// The other strings of a request that name something (accounts, domains, shares).
pub fn names_mut(req: &mut Request) -> Vec<&mut String> {
    match req {
        Request::SessionSetupAndX(SessionSetupAndXRequest::NtLm(s)) => {
            vec![&mut s.account_name, &mut s.primary_domain]
        }
        Request::SessionSetupAndX(SessionSetupAndXRequest::LanMan(s)) => {
            vec![&mut s.account_name, &mut s.primary_domain]
        }
        Request::TreeConnectAndX(r) => vec![&mut r.path],
        Request::TreeConnect(r) => vec![&mut r.path],
        _ => Vec::new(),
    }
}

/// The path fields of a TRANS2 subcommand.
pub fn trans2_paths_mut(sub: &mut Trans2Sub) -> Vec<&mut String> {
    match sub {
        Trans2Sub::FindFirst2(f) => vec![&mut f.file_name],
        Trans2Sub::FindNext2(f) => vec![&mut f.file_name],
        Trans2Sub::QueryPathInformation { file_name, .. }
        | Trans2Sub::SetPathInformation { file_name, .. } => vec![file_name],
        Trans2Sub::CreateDirectory { name, .. } => vec![name],
        _ => Vec::new(),
    }
}
