//! The per-share access keys of `smb serve`'s configuration (`read`, `write`, `drop_box`,
//! `guest`, `browseable`) turned into the core's [`ShareAccess`], and the guest logon
//! policy they imply.

use smb_proto::server::ShareAccess;

use crate::accounts::check_name;
use crate::serve::FileShare;

/// The access rules of a `[[share]]` table; `guest` is the server-wide setting, the
/// default of shares that do not say.
pub fn of_file_share(sh: &FileShare, guest: bool) -> Result<ShareAccess, String> {
    for n in sh.read.iter().chain(sh.write.iter()).flatten() {
        check_name(n).map_err(|e| format!("share {}: {e}", sh.name))?;
    }
    if sh.drop_box && sh.read_only {
        return Err(format!(
            "share {}: drop_box and read_only together: nobody could drop a file",
            sh.name
        ));
    }
    Ok(ShareAccess {
        read: sh.read.clone(),
        write: sh.write.clone(),
        drop_box: sh.drop_box,
        guest: sh.guest.unwrap_or(guest),
        browseable: sh.browseable.unwrap_or(true),
    })
}

/// The access rules of a share given on the command line: open to every account, and
/// to guests when the server takes them.
pub fn of_command_line(guest: bool) -> ShareAccess {
    ShareAccess {
        guest,
        ..ShareAccess::default()
    }
}

/// Whether guest and anonymous logons are taken: the server-wide setting, or a share
/// that lets guests in (`guest = true`).
pub fn guest_logons(guest: bool, shares: &[FileShare]) -> bool {
    guest || shares.iter().any(|s| s.guest == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use smb_proto::auth::Identity;
    use smb_proto::server::Rights;

    fn share(toml: &str) -> FileShare {
        toml::from_str(&format!("name = \"s\"\npath = \"/srv/s\"\n{toml}")).unwrap()
    }

    #[test]
    fn share_keys_become_access_rules() {
        let a = of_file_share(
            &share(
                "write = [\"scanner\"]\nread = [\"office\"]\ndrop_box = true\nbrowseable = false",
            ),
            false,
        )
        .unwrap();
        assert_eq!(
            a.rights(false, "scanner", Identity::User),
            Some(Rights::DropBox)
        );
        assert_eq!(
            a.rights(false, "office", Identity::User),
            Some(Rights::Read)
        );
        assert!(!a.browseable && !a.guest);
        // The server-wide guest setting is the default; a share may say otherwise.
        assert!(of_file_share(&share(""), true).unwrap().guest);
        assert!(!of_file_share(&share("guest = false"), true).unwrap().guest);
        let open = share("guest = true");
        assert!(guest_logons(false, std::slice::from_ref(&open)));
        assert!(!guest_logons(false, &[share("guest = false")]));
        // Mistakes are refused with the share's name.
        for bad in [
            "drop_box = true\nread_only = true",
            "read = [\"a:b\"]",
            "dropbox = true",
        ] {
            let e = toml::from_str::<FileShare>(&format!("name = \"s\"\npath = \"/\"\n{bad}"))
                .map_err(|e| e.to_string())
                .and_then(|s| of_file_share(&s, false).map(|_| ()));
            assert!(e.is_err(), "{bad}");
        }
    }
}
