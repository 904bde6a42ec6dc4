//! Target `decode`: deframer + message decoder, both roles (see smb_proto::testing::fuzz).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| smb_proto::testing::fuzz::decode(data));
