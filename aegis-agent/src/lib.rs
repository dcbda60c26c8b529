//! Aegis agent: what runs on the attested host.
//!
//! aegis-core verifies evidence and never touches a TPM or a file (ARCHITECTURE.md, Crate
//! roles); this crate is the other side, which produces that evidence on the host that holds
//! the TPM:
//!
//! - [`backend`]: the one trait through which the host reaches its TPM ([`TpmBackend`]), with
//!   the tss-esapi implementation (cargo feature `tss`: any TCTI, e.g. swtpm, /dev/tpmrm0) and
//!   an INSECURE software one for tests and TPM-less demos. It reads the EK and its
//!   certificate, creates the AK and App Key, activates credentials, certifies, quotes, reads
//!   and extends PCRs and signs, returning the TPM's wire bytes for aegis-core to verify.
//! - [`location`] and [`log_file`]: recording a location reading into PCR 15 and the
//!   append-only, fsynced event log file that a verifier replays (FORMATS.md).
//! - [`TpmSigner`]: aegis-core's [`Signer`](aegis_core::crypto::Signer) for a TPM-resident key
//!   (the App Key signing proof tokens inside the TPM).
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
