//! Reloading a running server: the configuration and file system it gives each new
//! connection live in [`Settings`], which the server's owner replaces (on SIGHUP, say).
//!
//! Connections made before keep the file system they started with; they take the new
//! configuration for what they do next (logons, tree connects, share listings) only when
//! the file system stayed the same (the shares are unchanged, so the share ids in the new
//! configuration mean what they meant), which [`Follower`] decides for them.
//!
//! ```
//! use std::sync::Arc;
//! use smb_localfs::reload::Settings;
//! use smb_localfs::{LocalFs, SharedFs};
//! use smb_proto::auth::MemoryAccounts;
//! use smb_proto::server::{ServerConfig, ShareConfig};
//!
//! let dir = std::env::temp_dir();
//! let fs: SharedFs = Arc::new(LocalFs::new(&[(dir, true)]).unwrap());
//! let config = |name: &str| ServerConfig::new(vec![ShareConfig::new(name)], Arc::new(MemoryAccounts::new()));
//! let settings = Settings::new(Arc::new(config("docs")), fs.clone());
//! let mut conn = settings.follower();
//! assert!(conn.poll().is_none());
//! // Same file system: a live connection takes the new configuration.
//! settings.replace(config("docs"), fs.clone());
//! assert!(conn.poll().is_some());
//! // Another file system: only new connections get it.
//! let other: SharedFs = Arc::new(LocalFs::new(&[(std::env::temp_dir(), true)]).unwrap());
//! settings.replace(config("docs"), other);
//! assert!(conn.poll().is_none());
//! assert_eq!(settings.generation(), 2);
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use smb_proto::server::{ServerConfig, SharedState};

use crate::SharedFs;

struct Slot<L> {
    generation: u64,
    config: Arc<ServerConfig>,
    fs: SharedFs<L>,
}

/// The configuration and file system new connections get; clones share them.
pub struct Settings<L = crate::FileRange> {
    generation: Arc<AtomicU64>,
    slot: Arc<Mutex<Slot<L>>>,
}

impl<L> Clone for Settings<L> {
    fn clone(&self) -> Self {
        Self {
            generation: self.generation.clone(),
            slot: self.slot.clone(),
        }
    }
}

impl<L> std::fmt::Debug for Settings<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

impl<L> Settings<L> {
    /// The first settings (generation 0).
    pub fn new(config: Arc<ServerConfig>, fs: SharedFs<L>) -> Self {
        Self {
            generation: Arc::new(AtomicU64::new(0)),
            slot: Arc::new(Mutex::new(Slot {
                generation: 0,
                config,
                fs,
            })),
        }
    }

    /// How many times the settings were replaced.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The current configuration and file system, and their generation.
    pub fn get(&self) -> (u64, Arc<ServerConfig>, SharedFs<L>) {
        let s = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        (s.generation, s.config.clone(), s.fs.clone())
    }

    /// The current file system.
    pub fn fs(&self) -> SharedFs<L> {
        self.get().2
    }

    /// Replaces both for connections made from now on (and, when `fs` is the current
    /// file system, for what live connections do next).
    pub fn replace(&self, config: ServerConfig, fs: SharedFs<L>) {
        let mut s = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        s.generation += 1;
        s.config = Arc::new(config);
        s.fs = fs;
        self.generation.store(s.generation, Ordering::Release);
    }

    /// A follower for a connection starting now with the current settings.
    pub fn follower(&self) -> Follower<L> {
        let (generation, _, fs) = self.get();
        Follower {
            settings: self.clone(),
            generation,
            fs,
        }
    }
}

/// One connection's view of [`Settings`]: the configuration to switch to after a reload
/// that kept its file system.
pub struct Follower<L = crate::FileRange> {
    settings: Settings<L>,
    generation: u64,
    fs: SharedFs<L>,
}

impl<L> std::fmt::Debug for Follower<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl<L> Follower<L> {
    /// The new configuration, once per reload, when the reload kept this connection's
    /// file system (an atomic load when nothing changed).
    pub fn poll(&mut self) -> Option<Arc<ServerConfig>> {
        if self.settings.generation() == self.generation {
            return None;
        }
        let (generation, config, fs) = self.settings.get();
        self.generation = generation;
        Arc::ptr_eq(&fs, &self.fs).then_some(config)
    }
}

/// The watch for changes others make on disk
/// ([`FileSystem::watch_changes`](smb_proto::server::fs::FileSystem::watch_changes)),
/// kept on the file system new connections get: after a reload that replaced the file
/// system, [`follow`](Self::follow) moves the watch to the new one (the shares keep their
/// ids across reloads, so watches on shares that stayed go on seeing their folders).
pub struct DiskWatch<L = crate::FileRange> {
    fs: SharedFs<L>,
    guard: Option<Box<dyn std::any::Any + Send>>,
}

impl<L> std::fmt::Debug for DiskWatch<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskWatch")
            .field("watching", &self.guard.is_some())
            .finish_non_exhaustive()
    }
}

impl<L: Send + 'static> DiskWatch<L> {
    /// Starts watching with the current file system of `settings`.
    pub fn start(settings: &Settings<L>, shared: &SharedState) -> Self {
        let fs = settings.fs();
        let guard = fs.watch_changes(shared);
        Self { fs, guard }
    }

    /// Moves the watch to the current file system of `settings` when it changed.
    pub fn follow(&mut self, settings: &Settings<L>, shared: &SharedState) {
        let fs = settings.fs();
        if !Arc::ptr_eq(&fs, &self.fs) {
            // The old watch ends before the new one starts: no change is seen twice.
            self.guard = None;
            self.guard = fs.watch_changes(shared);
            self.fs = fs;
        }
    }
}
