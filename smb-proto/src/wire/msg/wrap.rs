//! Commands that share another command's layout (CREATE_NEW is CREATE, FIND is SEARCH,
//! LOCK_AND_READ is READ...): a newtype around the other body, with its own command code;
//! and the bodies that are one FID word.

/// Defines `$name(pub $inner)`: the layout of `$inner` under the command code `$cmd`.
macro_rules! same_layout {
    ($(#[$m:meta])* $name:ident($inner:ty), $cmd:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name(pub $inner);

        impl $crate::wire::message::Body for $name {
            const COMMAND: $crate::wire::header::Command = $crate::wire::header::Command::$cmd;

            fn decode(
                b: &mut $crate::wire::message::BlockDecoder<'_>,
            ) -> Result<Self, $crate::wire::codec::DecodeError> {
                <$inner as $crate::wire::message::Body>::decode(b).map(Self)
            }

            fn encode(&self, b: &mut $crate::wire::message::BlockEncoder<'_>) {
                $crate::wire::message::Body::encode(&self.0, b)
            }
        }
    };
}
pub(super) use same_layout;

/// Defines `$name { fid }`: a body of one word, a FID (WordCount 1, no data).
macro_rules! fid_body {
    ($(#[$m:meta])* $name:ident, $cmd:ident, $doc:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name {
            #[doc = $doc]
            pub fid: u16,
        }

        impl $crate::wire::message::Body for $name {
            const COMMAND: $crate::wire::header::Command = $crate::wire::header::Command::$cmd;

            fn decode(
                b: &mut $crate::wire::message::BlockDecoder<'_>,
            ) -> Result<Self, $crate::wire::codec::DecodeError> {
                b.expect_word_count(&[1])?;
                Ok(Self {
                    fid: b.params.u16("FID")?,
                })
            }

            fn encode(&self, b: &mut $crate::wire::message::BlockEncoder<'_>) {
                b.w.u16(self.fid);
                b.start_data();
            }
        }
    };
}
pub(super) use fid_body;
