//! `SMB_COM_LOCK_BYTE_RANGE` (0x0C) and `SMB_COM_UNLOCK_BYTE_RANGE` (0x0D): the core
//! protocol's exclusive byte-range lock (never waiting) and its unlock, for the
//! requesting process, with 32-bit offsets.

use crate::wire::codec::DecodeError;
use crate::wire::header::Command;
use crate::wire::message::{BlockDecoder, BlockEncoder, Body};

macro_rules! core_lock {
    ($req:ident, $resp:ident, $cmd:ident, $what:literal) => {
        #[doc = concat!($what, " request.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $req {
            /// The file.
            pub fid: u16,
            /// Bytes in the range.
            pub count: u32,
            /// Offset of the range.
            pub offset: u32,
        }

        impl Body for $req {
            const COMMAND: Command = Command::$cmd;

            fn decode(b: &mut BlockDecoder<'_>) -> Result<Self, DecodeError> {
                b.expect_word_count(&[5])?;
                Ok(Self {
                    fid: b.params.u16("FID")?,
                    count: b.params.u32("CountOfBytesToLock")?,
                    offset: b.params.u32("LockOffsetInBytes")?,
                })
            }

            fn encode(&self, b: &mut BlockEncoder<'_>) {
                b.w.u16(self.fid);
                b.w.u32(self.count);
                b.w.u32(self.offset);
                b.start_data();
            }
        }

        $crate::empty_body!(
            #[doc = concat!($what, " response (no parameters).")]
            $resp,
            $cmd
        );
    };
}

core_lock!(
    LockByteRangeRequest,
    LockByteRangeResponse,
    LOCK_BYTE_RANGE,
    "LOCK_BYTE_RANGE"
);
core_lock!(
    UnlockByteRangeRequest,
    UnlockByteRangeResponse,
    UNLOCK_BYTE_RANGE,
    "UNLOCK_BYTE_RANGE"
);
