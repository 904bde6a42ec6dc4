//! Oplocks across every connection of a server: who holds which level on which file,
//! which breaks are outstanding, and the decisions an open, a write, a lock, an
//! acknowledgement and a close make about them.
//!
//! Levels are kept as caching rights, the way Windows and Samba reason about them:
//! read (`R`), write (`W`) and handle (`H`) caching. An exclusive oplock is `R|W`, a batch
//! oplock `R|W|H`, a level II oplock `R`. An open that conflicts with a holder breaks the
//! rights it cannot share: the handle right when the open would meet a sharing violation
//! (the holder might close and so resolve it), else the write right; an open that
//! overwrites the file breaks to none. A holder is broken to level II (`R`) or to none,
//! never to anything else. The opener waits for the holder's acknowledgement (or close)
//! when the holder loses a right it may have used to cache changes (`W`, or `H` when a
//! sharing violation is at stake), up to the break time-out; breaks of level II to none
//! need no acknowledgement.
//!
//! Everything here is plain data under the shared state's lock: what must happen on the
//! wire (a break request on the holder's connection, a wake-up of a waiting request) is
//! collected in an [`Outbox`] that the shared state delivers.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::shared::{FileKey, OpenOwner};
use crate::time::Instant;
use crate::wire::consts::{access, oplock};

/// Read caching.
pub(crate) const R: u8 = 1;
/// Write caching.
pub(crate) const W: u8 = 2;
/// Handle caching.
pub(crate) const H: u8 = 4;

/// The rights an oplock level of an NT_CREATE_ANDX response stands for.
pub(crate) fn rights_of(level: u8) -> u8 {
    match level {
        oplock::EXCLUSIVE => R | W,
        oplock::BATCH => R | W | H,
        oplock::LEVEL_II => R,
        _ => 0,
    }
}

/// The oplock level (NT_CREATE_ANDX response) of a set of rights.
pub(crate) fn level_of(rights: u8) -> u8 {
    if rights & (R | W | H) == R | W | H {
        oplock::BATCH
    } else if rights & (R | W) == R | W {
        oplock::EXCLUSIVE
    } else if rights & R != 0 {
        oplock::LEVEL_II
    } else {
        oplock::NONE
    }
}

/// An open for attributes only (and synchronisation): such opens neither break oplocks
/// nor, on an existing file, get one.
pub(crate) fn is_stat_open(access_mask: u32) -> bool {
    const STAT: u32 =
        access::SYNCHRONIZE | access::FILE_READ_ATTRIBUTES | access::FILE_WRITE_ATTRIBUTES;
    access_mask & STAT != 0 && access_mask & !STAT == 0
}

/// A break on its way to a holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Breaking {
    /// The rights the holder keeps.
    to: u8,
    /// When the holder is deemed to have acknowledged.
    deadline: Instant,
}

/// An open that holds (or is losing) an oplock.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Holder {
    owner: OpenOwner,
    rights: u8,
    breaking: Option<Breaking>,
    /// The holder's client takes level II oplocks (CAP_LEVEL_II_OPLOCKS).
    level2_ok: bool,
}

/// What the tables ask of the connections after a change.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    /// Break requests to send: connection, FID, level (`0` none, `1` level II).
    pub breaks: Vec<(u64, u16, u8)>,
    /// Connections with requests waiting for a change of these tables.
    pub wakes: BTreeSet<u64>,
}

/// An open about to happen, as the oplock decision sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contender {
    /// The connection the open comes from.
    pub conn: u64,
    /// The access it asks for (generic rights mapped).
    pub access: u32,
    /// It supersedes or overwrites the file.
    pub overwrite: bool,
    /// The sharing check against the other opens fails.
    pub sharing_violation: bool,
}

/// Every oplock of a server.
#[derive(Debug, Default)]
pub(crate) struct OplockTable {
    files: BTreeMap<FileKey, Vec<Holder>>,
    /// Connections with a request waiting for a break on the file to end.
    waiters: BTreeMap<FileKey, BTreeSet<u64>>,
}

impl OplockTable {
    /// Whether no oplock, break or waiter is recorded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.waiters.is_empty()
    }

    /// Number of opens holding or losing an oplock.
    pub fn holders(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }

    /// The oplock level an open holds now.
    #[cfg(test)]
    pub fn level(&self, key: FileKey, owner: OpenOwner) -> u8 {
        self.files
            .get(&key)
            .and_then(|v| v.iter().find(|h| h.owner == owner))
            .map_or(oplock::NONE, |h| level_of(h.rights))
    }

    fn wake_waiters(&mut self, key: FileKey, out: &mut Outbox) {
        if let Some(w) = self.waiters.remove(&key) {
            out.wakes.extend(w);
        }
    }

    fn tidy(&mut self, key: FileKey) {
        if self.files.get(&key).is_some_and(Vec::is_empty) {
            self.files.remove(&key);
        }
    }

    /// Breaks whose holder let the time-out pass count as acknowledged.
    fn expire(&mut self, key: FileKey, now: Instant, out: &mut Outbox) {
        let mut changed = false;
        if let Some(v) = self.files.get_mut(&key) {
            for h in v.iter_mut() {
                if let Some(b) = h.breaking
                    && b.deadline <= now
                {
                    h.rights = b.to;
                    h.breaking = None;
                    changed = true;
                }
            }
            v.retain(|h| h.rights != 0 || h.breaking.is_some());
        }
        self.tidy(key);
        if changed {
            self.wake_waiters(key, out);
        }
    }

    /// Sends the breaks an open needs and says whether it must wait for them: `Some`
    /// with the time the last of them times out, `None` when it may go on (and then
    /// decide about sharing).
    pub fn contend(
        &mut self,
        key: FileKey,
        c: Contender,
        now: Instant,
        timeout: core::time::Duration,
        out: &mut Outbox,
    ) -> Option<Instant> {
        self.expire(key, now, out);
        if is_stat_open(c.access) {
            self.forget_waiter(key, c.conn);
            return None;
        }
        let delay_mask = if c.sharing_violation { H } else { W };
        let mut wait: Option<Instant> = None;
        let mut level2_breaks = Vec::new();
        if let Some(v) = self.files.get_mut(&key) {
            for h in v.iter_mut() {
                let mut to = h.rights & !delay_mask;
                if c.overwrite {
                    to &= !(H | R);
                }
                if h.rights & !to == 0 {
                    if let Some(b) = h.breaking {
                        wait = Some(wait.map_or(b.deadline, |w| w.min(b.deadline)));
                    }
                    continue;
                }
                // An oplock breaks to level II or to none only; to none when the holder's
                // client does not take level II.
                to &= R;
                if !h.level2_ok {
                    to = 0;
                }
                if let Some(b) = h.breaking {
                    // A break is on its way already: it may only go further down.
                    h.breaking = Some(Breaking {
                        to: b.to & to,
                        deadline: b.deadline,
                    });
                    if h.rights & delay_mask != 0 {
                        wait = Some(wait.map_or(b.deadline, |w| w.min(b.deadline)));
                    }
                    continue;
                }
                if h.rights & (W | H) == 0 {
                    // Level II to none: no acknowledgement is waited for.
                    h.rights = to;
                    level2_breaks.push(h.owner);
                    continue;
                }
                let deadline = now + timeout;
                h.breaking = Some(Breaking { to, deadline });
                out.breaks
                    .push((h.owner.0, h.owner.1, if to & R != 0 { 1 } else { 0 }));
                if h.rights & delay_mask != 0 {
                    wait = Some(wait.map_or(deadline, |w| w.min(deadline)));
                }
            }
            v.retain(|h| h.rights != 0 || h.breaking.is_some());
        }
        for o in level2_breaks {
            out.breaks.push((o.0, o.1, 0));
        }
        self.tidy(key);
        match wait {
            Some(_) => {
                self.waiters.entry(key).or_default().insert(c.conn);
            }
            None => self.forget_waiter(key, c.conn),
        }
        wait
    }

    fn forget_waiter(&mut self, key: FileKey, conn: u64) {
        if let Some(w) = self.waiters.get_mut(&key) {
            w.remove(&conn);
            if w.is_empty() {
                self.waiters.remove(&key);
            }
        }
    }

    /// Grants a new open the oplock it asked for, as far as the other opens allow;
    /// returns the level granted.
    pub fn grant(
        &mut self,
        key: FileKey,
        owner: OpenOwner,
        requested: u8,
        level2_ok: bool,
        others_open: bool,
        has_locks: bool,
    ) -> u8 {
        let mut rights = rights_of(requested);
        if has_locks {
            rights &= !R;
        }
        if others_open {
            rights &= !W;
        }
        if rights & (R | W) == R && !level2_ok {
            rights = 0;
        }
        let v = self.files.entry(key).or_default();
        // Another open keeps handle caching (a batch oplock being broken): none for us.
        if v.iter().any(|h| h.owner != owner && h.rights & H != 0) {
            rights = 0;
        }
        // What is kept is what the oplock level stands for (level II is `R` alone).
        let level = level_of(rights);
        rights = rights_of(level);
        v.retain(|h| h.owner != owner);
        if rights != 0 {
            v.push(Holder {
                owner,
                rights,
                breaking: None,
                level2_ok,
            });
        }
        self.tidy(key);
        level
    }

    /// The holder acknowledged a break (LOCKING_ANDX with OPLOCK_RELEASE) keeping
    /// `level` (`1` level II, else none).
    pub fn ack(&mut self, key: FileKey, owner: OpenOwner, level: u8, out: &mut Outbox) {
        let keep = if level == 1 { R } else { 0 };
        let mut changed = false;
        if let Some(v) = self.files.get_mut(&key) {
            for h in v.iter_mut().filter(|h| h.owner == owner) {
                match h.breaking.take() {
                    Some(b) => h.rights = b.to & keep,
                    // An acknowledgement nobody waits for can only give rights up.
                    None => h.rights &= keep,
                }
                changed = true;
            }
            v.retain(|h| h.rights != 0 || h.breaking.is_some());
        }
        self.tidy(key);
        if changed {
            self.wake_waiters(key, out);
        }
    }

    /// A write, a truncation or a byte-range lock through any open: every level II
    /// oplock on the file (the writer's own too) breaks to none, without waiting.
    pub fn break_level2(&mut self, key: FileKey, out: &mut Outbox) {
        if let Some(v) = self.files.get_mut(&key) {
            for h in v.iter_mut() {
                if h.rights == R && h.breaking.is_none() {
                    h.rights = 0;
                    out.breaks.push((h.owner.0, h.owner.1, 0));
                }
            }
            v.retain(|h| h.rights != 0 || h.breaking.is_some());
        }
        self.tidy(key);
    }

    /// An open closed.
    pub fn close(&mut self, key: FileKey, owner: OpenOwner, out: &mut Outbox) {
        let mut changed = false;
        if let Some(v) = self.files.get_mut(&key) {
            let before = v.len();
            v.retain(|h| h.owner != owner);
            changed = v.len() != before;
        }
        self.tidy(key);
        if changed {
            self.wake_waiters(key, out);
        }
    }

    /// A connection went away: its oplocks and waits with it.
    pub fn connection_gone(&mut self, conn: u64, out: &mut Outbox) {
        let keys: Vec<FileKey> = self
            .files
            .iter()
            .filter(|(_, v)| v.iter().any(|h| h.owner.0 == conn))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            if let Some(v) = self.files.get_mut(&k) {
                v.retain(|h| h.owner.0 != conn);
            }
            self.tidy(k);
            self.wake_waiters(k, out);
        }
        for w in self.waiters.values_mut() {
            w.remove(&conn);
        }
        self.waiters.retain(|_, w| !w.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ShareId;
    use core::time::Duration;

    const K: FileKey = (ShareId(0), 9);
    const T: Duration = Duration::from_secs(35);

    fn t(s: u64) -> Instant {
        Instant::from_nanos(s * 1_000_000_000)
    }

    fn open(access: u32, sv: bool, overwrite: bool) -> Contender {
        Contender {
            conn: 2,
            access,
            overwrite,
            sharing_violation: sv,
        }
    }

    /// Connection 2 opens with `access`: whether it waits, and the mail.
    fn contend(
        o: &mut OplockTable,
        access: u32,
        sv: bool,
        overwrite: bool,
        at: Instant,
    ) -> (Option<Instant>, Outbox) {
        let mut out = Outbox::default();
        let w = o.contend(K, open(access, sv, overwrite), at, T, &mut out);
        (w, out)
    }

    #[test]
    fn batch_breaks_to_level2_and_waits() {
        let mut o = OplockTable::default();
        assert_eq!(
            o.grant(K, (1, 10), oplock::BATCH, true, false, false),
            oplock::BATCH
        );
        let read = access::FILE_READ_DATA;
        let (w, out) = contend(&mut o, read, false, false, t(1));
        assert_eq!(w, Some(t(36)));
        assert_eq!(out.breaks, [(1, 10, 1)]);
        // Asking again sends nothing more and still waits.
        let (w, out) = contend(&mut o, read, false, false, t(2));
        assert!(w.is_some() && out.breaks.is_empty());
        let mut out = Outbox::default();
        o.ack(K, (1, 10), 1, &mut out);
        assert!(out.wakes.contains(&2));
        assert_eq!(o.level(K, (1, 10)), oplock::LEVEL_II);
        assert_eq!(contend(&mut o, read, false, false, t(3)).0, None);
        assert_eq!(
            o.grant(K, (2, 11), oplock::BATCH, true, true, false),
            oplock::LEVEL_II
        );
        // A write breaks both level II holders to none at once.
        let mut out = Outbox::default();
        o.break_level2(K, &mut out);
        assert_eq!(out.breaks.len(), 2);
        assert!(o.is_empty());
    }

    #[test]
    fn exclusive_meets_a_sharing_violation_without_a_break() {
        let mut o = OplockTable::default();
        o.grant(K, (1, 10), oplock::EXCLUSIVE, true, false, false);
        let (w, out) = contend(&mut o, access::FILE_READ_DATA, true, false, t(1));
        assert!(w.is_none() && out.breaks.is_empty());
        // Stat opens never break.
        let (w, out) = contend(&mut o, access::FILE_READ_ATTRIBUTES, false, false, t(1));
        assert!(w.is_none() && out.breaks.is_empty());
    }

    #[test]
    fn overwrite_breaks_to_none_and_timeout_counts_as_ack() {
        let mut o = OplockTable::default();
        o.grant(K, (1, 10), oplock::BATCH, true, false, false);
        let (w, out) = contend(&mut o, access::FILE_WRITE_DATA, false, true, t(0));
        assert_eq!(out.breaks, [(1, 10, 0)]);
        let at = w.unwrap();
        assert_eq!(
            contend(&mut o, access::FILE_WRITE_DATA, false, true, at).0,
            None
        );
        assert!(o.is_empty());
    }

    #[test]
    fn holders_without_level2_break_to_none_and_grants_respect_caps() {
        let mut o = OplockTable::default();
        o.grant(K, (1, 10), oplock::BATCH, false, false, false);
        let (_, out) = contend(&mut o, access::FILE_READ_DATA, false, false, t(0));
        assert_eq!(out.breaks, [(1, 10, 0)]);
        // A client without level II support gets nothing where level II would be due.
        assert_eq!(
            o.grant(K, (3, 1), oplock::BATCH, false, true, false),
            oplock::NONE
        );
        // Byte-range locks forbid read caching.
        assert_eq!(
            o.grant((ShareId(1), 1), (3, 2), oplock::BATCH, true, false, true),
            oplock::NONE
        );
    }

    #[test]
    fn close_and_disconnect_wake_waiters_and_leave_nothing() {
        let mut o = OplockTable::default();
        o.grant(K, (1, 10), oplock::BATCH, true, false, false);
        contend(&mut o, access::FILE_READ_DATA, true, false, t(0));
        let mut out = Outbox::default();
        o.close(K, (1, 10), &mut out);
        assert!(out.wakes.contains(&2));
        o.grant(K, (1, 11), oplock::BATCH, true, false, false);
        contend(&mut o, access::FILE_READ_DATA, true, false, t(0));
        let mut out = Outbox::default();
        o.connection_gone(1, &mut out);
        assert!(out.wakes.contains(&2));
        assert!(o.is_empty());
    }
}
