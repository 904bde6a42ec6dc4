//! `SMB_COM_LOCKING_ANDX` (0x24): byte-range locks and oplock break acknowledgements.

use alloc::vec::Vec;

use crate::wire::codec::{DecodeError, DecodeErrorKind};
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

/// TypeOfLock: shared (read) lock.
pub const LOCKING_SHARED_LOCK: u8 = 0x01;
/// TypeOfLock: oplock release.
pub const LOCKING_OPLOCK_RELEASE: u8 = 0x02;
/// TypeOfLock: change lock type.
pub const LOCKING_CHANGE_LOCKTYPE: u8 = 0x04;
/// TypeOfLock: cancel a pending lock.
pub const LOCKING_CANCEL_LOCK: u8 = 0x08;
/// TypeOfLock: 64-bit ranges.
pub const LOCKING_LARGE_FILES: u8 = 0x10;

/// One byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockRange {
    /// PID of the lock owner.
    pub pid: u16,
    /// First byte.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// The pad word of the 64-bit form.
    pub pad: u16,
}

/// LOCKING_ANDX request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockingAndXRequest {
    /// The file.
    pub fid: u16,
    /// `LOCKING_*` bits.
    pub type_of_lock: u8,
    /// New oplock level (oplock breaks).
    pub new_oplock_level: u8,
    /// Milliseconds to wait for a conflicting lock (0: none, 0xFFFFFFFF: forever).
    pub timeout: u32,
    /// Ranges to unlock.
    pub unlocks: Vec<LockRange>,
    /// Ranges to lock.
    pub locks: Vec<LockRange>,
}

fn read_range(b: &mut BlockDecoder<'_>, large: bool) -> Result<LockRange, DecodeError> {
    let d = &mut b.data;
    if large {
        let pid = d.u16("PID")?;
        let pad = d.u16("Pad")?;
        let off_hi = d.u32("ByteOffsetHigh")? as u64;
        let off_lo = d.u32("ByteOffsetLow")? as u64;
        let len_hi = d.u32("LengthInBytesHigh")? as u64;
        let len_lo = d.u32("LengthInBytesLow")? as u64;
        Ok(LockRange {
            pid,
            offset: off_hi << 32 | off_lo,
            length: len_hi << 32 | len_lo,
            pad,
        })
    } else {
        Ok(LockRange {
            pid: d.u16("PID")?,
            offset: d.u32("ByteOffset")? as u64,
            length: d.u32("LengthInBytes")? as u64,
            pad: 0,
        })
    }
}

impl Body for LockingAndXRequest {
    const COMMAND: Command = Command::LOCKING_ANDX;

    fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
        b.expect_word_count(&[8])?;
        let p = &mut b.params;
        let fid = p.u16("FID")?;
        let type_of_lock = p.u8("TypeOfLock")?;
        let new_oplock_level = p.u8("NewOpLockLevel")?;
        let timeout = p.u32("Timeout")?;
        let n_unlocks = p.u16("NumberOfRequestedUnlocks")? as usize;
        let n_locks = p.u16("NumberOfRequestedLocks")? as usize;
        let large = type_of_lock & LOCKING_LARGE_FILES != 0;
        let size = if large { 20 } else { 10 };
        if (n_unlocks + n_locks) * size > b.data.remaining() {
            return Err(DecodeError::new(
                DecodeErrorKind::Truncated,
                "Locks",
                b.data.pos(),
            ));
        }
        let mut unlocks = Vec::with_capacity(n_unlocks);
        for _ in 0..n_unlocks {
            unlocks.push(read_range(b, large)?);
        }
        let mut locks = Vec::with_capacity(n_locks);
        for _ in 0..n_locks {
            locks.push(read_range(b, large)?);
        }
        Ok(Self {
            fid,
            type_of_lock,
            new_oplock_level,
            timeout,
            unlocks,
            locks,
        })
    }

    fn encode(&self, b: &mut BlockEncoder<'_>) {
        b.w.u16(self.fid);
        b.w.u8(self.type_of_lock);
        b.w.u8(self.new_oplock_level);
        b.w.u32(self.timeout);
        b.w.u16(self.unlocks.len() as u16);
        b.w.u16(self.locks.len() as u16);
        b.start_data();
        let large = self.type_of_lock & LOCKING_LARGE_FILES != 0;
        for r in self.unlocks.iter().chain(&self.locks) {
            if large {
                b.w.u16(r.pid);
                b.w.u16(r.pad);
                b.w.u32((r.offset >> 32) as u32);
                b.w.u32(r.offset as u32);
                b.w.u32((r.length >> 32) as u32);
                b.w.u32(r.length as u32);
            } else {
                b.w.u16(r.pid);
                b.w.u32(r.offset as u32);
                b.w.u32(r.length as u32);
            }
        }
    }
}

crate::empty_body!(
    /// LOCKING_ANDX response (AndX header only).
    LockingAndXResponse,
    LOCKING_ANDX
);
