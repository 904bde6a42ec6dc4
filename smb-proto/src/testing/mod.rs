//! Test support (feature `testing`): fuzz entry points shared by the cargo-fuzz targets and
//! the corpus-replay tests, an in-memory file system, and in-memory client/server pairs.

pub mod fuzz;
pub mod fuzz_nbns;
mod fuzz_semantics;
pub mod hub;
pub mod memfs;
mod names_seed;
pub mod pair;
pub mod raw;

pub use hub::Hub;
pub use memfs::MemFs;
pub use pair::{Pair, SimOptions};
