//! Operations on names: listings, folders, deletes and renames.

use smb_proto::server::fs::{FileInfo, ShareId, SharePath};
use smb_proto::wire::NtStatus;

use crate::names::{Node, dir_key};
use crate::{R, S3Fs, Share, lookup};

impl S3Fs {
    /// The entries of a folder: the store's listing, with the files this gateway has
    /// open there (sizes as written so far, and files not stored yet).
    pub(crate) fn list_dir(&self, share: ShareId, path: &SharePath) -> R<Vec<FileInfo>> {
        let s = self.share(share)?;
        let n = self.existing(share, path)?;
        if !n.is_dir {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        let mut nodes = self
            .store
            .run_status(lookup::list(&s.op, &n.key, self.started))?;
        s.cache.keep(&n.key, std::sync::Arc::new(nodes.clone()));
        for l in self.local_children(share.0, &n.key) {
            match nodes.iter_mut().find(|x| x.key == l.key) {
                Some(x) => *x = l,
                None => nodes.push(l),
            }
        }
        // Files deleted while open are gone.
        nodes.retain(|x| x.is_dir || !self.deleted_locally(share.0, &x.key));
        Ok(nodes.iter().map(|x| x.info(share.0)).collect())
    }

    fn deleted_locally(&self, share: u32, key: &str) -> bool {
        self.inodes.lock().is_ok_and(|t| {
            t.get(&(share, key.to_string()))
                .and_then(|i| i.snapshot())
                .is_some_and(|m| m.deleted)
        })
    }

    /// Creates folder `key`: its marker object.
    pub(crate) fn make_dir(&self, s: &Share, key: &str) -> R<()> {
        if s.read_only {
            return Err(NtStatus::ACCESS_DENIED);
        }
        self.store.run(s.op.create_dir(&dir_key(key)))?;
        s.cache.added(&Node {
            key: key.to_string(),
            is_dir: true,
            size: 0,
            etag: None,
            modified: crate::names::now(),
        });
        Ok(())
    }

    /// Deletes a file (and any upload of it in progress here).
    pub(crate) fn delete_path(&self, share: ShareId, path: &SharePath) -> R<()> {
        let s = self.writable(share)?;
        let n = self.existing(share, path)?;
        if n.is_dir {
            return Err(NtStatus::FILE_IS_A_DIRECTORY);
        }
        let open = self
            .inodes
            .lock()
            .map_err(|_| NtStatus::INTERNAL_ERROR)?
            .get(&(share.0, n.key.clone()))
            .cloned();
        let mut stored = true;
        if let Some(i) = open {
            let cx = self.ctx(&s.op);
            i.with(|st| {
                st.discard(&cx);
                st.deleted = true;
                stored = st.base.is_some();
                Ok(())
            })?;
        }
        if stored {
            self.store.run(s.op.delete(&n.key))?;
        }
        s.cache.removed(&n.key);
        Ok(())
    }

    /// Removes an empty folder (its marker object).
    pub(crate) fn remove_dir(&self, share: ShareId, path: &SharePath) -> R<()> {
        let s = self.writable(share)?;
        let n = self.existing(share, path)?;
        if n.key.is_empty() {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if !n.is_dir {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        let marker = dir_key(&n.key);
        let inside = self
            .store
            .run_status(lookup::keys_under(&s.op, &n.key, 1))?;
        if inside.iter().any(|k| *k != marker) || !self.local_children(share.0, &n.key).is_empty() {
            return Err(NtStatus::DIRECTORY_NOT_EMPTY);
        }
        self.store.run(s.op.delete(&marker))?;
        s.cache.removed(&n.key);
        Ok(())
    }

    /// Renames a file (server-side copy, then delete) or a folder (every object under
    /// it), within the limits of the settings.
    pub(crate) fn rename_path(
        &self,
        share: ShareId,
        from: &SharePath,
        to: &SharePath,
        replace: bool,
    ) -> R<()> {
        let s = self.writable(share)?;
        let src = self.existing(share, from)?;
        if src.key.is_empty() {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let (mut dst_key, dst) = self.resolve(share, to)?;
        // Only the case changes: `to` resolved to the source itself.
        let same = dst.as_ref().is_some_and(|d| d.key == src.key);
        if same {
            dst_key = crate::names::key_of(to);
            if dst_key == src.key {
                return Ok(());
            }
        } else if let Some(d) = &dst {
            if !replace {
                return Err(NtStatus::OBJECT_NAME_COLLISION);
            }
            if d.is_dir || src.is_dir {
                return Err(NtStatus::ACCESS_DENIED);
            }
        }
        if src.is_dir {
            return self.rename_dir(share, s, &src, &dst_key);
        }
        self.rename_file(share, s, &src, &dst_key)
    }

    fn rename_file(&self, share: ShareId, s: &Share, src: &Node, dst: &str) -> R<()> {
        let limit = self.store.settings.rename_max_bytes;
        let open = self
            .inodes
            .lock()
            .map_err(|_| NtStatus::INTERNAL_ERROR)?
            .get(&(share.0, src.key.clone()))
            .cloned();
        let stored_size = match &open {
            Some(i) => i.with(|st| Ok(st.base.as_ref().map(|b| b.size)))?,
            None => Some(src.size),
        };
        if let Some(size) = stored_size {
            if size > limit {
                tracing::info!(from = %src.key, to = %dst, size, limit, "rename refused (too large to copy in the store): the client copies the file itself");
                return Err(NtStatus::NOT_SAME_DEVICE);
            }
            self.store.run(s.op.copy(&src.key, dst))?;
            self.store.run(s.op.delete(&src.key))?;
            s.cache.removed(&src.key);
            s.cache.added(&Node {
                key: dst.to_string(),
                ..src.clone()
            });
        }
        // A file open here moves with its name.
        if let Some(i) = open {
            let mut t = self.inodes.lock().map_err(|_| NtStatus::INTERNAL_ERROR)?;
            t.remove(&(share.0, src.key.clone()));
            let etag = if stored_size.is_some() {
                self.store
                    .run_status(lookup::head_file(&s.op, dst))?
                    .and_then(|n| n.etag)
            } else {
                None
            };
            i.with(|st| {
                st.key = dst.to_string();
                if let Some(b) = &mut st.base {
                    b.etag = etag;
                }
                Ok(())
            })?;
            t.insert((share.0, dst.to_string()), i);
        }
        Ok(())
    }

    fn rename_dir(&self, share: ShareId, s: &Share, src: &Node, dst: &str) -> R<()> {
        let max = self.store.settings.folder_rename_max_objects;
        let from = dir_key(&src.key);
        let busy = self.inodes.lock().is_ok_and(|t| {
            t.keys()
                .any(|(sh, k)| *sh == share.0 && k.starts_with(&from))
        });
        if busy {
            return Err(NtStatus::SHARING_VIOLATION);
        }
        let keys = self
            .store
            .run_status(lookup::keys_under(&s.op, &src.key, max))?;
        if keys.len() > max {
            tracing::info!(folder = %src.key, max, "folder rename refused: it holds too many objects to copy in the store");
            return Err(NtStatus::NOT_SAME_DEVICE);
        }
        let to = dir_key(dst);
        // The new marker first, so the folder exists even when it was implicit.
        self.store.run(s.op.create_dir(&to))?;
        for k in &keys {
            if *k == from {
                continue;
            }
            let rest = &k[from.len()..];
            if k.ends_with('/') {
                self.store.run(s.op.create_dir(&format!("{to}{rest}")))?;
            } else {
                self.store.run(s.op.copy(k, &format!("{to}{rest}")))?;
            }
        }
        for k in keys.iter().filter(|k| **k != from) {
            self.store.run(s.op.delete(k))?;
        }
        if keys.contains(&from) {
            self.store.run(s.op.delete(&from))?;
        }
        s.cache.clear();
        Ok(())
    }
}
