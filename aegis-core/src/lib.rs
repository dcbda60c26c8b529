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

pub mod appraise;
mod b64;
pub mod compat;
pub mod credential;
pub mod crypto;
pub mod ear;
pub mod ek;
pub mod error;
pub mod geo;
pub mod inspect;
mod json;
pub mod keys;
pub mod svid;
pub mod time;
pub mod token;
pub mod tpm;
pub mod verify;
pub mod x509;

pub use error::{Error, Result};
