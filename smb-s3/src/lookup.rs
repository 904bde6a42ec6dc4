//! Finding files and folders in the store: exact probes, paged delimiter listings, and
//! the case-insensitive resolution SMB clients expect (as in LocalFs: when a component
//! does not exist with the exact case, a unique match differing only in case is used).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use opendal::{EntryMode, ErrorKind, Metadata, Operator};
use smb_proto::server::path::fold_case;
use smb_proto::wire::NtStatus;

use crate::names::{Node, dir_key, filetime, join, showable, split};
use crate::store::log_error;

type R<T> = Result<T, NtStatus>;

/// A file's node from its metadata.
fn file_node(key: &str, m: &Metadata) -> Node {
    Node {
        key: key.to_string(),
        is_dir: false,
        size: m.content_length(),
        etag: m.etag().map(str::to_string),
        modified: m.last_modified().map_or(0, |t| filetime(t.into())),
    }
}

/// The object `key` if it is a file.
pub(crate) async fn head_file(op: &Operator, key: &str) -> R<Option<Node>> {
    match op.stat(key).await {
        Ok(m) if m.mode() == EntryMode::FILE || m.mode() == EntryMode::Unknown => {
            Ok(Some(file_node(key, &m)))
        }
        Ok(_) => Ok(None),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(log_error(&e)),
    }
}

/// The folder `key` if it exists: its marker object, or else any key under it (folders
/// made by other S3 clients often have no marker).
pub(crate) async fn probe_dir(op: &Operator, key: &str, root_time: u64) -> R<Option<Node>> {
    if key.is_empty() {
        return Ok(Some(Node::root(root_time)));
    }
    let d = dir_key(key);
    let mut l = op
        .lister_with(&d)
        .limit(2)
        .await
        .map_err(|e| log_error(&e))?;
    let Some(first) = l.next().await else {
        return Ok(None);
    };
    let first = match first {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(log_error(&e)),
    };
    let modified = if first.path() == d {
        first
            .metadata()
            .last_modified()
            .map_or(root_time, |t| filetime(t.into()))
    } else {
        root_time
    };
    Ok(Some(Node {
        key: key.to_string(),
        is_dir: true,
        size: 0,
        etag: None,
        modified,
    }))
}

/// The file or folder `key`, exactly as spelled.
pub(crate) async fn probe(op: &Operator, key: &str, root_time: u64) -> R<Option<Node>> {
    if let Some(n) = head_file(op, key).await? {
        return Ok(Some(n));
    }
    probe_dir(op, key, root_time).await
}

/// The entries of folder `key` (paged listing with delimiter), without the folder's own
/// marker. Names a client cannot be shown are left out and logged; a name that is both a
/// file and a folder shows as the folder.
pub(crate) async fn list(op: &Operator, key: &str, root_time: u64) -> R<Vec<Node>> {
    let d = dir_key(key);
    let mut l = op.lister(&d).await.map_err(|e| log_error(&e))?;
    let mut out: Vec<Node> = Vec::new();
    let mut dirs = std::collections::HashSet::new();
    while let Some(e) = l.next().await {
        let e = match e {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => break,
            Err(e) => return Err(log_error(&e)),
        };
        let path = e.path();
        // The folder itself (the share root lists as `/`).
        if path == d || path == "/" || path.len() <= d.len() {
            continue;
        }
        let is_dir = path.ends_with('/');
        let name = path[d.len()..].trim_end_matches('/');
        if !showable(name) || name.contains('/') {
            tracing::warn!(key = %path, "object store: a name SMB clients cannot show; left out of the listing");
            continue;
        }
        let child = join(key, name);
        if is_dir {
            dirs.insert(child.clone());
            out.push(Node {
                key: child,
                is_dir: true,
                size: 0,
                etag: None,
                modified: e
                    .metadata()
                    .last_modified()
                    .map_or(root_time, |t| filetime(t.into())),
            });
        } else {
            out.push(file_node(&child, e.metadata()));
        }
    }
    let before = out.len();
    out.retain(|n| n.is_dir || !dirs.contains(&n.key));
    if out.len() != before {
        tracing::warn!(folder = %d, "object store: names that are both a file and a folder show as folders");
    }
    Ok(out)
}

/// How long a folder listing serves the case-insensitive look-ups of names that do not
/// exist as spelled (changes this gateway makes are applied to it at once; changes made
/// through other gateways show after this long).
pub(crate) const LISTING_TTL: Duration = Duration::from_secs(2);

/// A folder's entries and when they were listed.
type Listing = (Instant, Arc<Vec<Node>>);

/// Recent listings of the folders of one share, for case-insensitive look-ups.
#[derive(Default)]
pub(crate) struct ListCache {
    dirs: Mutex<HashMap<String, Listing>>,
    /// Folders seen to exist, and when: the folders on the way to a name are not probed
    /// again for [`LISTING_TTL`].
    seen: Mutex<HashMap<String, Instant>>,
}

impl ListCache {
    /// The entries of folder `key`: a listing younger than [`LISTING_TTL`], else a new one.
    pub(crate) async fn entries(
        &self,
        op: &Operator,
        key: &str,
        root_time: u64,
    ) -> R<Arc<Vec<Node>>> {
        if let Ok(d) = self.dirs.lock()
            && let Some((t, v)) = d.get(key)
            && t.elapsed() < LISTING_TTL
        {
            return Ok(v.clone());
        }
        let v = Arc::new(list(op, key, root_time).await?);
        self.keep(key, v.clone());
        Ok(v)
    }

    /// Keeps a listing of folder `key` made just now.
    pub(crate) fn keep(&self, key: &str, v: Arc<Vec<Node>>) {
        if let Ok(mut d) = self.dirs.lock() {
            if d.len() > 256 {
                d.retain(|_, (t, _)| t.elapsed() < LISTING_TTL);
            }
            d.insert(key.to_string(), (Instant::now(), v));
        }
    }

    /// This gateway stored `node`: it shows in its folder's listing.
    pub(crate) fn added(&self, node: &Node) {
        let dir = split(&node.key).0.to_string();
        if let Ok(mut d) = self.dirs.lock()
            && let Some((_, v)) = d.get_mut(&dir)
        {
            let mut list: Vec<Node> = v.iter().filter(|n| n.key != node.key).cloned().collect();
            list.push(node.clone());
            *v = Arc::new(list);
        }
    }

    /// Whether folder `key` was seen to exist within [`LISTING_TTL`].
    fn seen_dir(&self, key: &str) -> bool {
        self.seen
            .lock()
            .is_ok_and(|s| s.get(key).is_some_and(|t| t.elapsed() < LISTING_TTL))
    }

    /// Folder `key` exists.
    fn saw_dir(&self, key: &str) {
        if let Ok(mut s) = self.seen.lock() {
            if s.len() > 4096 {
                s.retain(|_, t| t.elapsed() < LISTING_TTL);
            }
            s.insert(key.to_string(), Instant::now());
        }
    }

    /// This gateway removed `key`.
    pub(crate) fn removed(&self, key: &str) {
        if let Ok(mut s) = self.seen.lock() {
            s.remove(key);
        }
        let dir = split(key).0.to_string();
        if let Ok(mut d) = self.dirs.lock()
            && let Some((_, v)) = d.get_mut(&dir)
        {
            *v = Arc::new(v.iter().filter(|n| n.key != key).cloned().collect());
        }
    }

    /// Forgets every listing (after a folder moved).
    pub(crate) fn clear(&self) {
        if let Ok(mut d) = self.dirs.lock() {
            d.clear();
        }
        if let Ok(mut s) = self.seen.lock() {
            s.clear();
        }
    }
}

/// Where a share path leads: the key as stored and what is there (`None`: nothing yet,
/// but its folder exists). `local` answers first (matching case-insensitively) for files
/// this gateway has open, which may not be stored yet.
pub(crate) async fn resolve(
    op: &Operator,
    cache: &ListCache,
    comps: &[&str],
    root_time: u64,
    local: &(dyn Fn(&str) -> Option<Node> + Sync),
) -> R<(String, Option<Node>)> {
    if comps.is_empty() {
        return Ok((String::new(), Some(Node::root(root_time))));
    }
    let exact = comps.join("/");
    if let Some(n) = local(&exact) {
        return Ok((n.key.clone(), Some(n)));
    }
    if let Some(n) = probe(op, &exact, root_time).await? {
        return Ok((exact, Some(n)));
    }
    // Not there as spelled: walk the folders, each exactly or else under another case.
    let mut parent = String::new();
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let candidate = join(&parent, c);
        if !last
            && (cache.seen_dir(&candidate) || probe_dir(op, &candidate, root_time).await?.is_some())
        {
            cache.saw_dir(&candidate);
            parent = candidate;
            continue;
        }
        let want = fold_case(c);
        let found = cache
            .entries(op, &parent, root_time)
            .await?
            .iter()
            .find(|n| fold_case(split(&n.key).1) == want)
            .cloned();
        match found {
            Some(n) if last => {
                let key = n.key.clone();
                return Ok((key, Some(n)));
            }
            Some(n) if n.is_dir => parent = n.key,
            Some(_) => return Err(NtStatus::OBJECT_PATH_NOT_FOUND),
            None if last => return Ok((candidate, None)),
            None => return Err(NtStatus::OBJECT_PATH_NOT_FOUND),
        }
    }
    Ok((parent, None))
}

/// Every key under folder `key` (recursive), at most `max + 1` of them.
pub(crate) async fn keys_under(op: &Operator, key: &str, max: usize) -> R<Vec<String>> {
    let d = dir_key(key);
    let mut l = op
        .lister_with(&d)
        .recursive(true)
        .await
        .map_err(|e| log_error(&e))?;
    let mut out = Vec::new();
    while let Some(e) = l.next().await {
        match e {
            Ok(e) => out.push(e.path().to_string()),
            Err(e) if e.kind() == ErrorKind::NotFound => break,
            Err(e) => return Err(log_error(&e)),
        }
        if out.len() > max {
            break;
        }
    }
    Ok(out)
}
