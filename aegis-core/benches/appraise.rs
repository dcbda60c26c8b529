//! Criterion benches of the attestation-result path (issue 11, item 9), on the swtpm bundle
//! vectors (testdata/gen/make_bundle_vectors.py), native provider:
//!
//! - `appraisal/<ak>`: a full appraisal: `appraise_bundle` (AK binding, EK certificate, certify,
//!   quote, PCR reference values, location log replay, jurisdiction, geofence) plus the EAR
//!   signed as an ES256 JWT, with the agent's enrolment kept in memory as a verifier keeps it
//!   (`AkBinding::from_enrolment_record_certified`: the EK chain verified once; the AK checked
//!   in every appraisal, its provider key prepared once by the kept binding);
//! - `appraisal-ek-chain-each-time/<ak>`: the same with the EK certificate chain verified again
//!   in every appraisal (enrolment restored from its record only);
//! - `signatures/<ak>`: only its signature operations, straight on the provider: the certify's
//!   and the quote's signature verifications (with the AK's provider key prepared once, as in
//!   the appraisal), each with the SHA-256 of its TPMS_ATTEST, and the EAR's ES256 signature
//!   with the SHA-256 of its JWS signing input;
//! - `ak-key/<ak>/{fresh,prepared}`: one quote signature verification with the AK turned into
//!   a provider key for that call, or with the key prepared once: what the kept enrolment saves.
//!
//! `make bench-appraisal` runs it and prints appraisals per second per core and the ratio of
//! the appraisal to its signature operations (target: at most 1.3x), beside the same measured
//! interleaved in one process (examples/appraise_ratio.rs), whose figures decide: this host's
//! speed changes between criterion's groups, which it measures a minute or more apart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::time::Duration;

use aegis_core::crypto::{default_provider, KeyCache};
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../examples/support/appraisal.rs"]
mod appraisal;

use appraisal::{ear_signer, Appraisal, SignatureOps, VECTORS};

fn bench(c: &mut Criterion) {
    let p = default_provider();
    let (verifier, signer) = ear_signer(p);
    for (group, ek_verified_once) in [("appraisal", true), ("appraisal-ek-chain-each-time", false)]
    {
        let mut g = c.benchmark_group(group);
        g.measurement_time(Duration::from_secs(6));
        for (label, id) in VECTORS {
            let a = Appraisal::from_vector(p, id, ek_verified_once);
            g.bench_function(label, |b| b.iter(|| black_box(a.run(p, &signer))));
        }
        g.finish();
    }

    let mut g = c.benchmark_group("signatures");
    g.measurement_time(Duration::from_secs(6));
    for (label, id) in VECTORS {
        let ops = SignatureOps::from_vector(p, id, &signer);
        g.bench_function(label, |b| b.iter(|| ops.run(p, &verifier)));
    }
    g.finish();

    let mut g = c.benchmark_group("ak-key");
    g.measurement_time(Duration::from_secs(4));
    for (label, id) in VECTORS {
        let ops = SignatureOps::from_vector(p, id, &signer);
        g.bench_function(format!("{label}/fresh"), |b| {
            b.iter(|| ops.verify_quote_with(p, &KeyCache::default()))
        });
        let prepared = KeyCache::default();
        g.bench_function(format!("{label}/prepared"), |b| {
            b.iter(|| ops.verify_quote_with(p, &prepared))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
