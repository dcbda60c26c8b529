//! Aegis core: build and verify TPM 2.0 evidence, and turn it into verifiable identity.
//!
//! Pure logic: no file, clock or network access of its own. Time, nonces, trust anchors and
//! policies are arguments (ARCHITECTURE.md, Crate roles).
//!
//! Start at [`verify::verify_quote`] and [`verify::verify_certify`]; parse evidence with the
//! types in [`tpm`] and the file forms in [`compat`].
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
pub mod compat;
pub mod credential;
pub mod crypto;
pub mod ek;
pub mod error;
pub mod geo;
pub mod inspect;
pub mod keys;
pub mod time;
pub mod tpm;
pub mod verify;
pub mod x509;

pub use error::{Error, Result};
