//! Target `nbns`: name service and browse decoders, responder, resolver and announcer on
//! arbitrary datagrams (see smb_proto::testing::fuzz_nbns).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| smb_proto::testing::fuzz_nbns::nbns(data));
