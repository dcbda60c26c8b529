//! A fixed number of full appraisals (benches/appraise.rs `appraisal/<ak>`: `appraise_bundle`
//! plus the ES256 EAR), for load-independent instruction counts under callgrind (a benchmark,
//! not a test):
//!
//! ```text
//! cargo build --release -p aegis-core --example appraise_profile --features native
//! valgrind --tool=callgrind --toggle-collect='*appraise_profile::one*' \
//!     target/release/examples/appraise_profile bundle/ecc-geneva 20
//! ```
//!
//! Arguments: the manifest vector id, the number of appraisals (after one warm-up appraisal
//! that pays the one-time initialisation: the jurisdiction index) and optionally
//! `ek-each-time` (the EK chain verified in every appraisal, `appraisal-ek-chain-each-time`;
//! by default the enrolment holds the verified EK, as in `appraisal/<ak>`). `--toggle-collect`
//! on `one` counts the appraisals only; divide by the count, and compare with the inclusive
//! counts of `crypto::native::NativeKey::verify` and `NativePrivate::sign` (the signature
//! operations) in `callgrind_annotate --inclusive=yes`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;

use aegis_core::crypto::{default_provider, CryptoProvider, SoftwareSigner};

// Counts the appraisal only: the module's SignatureOps serve the bench and appraise_ratio.
#[allow(dead_code)]
#[path = "support/appraisal.rs"]
mod appraisal;

use appraisal::{ear_signer, Appraisal};

/// One counted appraisal.
#[inline(never)]
fn one(p: &dyn CryptoProvider, a: &Appraisal, signer: &SoftwareSigner) -> String {
    a.run(p, signer)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let id = args.get(1).map_or("bundle/ecc-geneva", String::as_str);
    let n: usize = args.get(2).map_or(20, |a| a.parse().unwrap());
    let each_time = args.get(3).is_some_and(|a| a == "ek-each-time");
    let p = default_provider();
    let a = Appraisal::from_vector(p, id, !each_time);
    let (_, signer) = ear_signer(p);
    black_box(a.run(p, &signer));
    let mut last = String::new();
    for _ in 0..n {
        last = black_box(one(p, &a, &signer));
    }
    println!("{} appraisals, last token {} bytes", n, last.len());
}
