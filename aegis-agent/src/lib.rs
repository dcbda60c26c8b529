// The crate documentation is README.md (also the crates.io page); its example is compiled
// as a doctest (`cargo test --doc`).
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod backend;
pub mod location;
pub mod log_file;
pub mod signer;

pub use backend::{TpmBackend, TpmKey};
pub use location::{record_location, RecordedLocation};
pub use log_file::LocationLogFile;
pub use signer::TpmSigner;
