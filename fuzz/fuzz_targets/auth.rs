//! Target `auth`: NTLMSSP/SPNEGO decoders and both sides' handling of arbitrary tokens.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| smb_proto::testing::fuzz::auth(data));
