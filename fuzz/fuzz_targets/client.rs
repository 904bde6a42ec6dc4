//! Target `client`: see `smb_proto::testing::fuzz::client`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| smb_proto::testing::fuzz::client(data));
