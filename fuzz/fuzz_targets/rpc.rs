//! Target `rpc`: see `smb_proto::testing::fuzz::rpc`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| smb_proto::testing::fuzz::rpc(data));
