//! The appraisal-to-signatures ratio measured interleaved (a benchmark, not a test): rounds of
//! full appraisals (benches/appraise.rs `appraisal/<ak>`) alternate with rounds of their
//! signature operations alone (`signatures/<ak>`) in one process, so that a change in the
//! machine's speed during the run (other load, frequency) moves both sides alike. Criterion
//! measures its groups one after the other, minutes apart, and can catch the appraisal in one
//! of a shared host's fast phases and its signatures in a slow one; so `make bench-appraisal`
//! prints both and decides on these figures.
//!
//! ```text
//! cargo run --release -p aegis-core --example appraise_ratio --features native [ROUNDS [OUT.json]]
//! ```
//!
//! With `OUT.json` the medians are also written there, for benches/appraisal_summary.py:
//! `{"<ak>": {"appraisal_ns", "signatures_ns", "ratio", "per_second"}}`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::time::Instant;

use aegis_core::crypto::default_provider;

#[path = "support/appraisal.rs"]
mod appraisal;

use appraisal::{ear_signer, Appraisal, SignatureOps, VECTORS};

/// Operations per timed round.
const PER_ROUND: u32 = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(30, |a| a.parse().unwrap());
    let out = std::env::args().nth(2);
    let mut figures = serde_json::Map::new();
    let p = default_provider();
    let (verifier, signer) = ear_signer(p);
    println!("interleaved, {rounds} rounds of {PER_ROUND}: median per operation");
    for (label, id) in VECTORS {
        let a = Appraisal::from_vector(p, id, true);
        let ops = SignatureOps::from_vector(p, id, &signer);
        black_box(a.run(p, &signer));
        let (mut full, mut sigs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            for _ in 0..PER_ROUND {
                black_box(a.run(p, &signer));
            }
            let f = t.elapsed().as_secs_f64() / f64::from(PER_ROUND);
            let t = Instant::now();
            for _ in 0..PER_ROUND {
                ops.run(p, &verifier);
            }
            let s = t.elapsed().as_secs_f64() / f64::from(PER_ROUND);
            full.push(f);
            sigs.push(s);
            ratios.push(f / s);
        }
        let (f, s, ratio) = (median(full), median(sigs), median(ratios));
        println!(
            "{label:<16}{:>10.1}us{:>10.1}us{:>7.2}x{:>12.0}",
            f * 1e6,
            s * 1e6,
            ratio,
            1.0 / f
        );
        figures.insert(
            label.to_owned(),
            serde_json::json!({
                "appraisal_ns": f * 1e9,
                "signatures_ns": s * 1e9,
                "ratio": ratio,
                "per_second": 1.0 / f,
            }),
        );
    }
    if let Some(path) = out {
        std::fs::write(&path, serde_json::to_vec_pretty(&figures).unwrap()).unwrap();
    }
}
