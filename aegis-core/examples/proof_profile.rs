//! A fixed number of DPoR verifications or bare ES256 verifications (benches/proof.rs), for
//! load-independent instruction counts under callgrind (a benchmark, not a test):
//!
//! ```text
//! cargo build --release -p aegis-core --example proof_profile
//! valgrind --tool=callgrind --toggle-collect='*proof_profile::one*' \
//!     target/release/examples/proof_profile dpor 200
//! ```
//!
//! Arguments: what (`dpor`: `verify_proof` with the EAR verified once and a warm
//! `MemoryReplayCache`; `dpor-ear`: the EAR verified in each; `bare`: SHA-256 and P-256 ECDSA
//! verify of the proof's signing input; `bare2`: that and the EAR's) and the count (after one
//! untimed warm-up). `--toggle-collect` on `one` counts the verifications only: divide the
//! total by the count (`callgrind_annotate` prints it first).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[allow(dead_code)] // the bench uses all of it
#[path = "support/proofs.rs"]
mod proofs;

use aegis_core::token::MemoryReplayCache;
use proofs::Fixture;

/// One verification.
fn verify(fx: &Fixture, what: &str, i: usize, cache: &MemoryReplayCache) {
    match what {
        "dpor" => fx.dpor(i, cache, false),
        "dpor-ear" => fx.dpor(i, cache, true),
        "bare" => fx.bare(),
        "bare2" => fx.bare2(),
        _ => panic!("dpor, dpor-ear, bare or bare2"),
    }
}

/// One counted verification.
#[inline(never)]
fn one(fx: &Fixture, what: &str, i: usize, cache: &MemoryReplayCache) {
    verify(fx, what, i, cache);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("dpor", String::as_str);
    let n: usize = args.get(2).map_or(200, |a| a.parse().unwrap());
    let fx = Fixture::new(n + 1);
    let (cache, base) = fx.take(n + 1);
    verify(&fx, what, base, &cache);
    for i in 1..=n {
        one(&fx, what, base + i, &cache);
    }
    println!("{n} {what} verifications");
}
