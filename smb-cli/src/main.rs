//! The `smb` command.
fn main() {}
