//! The project's own tooling, run as `cargo xtask ...`.

pub mod bench;
pub mod bench_disk;
pub mod bench_many;
pub mod bench_s3;
pub mod bench_sessions;
pub mod decode;
pub mod fuzz;
pub mod load;
pub mod logins;
pub mod pcap;
pub mod png;
pub mod summary;
pub mod tcp;
pub mod torture;
