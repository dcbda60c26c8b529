//! The appraisal-to-signatures ratio measured interleaved (a benchmark, not a test): rounds of
//! full appraisals (benches/appraise.rs `appraisal/<ak>`) alternate with rounds of their
//! signature operations alone (`signatures/<ak>`) in one process, so that a change in the
//! machine's speed during the run (other load, frequency) moves both sides alike. Criterion
//! measures its groups one after the other, minutes apart, and can catch the appraisal in one
//! of a shared host's fast phases and its signatures in a slow one; so `make bench-appraisal`
//! prints both and decides on these figures.
//!
//! Every native provider compiled in takes its turn in each round: OpenSSL, and AWS-LC with
//! the `aws-lc` feature (issue 11, item 9: "measure aws-lc-rs as the native provider and report
//! both"). Each has its own EAR key and prepared AK keys (a provider's parsed keys are its own).
//!
//! ```text
//! cargo run --release -p aegis-core --example appraise_ratio --features native,aws-lc [ROUNDS [OUT.json]]
//! ```
//!
//! With `OUT.json` the medians are also written there, for benches/appraisal_summary.py:
//! `{"<provider>": {"<ak>": {"appraisal_ns", "signatures_ns", "ratio", "per_second"}}}`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::time::Instant;

use aegis_core::crypto::{all_providers, CryptoProvider};

#[path = "support/appraisal.rs"]
mod appraisal;

use appraisal::{ear_signer, Appraisal, SignatureOps, VECTORS};

/// Operations per timed round.
const PER_ROUND: u32 = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What one provider's rounds run: its EAR key and signer, and per vector the appraisal and
/// its signature operations, with the samples taken so far.
struct Subject {
    p: &'static dyn CryptoProvider,
    verifier: aegis_core::crypto::PrivateKey,
    signer: aegis_core::crypto::SoftwareSigner<'static>,
    vectors: Vec<(&'static str, Appraisal, SignatureOps, Samples)>,
}

#[derive(Default)]
struct Samples {
    full: Vec<f64>,
    sigs: Vec<f64>,
    ratios: Vec<f64>,
}

/// Seconds per call of `f`, over `PER_ROUND` calls.
fn per_call(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..PER_ROUND {
        f();
    }
    t.elapsed().as_secs_f64() / f64::from(PER_ROUND)
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(30, |a| a.parse().unwrap());
    let out = std::env::args().nth(2);
    // The native providers: RustCrypto is the no-C-toolchain fallback, not a throughput candidate.
    let mut subjects: Vec<Subject> = all_providers()
        .into_iter()
        .filter(|p| p.name() != "rustcrypto")
        .map(|p| {
            let (verifier, signer) = ear_signer(p);
            let vectors = VECTORS
                .iter()
                .map(|&(label, id)| {
                    let a = Appraisal::from_vector(p, id, true);
                    let ops = SignatureOps::from_vector(p, id, &signer);
                    black_box(a.run(p, &signer));
                    (label, a, ops, Samples::default())
                })
                .collect();
            Subject {
                p,
                verifier,
                signer,
                vectors,
            }
        })
        .collect();
    for _ in 0..rounds {
        for s in &mut subjects {
            let (p, signer, verifier) = (s.p, &s.signer, &s.verifier);
            for (_, a, ops, samples) in &mut s.vectors {
                let f = per_call(|| {
                    black_box(a.run(p, signer));
                });
                let g = per_call(|| ops.run(p, verifier));
                samples.full.push(f);
                samples.sigs.push(g);
                samples.ratios.push(f / g);
            }
        }
    }
    let mut figures = serde_json::Map::new();
    println!("interleaved, {rounds} rounds of {PER_ROUND}: median per operation");
    for s in subjects {
        let mut by_ak = serde_json::Map::new();
        for (label, _, _, samples) in s.vectors {
            let (f, g, ratio) = (
                median(samples.full),
                median(samples.sigs),
                median(samples.ratios),
            );
            println!(
                "{:<10}{label:<16}{:>10.1}us{:>10.1}us{:>7.2}x{:>12.0}",
                s.p.name(),
                f * 1e6,
                g * 1e6,
                ratio,
                1.0 / f
            );
            by_ak.insert(
                label.to_owned(),
                serde_json::json!({
                    "appraisal_ns": f * 1e9,
                    "signatures_ns": g * 1e9,
                    "ratio": ratio,
                    "per_second": 1.0 / f,
                }),
            );
        }
        figures.insert(s.p.name().to_owned(), by_ak.into());
    }
    if let Some(path) = out {
        std::fs::write(&path, serde_json::to_vec_pretty(&figures).unwrap()).unwrap();
    }
}
