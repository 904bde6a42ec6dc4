//! Target `server`: see `smb_proto::testing::fuzz::server`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| smb_proto::testing::fuzz::server(data));
