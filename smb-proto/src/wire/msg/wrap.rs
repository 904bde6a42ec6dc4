//! Commands that share another command's layout (FIND is SEARCH, CLOSE_AND_TREE_DISC is CLOSE,
//! LOCK_AND_READ is READ...): a newtype around the other body, with its own command code.

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
